"""Desired graph state from validated records, and its difference from what the graph holds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from graph.connection import Graph
from graph.values import plain
from ingest.mapping import BY_TABLE, NODE_TABLES, REL_TABLES, NodeTable, Owned
from ingest.validate import Plan, Record

RelSet = dict[str, dict[str, Any]]  # other key -> relationship properties


@dataclass
class NodeState:
    """What one owner node should look like: properties (None = leave them) and managed sets."""

    props: dict[str, Any] | None
    rels: dict[Owned, RelSet] = field(default_factory=dict)
    status: str = "unchanged"


def _listed(value: Any) -> list[str]:
    """A list cell or a single reference as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _source(rec: Record) -> str:
    """Provenance: the row's own source text, then the file and row it came from."""
    return f"{rec['source']} [{rec['_source']}]" if rec.get("source") else str(rec["_source"])


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Comparable form: plain values, no nulls, no run id."""
    return {k: plain(v) for k, v in props.items() if v is not None and v != [] and k != "run_id"}


def desired(plan: Plan, columns: dict[str, set[str]]) -> dict[str, dict[str, NodeState]]:
    """Owner states per table, with relationship tables folded into their owners."""
    out: dict[str, dict[str, NodeState]] = {t.table: {} for t in NODE_TABLES}
    for spec in NODE_TABLES:
        for rec in plan.records.get(spec.table, []):
            props = {p: rec.get(p) for p in spec.props} | {spec.key: rec[spec.key]}
            props["source"] = _source(rec)
            state = NodeState(props)
            for owned in spec.owned:
                if owned.column in columns.get(spec.table, set()):
                    link = {"source": props["source"]}
                    state.rels[owned] = {o: dict(link) for o in _listed(rec.get(owned.column))}
            out[spec.table][rec[spec.key]] = state
    for table, (owner_table, owner_col, set_name) in REL_TABLES.items():
        _fold(
            plan.records.get(table, []),
            out[owner_table],
            BY_TABLE[owner_table],
            owner_col,
            set_name,
        )
    return out


def _fold(
    records: list[Record],
    owners: dict[str, NodeState],
    spec: NodeTable,
    owner_col: str,
    set_name: str,
) -> None:
    """Add relationship rows (memberships, parties) to their owners' sets."""
    owned = next(o for o in spec.owned if o.column == set_name)
    for rec in records:
        state = owners.setdefault(rec[owner_col], NodeState(None))
        rels = state.rels.setdefault(owned, {})
        props = {p: rec.get(p) for p in owned.props}
        rels[rec["nation"]] = {**rels.get(rec["nation"], {}), **props, "source": _source(rec)}


def existing(
    graph: Graph, spec: NodeTable, states: dict[str, NodeState]
) -> tuple[dict[str, dict[str, Any]], dict[tuple[Owned, str], RelSet]]:
    """Current properties and managed relationship sets of the owners in the input."""
    keys = list(states)
    found = graph.read(
        f"UNWIND $keys AS k MATCH (n:{spec.label} {{{spec.key}: k}}) RETURN k, properties(n) AS p",
        {"keys": keys},
    )
    props = {r["k"]: r["p"] for r in found}
    rels: dict[tuple[Owned, str], RelSet] = defaultdict(dict)
    for owned in {o for s in states.values() for o in s.rels} if props else ():
        arrow = f"-[r:{owned.type}]->" if owned.outgoing else f"<-[r:{owned.type}]-"
        other_key = BY_LABEL_KEY[owned.other]
        rows = graph.read(
            f"UNWIND $keys AS k MATCH (n:{spec.label} {{{spec.key}: k}}){arrow}(m:{owned.other}) "
            f"RETURN k, m.{other_key} AS o, properties(r) AS p",
            {"keys": [k for k, s in states.items() if owned in s.rels and k in props]},
        )
        for r in rows:
            rels[(owned, r["k"])][r["o"]] = r["p"]
    return props, rels


def classify(graph: Graph | None, states: dict[str, dict[str, NodeState]]) -> None:
    """Mark each owner created, updated or unchanged against the graph (all created without one)."""
    for spec in NODE_TABLES:
        table_states = states[spec.table]
        if not table_states:
            continue
        if graph is None:
            for s in table_states.values():
                s.status = "created"
            continue
        props, rels = existing(graph, spec, table_states)
        for key, state in table_states.items():
            if state.props is None:  # parties of an agreement not in the input: add to its set
                for owned, wanted in state.rels.items():
                    if owned.column == "parties":
                        state.rels[owned] = {**rels.get((owned, key), {}), **wanted}
            state.status = _status(key, state, props, rels)


def _status(
    key: str,
    state: NodeState,
    props: dict[str, dict[str, Any]],
    rels: dict[tuple[Owned, str], RelSet],
) -> str:
    """Compare one owner with the graph."""
    if key not in props:
        return "created"
    if state.props is not None and _clean(state.props) != _clean(props[key]):
        return "updated"
    for owned, wanted in state.rels.items():
        have = rels.get((owned, key), {})
        if {o: _clean(p) for o, p in have.items()} != {o: _clean(p) for o, p in wanted.items()}:
            return "updated"
    return "unchanged"


BY_LABEL_KEY = {t.label: t.key for t in NODE_TABLES}
