"""One read of each export per graph version, shared by every answer until the graph changes.

The composed analyses used to export the active agreements per request (and per `as_of`). Their
exports now hold every agreement with its dates, read once per graph version (and at most
STKG_CACHE_SECONDS old, for writers outside stkg); the active rule is applied in memory. The first
answer after a write pays for the read; the rest run at in-memory speed. After ingest runs that changed
agreements only, the new snapshot starts from the old one with those agreements read again
(queries/patch.py); after any other write it reads everything, keeping of the old one only the duplicates
facts the full read shows unchanged (and the pairing indexes built on them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any

from graph import journal
from graph.connection import Graph
from graph.errors import StkgError
from queries import patch, portfolio
from queries.catalog import get

Row = dict[str, Any]
#: Fields holding dates in the exports, turned into datetime.date once per snapshot.
DATES = ("start", "end", "since", "until")
#: Dates kept per dated value (today and one other: each holds indexes as large as the active portfolio).
DATED_KEPT = 2


class Snapshot:
    """The exports read at one graph version, each read once, on first use."""

    def __init__(
        self,
        version: tuple[int, int],
        log: str | None = None,
        held: dict[str, Any] | None = None,
        made: float | None = None,
        earlier: dict[str, dict[Hashable, Any]] | None = None,
        unchecked: dict[str, Any] | None = None,
    ) -> None:
        self.version = version
        self.log = log  # the write log as it stood before anything was read (queries/patch.py)
        self.made = time.monotonic() if made is None else made  # when everything was last read in full
        self.patched = held is not None  # carried over from the snapshot before, not read in full
        self._held: dict[str, Any] = held or {}
        if unchecked:
            self._held[patch.UNCHECKED] = unchecked
        self._dated: dict[str, OrderedDict[Hashable, Any]] = {}
        self._earlier = earlier or {}  # patch.DATED values of the snapshots this one was patched from
        self._building: dict[tuple[str, Hashable], Future[Any]] = {}  # dated values being worked out
        self._lock = threading.RLock()  # re-entrant: a memo may build on another memo

    def rows(self, graph: Graph, name: str) -> list[Row]:
        """An export's rows (shared: callers must not change them); the agreement exports are assembled
        from the flat reads they share (queries/portfolio.py)."""
        build = portfolio.BUILT.get(name)
        if build is None:
            return self.memo(name, lambda: _read(graph, name))  # type: ignore[no-any-return]
        return self.memo(name, lambda: build(self.tables(graph, portfolio.LINKS_OF[name])))  # type: ignore[no-any-return]

    def tables(self, graph: Graph, links: tuple[str, ...]) -> portfolio.Tables:
        """The flat reads: agreement-rows and these link tables read side by side on first use, for a
        caller that builds part of an export (the active agreements of one date)."""
        self.prefetch(graph, ("agreement-rows",), links)
        rows, values = (lambda table: self.rows(graph, table)), (lambda table: self.values(graph, table))
        return portfolio.Tables(rows, self.memo, values)

    def values(self, graph: Graph, name: str) -> list[list[Any]]:
        """An export's rows as lists in the order of its `returns` (shared: callers must not change them)."""
        return self.memo(_as_values(name), lambda: get(name).values(graph))  # type: ignore[no-any-return]

    def prefetch(self, graph: Graph, rows: tuple[str, ...], values: tuple[str, ...]) -> None:
        """Read the exports not yet held all at once, each in its own session: the engine answers them on
        both cores (the five flat reads at 20k: 435 ms one after another, 280-315 ms together)."""
        wanted: dict[str, Callable[[], Any]] = {n: partial(_read, graph, n) for n in rows}
        wanted |= {_as_values(n): partial(get(n).values, graph) for n in values}
        with self._lock:
            missing = {key: read for key, read in wanted.items() if key not in self._held}
            if len(missing) < 2:
                return
            with ThreadPoolExecutor(max_workers=len(missing)) as pool:
                started = {key: pool.submit(read) for key, read in missing.items()}
                for key, future in started.items():
                    self._held[key] = future.result()  # the first failure is raised, after all have ended
            gc.freeze()

    def dated(self, name: str, day: Hashable, compute: Callable[[], Any]) -> Any:
        """A value for one date (or a date with what else it depends on) at this version. Only the DATED_KEPT
        dates asked last are kept per name: a new date on every request (bench.api's cache-miss mode) must not
        grow memory.

        A value is worked out outside the snapshot's lock, so an answer whose value is held never waits for
        another date's build; a second asker of the same date waits for the first one's value. So no memo
        may compute a dated value: a memo holds the lock, which the end of a build needs."""
        held, building, mine = self._claim(name, day)
        if not mine:
            return held if building is None else building.result()
        assert building is not None  # a build of the caller's own
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._building[(name, day)]
            building.set_exception(exc)
            raise
        with self._lock:
            del self._building[(name, day)]
            kept = self._dated[name]
            kept[day] = value
            self._earlier.get(name, {}).pop(day, None)  # worked out again: the old value may go
            while len(kept) > DATED_KEPT:
                kept.popitem(last=False)
        building.set_result(value)
        return value

    def earlier(self, name: str, day: Hashable) -> Any:
        """The value of `name` for `day` at the version this snapshot was patched from (or the one before it,
        if that one never asked), for a build that patches it; None when there is none (patch.DATED)."""
        with self._lock:
            return self._earlier.get(name, {}).get(day)

    def carried(self) -> dict[str, dict[Hashable, Any]]:
        """The patch.DATED values a snapshot patched from this one starts with: this one's own, then those it
        carried itself and has not worked out again, at most DATED_KEPT dates per name."""
        with self._lock:
            out: dict[str, dict[Hashable, Any]] = {}
            for name in patch.DATED:
                days = dict(self._dated.get(name, {}))
                for day, value in self._earlier.get(name, {}).items():
                    if len(days) < DATED_KEPT:
                        days.setdefault(day, value)
                if days:
                    out[name] = days
            return out

    def _claim(self, name: str, day: Hashable) -> tuple[Any, Future[Any] | None, bool]:
        """(the held value, or the build to wait for, or a new build that is the caller's to do)."""
        with self._lock:
            kept = self._dated.setdefault(name, OrderedDict())
            if day in kept:
                kept.move_to_end(day)
                return kept[day], None, False
            building = self._building.get((name, day))
            if building is not None:
                return None, building, False
            building = self._building[(name, day)] = Future()
            return None, building, True

    def memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value derived from the graph at this version, computed once, then frozen out of the cycle
        collector's sight, since every full collection walked the 20k-agreement exports again (one run at
        20k, warm: collaborations 224 -> 62 ms, duplicates 554 -> 376 ms; runs vary by a third). Refcounting
        still frees a snapshot when the next version replaces it; its rows hold no cycles."""
        with self._lock:
            if name not in self._held:
                self._held[name] = compute()
                gc.freeze()
            return self._held[name]


_snapshots: dict[tuple[str, str], Snapshot] = {}
_guard = threading.Lock()
#: Replaced snapshots, freed by one background thread, off the first answer after a write.
_retired: queue.SimpleQueue[Snapshot | None] = queue.SimpleQueue()


#: Items let go of at a time when a retired snapshot is taken apart. Freed in one call, 20k agreements'
#: values held the interpreter for 57-94 ms, which the first answer after a write waited out; in chunks,
#: its longest wait is 2-4 ms.
FREE_CHUNK = 1000
#: How long a retired snapshot still in use by an answer begun before the write is waited for.
FREE_WAIT_SECONDS = 60.0


def _free_retired() -> None:
    """Take each retired snapshot apart, a chunk at a time, once no answer holds it. An answer begun before
    the write must find its values, never an emptied snapshot; one still held when FREE_WAIT_SECONDS are
    up is let go of, and freed whole by its last holder. A held snapshot does not hold up the others."""
    waiting: list[tuple[float, Snapshot]] = []
    while True:
        with contextlib.suppress(queue.Empty):
            retired = _retired.get(timeout=0.05 if waiting else None)
            if retired is not None:
                waiting.append((time.monotonic() + FREE_WAIT_SECONDS, retired))
            del retired
        at = 0
        while at < len(waiting):
            if sys.getrefcount(waiting[at][1]) == 2:  # the list's tuple and getrefcount's argument alone
                _empty(waiting.pop(at)[1])
            elif waiting[at][0] < time.monotonic():
                del waiting[at]
            else:
                at += 1


def _empty(retired: Snapshot) -> None:
    """Free a retired snapshot's values a chunk at a time."""
    values = [*retired._held.values(), *retired._dated.values(), *retired._earlier.values()]
    retired._held.clear()
    retired._dated.clear()
    retired._earlier.clear()
    _take_apart(values)


