"""Browser sign-ins: the cookie holds a random session id, never the API key; sessions expire."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Session:
    """One signed-in browser: which key (by digest), its CSRF token and when it ends."""

    sid: str
    digest: str
    csrf: str
    expires: float


class Sessions:
    """Open sessions in memory (a server restart signs everyone out)."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        self._by_id: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, digest: str) -> Session:
        """A new session for the key with this digest."""
        now = time.time()
        made = Session(secrets.token_urlsafe(32), digest, secrets.token_urlsafe(32), now + self.seconds)
        with self._lock:
            self._by_id = {k: s for k, s in self._by_id.items() if s.expires > now}
            self._by_id[made.sid] = made
        return made

    def find(self, sid: str | None) -> Session | None:
        """The live session with this id, or None (expired ones are forgotten)."""
        if not sid:
            return None
        with self._lock:
            found = self._by_id.get(sid)
            if found and found.expires <= time.time():
                del self._by_id[sid]
                return None
        return found

    def close(self, sid: str | None) -> None:
        """Sign out."""
        with self._lock:
            self._by_id.pop(sid or "", None)
