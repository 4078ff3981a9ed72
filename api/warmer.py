"""The home page's answers worked out again in the background after every write, so the first person to
open it after an ingest does not wait while the new graph version is read and indexed (2.2-3.5 s at 20k
agreements).

Warming asks the same questions the page asks, through the same answer cache and snapshot, so it can only
make an answer arrive sooner, never change it: an answer is kept under the graph version read before it was
computed, so one overtaken by another write is never served. A request that comes while warming is under
way waits for the snapshot's shared reads instead of starting its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from api.cache import Answers, held_key
from graph.connection import Graph
from graph.errors import StkgError

log = logging.getLogger("stkg.api")
#: A question: the key its answer is held under (without the day) and how to work it out.
Question = tuple[tuple[Any, ...], Callable[[], Any]]
#: Seconds between looks at the version marker, for a write made by another stkg process.
WARM_POLL_SECONDS = 1.0
#: Seconds a write must be the last before warming starts: a burst (a bulk load's chunks) is warmed once.
SETTLE_SECONDS = 0.2


class Warmer:
    """One background thread that warms the questions after each change of the graph's version."""

    def __init__(self, graph: Graph, answers: Answers, questions: Callable[[], list[Question]]) -> None:
        self.graph, self.answers, self.questions = graph, answers, questions
        self.warmed: tuple[int, int] | None = None  # the version last warmed (or tried)
        self._woken, self._stopping = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="stkg-warmer", daemon=True)
        self._unlisten: Callable[[], None] | None = None

    def start(self) -> None:
        """Warm now, and again after every write."""
        self._unlisten = self.graph.on_change(self._woken.set)
        self._woken.set()  # the version the server starts on
        self._thread.start()

    def stop(self) -> None:
        """Stop warming (a pass under way ends at its next question)."""
        if self._unlisten is not None:
            self._unlisten()
        self._stopping.set()
        self._woken.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        """Wait for a write (ours, or another process's seen on the marker), let it settle, warm."""
        while not self._stopping.is_set():
            self._woken.wait(WARM_POLL_SECONDS)
            if self._woken.is_set():
                time.sleep(SETTLE_SECONDS)
                self._woken.clear()
            version = self.graph.version()
            if version != self.warmed and not self._stopping.is_set():
                self.warmed = version  # also when it fails: a failing engine is not asked again every poll
                self._pass(version)

    def _pass(self, version: tuple[int, int]) -> None:
        """Work out each question once for this version; stop early when the graph changes again."""
        started = time.perf_counter()
        try:
            for key, compute in self.questions():
                if self._stopping.is_set() or self.graph.version() != version:
                    return  # the next pass warms the newer version
                self.answers.get(self.graph, held_key(key), compute)
        except StkgError as exc:  # a load under way, an engine that stopped: the page will say so itself
            log.debug("stkg: the home page was not warmed: %s", exc)
            return
        except Exception:
            if not self._stopping.is_set():
                log.warning("stkg: warming the home page failed", exc_info=True)
            return
        log.debug("stkg: home page warmed in %.2f s", time.perf_counter() - started)
