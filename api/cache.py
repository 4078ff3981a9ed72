"""Answers reused across requests until the graph changes (or a time limit passes), bounded in bytes."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any, TypeVar

from graph.connection import Graph

T = TypeVar("T")
#: Share of the byte budget one answer may take; a bigger answer is served but not kept.
LARGEST_SHARE = 4


def held_key(key: tuple[Any, ...]) -> Hashable:
    """The key an answer is held under: the question and today's date (an answer without an `as_of` is
    today's)."""
    return (dt.date.today(), *key)


def footprint(value: Any) -> int:
    """Roughly how many bytes an answer holds (strings and containers walked, others by getsizeof)."""
    if isinstance(value, bytes | str):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(footprint(k) + footprint(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(footprint(v) for v in value)
    return sys.getsizeof(value)


class Answers:
    """An LRU of answers tagged with the graph version they were computed on, within a byte budget."""

    def __init__(self, seconds: int, budget: int = 256 * 1024 * 1024) -> None:
        self.seconds = seconds
        self.budget = budget
        self.held = 0  # bytes of the answers kept, by footprint()
        self._items: OrderedDict[Hashable, tuple[tuple[int, int], float, Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[tuple[Hashable, tuple[int, int]], Future[Any]] = {}  # computations under way

    def __len__(self) -> int:
        return len(self._items)

    def peek(self, graph: Graph, key: Hashable) -> tuple[bool, Any]:
        """(True, answer) when a fresh answer for the current graph version is held."""
        if self.seconds <= 0:
            return False, None
        version, now = graph.version(), time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit and hit[0] == version and now - hit[1] < self.seconds:
                self._items.move_to_end(key)
                return True, hit[2]
        return False, None

    def get(self, graph: Graph, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for key: reused while the graph version matches and it is fresh, else computed; one
        computation per question and version at a time, which later askers wait for (twenty clients after a
        write, or the warmer and the first visitor, used to work the same answer out side by side)."""
        found, value = self.peek(graph, key)
        if found:
            return value  # type: ignore[no-any-return]
        version, now = graph.version(), time.monotonic()
        flight, mine = self._board(key, version)
        if not mine:
            return flight.result()  # the same question at the same version: the same answer, or error
        try:
            value = compute()
        except BaseException as exc:
            self._land(key, version)
            flight.set_exception(exc)
            raise
        self._keep(key, (version, now, value, footprint(key) + footprint(value)))
        self._land(key, version)
        flight.set_result(value)
        return value

    def _board(self, key: Hashable, version: tuple[int, int]) -> tuple[Future[Any], bool]:
        """(the computation under way for this question and version, whether it is the caller's to do); with
        the cache off, every caller computes its own."""
        if self.seconds <= 0:
            return Future(), True
        with self._lock:
            found = self._flights.get((key, version))
            if found is not None:
                return found, False
            flight = self._flights[(key, version)] = Future()
            return flight, True

    def _land(self, key: Hashable, version: tuple[int, int]) -> None:
        """The computation for this question and version is over: a later asker looks in the cache."""
        with self._lock:
            self._flights.pop((key, version), None)

    def _keep(self, key: Hashable, item: tuple[tuple[int, int], float, Any, int]) -> None:
        """Hold an answer, dropping the least recently used until the budget holds."""
        if self.seconds <= 0 or item[3] * LARGEST_SHARE > self.budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self.held += item[3] - (old[3] if old else 0)
            self._items[key] = item
            while self.held > self.budget and self._items:
                self.held -= self._items.popitem(last=False)[1][3]
