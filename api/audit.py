"""The audit log: one JSON line per request with key id, route and status (never the key)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import Request, Response


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


async def middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Time the request and record who called which route with what outcome."""
    started = time.perf_counter()
    status = 500
    try:
        response = await call_next(request)
        status = response.status_code
        return response
    finally:
        route = request.scope.get("route")
        who = getattr(request.state, "principal", None)
        entry = {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "key_id": who.key_id if who else None,
            "role": who.role if who else None,
            "method": request.method,
            "route": getattr(route, "path", None) or request.url.path,
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "client": request.client.host if request.client else None,
        }
        request.app.state.audit.info(json.dumps(entry))
