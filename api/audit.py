"""The audit log: one JSON line per request with key id, route and status (never the key)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
    """ASGI middleware recording who called which route with what outcome, and how long it took."""

    def __init__(self, app: ASGIApp, log: logging.Logger) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.log.info(json.dumps(entry(scope, status[0], started)))


def entry(scope: Scope, status: int, started: float) -> dict[str, object]:
    """One audit record; the principal and matched route are left in the scope by the app."""
    who = scope.get("state", {}).get("principal")
    route = scope.get("route")
    client = scope.get("client")
    return {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "key_id": who.key_id if who else None,
        "role": who.role if who else None,
        "method": scope.get("method"),
        "route": getattr(route, "path", None) or scope.get("path"),
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "client": client[0] if client else None,
    }
