"""Answers reused across requests until the graph changes (or a time limit passes)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from graph.connection import Graph

T = TypeVar("T")


class Answers:
    """A small LRU of answers, each tagged with the graph version it was computed on."""

    def __init__(self, seconds: int, size: int = 1024) -> None:
        self.seconds = seconds
        self.size = size
        self._items: OrderedDict[Hashable, tuple[tuple[int, int], float, Any]] = OrderedDict()
        self._lock = threading.Lock()

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
        """The answer for key: reused while the graph version matches and it is fresh, else computed."""
        found, value = self.peek(graph, key)
        if found:
            return value  # type: ignore[no-any-return]
        version, now = graph.version(), time.monotonic()
        value = compute()
        with self._lock:
            self._items[key] = (version, now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
