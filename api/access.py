"""Who is calling and what they may do: the API key from a header or the login cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from api.keys import Keyring, Principal

#: Cookie set by the login page so a browser can carry the key (HttpOnly, SameSite=Strict).
COOKIE = "stkg_key"


def presented_key(request: Request) -> str | None:
    """The key from X-API-Key, Authorization: Bearer, or the login cookie."""
    header = request.headers.get("x-api-key")
    if header:
        return header.strip()
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(COOKIE)


def principal(request: Request) -> Principal:
    """Identify the caller once per request (401 when a key is needed and missing or wrong)."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    keyring: Keyring = request.app.state.keyring
    who = keyring.identify(presented_key(request))
    request.state.principal = who
    return who


def need(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits callers whose role grants `permission` (401/403 otherwise)."""

    async def check(request: Request) -> Principal:  # async: no thread hop for a cheap check
        who = principal(request)
        who.require(permission)
        return who

    check.__name__ = f"need_{permission}"
    return check
