"""Write the changed owners in batches of UNWIND ... MERGE, all inside one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import neo4j

from graph.settings import Settings
from ingest.mapping import NODE_TABLES, NodeTable, Owned
from ingest.state import BY_LABEL_KEY, NodeState

Progress = Callable[[int], None]


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    """Split a list into batches of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def _upsert_nodes(
    tx: neo4j.Transaction, spec: NodeTable, rows: list[dict[str, Any]], size: int, tick: Progress
) -> None:
    """MERGE on the key, then replace the node's properties with the row's."""
    cypher = f"UNWIND $rows AS row MERGE (n:{spec.label} {{{spec.key}: row.key}}) SET n = row.props"
    for batch in _batches(rows, size):
        tx.run(cypher, {"rows": batch}).consume()
        tick(len(batch))


def _replace_rels(
    tx: neo4j.Transaction,
    spec: NodeTable,
    owned: Owned,
    keys: list[str],
    rels: list[dict[str, Any]],
    size: int,
    tick: Progress,
) -> None:
    """Delete an owner's managed relationships of one kind, then create the wanted ones."""
    arrow = f"-[r:{owned.type}]->" if owned.outgoing else f"<-[r:{owned.type}]-"
    other_key = BY_LABEL_KEY[owned.other]
    owner = f"(n:{spec.label} {{{spec.key}: k}})"
    delete = f"UNWIND $keys AS k MATCH {owner}{arrow}(:{owned.other}) DELETE r"
    create = (
        f"UNWIND $rels AS x MATCH (n:{spec.label} {{{spec.key}: x.owner}}) "
        f"MATCH (m:{owned.other} {{{other_key}: x.other}}) CREATE (n){arrow}(m) SET r = x.props"
    )
    for batch in _batches(keys, size):
        tx.run(delete, {"keys": batch}).consume()
    for batch in _batches(rels, size):
        tx.run(create, {"rels": batch}).consume()
        tick(len(batch))


def plan_size(states: dict[str, dict[str, NodeState]]) -> int:
    """Rows plus relationships the write will send, for the progress bar."""
    changed = [s for t in states.values() for s in t.values() if s.status in ("created", "updated")]
    return sum(1 + sum(len(r) for r in s.rels.values()) for s in changed)


def write(
    tx: neo4j.Transaction,
    states: dict[str, dict[str, NodeState]],
    run_id: str,
    settings: Settings,
    tick: Progress,
) -> None:
    """Nodes of every table first (so references resolve), then relationships."""
    size = settings.batch_size
    changed = {
        spec.table: {
            k: s for k, s in states[spec.table].items() if s.status in ("created", "updated")
        }
        for spec in NODE_TABLES
    }
    for spec in NODE_TABLES:
        rows = [
            {"key": k, "props": {**_props(s.props), "run_id": run_id}}
            for k, s in changed[spec.table].items()
            if s.props is not None
        ]
        _upsert_nodes(tx, spec, rows, size, tick)
    for spec in NODE_TABLES:
        for owned in spec.owned:
            owners = {k: s for k, s in changed[spec.table].items() if owned in s.rels}
            rels = [
                {"owner": k, "other": o, "props": {**_props(p), "run_id": run_id}}
                for k, s in owners.items()
                for o, p in s.rels[owned].items()
            ]
            _replace_rels(tx, spec, owned, list(owners), rels, size, tick)


def _props(props: dict[str, Any] | None) -> dict[str, Any]:
    """Drop empty values so they are absent, not stored as nulls or empty lists."""
    return {k: v for k, v in (props or {}).items() if v is not None and v != []}
