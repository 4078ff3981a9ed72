"""Desired graph state from validated records, and its difference from what the graph holds."""

from __future__ import annotations

import hashlib
import json
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


def provenance(rec: Record) -> str:
    """Provenance: the row's own source text, then the file and row it came from."""
    return f"{rec['source']} [{rec['_source']}]" if rec.get("source") else str(rec["_source"])


def fingerprint(state: NodeState) -> str:
    """A digest of everything a row manages (properties and relationship sets), stored on its node."""
    doc = {
        "props": _clean(state.props or {}),
        "rels": {
            f"{o.type}>{o.other}>{o.column}": {k: _clean(v) for k, v in sorted(r.items())}
            for o, r in sorted(state.rels.items(), key=lambda i: i[0].column)
        },
    }
    return hashlib.sha1(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Comparable form: plain values, no nulls, no run id."""
    return {k: plain(v) for k, v in props.items() if v is not None and v != [] and k != "run_id"}


def desired(plan: Plan, columns: dict[str, set[str]]) -> dict[str, dict[str, NodeState]]:
    """Owner states per table, with relationship tables folded into their owners."""
    out: dict[str, dict[str, NodeState]] = {t.table: {} for t in NODE_TABLES}
    for spec in NODE_TABLES:
        for rec in plan.records.get(spec.table, []):
            props = {p: rec.get(p) for p in spec.props} | {spec.key: rec[spec.key]}
            props["source"] = provenance(rec)
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
        rels[rec["nation"]] = {**rels.get(rec["nation"], {}), **props, "source": provenance(rec)}


#: Above this many owners, read the whole label once instead of looking each key up.
SCAN_ABOVE = 2000


def existing(
    graph: Graph, spec: NodeTable, states: dict[str, NodeState]
) -> tuple[dict[str, dict[str, Any]], dict[tuple[Owned, str], RelSet]]:
    """Current properties and managed relationship sets of the owners in the input."""
    scan = len(states) > SCAN_ABOVE
    owner = f"(n:{spec.label})" if scan else f"(n:{spec.label} {{{spec.key}: k}})"
    head = "" if scan else "UNWIND $keys AS k "
    keys = {} if scan else {"keys": list(states)}  # a scan sends no keys: a big list could pass Bolt's limit
    found = graph.read(f"{head}MATCH {owner} RETURN n.{spec.key} AS k, properties(n) AS p", keys)
    props = {r["k"]: r["p"] for r in found if r["k"] in states}
    rels: dict[tuple[Owned, str], RelSet] = defaultdict(dict)
    for owned in {o for s in states.values() for o in s.rels} if props else ():
        arrow = f"-[r:{owned.type}]->" if owned.outgoing else f"<-[r:{owned.type}]-"
        rows = graph.read(
            f"{head}MATCH {owner}{arrow}(m:{owned.other}) "
            f"RETURN n.{spec.key} AS k, m.{BY_LABEL_KEY[owned.other]} AS o, properties(r) AS p",
            {} if scan else {"keys": [k for k, s in states.items() if owned in s.rels and k in props]},
        )
        for r in rows:
            if owned in states.get(r["k"], NodeState(None)).rels:
                rels[(owned, r["k"])][r["o"]] = r["p"]
    return props, rels


def classify(graph: Graph | None, states: dict[str, dict[str, NodeState]]) -> None:
    """Mark each owner created, updated or unchanged against the graph (all created without one).

    Rows compare by the fingerprint stored on their node; owners given only relationship rows
    (memberships of a forum, parties of an agreement not in the input) compare in detail.
    """
    for spec in NODE_TABLES:
        table_states = states[spec.table]
        if not table_states:
            continue
        if graph is None:
            for s in table_states.values():
                s.status = "created"
            continue
        full = {k: s for k, s in table_states.items() if s.props is not None}
        stored = _by_fingerprint(graph, spec, full)
        _keep_values(graph, spec, {k: s for k, s in full.items() if s.status == "updated"}, stored)
        partial = {k: s for k, s in table_states.items() if s.props is None}
        if partial:
            props, rels = existing(graph, spec, partial)
            for key, state in partial.items():
                for owned, wanted in state.rels.items():  # parties given alone add to the agreement's set
                    if owned.column == "parties":
                        state.rels[owned] = {**rels.get((owned, key), {}), **wanted}
                state.status = _status(key, state, props, rels)


def collected(graph: Graph, cypher: str, params: dict[str, Any] | None = None) -> list[Any]:
    """The one collected column `x` of a query, packed in one row (a row per node costs a Bolt message
    each); no row at all when nothing matched, on some engines."""
    rows = graph.read(cypher, params)
    return list(rows[0]["x"] or []) if rows else []


def _by_fingerprint(graph: Graph, spec: NodeTable, states: dict[str, NodeState]) -> dict[str, str]:
    """Created when the node is absent, unchanged when its stored fingerprint matches; the stored ones."""
    if not states:
        return {}
    scan = len(states) > SCAN_ABOVE
    query = (  # packed into one row: a row per node cost a Bolt message each
        f"MATCH (n:{spec.label}) RETURN collect([n.{spec.key}, n.fingerprint]) AS x"
        if scan
        else f"UNWIND $keys AS k MATCH (n:{spec.label} {{{spec.key}: k}}) "
        "RETURN collect([k, n.fingerprint]) AS x"
    )
    stored = dict(collected(graph, query, {} if scan else {"keys": list(states)}))
    for key, state in states.items():
        _stamp(state, stored.get(key))
    return stored


def _stamp(state: NodeState, stored: str | None) -> None:
    """Fingerprint what the row manages, and mark it created, unchanged or updated against `stored`."""
    state.props = {k: v for k, v in (state.props or {}).items() if k != "fingerprint"}
    state.props["fingerprint"] = fingerprint(state)
    state.status = (
        "created" if stored is None else "unchanged" if stored == state.props["fingerprint"] else "updated"
    )


def _keep_values(graph: Graph, spec: NodeTable, states: dict[str, NodeState], stored: dict[str, str]) -> None:
    """A link an owner's row lists keeps what a relationship table gave it in an earlier run (a party's
    contribution and benefit values, a membership's role and dates, with their source) when this input has
    no row of that table for it: re-ingesting agreements.csv to fix a title must not make every agreement
    unassessed, nor forums.csv turn a member who left into a current one. A table not sent changes nothing."""
    owned = [o for o in spec.owned if o.props]
    bare = {k: s for k, s in states.items() if any(_given_alone(s.rels.get(o, {}), o) for o in owned)}
    if not bare:
        return
    views = {k: NodeState(s.props, {o: s.rels[o] for o in owned if o in s.rels}) for k, s in bare.items()}
    _, had = existing(graph, spec, views)  # those links only: not every technology and framework link
    for key, state in bare.items():
        for o in owned:
            for other, link in state.rels.get(o, {}).items():
                before = had.get((o, key), {}).get(other) or {}
                if link.keys().isdisjoint(o.props) and any(before.get(p) is not None for p in o.props):
                    state.rels[o][other] = {p: before.get(p) for p in (*o.props, "source")}
        _stamp(state, stored[key])


def _given_alone(links: RelSet, owned: Owned) -> bool:
    """Whether some link comes from the owner's row alone (no relationship row set its values here)."""
    return any(link.keys().isdisjoint(owned.props) for link in links.values())


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
