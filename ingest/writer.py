"""Write the changed owners: batches of UNWIND in one transaction, or new rows through the bulk loader."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import neo4j

from graph import message
from graph.bulk import Loader
from graph.schema import FINGERPRINT, PROVENANCE
from graph.settings import Settings
from ingest.mapping import NODE_TABLES, NodeTable, Owned
from ingest.state import BY_LABEL_KEY, NodeState

#: Told each batch written: how many rows or relationships, and of what ("agreements", "agreements parties").
Progress = Callable[[int, str], None]


def _inline(var: str, names: tuple[str, ...]) -> str:
    """A literal property map read from a parameter map; inline CREATE is cheaper than SET."""
    return "{" + ", ".join(f"{n}: {var}.{n}" for n in names) + "}"


#: A batch's most rows and most bytes (Settings.batch_size, Settings.batch_bytes).
Size = tuple[int, int]


def _batches(items: list[Any], size: Size) -> Iterator[list[Any]]:
    """Batches small enough for one Bolt message (graph/message.py)."""
    return message.batches(items, *size)


def _upsert_nodes(
    tx: neo4j.Transaction, spec: NodeTable, rows: list[dict[str, Any]], size: Size, tick: Progress
) -> None:
    """CREATE new nodes (cheaper than MERGE), MATCH changed ones; both take the row's properties."""
    names = (spec.key, *spec.props, *PROVENANCE, FINGERPRINT)
    create = f"UNWIND $rows AS row CREATE (n:{spec.label} {_inline('row.props', names)})"
    update = f"UNWIND $rows AS row MATCH (n:{spec.label} {{{spec.key}: row.key}}) SET n = row.props"
    for new in (True, False):
        for batch in _batches([r for r in rows if r["new"] is new], size):
            tx.run(create if new else update, {"rows": batch}).consume()
            tick(len(batch), spec.table)


def _replace_rels(
    tx: neo4j.Transaction,
    spec: NodeTable,
    owned: Owned,
    stale: list[str],
    groups: list[dict[str, Any]],
    size: Size,
    tick: Progress,
) -> None:
    """Delete the managed relationships of changed owners, then create the wanted ones."""
    arrow = f"-[r:{owned.type}]->" if owned.outgoing else f"<-[r:{owned.type}]-"
    other_key = BY_LABEL_KEY[owned.other]
    owner = f"(n:{spec.label} {{{spec.key}: k}})"
    props = _inline("x.props", (*owned.props, *PROVENANCE))
    delete = f"UNWIND $keys AS k MATCH {owner}{arrow}(:{owned.other}) DELETE r"
    create = (
        f"UNWIND $rows AS row MATCH (n:{spec.label} {{{spec.key}: row.owner}}) "
        f"UNWIND row.rels AS x MATCH (m:{owned.other} {{{other_key}: x.other}}) "
        f"CREATE (n){arrow.replace(']', f' {props}]')}(m)"
    )
    for batch in _batches(stale, size):
        tx.run(delete, {"keys": batch}).consume()
    for batch in _batches(groups, (max(1, size[0] // 4), size[1])):
        tx.run(create, {"rows": batch}).consume()
        tick(sum(len(g["rels"]) for g in batch), f"{spec.table} {owned.column}")


def split(states: dict[str, dict[str, NodeState]]) -> tuple[dict[str, dict[str, NodeState]], ...]:
    """(new rows with their properties, everything else): what a bulk load may write, and the rest."""
    fresh: dict[str, dict[str, NodeState]] = {t: {} for t in states}
    rest: dict[str, dict[str, NodeState]] = {t: {} for t in states}
    for table, rows in states.items():
        for key, s in rows.items():
            (fresh if s.status == "created" and s.props is not None else rest)[table][key] = s
    return fresh, rest


#: Rows or relationships handed to the bulk loader per call (progress moves this often).
BULK_CHUNK = 50_000


def _chunks(items: Iterator[Any]) -> Iterator[list[Any]]:
    """BULK_CHUNK items at a time, made only as they are taken."""
    while chunk := list(itertools.islice(items, BULK_CHUNK)):
        yield chunk


def load(loader: Loader, states: dict[str, dict[str, NodeState]], run_id: str, tick: Progress) -> None:
    """New nodes of every table, then their relationships, through the bulk loader: the same properties
    and relationships the UNWIND path writes (made a chunk at a time, so a large load holds one copy)."""
    for spec in NODE_TABLES:
        rows = ({**_props(s.props), "run_id": run_id} for s in states[spec.table].values())
        for part in _chunks(rows):
            loader.nodes(spec.label, part)
            tick(len(part), spec.table)
    for spec in NODE_TABLES:
        for owned in spec.owned:
            ends = (spec.label, owned.other) if owned.outgoing else (owned.other, spec.label)
            links = (
                ((k, o) if owned.outgoing else (o, k), {**_props(p), "run_id": run_id})
                for k, s in states[spec.table].items()
                for o, p in s.rels.get(owned, {}).items()
            )
            for chunk in _chunks(links):
                loader.edges(owned.type, ends, [pair for pair, _ in chunk], [props for _, props in chunk])
                tick(len(chunk), f"{spec.table} {owned.column}")


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
    size = (settings.batch_size, settings.batch_bytes)
    changed = {
        spec.table: {k: s for k, s in states[spec.table].items() if s.status in ("created", "updated")}
        for spec in NODE_TABLES
    }
    for spec in NODE_TABLES:
        rows = [
            {"key": k, "new": s.status == "created", "props": {**_props(s.props), "run_id": run_id}}
            for k, s in changed[spec.table].items()
            if s.props is not None
        ]
        _upsert_nodes(tx, spec, rows, size, tick)
    for spec in NODE_TABLES:
        for owned in spec.owned:
            owners = {k: s for k, s in changed[spec.table].items() if owned in s.rels}
            stale = [k for k, s in owners.items() if s.status != "created"]
            groups = [
                {
                    "owner": k,
                    "rels": [
                        {"other": o, "props": {**_props(p), "run_id": run_id}}
                        for o, p in s.rels[owned].items()
                    ],
                }
                for k, s in owners.items()
                if s.rels[owned]
            ]
            _replace_rels(tx, spec, owned, stale, groups, size, tick)
        partial = [k for k, s in changed[spec.table].items() if s.props is None]
        if partial:  # their row's fingerprint no longer describes them: force a full compare next time
            forget = f"UNWIND $keys AS k MATCH (n:{spec.label} {{{spec.key}: k}}) REMOVE n.{FINGERPRINT}"
            for batch in _batches(partial, size):
                tx.run(forget, {"keys": batch}).consume()


def _props(props: dict[str, Any] | None) -> dict[str, Any]:
    """Drop empty values so they are absent, not stored as nulls or empty lists."""
    return {k: v for k, v in (props or {}).items() if v is not None and v != []}