def _take_apart(values: list[Any]) -> None:
    """Free values a chunk at a time, the interpreter handed to other threads between chunks; a value that
    something else still holds (a cached answer's rows) is only let go of, never emptied. `values` must
    hold the only reference to each."""
    while values:
        value = values.pop()
        if sys.getrefcount(value) > 2:  # `value` and getrefcount's argument
            continue
        if isinstance(value, tuple):
            values.extend(value)
        elif isinstance(value, list | dict) and len(value) <= FREE_CHUNK:
            values.extend(value.values() if isinstance(value, dict) else value)  # a few large parts
            value.clear()
        elif isinstance(value, list):
            while value:
                del value[-FREE_CHUNK:]
                time.sleep(0)  # hands the interpreter over
        elif isinstance(value, dict):
            while value:
                for _ in range(min(FREE_CHUNK, len(value))):
                    value.popitem()
                time.sleep(0)
        elif hasattr(value, "__dict__"):
            values.extend(vars(value).values())
            vars(value).clear()


threading.Thread(target=_free_retired, name="stkg-snapshot-free", daemon=True).start()


def of(graph: Graph) -> Snapshot:
    """The snapshot of this graph's current version (a new one after any stkg write)."""
    key, version = (graph.uri, graph.database), graph.version()
    seconds = graph.settings.cache_seconds
    with _guard:
        found = _snapshots.get(key)
        expired = found is not None and (seconds <= 0 or time.monotonic() - found.made > seconds)
        if found is None or found.version != version or expired:
            old = _snapshots.pop(key, None)
            found = _snapshots[key] = _next(graph, old, version, expired)
            _retired.put(old)
        return found


