"""The FastAPI application: API under /api/v1, web pages, pictures; errors mapped in one place."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import audit
from api.cache import Answers
from api.guard import Guard, inline_policy, refuse
from api.keys import Keyring
from api.session import Sessions
from api.staging import Staging
from api.warmer import Warmer
from graph.connection import Graph, connect
from graph.errors import AuthError, NotFoundError, ParameterError, StkgError, TooLargeError
from graph.settings import Settings

HERE = Path(__file__).resolve().parent
log = logging.getLogger("stkg.api")


def _warmer(app: FastAPI, settings: Settings) -> Warmer | None:
    """Start warming the home page after every write, unless turned off or answers are not kept."""
    if not settings.warm or settings.cache_seconds <= 0:
        return None
    from api.pages import home_questions

    g = app.state.graph
    warmer = app.state.warmer = Warmer(g, app.state.answers, lambda: home_questions(g))
    warmer.start()
    return warmer


def version() -> str:
    """The installed package version."""
    try:
        return metadata.version("stkg")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def create_app(settings: Settings | None = None, graph: Graph | None = None) -> FastAPI:
    """Build the app; it connects to the configured engine at start-up unless given a graph."""
    settings = settings or Settings.from_env()
    keyring = Keyring.load(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if graph is None:
            app.state.graph = connect(settings)
        warmer = _warmer(app, settings)
        yield
        if warmer is not None:
            warmer.stop()

    app = FastAPI(
        title="stkg",
        version=version(),
        description="Knowledge graph of international defense S&T cooperation.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        responses={"default": {"model": _error_model()}},
    )
    app.state.settings = settings
    app.state.keyring = keyring
    app.state.graph = graph
    app.state.answers = Answers(settings.cache_seconds, settings.cache_bytes)
    app.state.sessions = Sessions(settings.session_seconds)
    app.state.staging = Staging()
    app.state.warmer = None  # set at start-up unless STKG_WARM=0 (api/warmer.py)
    _errors(app)
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(Guard, settings=settings)
    app.add_middleware(audit.Audit, log=audit.logger(settings.audit_path))
    from api import lists, pages, v1

    app.include_router(v1.router)
    app.include_router(pages.router)
    app.include_router(lists.router)
    _docs(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    return app


def _favicon() -> FileResponse:
    """The icon browsers ask for on every page without a link to one (JSON answers, /docs)."""
    return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")


def _docs(app: FastAPI) -> None:
    """Swagger UI at /docs from locally installed assets (FastAPI's default loads them from a CDN);
    it and /openapi.json need a key whenever keys exist."""
    import fastapi_offline
    from fastapi import Depends
    from fastapi.openapi.docs import get_swagger_ui_html

    from api.access import need

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/static/docs", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(need("read"))])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(need("read"))])
    def docs() -> Response:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="stkg API",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = inline_policy(bytes(page.body).decode("utf-8"))
        return page


def _error_model() -> Any:
    """The error response model (imported late to keep start-up light)."""
    from api.models import ErrorResponse

    return ErrorResponse


def wants_html(request: Request) -> bool:
    """Pages get HTML errors; the API, health and docs get the JSON shape."""
    path = request.url.path
    return not (path.startswith(("/api/", "/healthz", "/version", "/openapi", "/docs")))


def error_body(exc: StkgError) -> dict[str, Any]:
    """The one JSON error shape."""
    body: dict[str, Any] = {"code": exc.code, "message": str(exc)}
    body["field"] = getattr(exc, "field", None)
    body["suggestions"] = list(getattr(exc, "suggestions", []) or [])
    body["problems"] = list(getattr(exc, "problems", []) or [])
    return {"error": body}


def respond(request: Request, exc: StkgError) -> Response:
    """Render an error as JSON or as an HTML page, with its HTTP status."""
    response: Response
    if wants_html(request):
        from api import pages

        response = pages.error_page(request, exc)
    else:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthError) else None
        response = JSONResponse(error_body(exc), status_code=exc.http_status, headers=headers)
    if exc.retry_after:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _errors(app: FastAPI) -> None:
    """Map every exception to the one error shape; never a stack trace to the client."""

    @app.exception_handler(StkgError)
    async def stkg_error(request: Request, exc: StkgError) -> Response:
        return respond(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body")]
        field = ".".join(loc) or None
        return respond(request, ParameterError(f"{field or 'request'}: {first.get('msg', 'invalid')}", field))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return respond(request, NotFoundError(f"no such page or endpoint: {request.url.path}"))
        err = StkgError(str(exc.detail))
        err.http_status, err.code = exc.status_code, "http"
        return respond(request, err)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        err = StkgError("internal error; the server log has the details")
        return respond(request, err)


class BodyLimit:
    """Refuse request bodies over the limit (uploads have their own, larger limit) with 413."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].endswith("/ingest") or scope["path"] == "/upload/preview"
        limit = self.settings.max_upload_bytes if upload else self.settings.max_body_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await refuse(scope, send, TooLargeError(f"the request body is over {limit} bytes"))
            return
        await self.app(scope, _counting(receive, limit), send)


def _counting(receive: Receive, limit: int) -> Callable[[], Awaitable[Message]]:
    """Wrap receive so a body streamed without Content-Length still stops at the limit."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise TooLargeError(f"the request body is over {limit} bytes")
        return message

    return wrapped
