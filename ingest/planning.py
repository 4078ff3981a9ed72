"""Engagement-planning tables (needs, strengths, nation_factors): compared with the graph, then written.

Needs given for a component replace that component's needs; strengths given for a nation replace
that nation's strengths; a nation's factors are replaced by its row. Owners not in the input are
left alone. Rows are compared with what the graph holds, so an identical re-ingest writes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import schema
from graph.connection import Graph
from graph.values import plain
from ingest.state import provenance
from ingest.validate import Plan, Record


@dataclass(frozen=True)
class Spec:
    """How one planning table maps onto the graph: owner, target and the values a row carries."""

    table: str
    owner_label: str
    owner_key: str  # record column naming the owner
    target_key: str | None  # record column naming the target technology (None: factors)
    values: tuple[str, ...]
    rel: str | None  # relationship from owner to technology (None: factors)


SPECS = (
    Spec(
        "needs",
        schema.COMPONENT.label,
        "component",
        "technology",
        ("priority", "programs"),
        schema.NEEDS.type,
    ),
    Spec("strengths", schema.NATION.label, "nation", "technology", ("strength",), schema.STRENGTH_IN.type),
    Spec(
        "nation_factors",
        schema.NATION.label,
        "nation",
        None,
        ("regional_priority", "cooperative_potential"),
        None,
    ),
)


@dataclass
class Change:
    """What one planning table changes: the owners to rewrite with their rows, and counts."""

    spec: Spec
    rows: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # owner -> target -> values
    before: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # as the graph held it
    counts: Counter[str] = field(default_factory=Counter)


def _wanted(spec: Spec, records: list[Record]) -> dict[str, dict[str, dict[str, Any]]]:
    """owner -> target -> values (with source) from the validated records."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for rec in records:
        target = rec[spec.target_key] if spec.target_key else rec[spec.owner_key]
        values = {v: rec[v] for v in spec.values} | {"source": provenance(rec)}
        out.setdefault(rec[spec.owner_key], {})[target] = values
    return out


def _held(graph: Graph, spec: Spec, owners: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """What the graph holds for these owners, in the same shape."""
    keys = ", ".join(f"{v}: r.{v}" for v in (*spec.values, "source"))
    if spec.target_key is None:
        cypher = (
            f"MATCH (r:{schema.NATION_FACTORS.label}) WHERE r.nation IN $owners "
            f"RETURN r.nation AS owner, r.nation AS target, {{{keys}}} AS v"
        )
    else:
        key = schema.NODES[spec.owner_label].key
        cypher = (
            f"MATCH (o:{spec.owner_label})-[r:{spec.rel}]->(t:{schema.TECHNOLOGY.label}) "
            f"WHERE o.{key} IN $owners RETURN o.{key} AS owner, t.id AS target, {{{keys}}} AS v"
        )
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for row in graph.read(cypher, {"owners": owners}):
        out.setdefault(row["owner"], {})[row["target"]] = plain(row["v"])
    return out


def changes(graph: Graph, plan: Plan) -> list[Change]:
    """Compare each planning table of the input with the graph."""
    out = []
    for spec in SPECS:
        if spec.table not in plan.records:
            continue
        wanted = _wanted(spec, plan.records[spec.table])
        held = _held(graph, spec, sorted(wanted))
        change = Change(spec)
        for owner, targets in wanted.items():
            before = held.get(owner, {})
            for target, values in targets.items():
                status = (
                    "unchanged"
                    if before.get(target) == values
                    else "updated"
                    if target in before
                    else "created"
                )
                change.counts[status] += 1
            gone = len(set(before) - set(targets))
            if gone:
                change.counts["removed"] += gone
            if before != targets:
                change.rows[owner] = targets
                change.before[owner] = before
        out.append(change)
    return out


def write(tx: neo4j.Transaction, found: list[Change], run_id: str) -> None:
    """Rewrite the changed owners' rows inside the ingest's transaction."""
    for change in found:
        if not change.rows:
            continue
        rows = [
            {"owner": o, "target": t, "props": v | {"run_id": run_id}}
            for o, targets in change.rows.items()
            for t, v in targets.items()
        ]
        owners = sorted(change.rows)
        if change.spec.target_key is None:
            _write_factors(tx, owners, rows)
        else:
            _write_links(tx, change.spec, owners, rows)


def _write_links(tx: neo4j.Transaction, spec: Spec, owners: list[str], rows: list[dict[str, Any]]) -> None:
    """Replace NEEDS or STRENGTH_IN relationships of the given owners."""
    rel, key = spec.rel, schema.NODES[spec.owner_label].key
    owner = f"(o:{spec.owner_label} {{{key}: row.owner}})"
    tx.run(
        f"MATCH (o:{spec.owner_label})-[r:{rel}]->() WHERE o.{key} IN $owners DELETE r", owners=owners
    ).consume()
    tx.run(
        f"UNWIND $rows AS row MATCH {owner} MATCH (t:{schema.TECHNOLOGY.label} {{id: row.target}}) "
        f"CREATE (o)-[r:{rel}]->(t) SET r = row.props",
        rows=rows,
    ).consume()


def _write_factors(tx: neo4j.Transaction, owners: list[str], rows: list[dict[str, Any]]) -> None:
    """Replace the NationFactors node of each given nation, linked to its nation."""
    label = schema.NATION_FACTORS.label
    tx.run(f"MATCH (f:{label}) WHERE f.nation IN $owners DETACH DELETE f", owners=owners).consume()
    tx.run(
        f"UNWIND $rows AS row MATCH (n:{schema.NATION.label} {{code: row.owner}}) "
        f"CREATE (f:{label})-[:{schema.RATES.type}]->(n) SET f = row.props, f.nation = row.owner",
        rows=rows,
    ).consume()