def _next(graph: Graph, old: Snapshot | None, version: tuple[int, int], expired: bool = False) -> Snapshot:
    """The snapshot of a new version: the old one patched with the ingest runs since it (queries/patch.py),
    when the write log shows they are all that happened; otherwise one that reads everything, handed the old
    one's duplicates facts and pairing indexes to keep what a full read shows unchanged (_checked)."""
    log = graph.log()
    if old is None or graph.engine != "arcadedb-embedded":
        return Snapshot(version, log)
    run_ids = None if expired else journal.runs(old.log, log)
    try:
        found = None if run_ids is None else patch.changed(graph, run_ids)
        if found is None:
            return _checked(old, version, log)
        held = patch.carry(dict(old._held), found.ids, partial(_read_of, graph), found.stale)
    except StkgError:  # a load under way, a timeout: the reads of a fresh snapshot will say so
        return Snapshot(version, log)
    gc.freeze()
    return Snapshot(version, log, held, old.made, old.carried())


def _checked(old: Snapshot, version: tuple[int, int], log: str | None) -> Snapshot:
    """A snapshot that reads everything, after a write the log cannot vouch for or once the old one is too
    old: it holds the old duplicates facts apart (patch.UNCHECKED), each kept only where the full read gives
    the same row (queries/duplication.py), so the old pairing indexes are patched, not built again. Facts
    the old one held apart and never checked are not handed on: one of an agreement since deleted would
    otherwise be handed on for ever."""
    facts = old._held.get(patch.OBJECTS)
    return Snapshot(version, log, earlier=old.carried(), unchecked=dict(facts) if facts else None)


def _read_of(graph: Graph, name: str, ids: list[str], at: str | int) -> list[Any]:
    """A patch's read of some agreements' rows, like the read it patches: as dicts with native dates when
    a row's id is a column name (`_read`), as lists when it is a position (`Snapshot.values`)."""
    if isinstance(at, str):
        return _read(graph, name, {"ids": ids})
    return get(name).values(graph, {"ids": ids})


def rows(graph: Graph, name: str) -> list[Row]:
    """An export's rows at the graph's current version."""
    return of(graph).rows(graph, name)


def active_links(graph: Graph, day: dt.date) -> list[Row]:
    """agreement-links' rows of the agreements active on `day`, built once per graph version and date from
    the flat reads: the first answer after a write builds the active agreements' rows only (5,887 of
    20,200 at 20k), not every agreement's."""
    snap = of(graph)

    def build() -> list[Row]:
        tables = snap.tables(graph, portfolio.LINKS_OF["agreement-links"])
        return portfolio.agreement_links(tables, lambda r: active(r, day))

    return snap.dated("active-links", day, build)  # type: ignore[no-any-return]


def active(row: Row, day: dt.date | str, lo: str = "start", hi: str = "end") -> bool:
    """DESIGN.md's "active as of": status active (or none), started by the day, not ended before it
    (dates, or ISO strings, which compare as dates)."""
    return (
        (row.get("status") or "active") == "active"
        and (row.get(lo) is None or row[lo] <= day)
        and (row.get(hi) is None or row[hi] >= day)
    )


def _as_values(name: str) -> str:
    """The memo key of an export read as lists (`Snapshot.values`)."""
    return f"{name}:values"


def _read(graph: Graph, name: str, params: dict[str, Any] | None = None) -> list[Row]:
    """An export's rows with their dates as datetime.date."""
    return [_native(r) for r in get(name).records(graph, params)]


def _native(row: Row) -> Row:
    """Driver dates as datetime.date (forum memberships' too), so the active rule compares plain dates."""
    for key in DATES:
        if key in row:
            row[key] = native(row[key])
    if "memberships" in row:
        row["memberships"] = [
            [code, role, native(since), native(until)] for code, role, since, until in row["memberships"]
        ]
    return row


def native(value: Any) -> Any:
    """A driver date, or a date as ISO text, as datetime.date; anything else as it is. An export may send
    its dates as text: the driver builds a Date object per value, 0.3 s for 20k agreements' two dates."""
    if type(value) is str:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value  # not a date: left for the active rule to refuse, as before
    return value.to_native() if hasattr(value, "to_native") else value
