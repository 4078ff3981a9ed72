"""The graph written back out in exactly the ingest contract (CSV directory, XLSX workbook, JSON),
or as GraphML for Gephi, yEd and Cytoscape.

Export, ingest into an empty data directory and export again gives identical files: rows are
sorted by key, lists by value, and each row's `source` is the user's own text without the
`[file:row]` provenance stkg appends when it loads a row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graph import schema
from graph.connection import Graph
from graph.errors import ParameterError
from graph.values import escaped, plain, values_only
from ingest.contract import BY_NAME, ORDER, PLANNING, Column
from ingest.mapping import NODE_TABLES, NodeTable, Owned

Row = dict[str, Any]
FORMATS = ("csv", "xlsx", "json", "graphml")


def own_source(stored: Any) -> str | None:
    """The user's source text of a row: the stored provenance without its trailing ' [file:row]'."""
    text = str(stored or "")
    found = re.fullmatch(r"(.*) \[[^\[\]]*\]", text, re.S)
    return found.group(1) if found else None


def _rels(graph: Graph, spec: NodeTable, owned: Owned) -> dict[str, dict[str, dict[str, Any]]]:
    """owner key -> other key -> relationship properties, for one owned relationship set."""
    arrow = f"-[r:{owned.type}]->" if owned.outgoing else f"<-[r:{owned.type}]-"
    other_key = schema.NODES[owned.other].key
    rows = graph.read(
        f"MATCH (n:{spec.label}){arrow}(m:{owned.other}) "
        f"RETURN n.{spec.key} AS k, m.{other_key} AS o, properties(r) AS p"
    )
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["k"], {})[r["o"]] = plain(r["p"])
    return out


def _node_rows(graph: Graph, spec: NodeTable) -> tuple[list[Row], dict[str, dict[str, dict[str, Any]]]]:
    """Rows of one node table, and the membership or party links that rows of their own table hold."""
    nodes = {
        r["k"]: plain(r["p"])
        for r in graph.read(f"MATCH (n:{spec.label}) RETURN n.{spec.key} AS k, properties(n) AS p")
    }
    table = BY_NAME[spec.table]
    rows = {k: {c: p.get(c) for c in table.names} for k, p in nodes.items()}
    for k, p in nodes.items():
        rows[k]["source"] = own_source(p.get("source"))
    extra: dict[str, dict[str, dict[str, Any]]] = {}
    for owned in spec.owned:
        links = _rels(graph, spec, owned)
        if owned.column == "members":
            extra = links
            continue
        for k, row in rows.items():
            others = sorted(links.get(k, {}))
            row[owned.column] = (
                others
                if table.column(owned.column).type in ("list", "nations")
                else (others[0] if others else None)
            )
        if owned.column == "parties":
            extra = {
                k: {o: p for o, p in v.items() if _own_row(p, nodes[k])}
                for k, v in links.items()
                if k in nodes
            }
    return [rows[k] for k in sorted(rows)], extra


def _own_row(link: dict[str, Any], owner: dict[str, Any]) -> bool:
    """A party link that came from a parties row (its own source or values), not the agreement's list."""
    return link.get("source") != owner.get("source") or any(
        link.get(p) is not None for p in ("contribution", "benefit", "contribution_value", "benefit_value")
    )


def _link_rows(table: str, owner_col: str, links: dict[str, dict[str, dict[str, Any]]]) -> list[Row]:
    """Membership or party rows from relationship properties."""
    columns = BY_NAME[table].names
    rows = []
    for owner, others in links.items():
        for nation, p in others.items():
            row = {c: p.get(c) for c in columns} | {owner_col: owner, "nation": nation}
            rows.append(row | {"source": own_source(p.get("source"))})
    key = BY_NAME[table].key
    return sorted(rows, key=lambda r: tuple(str(r.get(k) or "") for k in key))


def _planning_rows(graph: Graph, table: str) -> list[Row]:
    """needs, strengths and nation_factors from their relationships and nodes."""
    if table == "nation_factors":
        found = graph.read(f"MATCH (f:{schema.NATION_FACTORS.label}) RETURN properties(f) AS p")
        rows = [plain(r["p"]) for r in found]
    else:
        owner, rel, col = (
            ("Component", schema.NEEDS.type, "component")
            if table == "needs"
            else ("Nation", schema.STRENGTH_IN.type, "nation")
        )
        key = schema.NODES[owner].key
        found = graph.read(
            f"MATCH (o:{owner})-[r:{rel}]->(t:Technology) RETURN o.{key} AS o, t.id AS t, properties(r) AS p"
        )
        rows = [plain(r["p"]) | {col: r["o"], "technology": r["t"]} for r in found]
    spec = BY_NAME[table]
    out = [{c: r.get(c) for c in spec.names} | {"source": own_source(r.get("source"))} for r in rows]
    return sorted(out, key=lambda r: tuple(str(r.get(k) or "") for k in spec.key))


