"""Who is calling and what they may do: an API key from a header, or a browser session cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from api.keys import Keyring, Principal
from api.session import Session, Sessions
from graph.errors import ForbiddenError

#: Cookie set by the login page: a random session id (HttpOnly, SameSite=Strict), never the key.
COOKIE = "stkg_session"
#: Header carrying the CSRF token of a cookie session on a state-changing request (or form field csrf_token).
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def presented_key(request: Request) -> str | None:
    """The key from X-API-Key or Authorization: Bearer (never from a cookie)."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def session_of(request: Request) -> Session | None:
    """The browser session named by the cookie, while it lasts."""
    sessions: Sessions = request.app.state.sessions
    return sessions.find(request.cookies.get(COOKIE))


def principal(request: Request) -> Principal:
    """Identify the caller once per request (401 when a key is needed and missing or wrong)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    keyring: Keyring = request.app.state.keyring
    keyring.refresh()
    key = presented_key(request)
    session = None if key or keyring.empty else session_of(request)
    who = keyring.by_digest(session.digest) if session else None
    if who is None:
        who = keyring.identify(key)
    else:
        request.state.session = session
    request.state.principal = who
    return who


async def check_csrf(request: Request) -> None:
    """A state-changing request riding on a session cookie must also carry that session's CSRF token."""
    session: Session | None = getattr(request.state, "session", None)
    if session is None or request.method not in UNSAFE:
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None and "form" in request.headers.get("content-type", ""):
        token = str((await request.form()).get("csrf_token") or "")
    if token != session.csrf:
        raise ForbiddenError("missing or wrong CSRF token for this signed-in session; reload the page")


def need(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits callers whose role grants `permission` (401/403 otherwise)."""

    async def check(request: Request) -> Principal:  # async: no thread hop for a cheap check
        who = principal(request)
        await check_csrf(request)
        who.require(permission)
        return who

    check.__name__ = f"need_{permission}"
    return check
