"""The write log (`<data dir>/graph.version`): a line per committed stkg write, `<time ns> <entry>`.

Other processes notice a write by the file's mtime; a snapshot tells an ingest run's writes from any other by
the entries (queries/patch.py). Kept apart from graph/connection.py, which writes it, so graph/schema.py can
name its entry without importing the connection.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

#: The entry of a write that is neither an ingest run's nor a constraint's (a snapshot reads everything).
WRITE = "write"
#: The entry of a constraint or index made if missing: no data changes.
SCHEMA = "schema"
#: The first word of an ingest run's entry, `ingest <run id>`.
INGEST = "ingest"
#: Bytes past which the log starts again: a new first line that no earlier log text begins with, so every
#: snapshot that knew the old text reads everything again.
LOG_BYTES = 1 << 20


def ingest(run_id: str) -> str:
    """The entry of an ingest run's transaction."""
    return f"{INGEST} {run_id}"


def runs(before: str | None, now: str | None) -> list[str] | None:
    """The ingest runs the log added since the text `before`, skipping constraints; None when it added
    anything else, nothing, or cannot be compared (either text unknown, or the log started again)."""
    if not before or not now or not now.startswith(before) or not now.endswith("\n"):
        return None
    found = []
    for line in now[len(before) :].splitlines():
        fields = line.split(" ")
        if fields[1:] == [SCHEMA]:
            continue
        if len(fields) != 3 or fields[1] != INGEST or not fields[2]:
            return None
        found.append(fields[2])
    return found or None


def append(log: Path, entry: str) -> None:
    """Add one line, in one append (lines of concurrent writers do not interleave); a log grown past
    LOG_BYTES is emptied first and begun with a line of its own."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        line = f"{time.time_ns()} {entry}\n"
        if os.fstat(fd).st_size > LOG_BYTES:
            os.ftruncate(fd, 0)
            line = f"{time.time_ns()} begin {uuid.uuid4().hex}\n{line}"
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read(log: Path) -> str | None:
    """The log's text; None when there is none or it cannot be read."""
    try:
        return log.read_text(encoding="utf-8") or None
    except (OSError, UnicodeDecodeError):
        return None
