"""The audit log: one JSON line per request saying who (key id and role, never the key) read or
changed what (route, entity keys, query parameters, a hash of ad hoc Cypher), the outcome and its size."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Longest query-parameter value kept in the log (longer ones are cut and marked).
MAX_VALUE = 200


def logger(path: Path) -> logging.Logger:
    """A logger appending to the audit file (one handler per file, however many apps are built)."""
    log = logging.getLogger(f"stkg.audit.{path}")
    log.propagate = False
    log.setLevel(logging.INFO)
    if not log.handlers:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    return log


class Audit:
    """ASGI middleware recording who called which route on what, with what outcome, size and time."""

    def __init__(self, app: ASGIApp, log: logging.Logger) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, sent = time.perf_counter(), [500], [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                sent[0] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.log.info(json.dumps(entry(scope, status[0], sent[0], started)))


def _caller(scope: Scope) -> Any:
    """The principal the app identified, or (a request refused before any route) whoever the key names."""
    who = scope.get("state", {}).get("principal")
    if who is not None or "app" not in scope:
        return who
    from api.access import principal

    try:
        return principal(HTTPConnection(scope))  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - an unknown key is logged as no key
        return None


def _params(scope: Scope) -> dict[str, str]:
    """Path parameters (entity keys) and query parameters, values cut at MAX_VALUE."""
    pairs = [
        *scope.get("path_params", {}).items(),
        *parse_qsl(scope.get("query_string", b"").decode("latin-1")),
    ]
    return {str(k): (str(v) if len(str(v)) <= MAX_VALUE else str(v)[:MAX_VALUE] + "…") for k, v in pairs}


def entry(scope: Scope, status: int, sent: int, started: float) -> dict[str, object]:
    """One audit record; the principal, matched route and any extra facts are left in the scope by the app."""
    who = _caller(scope)
    route = scope.get("route")
    client = scope.get("client")
    record: dict[str, object] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "key_id": who.key_id if who else None,
        "role": who.role if who else None,
        "method": scope.get("method"),
        "route": getattr(route, "path", None) or scope.get("path"),
        "params": _params(scope),
        "status": status,
        "bytes": sent,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "client": client[0] if client else None,
    }
    record.update(scope.get("state", {}).get("audit", {}))
    return record


def note(state: Any, **facts: object) -> None:
    """Add facts to this request's audit record (e.g. the SHA-256 of ad hoc Cypher)."""
    if not hasattr(state, "audit"):
        state.audit = {}
    state.audit.update(facts)


def records(path: Path, since: str | None = None, key_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Audit records at or after `since` (an ISO date or time), optionally of one key id."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if since and str(rec.get("at", "")) < since:
                continue
            if key_id and rec.get("key_id") != key_id:
                continue
            yield rec