def tables(graph: Graph, only: Iterable[str] | None = None) -> dict[str, list[Row]]:
    """The graph as contract tables, typed (ints, booleans, dates as ISO text, lists), in contract order."""
    wanted = list(only) if only else list(ORDER)
    unknown = [t for t in wanted if t not in BY_NAME]
    if unknown:
        raise ParameterError(
            f"not a table: {', '.join(unknown)} (tables: {', '.join(ORDER)})", field="tables"
        )
    out: dict[str, list[Row]] = {}
    for spec in NODE_TABLES:
        rows, links = _node_rows(graph, spec)
        out[spec.table] = rows
        if spec.table == "forums":
            out["memberships"] = _link_rows("memberships", "forum", links)
        if spec.table == "agreements":
            out["parties"] = _link_rows("parties", "agreement", links)
    for table in PLANNING:
        out[table] = _planning_rows(graph, table)
    return {t: out[t] for t in ORDER if t in wanted and (out[t] or only)}


def csv_cell(column: Column, value: Any) -> str:
    """A value as the contract's CSV writes it; text starting like a formula gets a leading "'"."""
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if column.type in ("int", "number") else escaped(text)  # the reader takes the "'" off


def to_csv(table: str, rows: list[Row]) -> str:
    """One table as CSV text in contract column order (CRLF line ends, RFC 4180)."""
    spec = BY_NAME[table]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(spec.names)
    for row in rows:
        writer.writerow([csv_cell(c, row.get(c.name)) for c in spec.columns])
    return buf.getvalue()


def write_csv(found: dict[str, list[Row]], out: Path) -> list[Path]:
    """A directory with one CSV per table."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in found.items():
        path = out / f"{table}.csv"
        path.write_bytes(to_csv(table, rows).encode("utf-8"))
        written.append(path)
    return written


def xlsx_value(column: Column, value: Any) -> Any:
    """A workbook cell keeping its type: whole numbers, booleans and dates as such, lists joined."""
    if value is None or value == []:
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if column.type == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def write_xlsx(found: dict[str, list[Row]], out: Path) -> None:
    """A workbook with one sheet per table; cells are values, never formulas."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for table, rows in found.items():
        spec = BY_NAME[table]
        sheet = book.create_sheet(table)
        sheet.append(spec.names)
        for row in rows:
            sheet.append([xlsx_value(c, row.get(c.name)) for c in spec.columns])
        values_only(sheet)
    book.save(out)


def write_json(found: dict[str, list[Row]], out: Path) -> None:
    """{table: [row objects]} with lists as arrays and empty cells left out."""
    doc = {
        t: [{k: v for k, v in r.items() if v is not None and v != []} for r in rows]
        for t, rows in found.items()
    }
    out.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_graphml(graph: Graph, out: Path) -> tuple[int, int]:
    """Every node (with its label and key properties) and relationship, by networkx's GraphML writer."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for r in graph.read("MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS p"):
        g.add_node(r["id"], label=r["labels"][0], **_graphml_props(plain(r["p"])))
    for r in graph.read(
        "MATCH (a)-[r]->(b) RETURN elementId(a) AS a, elementId(b) AS b, type(r) AS t, properties(r) AS p"
    ):
        g.add_edge(r["a"], r["b"], type=r["t"], **_graphml_props(plain(r["p"])))
    nx.write_graphml(g, out)
    return g.number_of_nodes(), g.number_of_edges()


def _graphml_props(props: dict[str, Any]) -> dict[str, Any]:
    """GraphML takes scalars only: lists joined with ';', nulls left out."""
    return {k: ";".join(map(str, v)) if isinstance(v, list) else v for k, v in props.items() if v is not None}


def export(graph: Graph, out: Path, fmt: str | None = None, only: Iterable[str] | None = None) -> str:
    """Write the graph to `out` in a format chosen by `fmt` or by the name; returns what was written."""
    fmt = fmt or {".xlsx": "xlsx", ".json": "json", ".graphml": "graphml"}.get(out.suffix.lower(), "csv")
    if fmt not in FORMATS:
        raise ParameterError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})", field="format")
    if fmt == "graphml":
        nodes, edges = write_graphml(graph, out)
        return f"{nodes} nodes and {edges} relationships to {out}"
    found = tables(graph, only)
    {"csv": write_csv, "xlsx": write_xlsx, "json": write_json}[fmt](found, out)  # type: ignore[operator]
    return f"{sum(map(len, found.values()))} rows in {len(found)} tables to {out}"
