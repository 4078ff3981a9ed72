"""Load the .cypher files into named queries, check their headers, and run them read-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from graph.connection import Graph, without_literals
from graph.errors import NotFoundError
from graph.values import plain
from queries.param import Param, bind, parse_decls

QUERY_DIR = Path(__file__).resolve().parent
_HEADER = re.compile(r"^//\s*(name|purpose|params|returns):\s*(.*)$")
#: List fields that are paths, whose order is the answer; every other list field is sorted.
ORDERED = frozenset({"chain"})
_TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_RETURN = re.compile(r"\bRETURN\b", re.IGNORECASE)
_UNION = re.compile(r"\bUNION\b", re.IGNORECASE)
#: The one column of a packed query: every row as a list, in the order of the header's `returns`.
PACKED = "stkg_rows"


@dataclass(frozen=True)
class Query:
    """One named .cypher query with its declared parameters and returned columns."""

    name: str
    purpose: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    text: str
    path: Path
    packed: str | None = None

    def bind(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed parameters from caller values."""
        return bind(self.name, self.params, raw)

    def run(self, graph: Graph, raw: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run in a read-only transaction; list fields come back sorted."""
        return [{k: _field(k, v) for k, v in row.items()} for row in self.records(graph, raw)]

    def records(self, graph: Graph, raw: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows with the driver's values as they come (lists in engine order, dates as driver dates).

        For composed analyses that turn the lists into sets anyway: at 200k agreements, converting and
        sorting an export's 300,000 values cost 0.7 s that such a caller would throw away. A packed
        query brings every row in one Bolt record (ArcadeDB flushes every record on its own).
        """
        if self.packed is None:
            return graph.read(self.text, self.bind(raw or {}))
        return [dict(zip(self.returns, values, strict=True)) for values in self.values(graph, raw)]

    def values(self, graph: Graph, raw: dict[str, Any] | None = None) -> list[list[Any]]:
        """Rows as lists in the order of `returns`, as `records` reads them, without a dict per row (150,000
        rows of a link table: 0.15 s of dicts that a caller grouping by position does not need)."""
        if self.packed is None:
            return [[row[c] for c in self.returns] for row in self.records(graph, raw)]
        [packed] = graph.read(self.packed, self.bind(raw or {}))
        return packed[PACKED]  # type: ignore[no-any-return]

    def frame(self, graph: Graph, raw: dict[str, Any] | None = None) -> pd.DataFrame:
        """The result as a DataFrame with exactly the documented columns."""
        return pd.DataFrame(self.run(graph, raw), columns=list(self.returns))


def _field(name: str, value: Any) -> Any:
    """A plain value; lists of scalars sorted so answers are stable whatever order the engine used."""
    value = plain(value)
    if type(value) is list and name not in ORDERED and all(type(v) in _SORTABLE for v in value):
        value.sort()
    return value


_SORTABLE = frozenset({str, int, float, bool})


def parse(path: Path) -> Query:
    """Parse a .cypher file; raises ValueError when its header and body disagree."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if not m:
            break
        header[m.group(1)] = m.group(2).strip()
    missing = {"name", "purpose", "params", "returns"} - set(header)
    if missing:
        raise ValueError(f"{path.name}: header lacks {', '.join(sorted(missing))}")
    params = parse_decls(header["params"])
    used = set(_TOKEN.findall(without_literals(text)))
    declared = {p.name for p in params}
    if used != declared:
        raise ValueError(
            f"{path.name}: declared parameters {sorted(declared)} but the query uses {sorted(used)}"
        )
    returns = tuple(c.strip() for c in header["returns"].split(",") if c.strip())
    return Query(header["name"], header["purpose"], params, returns, text, path, pack(text, returns))


def pack(text: str, returns: tuple[str, ...]) -> str | None:
    """The query with its final RETURN turned into WITH and one collected row; None when it cannot be.

    ArcadeDB flushes every Bolt record on its own, so 20,000 rows cost the driver 20,000 socket reads
    (0.6 s); one record holding them all costs 40 ms. Same rows, same order: WITH keeps DISTINCT,
    ORDER BY, SKIP and LIMIT, and collect() keeps the order it is fed.
    """
    bare = without_literals(text)
    found = list(_RETURN.finditer(bare))
    if not found or _UNION.search(bare) or not returns:
        return None
    at = found[-1]
    columns = ", ".join(returns)
    return f"{text[: at.start()]}WITH{text[at.end() :].rstrip()}\nRETURN collect([{columns}]) AS {PACKED}"


ENTITY_DIR = QUERY_DIR / "entity"
#: One Cypher query per composed analysis that returns the same rows (for Neo4j Browser, and for
#: running on a Neo4j server, which does the work there).
DEFINITION_DIR = QUERY_DIR / "definitional"


def _load(folder: Path) -> dict[str, Query]:
    """Parse every .cypher file of one folder, by name."""
    found = [parse(p) for p in sorted(folder.glob("*.cypher"))]
    return {q.name: q for q in found}


@cache
def queries() -> dict[str, Query]:
    """Every analysis query shipped in queries/, by name (checked once per process)."""
    return _load(QUERY_DIR)


@cache
def entity_queries() -> dict[str, Query]:
    """The entity lookups behind the API and pages (queries/entity/), by name."""
    return _load(ENTITY_DIR)


@cache
def definitions() -> dict[str, Query]:
    """The definitional Cypher of the composed analyses (queries/definitional/), by analysis name."""
    return _load(DEFINITION_DIR)


def all_files() -> list[Path]:
    """Every shipped .cypher file, for the lint."""
    return sorted(
        [*QUERY_DIR.glob("*.cypher"), *ENTITY_DIR.glob("*.cypher"), *DEFINITION_DIR.glob("*.cypher")]
    )


def get(name: str) -> Query:
    """Look a query up by name, suggesting close names when it is unknown."""
    import difflib

    qs = queries() | entity_queries()
    if name not in qs:
        raise NotFoundError(f"no query named {name!r}", difflib.get_close_matches(name, list(qs)))
    return qs[name]
