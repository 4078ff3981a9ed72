"""How much one Bolt message may carry: parameters are measured and split before they are sent.

ArcadeDB's Bolt server refuses a message over 16 MiB, and the driver then waits for an answer that never
comes (measured with the embedded engine: a 15 MiB string parameter answered in 0.3 s; 17 MiB hung the
driver until it was killed). So no query may send more than LIMIT, and ingest splits its rows into
batches of at most Settings.batch_bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graph.errors import TooLargeError

#: Largest parameters one query may send, in bytes (the server's 16 MiB less room for the query itself).
LIMIT = 15 * 1024 * 1024


def weight(value: Any) -> int:
    """About the bytes PackStream takes to send a value: the UTF-8 length of its repr, worked out at C
    speed (walking every row in Python cost seconds per ingest). Strings, lists and maps come out a
    little over PackStream's size (quotes, separators); only floats come out under (3 characters for a
    9-byte float), and a batch budget far under LIMIT covers that."""
    return len(repr(value).encode("utf-8"))


def check(params: Mapping[str, Any] | None) -> None:
    """Refuse parameters the Bolt server would refuse (and the driver then hang on), before sending."""
    size = weight(params or {})
    if size > LIMIT:
        raise TooLargeError(
            f"the query's parameters take {size / 2**20:.1f} MiB; a Bolt message carries at most "
            f"{LIMIT / 2**20:.0f} MiB (send fewer rows at once: STKG_BATCH_BYTES)"
        )


def batches(items: Sequence[Any], rows: int, budget: int) -> Iterator[list[Any]]:
    """Consecutive batches of at most `rows` items and `budget` bytes (an item over budget goes alone)."""
    batch: list[Any] = []
    held = 0
    for item in items:
        size = weight(item)
        if batch and (len(batch) >= rows or held + size > budget):
            yield _sendable(batch, held)
            batch, held = [], 0
        batch.append(item)
        held += size
    if batch:
        yield _sendable(batch, held)


def _sendable(batch: list[Any], size: int) -> list[Any]:
    """The batch, unless no Bolt message could carry it (a budget set over the limit, a giant row)."""
    if size > LIMIT:
        raise TooLargeError(
            f"a batch of {len(batch)} row(s) takes {size / 2**20:.1f} MiB; a Bolt message carries at most "
            f"{LIMIT / 2**20:.0f} MiB (lower STKG_BATCH_BYTES)"
        )
    return batch
