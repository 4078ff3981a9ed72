"""One connection API for both engines: a ready driver, its database, and safe read/write."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError as Neo4jAuthError
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph import engine, loading, message
from graph.errors import (
    ConfigError,
    ConflictError,
    EngineError,
    ParameterError,
    QueryError,
    QueryTimeoutError,
    ReadOnlyError,
    StkgError,
)
from graph.settings import Settings

Row = dict[str, Any]

_WRITE_CLAUSE = re.compile(
    r"\b(CREATE|MERGE|SET|DELETE|REMOVE|DROP|FOREACH|LOAD\s+CSV|IN\s+TRANSACTIONS)\b",
    re.IGNORECASE,
)
_STRINGS_AND_COMMENTS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.S)

#: The write log's entry for a write that is not an ingest run's (a snapshot reads everything again).
WRITE = "write"
#: Bytes past which the write log starts again: a new first line that no earlier log text begins with, so
#: every snapshot that knew the old text reads everything again.
LOG_BYTES = 1 << 20


def without_literals(cypher: str) -> str:
    """The query text with strings, quoted names and comments blanked (same length), for lexical checks."""
    return _STRINGS_AND_COMMENTS.sub(lambda m: " " * len(m.group()), cypher)


def writes(cypher: str) -> bool:
    """True when the text has a write clause outside strings and comments (a first, clear guard)."""
    return bool(_WRITE_CLAUSE.search(without_literals(cypher)))


@dataclass
class Graph:
    """A connected graph: the driver, the database name and which engine serves it."""

    driver: neo4j.Driver
    database: str
    engine: str
    uri: str
    settings: Settings
    _closed: bool = field(default=False, repr=False)
    _writes: int = field(default=0, repr=False)
    _unlogged: bool = field(default=False, repr=False)  # a write of this process is missing from the log
    _listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def read(self, cypher: str, params: dict[str, Any] | None = None) -> list[Row]:
        """Run a read-only query: READ access mode, in a transaction that is always rolled back."""
        if writes(cypher):
            raise ReadOnlyError("this query writes to the graph; read-only queries may not")
        if self.engine == "arcadedb-embedded":
            loading.refuse_reads(self.settings.data_dir)
        with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as s:
            tx = s.begin_transaction(timeout=self.settings.query_timeout)
            try:
                result = _run(tx, cypher, params)
                rows = [dict(r.items()) for r in result]  # raw values: graph.values.plain converts
                if result.consume().counters.contains_updates:
                    raise ReadOnlyError("the query tried to write; it was rolled back")
                return rows
            except Neo4jError as exc:
                raise _query_error(exc, self.settings.query_timeout) from exc
            finally:
                _rollback(tx)

    def write(self, cypher: str, params: dict[str, Any] | None = None, entry: str = WRITE) -> list[Row]:
        """Run one write query in its own committed transaction (`entry`: see `transaction`)."""
        with self.transaction(entry) as tx:
            return [r.data() for r in _run(tx, cypher, params)]

    @contextlib.contextmanager
    def transaction(self, entry: str = WRITE) -> Iterator[neo4j.Transaction]:
        """An explicit write transaction: committed on success, rolled back on any error. `entry` is what
        the write log says it was (`ingest <run id>` lets a snapshot patch in the run's changes)."""
        with self.driver.session(database=self.database) as s:
            tx = s.begin_transaction()
            try:
                yield tx
                tx.commit()
                self._changed(entry)
            except Neo4jError as exc:
                _rollback(tx)
                raise _query_error(exc, self.settings.query_timeout) from exc
            except BaseException:
                _rollback(tx)
                raise

    @property
    def marker(self) -> Path:
        """The write log: a line per committed stkg write, so other processes notice the graph changed and
        a snapshot can tell an ingest's writes from any other."""
        return self.settings.data_dir / "graph.version"

    def log(self) -> str | None:
        """The write log's text; None when it cannot be read or a write of this process failed to reach
        it, since no caller may then take it as complete."""
        if self._unlogged:
            return None
        try:
            return self.marker.read_text(encoding="utf-8") or None
        except (OSError, UnicodeDecodeError):
            return None

    def version(self) -> tuple[int, int]:
        """Changes as this process and other stkg processes on this data directory have seen them."""
        try:
            return self._writes, self.marker.stat().st_mtime_ns
        except OSError:
            return self._writes, 0

    def _changed(self, entry: str = WRITE) -> None:
        """Record a committed write for caches in this and other processes, then tell the listeners."""
        self._writes += 1
        try:
            _append(self.marker, entry)
        except OSError:
            self._unlogged = True  # this process's later snapshots never patch: the log misses a write
        for listener in list(self._listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after each write this process commits (it must return at once, as a wake-up
        does); returns the call that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def close(self) -> None:
        """Close the driver and let go of an attached engine."""
        if self._closed:
            return
        self._closed = True
        self.driver.close()
        if self.engine == "arcadedb-embedded":
            engine.release(self.settings.data_dir)


def _append(log: Path, entry: str) -> None:
    """Add one line to the write log, in one append (lines of concurrent writers do not interleave); a log
    grown past LOG_BYTES is emptied first and begun with a line of its own."""
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


def _run(tx: neo4j.Transaction, cypher: str, params: dict[str, Any] | None) -> neo4j.Result:
    """Send a query; a parameter the driver cannot encode (a 65-bit integer...) or that no Bolt message
    can carry is the caller's error."""
    message.check(params)
    try:
        return tx.run(cypher, params or {})
    except (OverflowError, TypeError) as exc:
        raise ParameterError(f"a parameter cannot be sent to the graph: {exc}") from exc


def _rollback(tx: neo4j.Transaction) -> None:
    """Roll back unless the server already closed the transaction after an error."""
    if not tx.closed():
        tx.rollback()


def _query_error(exc: Neo4jError, timeout: int | None = None) -> StkgError:
    """Turn a server error into one clear line, keeping the server's code."""
    code = exc.code or ""
    if "TransactionTimedOut" in code:
        limit = f"{timeout} s " if timeout else ""
        return QueryTimeoutError(
            f"the query ran past its {limit}limit (STKG_QUERY_TIMEOUT) and was cancelled"
        )
    if code.startswith("Neo.TransientError"):
        return ConflictError(f"another writer changed the graph at the same time ({code})")
    message = (exc.message or str(exc)).splitlines()[0]
    return QueryError(f"{code}: {message}" if code else message)


def _check(driver: neo4j.Driver, uri: str, database: str, hint: str) -> None:
    """Fail early, naming the URI and what to try, when the server does not answer."""
    try:
        driver.verify_connectivity()
        with driver.session(database=database) as s:
            s.run("RETURN 1").consume()
    except Neo4jAuthError as exc:
        driver.close()
        raise EngineError(f"authentication to {uri} failed; {hint}") from exc
    except (ServiceUnavailable, OSError, Neo4jError) as exc:
        driver.close()
        raise EngineError(f"cannot reach the graph at {uri} ({exc}); {hint}") from exc


def connect(settings: Settings | None = None) -> Graph:
    """Connect to the configured engine (Neo4j if STKG_NEO4J_URI is set, else embedded ArcadeDB)."""
    settings = settings or Settings.from_env()
    if settings.neo4j_uri:
        if not settings.neo4j_password:
            raise ConfigError("STKG_NEO4J_URI is set but STKG_NEO4J_PASSWORD is not")
        uri, db = settings.neo4j_uri, settings.neo4j_database
        driver = GraphDatabase.driver(uri, auth=(settings.neo4j_user, settings.neo4j_password))
        hint = "check STKG_NEO4J_URI/USER/PASSWORD/DATABASE and that the server is running"
        _check(driver, uri, db, hint)
        return Graph(driver, db, "neo4j", uri, settings)
    ep = engine.acquire(settings)
    driver = GraphDatabase.driver(ep.uri, auth=(ep.user, ep.password))
    hint = f"remove {settings.data_dir / 'server.json'} if no stkg process is running"
    _check(driver, ep.uri, ep.database, hint)
    graph = Graph(driver, ep.database, "arcadedb-embedded", ep.uri, settings)
    atexit.register(graph.close)  # runs before the engine's shutdown (atexit is LIFO)
    engine.before_stop(graph.close)
    if ep.owned:
        loading.recover(graph)  # a load interrupted by a crash is rolled back before anyone reads
    return graph
