"""API keys and roles: keys are kept only as SHA-256 hashes and never logged."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from graph.errors import AuthError, ConfigError, ForbiddenError
from graph.settings import Settings

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


class Keyring:
    """The configured keys, by hash; empty means local, single-user mode."""

    def __init__(self, entries: dict[str, Principal]) -> None:
        self._by_hash = entries

    @classmethod
    def load(cls, settings: Settings) -> Keyring:
        """Keys from the keys file (hashed) and STKG_API_KEYS (plain, hashed here)."""
        entries: dict[str, Principal] = {}
        if settings.api_keys_file or settings.keys_path.exists():
            entries |= _read_file(settings.keys_path)
        for n, item in enumerate(filter(None, (settings.api_keys or "").split(",")), 1):
            key_id, role, secret = _split(item.strip(), f"STKG_API_KEYS item {n}")
            entries[digest(secret)] = Principal(key_id, role)
        return cls(entries)

    @property
    def empty(self) -> bool:
        """No keys: the server is local-only and every caller acts as admin."""
        return not self._by_hash

    def identify(self, secret: str | None) -> Principal:
        """The principal for a presented key; 401 when missing or unknown."""
        if self.empty:
            return LOCAL
        if not secret:
            raise AuthError("an API key is required (header X-API-Key or Authorization: Bearer)")
        presented = digest(secret)
        for stored, who in self._by_hash.items():
            if hmac.compare_digest(stored, presented):
                return who
        raise AuthError("the API key is not valid")


def _split(item: str, where: str) -> tuple[str, str, str]:
    """Parse `key_id:role:value`, naming where a malformed entry came from (not its value)."""
    parts = item.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise ConfigError(f"{where}: expected key_id:role:value")
    if parts[1] not in ROLES:
        raise ConfigError(f"{where}: unknown role {parts[1]!r} (roles: {', '.join(ROLES)})")
    return parts[0], parts[1], parts[2]


def _read_file(path: Path) -> dict[str, Principal]:
    """Read `key_id:role:sha256hex` lines; blank lines and # comments are skipped."""
    if not path.is_file():
        raise ConfigError(f"STKG_API_KEYS_FILE {path} does not exist")
    entries: dict[str, Principal] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            key_id, role, hexdigest = _split(line.strip(), f"{path}:{n}")
            if len(hexdigest) != 64:
                raise ConfigError(f"{path}:{n}: the third field must be a SHA-256 hex digest")
            entries[hexdigest.lower()] = Principal(key_id, role)
    return entries


def add_key(path: Path, key_id: str, role: str) -> str:
    """Append a new key's hash to a keys file and return the key, which is shown only once."""
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if ":" in key_id or not key_id:
        raise ConfigError("a key id must be non-empty and contain no ':'")
    secret = new_secret()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"{key_id}:{role}:{digest(secret)}\n")
    path.chmod(0o600)
    return secret


#: Permission needed per entity kind or analysis beyond "read" (restriction details and the
#: disclosure trace are for security reviewers; the pre-draft check is for planners).
PERMISSION_FOR = {
    "restrictions": "disclose",
    "exemptions": "disclose",
    "disclosure-trace": "disclose",
    "predraft-check": "plan",
}
