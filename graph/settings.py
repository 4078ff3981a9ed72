"""Every stkg setting in one place, read from the environment (STKG_*)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


def _default_data_dir() -> Path:
    """Per-user data directory, following XDG so it survives across checkouts."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "stkg"


#: The embedded engine's default heap: this share of the machine's memory, within a floor and a cap (MiB).
HEAP_SHARE, HEAP_FLOOR_MIB, HEAP_CAP_MIB = 4, 1024, 4096


def memory_bytes() -> int:
    """This machine's memory, or its container's limit when lower (cgroup v2)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = Path("/sys/fs/cgroup/memory.max")
    raw = limit.read_text().strip() if limit.exists() else "max"
    return min(total, int(raw)) if raw.isdigit() else total


def default_heap() -> str:
    """A quarter of the memory, at least 1 GiB and at most 4 GiB: big loads fit without a setting, and
    several stkg processes on one machine still do."""
    mib = memory_bytes() // HEAP_SHARE // 2**20
    return f"{min(max(mib, HEAP_FLOOR_MIB), HEAP_CAP_MIB)}m"


def heap_bytes(heap: str) -> int:
    """A JVM size ("1g", "768m", "2048k", "1073741824") in bytes."""
    units = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}
    text = heap.strip().lower()
    if text[-1:] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _int(name: str, default: int) -> int:
    """Read an integer setting, naming the variable when it is malformed."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Resolved settings; build with `Settings.from_env()` and override with `with_()`."""

    # Directory holding the embedded database, its password file, server file and engine log.
    data_dir: Path
    # Bolt URI of a Neo4j server; when set, the embedded engine is not started.
    neo4j_uri: str | None
    # User name for the Neo4j server.
    neo4j_user: str
    # Password for the Neo4j server (never logged).
    neo4j_password: str | None
    # Neo4j database name ("neo4j" on a default install).
    neo4j_database: str
    # Maximum JVM heap of the embedded engine, as a JVM size ("1g", "768m"); default: a quarter of memory,
    # 1 GiB to 4 GiB (default_heap).
    heap: str
    # Seconds to wait for the embedded engine to start or for another process's engine.
    start_timeout: int
    # Seconds an owning process waits at exit for processes attached to its engine.
    handoff_timeout: int
    # Rows per UNWIND batch when ingest writes to the graph.
    batch_size: int
    # Bytes of parameters per UNWIND batch (ArcadeDB's Bolt server refuses a message over 16 MiB).
    batch_bytes: int
    # Seconds any engine command may run before the engine cancels it (reads; each write batch too).
    query_timeout: int
    # File of API keys ("key_id:role:sha256hex" per line); empty means <data_dir>/api-keys if present.
    api_keys_file: str | None
    # API keys given inline as "key_id:role:secret,..." (hashed on load, never logged).
    api_keys: str | None
    # Largest accepted HTTP upload (ingest), in bytes.
    max_upload_bytes: int
    # Largest accepted body of any other HTTP request, in bytes.
    max_body_bytes: int
    # Address `stkg serve` listens on; anything but loopback needs API keys.
    host: str
    # Port `stkg serve` listens on (0 picks a free one).
    port: int
    # Seconds the server reuses an answer for the same request while no stkg process changed the graph.
    cache_seconds: int
    # File the HTTP audit log (key id, route, status) is appended to; empty means <data_dir>/audit.log.
    audit_log: str | None
    # Host names the server answers to (comma-separated); empty means loopback names plus STKG_HOST.
    allowed_hosts: str | None
    # Seconds a browser sign-in lasts before the user must sign in again.
    session_seconds: int
    # Upper bound, in bytes, on the memory the answer cache may hold (least recently used go first).
    cache_bytes: int
    # Largest total unpacked size of an upload (zip members, xlsx parts), in bytes, checked while unpacking.
    max_unpacked_bytes: int
    # Largest number of data rows one ingest accepts (all tables together).
    max_rows: int
    # New rows plus relationships from which an ingest loads them through the embedded engine's bulk loader
    # (committed in chunks under a loading marker; reads wait meanwhile); 0 turns the bulk path off.
    bulk_rows: int
    # Times an ingest that lost a write conflict to another ingest is retried before giving up.
    ingest_retries: int
    # On a Neo4j server, run composed analyses as their definitional Cypher (the server does the work).
    definitional: bool
    # In `stkg serve`, work the home page's answers out again in the background after every write (this
    # server's at once, another stkg process's within WARM_POLL_SECONDS), so its first visitor does not wait
    # for the graph to be read again; 0 turns it off.
    warm: bool
    # File of saved watches (questions re-checked after every ingest); empty means <data_dir>/watches.json.
    watches_file: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment once, so every module sees the same values."""
        env = os.environ.get
        return cls(
            data_dir=Path(env("STKG_DATA_DIR") or _default_data_dir()).expanduser(),
            neo4j_uri=env("STKG_NEO4J_URI") or None,
            neo4j_user=env("STKG_NEO4J_USER") or "neo4j",
            neo4j_password=env("STKG_NEO4J_PASSWORD") or None,
            neo4j_database=env("STKG_NEO4J_DATABASE") or "neo4j",
            heap=env("STKG_HEAP") or default_heap(),
            start_timeout=_int("STKG_START_TIMEOUT", 60),
            handoff_timeout=_int("STKG_HANDOFF_TIMEOUT", 120),
            batch_size=_int("STKG_BATCH_SIZE", 10000),
            batch_bytes=_int("STKG_BATCH_BYTES", 4 * 1024 * 1024),
            query_timeout=_int("STKG_QUERY_TIMEOUT", 30),
            api_keys_file=env("STKG_API_KEYS_FILE") or None,
            api_keys=env("STKG_API_KEYS") or None,
            max_upload_bytes=_int("STKG_MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
            max_body_bytes=_int("STKG_MAX_BODY_BYTES", 1024 * 1024),
            host=env("STKG_HOST") or "127.0.0.1",
            port=_int("STKG_PORT", 8000),
            cache_seconds=_int("STKG_CACHE_SECONDS", 300),
            audit_log=env("STKG_AUDIT_LOG") or None,
            allowed_hosts=env("STKG_ALLOWED_HOSTS") or None,
            session_seconds=_int("STKG_SESSION_SECONDS", 8 * 3600),
            cache_bytes=_int("STKG_CACHE_BYTES", 256 * 1024 * 1024),
            max_unpacked_bytes=_int("STKG_MAX_UNPACKED_BYTES", 200 * 1024 * 1024),
            max_rows=_int("STKG_MAX_ROWS", 500_000),
            bulk_rows=_int("STKG_BULK_ROWS", 20_000),
            ingest_retries=_int("STKG_INGEST_RETRIES", 3),
            definitional=_int("STKG_DEFINITIONAL", 1) != 0,
            warm=_int("STKG_WARM", 1) != 0,
            watches_file=env("STKG_WATCHES_FILE") or None,
        )

    def with_(self, **changes: object) -> Settings:
        """Return a copy with CLI overrides applied."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def keys_path(self) -> Path:
        """The API keys file `stkg apikey add` writes and the server reads."""
        return Path(self.api_keys_file) if self.api_keys_file else self.data_dir / "api-keys"

    @property
    def audit_path(self) -> Path:
        """Where the audit log goes."""
        return Path(self.audit_log) if self.audit_log else self.data_dir / "audit.log"

    @property
    def watches_path(self) -> Path:
        """Where saved watches and their last answers are kept."""
        return Path(self.watches_file) if self.watches_file else self.data_dir / "watches.json"

    @property
    def embedded(self) -> bool:
        """True when stkg runs its own ArcadeDB rather than a configured Neo4j."""
        return not self.neo4j_uri
