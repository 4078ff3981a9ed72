"""Lifecycle of the embedded ArcadeDB engine: start it, or attach to the one already running.

One process owns the engine of a data directory (it holds `engine.lock`) and serves Bolt on
127.0.0.1; any other stkg process on that directory reads `server.json` and connects to it,
holding a shared lock on `clients.lock` so the owner waits for it before shutting down.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn

from graph.errors import EngineError
from graph.settings import Settings

log = logging.getLogger("stkg.engine")

DATABASE = "stkg"
USER = "root"

_LOGGING_PROPERTIES = """handlers = java.util.logging.FileHandler
.level = WARNING
java.util.logging.FileHandler.pattern = {log}
java.util.logging.FileHandler.formatter = java.util.logging.SimpleFormatter
java.util.logging.FileHandler.append = true
java.util.logging.FileHandler.limit = 10000000
java.util.logging.FileHandler.count = 2
"""


@dataclass
class Endpoint:
    """Where a running embedded engine listens, and whether this process owns it."""

    uri: str
    user: str
    password: str
    database: str
    owned: bool
    pid: int


class _Owned:
    """The engine this process started; there is at most one per process (one JVM)."""

    server: Any = None
    endpoint: Endpoint | None = None
    data_dir: Path | None = None
    lock: IO[str] | None = None


_attached: dict[Path, tuple[Endpoint, IO[str]]] = {}
#: Callbacks run before the engine stops (drivers to close), in reverse order of registration.
_before_stop: list[Callable[[], None]] = []


def before_stop(callback: Callable[[], None]) -> None:
    """Run `callback` (e.g. closing a driver) before this process stops its engine."""
    _before_stop.append(callback)


def _free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    """True when something accepts connections on the loopback port."""
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_dir(data_dir: Path) -> None:
    """Create the data directory, private to this user."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise EngineError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc


def password(data_dir: Path) -> str:
    """Read the engine password, generating it (mode 0600) on first use."""
    path = data_dir / "password"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret)
    return secret


def _open_lock(path: Path) -> IO[str]:
    """Open a lock file without truncating what another process wrote."""
    return open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process lifetime


def _try_lock(fh: IO[str], shared: bool = False) -> bool:
    """Take a non-blocking flock; False when another process holds it."""
    try:
        fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send fd 2 to the engine log while the JVM starts, so the CLI prints no JVM chatter."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as target:
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _start_server(settings: Settings, secret: str) -> tuple[Any, int]:
    """Start ArcadeDB in this process with Bolt on a free loopback port."""
    data_dir = settings.data_dir
    props = data_dir / "logging.properties"
    props.write_text(_LOGGING_PROPERTIES.format(log=data_dir / "engine.log"), encoding="utf-8")
    with _stderr_to(data_dir / "engine.log"):
        import arcadedb_embedded as adb
        from arcadedb_embedded.jvm import start_jvm

        start_jvm(
            heap_size=settings.heap,
            jvm_args=[
                "-Xrs",
                f"-Djava.util.logging.config.file={props}",
                # ArcadeDB's own per-command deadline (it ignores Bolt's tx_timeout): reads are cancelled
                # in the engine, not merely abandoned by the client.
                f"-Darcadedb.command.timeout={max(settings.query_timeout, 0) * 1000}",
            ],
            interrupt=False,
        )
        server, bolt = _listening(adb, data_dir, secret)
        if (data_dir / "arcadedb" / "databases" / DATABASE).exists():
            server.get_database(DATABASE)
        else:
            server.create_database(DATABASE)
    return server, bolt


#: A port the kernel called free can be taken by another process before the engine binds it.
PORT_TRIES = 3


def _listening(adb: Any, data_dir: Path, secret: str) -> tuple[Any, int]:
    """An ArcadeDB server started on fresh loopback ports, retried when a port was taken meanwhile."""
    for attempt in range(1, PORT_TRIES + 1):
        bolt = _free_port()
        server = adb.create_server(
            str(data_dir / "arcadedb"),
            root_password=secret,
            config={
                "host": "127.0.0.1",
                "http_port": _free_port(),
                "mode": "production",
                "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
                "bolt_port": bolt,
            },
        )
        try:
            server.start()  # a failed start stops what it started (arcadedb_embedded)
        except adb.ArcadeDBError as exc:
            if "port" not in str(exc).lower() or attempt == PORT_TRIES:
                raise
            log.warning("engine port taken before it could bind (%s); trying other ports", exc)
            continue
        return server, bolt
    raise AssertionError("unreachable")


def _become_owner(settings: Settings, lock: IO[str]) -> Endpoint:
    """Start the engine, publish server.json and arrange a clean shutdown."""
    data_dir = settings.data_dir
    stale = data_dir / "server.json"
    if stale.exists():
        log.warning("removed a server file left by a process that died: %s", stale.read_text())
        stale.unlink()
    secret = password(data_dir)
    try:
        server, port = _start_server(settings, secret)
    except Exception as exc:
        raise EngineError(
            f"the embedded ArcadeDB engine did not start in {data_dir}: {exc}; see {data_dir / 'engine.log'}"
        ) from exc
    endpoint = Endpoint(f"bolt://127.0.0.1:{port}", USER, secret, DATABASE, True, os.getpid())
    tmp = data_dir / "server.json.tmp"
    info = {"pid": os.getpid(), "port": port, "started": time.time(), "heap": settings.heap}
    tmp.write_text(json.dumps(info))
    os.chmod(tmp, 0o600)
    tmp.replace(data_dir / "server.json")
    _Owned.server, _Owned.endpoint, _Owned.data_dir, _Owned.lock = server, endpoint, data_dir, lock
    atexit.register(shutdown, settings.handoff_timeout)
    _install_signal_handlers()
    return endpoint


