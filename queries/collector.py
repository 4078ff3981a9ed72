"""A pause of Python's cyclic garbage collector while an analysis builds many acyclic rows.

Building 53,000 duplicate rows allocates some 100,000 dicts and lists; each allocation burst makes
the collector walk the whole heap again, which doubled the time spent building rows. The rows hold
no reference cycles, so nothing is lost by collecting once afterwards instead.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # pauses in progress, across threads
_resume = False  # whether the collector was on when the first pause began


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Hold the collector off inside the block; the last pause to end restores what it found."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
