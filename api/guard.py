"""Requests the server refuses before any route runs (foreign Host, cross-site writes), and the
security headers every response carries."""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graph.errors import CrossSiteError, HostNotAllowedError, StkgError
from graph.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
#: The policy of every page: nothing but this server's own files; no framing, no inline code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: under no-referrer a browser sends "Origin: null" on our own form posts.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Host names requests may use: STKG_ALLOWED_HOSTS, else loopback (plus this machine when bound wider)."""
    if settings.allowed_hosts:
        return frozenset(h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip())
    names = set(LOOPBACK_NAMES)
    if settings.host not in ("0.0.0.0", "::", ""):
        names.add(settings.host.lower())
    elif settings.host:
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(names)


def host_name(value: str) -> str:
    """The host part of a Host header ('[::1]:8000' -> '::1')."""
    parsed = urlsplit(f"//{value}")
    return (parsed.hostname or "").lower()


def inline_policy(html: str, frame_ancestors: str = "'none'") -> str:
    """A CSP for a document whose inline scripts and styles are allowed by their SHA-256 (pictures, /docs)."""
    hashes = {
        kind: sorted({_sha(body) for body in re.findall(rf"<{kind}[^>]*>(.*?)</{kind}>", html, re.S)})
        for kind in ("script", "style")
    }
    scripts = " ".join(hashes["script"])
    styles = " ".join(hashes["style"])
    return (
        f"default-src 'self'; script-src 'self' {scripts}; style-src 'self' {styles}; img-src 'self' data:; "
        f"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )


def _sha(body: str) -> str:
    """One CSP hash source."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"


class Guard:
    """ASGI middleware: Host allow-list, no cross-site state changes, security headers on every answer."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = allowed_hosts(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self.refusal(scope, headers)
        if refusal:
            await refuse(scope, send, refusal, {**HEADERS, "Content-Security-Policy": CSP})
            return
        await self.app(scope, receive, _with_headers(send, scope["path"]))

    def refusal(self, scope: Scope, headers: Headers) -> StkgError | None:
        """The error when the request must not reach a route."""
        host = host_name(headers.get("host", ""))
        if "*" not in self.hosts and host not in self.hosts:
            return HostNotAllowedError(f"this server does not answer to host {host!r} (STKG_ALLOWED_HOSTS)")
        if scope["method"] in SAFE_METHODS:
            return None
        return cross_site(headers)


def cross_site(headers: Headers) -> CrossSiteError | None:
    """A state-changing request sent by a page of another origin (another port counts) is refused.

    The Origin's host and port must be the Host the request was sent to; its scheme is not compared,
    so a TLS-terminating proxy in front of the server does not break same-origin writes."""
    site = headers.get("sec-fetch-site")
    if site and site not in ("same-origin", "none"):
        return CrossSiteError(f"cross-site request refused (Sec-Fetch-Site: {site})")
    origin = headers.get("origin")
    if origin is not None and (origin == "null" or urlsplit(origin).netloc != headers.get("host", "")):
        return CrossSiteError(f"cross-site request refused (Origin {origin!r} is not this server)")
    return None


def _with_headers(send: Send, path: str) -> Send:
    """Add the security headers a route did not set itself."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            out = MutableHeaders(scope=message)
            for name, value in HEADERS.items():
                out.setdefault(name, value)
            out.setdefault("Content-Security-Policy", CSP)
            if not path.startswith("/static/"):
                out.setdefault("Cache-Control", "no-store")
        await send(message)

    return sending


async def refuse(scope: Scope, send: Send, exc: StkgError, headers: dict[str, str] | None = None) -> None:
    """Answer an error in the one JSON shape without running any route or reading the body."""
    from api.app import error_body  # app builds on this module

    response = JSONResponse(error_body(exc), status_code=exc.http_status, headers=headers)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    """A receive that reports no body."""
    return {"type": "http.request", "body": b"", "more_body": False}
