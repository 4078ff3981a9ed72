"""`stkg ingest`: read, validate everything, compare with the graph, then write all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import neo4j

from graph import bulk, engine, journal, loading, schema
from graph.connection import Graph
from graph.errors import ConflictError, StalePreviewError, ValidationError
from ingest import budget, history, planning, reader
from ingest.budget import Limits
from ingest.mapping import NODE_TABLES, REL_TABLES
from ingest.reader import Input
from ingest.state import NodeState, classify, collected, desired
from ingest.validate import Known, Plan, validate
from ingest.writer import load, plan_size, split, write

#: What a preview found and its confirmation must find again: counts per table, relationships per table.
Preview = tuple[dict[str, dict[str, int]], dict[str, int]]


@dataclass
class Summary:
    """What an ingest did (or would do, on a dry run), per table."""

    run_id: str
    path: str
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    relationships: dict[str, int] = field(default_factory=dict)  # per table: relationships (re)written

    @property
    def preview(self) -> Preview:
        """What a confirmed upload must still find: the same counts and relationships to write."""
        return self.counts, self.relationships

    @property
    def changed(self) -> int:
        """Rows created or updated over all tables."""
        return sum(
            c.get("created", 0) + c.get("updated", 0) + c.get("removed", 0) for c in self.counts.values()
        )

    def describe(self) -> str:
        """Readable summary: one line per table."""
        if self.dry_run:
            head = f"{self.path}: dry run, would change {self.changed} row(s); nothing written"
        elif self.changed:
            head = f"{self.path}: changed {self.changed} row(s) (run {self.run_id})"
        else:
            head = f"{self.path}: nothing changed; no run recorded"
        lines = [head]
        for table, c in self.counts.items():
            removed = f"  removed {c['removed']:>6}" if c.get("removed") else ""
            lines.append(
                f"  {table:<14} created {c.get('created', 0):>6}  updated {c.get('updated', 0):>6}"
                f"  unchanged {c.get('unchanged', 0):>6}{removed}"
            )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def known(graph: Graph) -> Known:
    """Keys, nations and hierarchy edges already in the graph, for reference checks (each read packed
    into one row: a row per node cost a Bolt message each, 3.5 s of a 60k re-ingest)."""
    k = Known()
    for spec in NODE_TABLES:
        k.keys[spec.label] = set(
            collected(graph, f"MATCH (n:{spec.label}) RETURN collect(n.{spec.key}) AS x")
        )
    for code, name, aliases in collected(
        graph, "MATCH (n:Nation) RETURN collect([n.code, n.name, n.aliases]) AS x"
    ):
        k.nations.append((code, name or code, list(aliases or [])))
    hierarchy = ((k.broader, "Technology", "BROADER"), (k.parent, "Agreement", "UNDER"))
    for found, label, rel in hierarchy:
        cypher = f"MATCH (a:{label})-[:{rel}]->(b:{label}) RETURN collect([a.id, b.id]) AS x"
        for a, b in collected(graph, cypher):
            found.setdefault(a, set()).add(b)
    return k


def _iso_nations(plan: Plan, known_keys: set[str], states: dict[str, dict[str, NodeState]]) -> None:
    """Create nations referenced by code but absent from the graph and the input, from ISO data."""
    wanted: set[str] = set()
    for table, column in (
        ("memberships", "nation"),
        ("parties", "nation"),
        ("agreements", "parties"),
        ("restrictions", "nations"),
        ("exemptions", "nations"),
        ("strengths", "nation"),
        ("nation_factors", "nation"),
    ):
        for rec in plan.records.get(table, []):
            value = rec.get(column)
            wanted.update(value if isinstance(value, list) else [value] if value else [])
    for code in sorted(wanted - known_keys - set(states["nations"])):
        name = plan.nation_names.get(code, code)
        states["nations"][code] = NodeState({"code": code, "name": name, "source": "ISO 3166-1 (pycountry)"})


def _counts(plan: Plan, states: dict[str, dict[str, NodeState]]) -> dict[str, dict[str, int]]:
    """Created/updated/unchanged per table (relationship tables count their owners' status)."""
    out: dict[str, dict[str, int]] = {}
    for spec in NODE_TABLES:
        if spec.table in plan.records or states[spec.table]:
            statuses = [s.status for s in states[spec.table].values() if s.props is not None]
            out[spec.table] = dict(Counter(statuses))
    for table, (owner_table, owner_col, _) in REL_TABLES.items():
        if table in plan.records:
            owners = states[owner_table]
            out[table] = dict(Counter(owners[r[owner_col]].status for r in plan.records[table]))
    return out


def _relationships(states: dict[str, dict[str, NodeState]]) -> dict[str, int]:
    """Per table, the relationships the write replaces: every managed set of each created or updated owner."""
    out = {}
    for table, owners in states.items():
        changed = [s for s in owners.values() if s.status != "unchanged"]
        if changed:
            out[table] = sum(len(r) for s in changed for r in s.rels.values())
    return out


def _columns(data: Input) -> dict[str, set[str]]:
    """Columns present per table: only those relationship sets are managed."""
    return {name: set(t.columns) for name, t in data.tables.items()}


class Progress:
    """Progress reporting; the default reports nothing (scripts, `stkg ingest --quiet`)."""

    def start(self, total: int) -> None:
        """The write is about to send `total` rows and relationships."""

    def advance(self, n: int, what: str = "") -> None:
        """`n` more of `what` (a table, or a table's relationship column) were sent."""

    def note(self, text: str) -> None:
        """Work after the last row was sent (connecting relationships, committing) is under way."""

    def finish(self) -> None:
        """The write ended (committed or not)."""


class StderrBar(Progress):
    """Progress on stderr for large inputs: what is being written, how much is done and an ETA from the
    rate measured so far (click's bar on a terminal; a line per table, and every few seconds, in a log);
    at the end, rows and relationships written per table."""

    THRESHOLD = 5000
    #: Seconds between progress lines when stderr is not a terminal.
    EVERY = 2.0

    def __init__(self) -> None:
        self._bar: Any = None
        self._written: dict[str, int] = {}  # what -> rows or relationships sent
        self._total = self._done = 0
        self._began = self._said = 0.0
        self._what = ""

    def start(self, total: int) -> None:
        """Begin reporting when there is enough to show."""
        if total < self.THRESHOLD:
            return
        self._total, self._began = total, time.monotonic()
        if sys.stderr.isatty():
            import click

            self._bar = click.progressbar(
                length=total, label="writing", file=sys.stderr, show_eta=True, show_pos=True
            )
            self._bar.__enter__()

    def advance(self, n: int, what: str = "") -> None:
        """Count what was sent and show it."""
        if not self._total:
            return
        self._written[what] = self._written.get(what, 0) + n
        self._done += n
        if self._bar is not None:
            self._bar.label = f"writing {what}"
            self._bar.update(n)
        elif what != self._what or time.monotonic() - self._said >= self.EVERY:
            self._what, self._said = what, time.monotonic()
            sys.stderr.write(f"writing {what}: {self._done:,} of {self._total:,} ({self._eta()})\n")

    def note(self, text: str) -> None:
        """Say what the time after 100% is spent on, so a full bar that waits is not a hang."""
        if not self._total:
            return
        if self._bar is not None:
            self._bar.label = text
            self._bar.render_progress()
        else:
            sys.stderr.write(f"{text}\n")

    def _eta(self) -> str:
        """Share done and the time left at the rate so far."""
        elapsed = time.monotonic() - self._began
        left = elapsed / self._done * (self._total - self._done) if self._done else 0.0
        return f"{100 * self._done // self._total}%, about {left:.0f} s left"

    def finish(self) -> None:
        """Close the bar and say what each table wrote."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        for what, rows in self._written.items():
            sys.stderr.write(f"  {what}: {rows:,} written\n")


def ingest_input(
    graph: Graph,
    data: Input,
    dry_run: bool = False,
    progress: Progress | None = None,
    expect: Preview | None = None,
) -> Summary:
    """Validate then write one input; raises ValidationError (nothing written) on any problem.

    When another ingest commits first and the engine reports a write conflict, the whole ingest
    (validation included, against the graph as it now is) is retried STKG_INGEST_RETRIES times.
    """
    began = dt.datetime.now(dt.UTC)
    tries = max(graph.settings.ingest_retries, 0) + 1
    for attempt in range(1, tries + 1):
        try:
            with _without_cycle_collection():
                return _ingest_once(graph, data, dry_run, progress, expect)
        except ConflictError as exc:
            if attempt == tries:
                lost = f"{tries} attempts lost: {exc}"
                raise ConflictError(
                    f"another ingest was writing{_winner(graph, began)}; try again ({lost})"
                ) from exc
            time.sleep(random.uniform(0.1, 0.5) * attempt)
    raise AssertionError("unreachable")


_collection = threading.Lock()
_ingesting = 0  # ingests running in this process with the cycle collector paused
_resume = True  # whether the collector was on when the first of them began


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while an ingest runs: with millions of live rows it kept walking
    them all (measured at 60k agreements: first load 30.6 s -> 17.5 s, identical re-ingest 8.5 s -> 6.5 s).
    Ingest's own structures hold no cycles; reference counting still frees everything as usual."""
    global _ingesting, _resume
    with _collection:
        if _ingesting == 0:
            _resume = gc.isenabled()
        _ingesting += 1
        gc.disable()
    try:
        yield
    finally:
        with _collection:
            _ingesting -= 1
            if _ingesting == 0 and _resume:
                gc.enable()


def _winner(graph: Graph, since: dt.datetime) -> str:
    """' (run ID)' for the newest run that finished while this ingest was trying, if any."""
    rows = graph.read(
        "MATCH (r:IngestRun) WHERE r.finished >= $since RETURN r.id AS id ORDER BY r.finished DESC LIMIT 1",
        {"since": since.isoformat(timespec="milliseconds")},
    )
    return f" (run {rows[0]['id']})" if rows else ""


@dataclass
class _Attempt:
    """One attempt's plan: the owners' states against the graph, the planning rows and the summary."""

    graph: Graph
    data: Input
    started: dt.datetime
    states: dict[str, dict[str, NodeState]]
    planned: list[planning.Change]
    summary: Summary

    @cached_property
    def parts(self) -> tuple[dict[str, dict[str, NodeState]], ...]:
        """(new rows with their properties, the rest): what a bulk load may write, and what it leaves."""
        return split(self.states)

    def loader(self) -> bulk.Loader | None:
        """The bulk loader when the new rows are enough for it and this process owns the engine; and,
        before anything is written, the refusal of a transaction the engine's heap could not hold."""
        graph, (fresh, rest) = self.graph, self.parts
        loader = bulk.loader(graph) if 0 < graph.settings.bulk_rows <= plan_size(fresh) else None
        if graph.engine == "arcadedb-embedded":  # Neo4j sizes its own transactions' memory
            budget.check_transaction(plan_size(rest if loader else self.states), engine.heap(graph.settings))
        return loader

    def commit(
        self, rows: dict[str, dict[str, NodeState]], changed: list[history.Change], shown: Progress
    ) -> None:
        """One transaction: the rows (all, or those a bulk load left), planning rows, the change log, and
        last the IngestRun node that marks the run complete."""
        settings, run_id = self.graph.settings, self.summary.run_id
        with self.graph.transaction(journal.ingest(run_id)) as tx:  # the write log names the run
            write(tx, rows, run_id, settings, shown.advance)
            shown.note("committing")
            planning.write(tx, self.planned, run_id)
            history.write(tx, changed, run_id, (settings.batch_size, settings.batch_bytes))
            _record_run(tx, self.summary, self.data, self.started)

    def write(self, loader: bulk.Loader | None, shown: Progress) -> None:
        """Everything in one transaction; or new rows through the bulk loader under a loading marker (so
        readers wait and a failure or crash rolls it back), then the rest in one transaction."""
        changed = history.node_changes(self.graph, self.states) + history.planning_changes(self.planned)
        shown.start(plan_size(self.states))
        try:
            if loader is None:
                self.commit(self.states, changed, shown)
                return
            fresh, rest = self.parts
            with loading.marked(self.graph, self.summary.run_id):
                with loader:
                    load(loader, fresh, self.summary.run_id, shown.advance)
                    shown.note("connecting the relationships")
                self.commit(rest, changed, shown)
        finally:
            shown.finish()


def _plan(graph: Graph, data: Input, dry_run: bool) -> _Attempt:
    """Read what the graph holds, validate (raising ValidationError), and classify every row."""
    started = dt.datetime.now(dt.UTC)
    if not dry_run:
        schema.ensure_schema(graph)
    k = known(graph)
    plan = validate(data, k)
    if plan.problems:
        raise ValidationError(plan.problems)
    states = desired(plan, _columns(data))
    _iso_nations(plan, k.keys.get("Nation", set()), states)
    classify(graph, states)
    planned = planning.changes(graph, plan)
    millis = f"{started.microsecond // 1000:03d}"  # so run ids sort by time, even two in one second
    run_id = f"run-{started:%Y%m%dT%H%M%S}{millis}-{uuid.uuid4().hex[:6]}"
    counts = _counts(plan, states) | {c.spec.table: dict(c.counts) for c in planned}
    summary = Summary(run_id, str(data.path), dry_run, counts, plan.warnings, _relationships(states))
    return _Attempt(graph, data, started, states, planned, summary)


def _ingest_once(
    graph: Graph,
    data: Input,
    dry_run: bool,
    progress: Progress | None,
    expect: Preview | None = None,
) -> Summary:
    """One attempt: plan, check, then write (nothing on a dry run or when nothing changed).

    With `expect` (a confirmed preview), the same computation must find what the preview found."""
    attempt = _plan(graph, data, dry_run)
    if expect is not None and attempt.summary.preview != expect:
        raise StalePreviewError(
            "the graph changed since the preview, so it no longer says what would be written; "
            "preview the upload again"
        )
    if attempt.summary.changed == 0:
        return attempt.summary  # an identical re-ingest writes nothing, not even a run record
    loader = attempt.loader()
    if not dry_run:
        attempt.write(loader, progress or Progress())
    return attempt.summary


def _record_run(tx: neo4j.Transaction, summary: Summary, data: Input, started: dt.datetime) -> None:
    """The IngestRun node: input path, checksums, counts, warnings and timestamps."""
    tx.run(
        "CREATE (r:IngestRun {id: $id, path: $path, started: $started, finished: $finished, "
        "checksums: $checksums, counts: $counts, warnings: $warnings, tables: $tables, compiled: $compiled})",
        {
            "id": summary.run_id,
            "path": summary.path,
            "started": started.isoformat(timespec="milliseconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "checksums": [f"{n}={c}" for n, c in sorted(data.checksums.items())],
            "counts": json.dumps(summary.counts, sort_keys=True),
            "warnings": summary.warnings,
            "tables": sorted(data.tables),
            "compiled": dt.date.fromisoformat(data.compiled) if data.compiled else None,
        },
    ).consume()


def ingest_path(
    graph: Graph,
    path: Path,
    dry_run: bool = False,
    progress: Progress | None = None,
    ignore_unknown: bool = False,
    mapping: Path | None = None,
) -> Summary:
    """Read a path (CSV directory, .xlsx or .json), through a mapping file when given, and ingest it."""
    return ingest_input(graph, read_input(graph, path, ignore_unknown, mapping), dry_run, progress)


def read_input(graph: Graph, path: Path, ignore_unknown: bool = False, mapping: Path | None = None) -> Input:
    """The input as contract tables: read directly, or drawn from the user's own layout by a mapping."""
    from ingest import crosswalk

    maps = crosswalk.load(mapping) if mapping else None
    data = reader.read(path, Limits.of(graph.settings), ignore_unknown, any_name=maps is not None)
    return crosswalk.apply(data, maps, mapping.name) if maps is not None and mapping else data


def reference_compiled(graph: Graph) -> dt.date | None:
    """The compiled date of the newest shipped reference data in the graph, or None if never loaded."""
    rows = graph.read("MATCH (r:IngestRun) WHERE r.compiled IS NOT NULL RETURN max(r.compiled) AS d")
    return rows[0]["d"].to_native() if rows and rows[0]["d"] is not None else None


def runs(graph: Graph) -> list[dict[str, object]]:
    """Every recorded ingest run, newest first."""
    return graph.read(
        "MATCH (r:IngestRun) RETURN r.id AS id, r.path AS path, r.started AS started, "
        "r.finished AS finished, r.counts AS counts, size(r.warnings) AS warnings "
        "ORDER BY r.started DESC"
    )
