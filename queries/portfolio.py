"""The agreement exports (duplicate-facts, agreement-links, equitability-facts) assembled in memory from flat
reads, one per relationship type, that every export shares.

Each export's .cypher file gathers its lists with pattern comprehensions, which ArcadeDB answers per
agreement. The flat reads (agreement-rows and four link tables) are read once per graph version whichever
analysis asks first; the rest is dictionary work. At 20k agreements the first answer after a write is 15-20%
faster this way (measured side by side). agreement-facts stays a .cypher export: it keeps only agreements
of three or more parties in the engine, which is cheaper than the whole tables (352 against 487 ms cold at
20k; 2.8 against 5.4 s at 200k). The .cypher files stay the definition: tests/test_portfolio.py requires
the same rows from both, lists compared as multisets, since neither form promises an order inside a list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from queries.catalog import get

Row = dict[str, Any]
#: An export's rows by name (the snapshot's reader, so each flat read is shared and read once).
Read = Callable[[str], list[Row]]
#: A link table's rows as lists, in its `returns` order (no dict per row), by name.
Values = Callable[[str], list[list[Any]]]
#: The snapshot's memo: a value computed once per graph version, by name.
Memo = Callable[[str, Callable[[], Any]], Any]
#: The lists the exports give each agreement, by name: (link table, column).
LISTS = {
    "parties": ("party-links", "nation"),
    "technologies": ("cover-links", "technology"),
    "components": ("lead-links", "component"),
}
#: Which agreement rows an export keeps (None: all of them).
Keep = Callable[[Row], bool] | None
#: Columns every agreement export takes from agreement-rows as they are.
OWN = ("id", "status", "start", "end")


class Tables:
    """The flat reads, grouped by agreement: the lists the pattern comprehensions would have built. Each is
    read and grouped on first use and kept by the snapshot (`memo`), so an export reads only the tables it
    needs and every export shares them."""

    def __init__(self, read: Read, memo: Memo, values: Values) -> None:
        self.read, self._memo, self._values = read, memo, values

    @property
    def agreements(self) -> list[Row]:
        """Every agreement's own columns (agreement-rows), dates as datetime.date."""
        return self.read("agreement-rows")

    def listed(self, name: str) -> dict[str, list[Any]]:
        """One of the lists of LISTS, per agreement."""
        return self._grouped(*LISTS[name])

    def _grouped(self, table: str, column: str) -> dict[str, list[Any]]:
        """One column of a link table, listed per agreement in the order read."""
        grouped = self._memo(f"{table}:{column}", lambda: group(table, column, self.links(table)))
        return grouped  # type: ignore[no-any-return]

    def links(self, table: str) -> list[list[Any]]:
        """A link table's rows as lists, read once per graph version."""
        return self._values(table)

    @property
    def _up(self) -> dict[str, list[tuple[int, str]]]:
        """Each UNDER relationship by its lower end, numbered so a path can use it once."""

        def number() -> dict[str, list[tuple[int, str]]]:
            up: dict[str, list[tuple[int, str]]] = defaultdict(list)
            for edge, (agreement, parent) in enumerate(self.links("under-links")):
                up[agreement].append((edge, parent))
            return dict(up)

        return self._memo("under-links:numbered", number)  # type: ignore[no-any-return]

    def above(self, start: str) -> list[str]:
        """The far end of every path of one or more UNDER relationships from `start`, one entry per path,
        as `[(a)-[:UNDER*1..]->(p:Agreement) | p.id]` lists them (no relationship twice in one path)."""
        up, found = self._up, list[str]()
        if start not in up:
            return found  # most agreements are under none: no walk
        stack: list[tuple[str, frozenset[int]]] = [(start, frozenset())]
        while stack:
            node, used = stack.pop()
            for edge, parent in up.get(node, ()):
                if edge not in used:
                    found.append(parent)
                    stack.append((parent, used | {edge}))
        return found


def group(
    table: str, column: str, rows: list[list[Any]], into: dict[str, list[Any]] | None = None
) -> dict[str, list[Any]]:
    """One column of a link table's rows (as lists), listed per agreement in the order read, added to the
    lists of `into` (a patched snapshot's, queries/patch.py)."""
    returns = get(table).returns
    at, of = returns.index(column), returns.index("agreement")
    out: dict[str, list[Any]] = defaultdict(list, into or {})
    for row in rows:
        out[row[of]].append(row[at])
    return dict(out)  # shared by threads: a missing key must not insert one


def _linked(t: Tables, own: tuple[str, ...], more: Callable[[Row], Row], keep: Keep = None) -> list[Row]:
    """Every agreement's (or every kept agreement's) `own` columns, its parties, technologies and lead
    components, then `more`."""
    parties, technologies, components = (t.listed(k) for k in ("parties", "technologies", "components"))
    agreements = t.agreements if keep is None else filter(keep, t.agreements)
    return [
        {
            **{k: a[k] for k in own},
            "parties": parties.get(a["id"], []),
            "technologies": technologies.get(a["id"], []),
            "components": components.get(a["id"], []),
            **more(a),
        }
        for a in agreements
    ]


def duplicate_facts(t: Tables, keep: Keep = None) -> list[Row]:
    """duplicate-facts.cypher's rows; with `keep`, only the agreements it keeps (the duplicates of one date
    need the active ones: 5,717 of 20,200 at 20k, so building every row cost twice the time)."""
    own = (*OWN, "deliberate_redundancy", "title", "type")
    return _linked(t, own, lambda a: {"above": t.above(a["id"])}, keep)


def agreement_links(t: Tables, keep: Keep = None) -> list[Row]:
    """agreement-links.cypher's rows; with `keep`, only the agreements it keeps."""
    return _linked(t, OWN, lambda a: {"depth": a["depth"]}, keep)


def equitability_facts(t: Tables) -> list[Row]:
    """equitability-facts.cypher's rows, in its order (agreement, nation)."""
    own = {a["id"]: a for a in t.agreements}
    rows = [
        {
            "agreement": agreement,
            **{k: own[agreement][k] for k in ("status", "start", "end")},
            "nation": nation,
            "contribution_value": contribution,
            "benefit_value": benefit,
        }
        for agreement, nation, contribution, benefit in t.links("party-values")
    ]
    return sorted(rows, key=lambda r: (r["agreement"], r["nation"]))


#: The link tables each built export reads (with agreement-rows), so the snapshot can read them at once.
LINKS_OF: dict[str, tuple[str, ...]] = {
    "duplicate-facts": ("party-links", "cover-links", "lead-links", "under-links"),
    "agreement-links": ("party-links", "cover-links", "lead-links"),
    "equitability-facts": ("party-values",),
}
#: Exports built here, by the name of the .cypher file they stand for.
BUILT: dict[str, Callable[[Tables], list[Row]]] = {
    "duplicate-facts": duplicate_facts,
    "agreement-links": agreement_links,
    "equitability-facts": equitability_facts,
}
