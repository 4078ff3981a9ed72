"""API keys and roles: keys are kept only as SHA-256 hashes and never logged."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from graph.errors import AuthError, ConfigError, ForbiddenError
from graph.settings import Settings

log = logging.getLogger("stkg.api")

#: What each role may do. Viewers read entities and analyses; planners also run pre-draft checks;
#: security reviewers also see restrictions and disclosure traces; admins also ingest and run Cypher.
ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "planner": frozenset({"read", "plan"}),
    "security_reviewer": frozenset({"read", "plan", "disclose"}),
    "admin": frozenset({"read", "plan", "disclose", "admin"}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key id (never the key) and its role."""

    key_id: str
    role: str

    def may(self, permission: str) -> bool:
        """True when the role grants the permission."""
        return permission in ROLES[self.role]

    def require(self, permission: str) -> None:
        """Raise 403 unless the role grants the permission."""
        if not self.may(permission):
            raise ForbiddenError(f"role {self.role!r} may not do this (needs {_roles_with(permission)})")


#: Used for every request when no keys are configured (the server then listens on 127.0.0.1 only).
LOCAL = Principal("local", "admin")


def _roles_with(permission: str) -> str:
    """The roles that grant a permission, for error messages."""
    return " or ".join(r for r, perms in ROLES.items() if permission in perms)


def digest(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh random key."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class KeyEntry:
    """One line of the keys file: id, role and the key's digest."""

    key_id: str
    role: str
    digest: str


class Keyring:
    """The configured keys, by hash (empty: local single-user mode); re-read when the keys file changes."""

    def __init__(self, entries: dict[str, Principal], settings: Settings | None = None) -> None:
        self._by_hash = entries
        self._settings = settings
        self._stamp = _stamp(settings.keys_path) if settings else None

    @classmethod
    def load(cls, settings: Settings) -> Keyring:
        """Keys from the keys file (hashed) and STKG_API_KEYS (plain, hashed here)."""
        return cls(_entries(settings), settings)

    def refresh(self) -> None:
        """Pick up keys added, revoked or rotated since the file was last read (no restart needed)."""
        if self._settings is None:
            return
        stamp = _stamp(self._settings.keys_path)
        if stamp == self._stamp:
            return
        try:
            self._by_hash, self._stamp = _entries(self._settings), stamp
        except ConfigError as exc:  # fail closed, without telling callers where the file is
            log.error("API keys file not reloaded: %s", exc)
            self._by_hash, self._stamp = {"": Principal("-", "viewer")}, None
            raise ConfigError(
                "the server's API keys file is malformed; its administrator must fix it"
            ) from exc

    @property
    def empty(self) -> bool:
        """No keys: the server is local-only and every caller acts as admin."""
        return not self._by_hash

    def by_digest(self, presented: str) -> Principal | None:
        """The principal whose key has this digest (None when revoked or unknown)."""
        for stored, who in self._by_hash.items():
            if stored and hmac.compare_digest(stored, presented):
                return who
        return None

    def identify(self, secret: str | None) -> Principal:
        """The principal for a presented key; 401 when missing or unknown."""
        if self.empty:
            return LOCAL
        if not secret:
            raise AuthError("an API key is required (header X-API-Key or Authorization: Bearer)")
        who = self.by_digest(digest(secret))
        if who is None:
            raise AuthError("the API key is not valid")
        return who


def _stamp(path: Path) -> tuple[int, int] | None:
    """What changes when the keys file is rewritten (mtime and size), None when absent."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _entries(settings: Settings) -> dict[str, Principal]:
    """Principals by key digest from the keys file and STKG_API_KEYS; a key id given twice is refused."""
    entries: dict[str, Principal] = {}
    if settings.api_keys_file or settings.keys_path.exists():
        entries |= {e.digest: Principal(e.key_id, e.role) for e in read_entries(settings.keys_path)}
    for n, item in enumerate(filter(None, (settings.api_keys or "").split(",")), 1):
        key_id, role, secret = _split(item.strip(), f"STKG_API_KEYS item {n}")
        entries[digest(secret)] = Principal(key_id, role)
    ids = [p.key_id for p in entries.values()]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigError(f"key id(s) given more than once: {', '.join(twice)}")
    return entries


def _split(item: str, where: str) -> tuple[str, str, str]:
    """Parse `key_id:role:value`, naming where a malformed entry came from (not its value)."""
    parts = item.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise ConfigError(f"{where}: expected key_id:role:value")
    if parts[1] not in ROLES:
        raise ConfigError(f"{where}: unknown role {parts[1]!r} (roles: {', '.join(ROLES)})")
    return parts[0], parts[1], parts[2]


def read_entries(path: Path) -> list[KeyEntry]:
    """Read `key_id:role:sha256hex` lines; blank lines and # comments are skipped."""
    if not path.is_file():
        raise ConfigError(f"STKG_API_KEYS_FILE {path} does not exist")
    entries: list[KeyEntry] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            key_id, role, hexdigest = _split(line.strip(), f"{path}:{n}")
            if len(hexdigest) != 64:
                raise ConfigError(f"{path}:{n}: the third field must be a SHA-256 hex digest")
            entries.append(KeyEntry(key_id, role, hexdigest.lower()))
    return entries


def _write_entries(path: Path, entries: list[KeyEntry]) -> None:
    """Replace the keys file atomically (a running server re-reads it on its next request)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{e.key_id}:{e.role}:{e.digest}\n" for e in entries), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def _existing(path: Path) -> list[KeyEntry]:
    """The file's entries, or none when there is no file yet."""
    return read_entries(path) if path.exists() else []


def add_key(path: Path, key_id: str, role: str) -> str:
    """Add a new key's hash to a keys file and return the key, which is shown only once."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if ":" in key_id or not key_id or key_id != key_id.strip():
        raise ConfigError("a key id must be non-empty, without ':' or surrounding spaces")
    entries = _existing(path)
    if any(e.key_id == key_id for e in entries):
        raise ConfigError(
            f"key id {key_id!r} already exists; `stkg apikey rotate {key_id}` gives it a new key"
        )
    secret = new_secret()
    _write_entries(path, [*entries, KeyEntry(key_id, role, digest(secret))])
    return secret


def _named(path: Path, key_id: str) -> list[KeyEntry]:
    """The file's entries, refusing a key id that is not among them."""
    entries = _existing(path)
    if not any(e.key_id == key_id for e in entries):
        known = ", ".join(e.key_id for e in entries) or "none"
        raise ConfigError(f"no key with id {key_id!r} in {path} (ids: {known})")
    return entries


def revoke_key(path: Path, key_id: str) -> None:
    """Remove a key; its holder's requests and browser sessions are refused from the next request on."""
    _write_entries(path, [e for e in _named(path, key_id) if e.key_id != key_id])


def rotate_key(path: Path, key_id: str) -> str:
    """Give a key id a new key (same role); the old key stops working at once."""
    secret = new_secret()
    entries = [
        KeyEntry(e.key_id, e.role, digest(secret)) if e.key_id == key_id else e for e in _named(path, key_id)
    ]
    _write_entries(path, entries)
    return secret


#: Permission needed per entity kind or analysis beyond "read" (restriction details, the disclosure
#: trace and the what-if, whose reasons name restrictions, are for security reviewers; the pre-draft
#: check is for planners). README's role matrix states the same, field by field.
PERMISSION_FOR = {
    "restrictions": "disclose",
    "exemptions": "disclose",
    "disclosure-trace": "disclose",
    "disclosure-whatif": "disclose",
    "predraft-check": "plan",
}
