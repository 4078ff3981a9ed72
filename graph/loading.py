"""A load committed in several chunks (the bulk path) is marked on disk, so that readers refuse to answer
until it ends and the next engine owner rolls back a load whose process died: a half-loaded run is never
seen and never kept.

The run is complete once its IngestRun node is committed (the last write of every ingest); the marker is
removed after that. A marker whose run has no IngestRun is an interrupted load: every node carrying its
run id was created by it (an updated node only takes the run id in that last commit), so deleting those
nodes and their relationships restores the graph as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from graph import engine, schema
from graph.errors import LoadingError

if TYPE_CHECKING:
    from graph.connection import Graph

log = logging.getLogger("stkg.loading")

FILE = "loading.json"
#: Nodes deleted per committed chunk when an interrupted load is rolled back (bounded memory).
CHUNK = 10_000


@dataclass(frozen=True)
class Load:
    """The run being loaded in chunks, by which process, since when."""

    run_id: str
    pid: int
    started: str


def current(data_dir: Path) -> Load | None:
    """The load in progress or interrupted, or None (one stat when there is none)."""
    path = data_dir / FILE
    if not path.exists():
        return None
    try:
        return Load(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return Load("unknown", -1, "")  # unreadable: treat as interrupted, never as absent


def refuse_reads(data_dir: Path) -> None:
    """Raise LoadingError while a load is marked, so no reader sees part of a run."""
    load = current(data_dir)
    if load is None:
        return
    if load.pid > 0 and engine.pid_alive(load.pid):
        raise LoadingError(
            f"ingest run {load.run_id} is loading (since {load.started}); "
            "the graph answers again when it completes"
        )
    raise LoadingError(
        f"ingest run {load.run_id} was interrupted; it is rolled back when the engine next starts "
        "(stop every stkg process on this data directory, then run `stkg status`)",
        busy=False,
    )


def _sync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def begin(data_dir: Path, run_id: str) -> None:
    """Mark the load durably before its first chunk is written."""
    load = Load(run_id, os.getpid(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    tmp = data_dir / f"{FILE}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(load), fh)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(data_dir / FILE)
    _sync_dir(data_dir)


def end(data_dir: Path) -> None:
    """Unmark: the run committed, or was rolled back."""
    with contextlib.suppress(FileNotFoundError):
        (data_dir / FILE).unlink()
        _sync_dir(data_dir)


@contextlib.contextmanager
def marked(graph: Graph, run_id: str) -> Iterator[None]:
    """Mark a chunked load; if it fails (or is interrupted) here, roll it back before unmarking."""
    data_dir = graph.settings.data_dir
    begin(data_dir, run_id)
    try:
        yield
    except BaseException:
        try:
            rollback(graph, run_id)
        except Exception:  # noqa: BLE001 - the marker stays, so the next engine start rolls back
            log.exception("rolling back run %s failed; the next engine start will retry", run_id)
        else:
            end(data_dir)
        raise  # the load's own error, not the rollback's
    end(data_dir)


def committed(graph: Graph, run_id: str) -> bool:
    """True when the run's IngestRun node exists: its last commit happened."""
    with graph.transaction() as tx:  # not graph.read: reads are refused while the marker stands
        found = tx.run("MATCH (r:IngestRun {id: $id}) RETURN count(r) AS c", {"id": run_id}).single()
        return found is not None and found["c"] > 0


def rollback(graph: Graph, run_id: str) -> int:
    """Delete every node of an uncommitted run (with its relationships), a chunk per commit; idempotent."""
    removed = 0
    for label in schema.labels():
        cypher = (
            f"MATCH (n:{label}) WHERE n.run_id = $run WITH n LIMIT $chunk "
            "DETACH DELETE n RETURN count(*) AS c"
        )
        while (done := graph.write(cypher, {"run": run_id, "chunk": CHUNK})[0]["c"]) > 0:
            removed += done
    return removed


def recover(graph: Graph) -> None:
    """At engine start: finish the bookkeeping of a committed run, or roll back an interrupted one.

    Only the engine's owner loads in chunks, so once this process owns the engine a marker of any other
    process is left from one that died (its pid may since belong to an unrelated process)."""
    data_dir = graph.settings.data_dir
    load = current(data_dir)
    if load is None or load.pid == os.getpid():
        return
    if load.run_id != "unknown" and not committed(graph, load.run_id):
        log.warning(
            "rolling back ingest run %s, interrupted while loading (started %s)", load.run_id, load.started
        )
        removed = rollback(graph, load.run_id)
        log.warning(
            "rolled back ingest run %s, interrupted while loading: %d node(s) removed", load.run_id, removed
        )
    end(data_dir)
