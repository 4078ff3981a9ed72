"""What each ingest run changed, with old and new values, written in the run's own transaction.

A run records one Change node per entity it added or changed: the properties that differ (before and
after) and the relationships of its managed sets added, removed or changed. An added entity records only
its key (its values are the graph's). Provenance that only moved (the same row at another line of the
file) is not a change. Because the records are written by the transaction that writes the data, a crash
leaves neither, and an identical re-ingest, which writes nothing, records nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import neo4j

from graph import message, schema
from graph.connection import Graph
from graph.errors import NotFoundError
from graph.values import plain
from ingest.export import own_source
from ingest.mapping import NODE_TABLES, NodeTable
from ingest.planning import Change as PlanningChange
from ingest.state import NodeState, existing

Row = dict[str, Any]
Props = dict[str, Any]
#: Stored properties that say where a value came from, not what it is.
NOT_VALUES = frozenset({"run_id", "fingerprint"})
#: Tables whose changes only those who may read restrictions see.
RESTRICTED_TABLES = frozenset({"restrictions", "exemptions"})
#: The columns of `stkg changes`, in order.
COLUMNS = ("run", "table", "key", "change", "field", "item", "before", "after")


@dataclass
class Change:
    """One entity's change in one run: its property differences and relationship differences."""

    table: str
    key: str
    change: str  # added | updated
    properties: dict[str, list[Any]] = field(default_factory=dict)  # name -> [before, after]
    relationships: list[list[Any]] = field(
        default_factory=list
    )  # [column, item, change, field, before, after]

    @property
    def empty(self) -> bool:
        """An update whose only difference was where its row sat in the file."""
        return self.change == "updated" and not self.properties and not self.relationships


def comparable(props: Props | None) -> Props:
    """Plain values without nulls, run ids and fingerprints; provenance as the user's own source text."""
    out = {k: plain(v) for k, v in (props or {}).items() if v is not None and v != [] and k not in NOT_VALUES}
    if "source" in out:
        text = own_source(out.pop("source"))
        if text:
            out["source"] = text
    return out


def differences(before: Props, after: Props) -> dict[str, list[Any]]:
    """name -> [before, after] for every value that differs (a missing value is None)."""
    names = sorted(set(before) | set(after))
    return {n: [before.get(n), after.get(n)] for n in names if before.get(n) != after.get(n)}


def set_changes(column: str, before: dict[str, Props], after: dict[str, Props]) -> list[list[Any]]:
    """Relationship rows: each item added or removed, and each property of a kept item that changed."""
    out: list[list[Any]] = []
    for item in sorted(set(before) | set(after)):
        if item not in before:
            out.append([column, item, "added", None, None, None])
        elif item not in after:
            out.append([column, item, "removed", None, None, None])
        else:
            diffs = differences(comparable(before[item]), comparable(after[item]))
            out += [[column, item, "updated", name, old, new] for name, (old, new) in diffs.items()]
    return out


def node_changes(graph: Graph, states: dict[str, dict[str, NodeState]]) -> list[Change]:
    """The changes of the node tables: added keys, and each updated owner compared with the graph."""
    out: list[Change] = []
    for spec in NODE_TABLES:
        table = states.get(spec.table, {})
        out += [Change(spec.table, k, "added") for k, s in table.items() if s.status == "created"]
        updated = {k: s for k, s in table.items() if s.status == "updated"}
        if updated:
            out += _updates(graph, spec, updated)
    return [c for c in out if not c.empty]


def _updates(graph: Graph, spec: NodeTable, updated: dict[str, NodeState]) -> list[Change]:
    """Each updated owner's differences from what the graph holds before the write."""
    props, rels = existing(graph, spec, updated)
    out = []
    for key, state in updated.items():
        change = Change(spec.table, key, "updated")
        own = comparable(state.props).get("source")
        if state.props is not None:
            change.properties = differences(comparable(props.get(key)), comparable(state.props))
        for owned, wanted in sorted(state.rels.items(), key=lambda i: i[0].column):
            found = set_changes(owned.column, rels.get((owned, key), {}), wanted)
            change.relationships += [r for r in found if not _inherited(r, own)]
        out.append(change)
    return out


def _inherited(row: list[Any], own: str | None) -> bool:
    """A link's new source that is its row's own source: that change is already the row's."""
    return own is not None and row[3] == "source" and row[5] == own


def planning_changes(planned: list[PlanningChange]) -> list[Change]:
    """The planning tables' changes: needs and strengths as relationships, a nation's factors as values."""
    out = []
    for found in planned:
        for owner, targets in sorted(found.rows.items()):
            held = found.before.get(owner, {})
            if found.spec.target_key is None:
                change = Change(found.spec.table, owner, "updated" if held else "added")
                if held:
                    change.properties = differences(comparable(held[owner]), comparable(targets[owner]))
            else:
                change = Change(found.spec.table, owner, "updated")
                change.relationships = set_changes(found.spec.table, held, targets)
            out.append(change)
    return [c for c in out if not c.empty]


