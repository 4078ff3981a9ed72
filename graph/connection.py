"""One connection API for both engines: a ready driver, its database, and safe read/write."""

from __future__ import annotations

import atexit
import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError as Neo4jAuthError
from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph import engine, journal, loading, message
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

    def write(
        self, cypher: str, params: dict[str, Any] | None = None, entry: str = journal.WRITE
    ) -> list[Row]:
        """Run one write query in its own committed transaction (`entry`: see `transaction`)."""
        with self.transaction(entry) as tx:
            return [r.data() for r in _run(tx, cypher, params)]

    @contextlib.contextmanager
    def transaction(self, entry: str = journal.WRITE) -> Iterator[neo4j.Transaction]:
        """An explicit write transaction: committed on success, rolled back on any error. `entry` is what
        the write log says it was (graph/journal.py: an ingest run's lets a snapshot patch in its changes)."""
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
        """The write log (graph/journal.py): other processes notice a write by its mtime."""
        return self.settings.data_dir / "graph.version"

    def log(self) -> str | None:
        """The write log's text; None when it cannot be read or a write of this process failed to reach
        it, since no caller may then take it as complete."""
        return None if self._unlogged else journal.read(self.marker)

    def version(self) -> tuple[int, int]:
        """Changes as this process and other stkg processes on this data directory have seen them."""
        try:
            return self._writes, self.marker.stat().st_mtime_ns
        except OSError:
            return self._writes, 0

    def _changed(self, entry: str = journal.WRITE) -> None:
        """Record a committed write for caches in this and other processes, then tell the listeners."""
        self._writes += 1
        try:
            journal.append(self.marker, entry)
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