def _install_signal_handlers() -> None:
    """Turn SIGTERM into a normal exit so atexit stops the engine cleanly."""

    def _exit(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not the main thread: leave handlers alone
        signal.signal(signal.SIGTERM, _exit)


def _read_server_file(data_dir: Path) -> dict[str, Any] | None:
    """Read server.json, or None while it is absent or half-written."""
    try:
        return dict(json.loads((data_dir / "server.json").read_text()))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _try_attach(settings: Settings) -> Endpoint | None:
    """Attach to the owner's engine if it is up; keeps a shared client lock while attached."""
    data_dir = settings.data_dir
    info = _read_server_file(data_dir)
    if not info or not pid_alive(int(info["pid"])) or not _port_open(int(info["port"])):
        return None
    clients = _open_lock(data_dir / "clients.lock")
    if not _try_lock(clients, shared=True):
        clients.close()  # the owner is shutting down
        return None
    endpoint = Endpoint(
        f"bolt://127.0.0.1:{info['port']}",
        USER,
        password(data_dir),
        DATABASE,
        False,
        int(info["pid"]),
    )
    _attached[data_dir] = (endpoint, clients)
    return endpoint


def acquire(settings: Settings) -> Endpoint:
    """Return a running engine for the data directory, starting one if nobody has."""
    data_dir = settings.data_dir.resolve()
    settings = settings.with_(data_dir=data_dir)
    if _Owned.endpoint is not None:
        if _Owned.data_dir != data_dir:
            raise EngineError(
                f"this process already runs the engine for {_Owned.data_dir}; "
                f"one process serves one data directory"
            )
        return _Owned.endpoint
    if data_dir in _attached:
        return _attached[data_dir][0]
    prepare_dir(data_dir)
    deadline = time.monotonic() + settings.start_timeout
    while time.monotonic() < deadline:
        lock = _open_lock(data_dir / "engine.lock")
        if _try_lock(lock):
            return _become_owner(settings, lock)
        lock.close()
        endpoint = _try_attach(settings)
        if endpoint is not None:
            return endpoint
        time.sleep(0.1)
    raise EngineError(
        f"another process holds the engine of {data_dir} but did not publish a server "
        f"within {settings.start_timeout}s; check that process or raise STKG_START_TIMEOUT"
    )


def heap(settings: Settings) -> str:
    """The heap of the engine serving this data directory, as its owner (maybe this process) started it."""
    info = _read_server_file(settings.data_dir.resolve()) or {}
    return str(info.get("heap") or settings.heap)


def owned_server(data_dir: Path) -> Any:
    """The ArcadeDB server this process runs for `data_dir`, or None (another process owns it)."""
    if _Owned.server is None or _Owned.data_dir != data_dir.resolve():
        return None
    return _Owned.server


def release(data_dir: Path) -> None:
    """Drop this process's attachment to another process's engine."""
    entry = _attached.pop(data_dir.resolve(), None)
    if entry is not None:
        entry[1].close()


def _wait_for_clients(data_dir: Path, handoff_timeout: int) -> IO[str] | None:
    """Take the clients lock exclusively once attached processes let go (bounded wait)."""
    try:
        clients = _open_lock(data_dir / "clients.lock")
    except OSError:
        return None  # the data directory is gone: nobody can be attached
    deadline = time.monotonic() + handoff_timeout
    while not _try_lock(clients) and time.monotonic() < deadline:
        time.sleep(0.1)
    return clients


def shutdown(handoff_timeout: int = 120) -> None:
    """Stop the engine this process owns, after attached processes let go; never raises."""
    if _Owned.server is None or _Owned.data_dir is None:
        return
    data_dir = _Owned.data_dir
    clients = _wait_for_clients(data_dir, handoff_timeout)
    with contextlib.suppress(OSError):
        (data_dir / "server.json").unlink()
    try:
        if data_dir.exists():
            with _stderr_to(data_dir / "engine.log"):
                _Owned.server.stop()
        else:
            _Owned.server.stop()
    except Exception as exc:  # noqa: BLE001 - at exit, report and carry on
        log.warning("the embedded engine did not stop cleanly: %s", exc)
    finally:
        _Owned.server = None
        _Owned.endpoint = None
        if _Owned.lock is not None:
            _Owned.lock.close()
        if clients is not None:
            clients.close()


def exit_process(code: int) -> NoReturn:
    """Stop the engine cleanly, flush output, then exit without JPype's JVM teardown.

    Tearing the JVM down at interpreter exit can crash the process (seen as a segfault after
    every test had passed); once the engine is stopped and the data files are closed there is
    nothing left for that teardown to do, so the exit status stays the one we chose.
    """
    for close in reversed(_before_stop):
        with contextlib.suppress(Exception):
            close()
    shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