#: Keys of added entities one Change node lists: a first load of 200k rows writes 200 records, not 200k.
ADDED_PER_RECORD = 1000


def write(tx: neo4j.Transaction, changes: list[Change], run_id: str, size: tuple[int, int]) -> None:
    """Create the run's Change nodes inside the ingest's transaction, in batches: one per changed entity,
    and one per table and thousand keys for the entities added."""
    label = schema.CHANGE.label
    rows: list[dict[str, Any]] = [
        {
            "table": c.table,
            "key": c.key,
            "change": c.change,
            "properties": _json(c.properties),
            "relationships": _json(c.relationships),
        }
        for c in changes
        if c.change != "added"
    ]
    added: dict[str, list[str]] = {}
    for c in changes:
        if c.change == "added":
            added.setdefault(c.table, []).append(c.key)
    for table, keys in added.items():
        for start in range(0, len(keys), ADDED_PER_RECORD):
            rows.append({"table": table, "keys": keys[start : start + ADDED_PER_RECORD], "change": "added"})
    for n, row in enumerate(rows, 1):
        row.update(id=f"{run_id}/{n}", run_id=run_id)
    create = (
        f"UNWIND $rows AS row CREATE (:{label} {{id: row.id, run_id: row.run_id, table: row.table, "
        "key: row.key, keys: row.keys, change: row.change, properties: row.properties, "
        "relationships: row.relationships})"
    )
    for batch in message.batches(rows, *size):
        tx.run(create, {"rows": batch}).consume()


def _json(value: Any) -> str:
    """Stored as JSON text: dates as ISO strings."""
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def rows(graph: Graph, run_id: str | None = None, since: dt.date | None = None) -> list[Row]:
    """The recorded changes as rows (COLUMNS): of one run, of every run started on or after a day, or all."""
    where, params = "", {}
    if run_id is not None:
        where, params = "WHERE c.run_id = $run", {"run": run_id}
    elif since is not None:  # run ids begin with their start time: run-YYYYmmddTHHMMSS-...
        where, params = "WHERE c.run_id >= $floor", {"floor": f"run-{since:%Y%m%d}"}
    found = graph.read(
        f"MATCH (c:{schema.CHANGE.label}) {where} RETURN c.run_id AS run, c.table AS table, c.key AS key, "
        "c.keys AS keys, c.change AS change, c.properties AS properties, c.relationships AS relationships",
        params,
    )
    out = [row for r in found for row in _flat(r)]
    out.sort(key=lambda r: (r["run"], r["table"], r["key"], r["field"] or "", r["item"] or ""))
    return out


def of_run(graph: Graph, run_id: str) -> list[Row]:
    """One run's changes; an unknown run id is an error naming the closest ones."""
    import difflib

    known = [r["id"] for r in graph.read(f"MATCH (r:{schema.INGEST_RUN.label}) RETURN r.id AS id")]
    if run_id not in known:
        raise NotFoundError(f"no ingest run {run_id!r}", difflib.get_close_matches(run_id, known))
    return rows(graph, run_id)


def public(rows: list[Row]) -> list[Row]:
    """Change rows without restrictions and exemptions, for callers who may not read them."""
    return [r for r in rows if r["table"] not in RESTRICTED_TABLES]


#: Planning tables whose rows belong to an entity of another table (a nation's strengths and factors).
BELONGS_TO = {"nations": ("strengths", "nation_factors")}


def of_entity(graph: Graph, table: str, key: str) -> list[Row]:
    """Every recorded change of one entity (and of its planning rows), oldest run first: enough to show
    it as it was before each."""
    found = graph.read(
        f"MATCH (c:{schema.CHANGE.label}) WHERE c.table IN $tables "
        "AND (c.key = $key OR $key IN coalesce(c.keys, [])) "
        "RETURN c.run_id AS run, c.table AS table, $key AS key, null AS keys, c.change AS change, "
        "c.properties AS properties, c.relationships AS relationships",
        {"key": key, "tables": [table, *BELONGS_TO.get(table, ())]},
    )
    out = [row for r in found for row in _flat(r)]
    out.sort(key=lambda r: (r["run"], r["field"] or "", r["item"] or ""))
    return out


def _flat(stored: Row) -> list[Row]:
    """One stored Change as rows: each entity added, or one row per property and one per link."""
    head = {"run": stored["run"], "table": stored["table"], "key": stored["key"]}
    added = {"change": "added", "field": None, "item": None, "before": None, "after": None}
    if stored["change"] == "added":
        return [head | {"key": k} | added for k in stored["keys"] or [stored["key"]]]
    out: list[Row] = []
    for name, (old, new) in json.loads(stored["properties"] or "{}").items():
        out.append(head | {"change": "updated", "field": name, "item": None, "before": old, "after": new})
    for column, item, change, name, old, new in json.loads(stored["relationships"] or "[]"):
        fieldname = column if name is None else f"{column}.{name}"
        out.append(head | {"change": change, "field": fieldname, "item": item, "before": old, "after": new})
    return out
