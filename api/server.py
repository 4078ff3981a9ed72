"""Run the app with uvicorn on a socket bound before start-up, so the printed URL is exact."""

from __future__ import annotations

import ipaddress
import logging
import socket

import uvicorn

from api.app import create_app
from api.keys import Keyring
from graph.connection import Graph
from graph.errors import ConfigError
from graph.settings import Settings


def loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(settings: Settings) -> tuple[socket.socket, str]:
    """Bind the listening socket; without API keys only a loopback address is allowed."""
    keyring = Keyring.load(settings)
    if keyring.empty and not loopback(settings.host):
        raise ConfigError(
            f"refusing to listen on {settings.host} without API keys; add one with "
            "`stkg apikey add ID ROLE` (or set STKG_API_KEYS), or listen on 127.0.0.1"
        )
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say so (else +40 ms per reply).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}") from exc
    sock.listen(2048)
    if keyring.empty:
        note = "no API keys configured, so only this machine can connect and every request acts as admin"
    else:
        note = "API keys required (X-API-Key header, or sign in on the pages)"
    return sock, note


def run(settings: Settings, graph: Graph, sock: socket.socket) -> None:
    """Serve until Ctrl+C or SIGTERM; every request goes to the audit log."""
    app = create_app(settings, graph)
    logging.getLogger("stkg.api").setLevel(logging.INFO)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])
