"""The JSON API under /api/v1: thin routes over queries/ and ingest/, typed by api.models."""

from __future__ import annotations

import inspect
import json
import keyword
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from api import models, paging, render
from api.access import need
from api.cache import Answers, held_key
from api.keys import PERMISSION_FOR, Principal
from graph.connection import Graph
from graph.errors import EngineError, LoadingError, StkgError, TooLargeError
from queries import entity
from queries.analysis import Analysis, analyses

router = APIRouter()
api = APIRouter(prefix="/api/v1")
Format = Literal["json", "csv"]
T = TypeVar("T")
ASOF = Query(None, description="Date the answer holds for (YYYY-MM-DD; default today)")


def graph_of(request: Request) -> Graph:
    """The app's connected graph."""
    return request.app.state.graph  # type: ignore[no-any-return]


async def answer(request: Request, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Reuse the answer to the same question (today's date included) until the graph changes.

    A held answer is returned on the event loop; a new one is computed in the thread pool.
    """
    answers: Answers = request.app.state.answers
    g, full = graph_of(request), held_key(key)
    found, value = answers.peek(g, full)
    if found:
        return value  # type: ignore[no-any-return]
    return await run_in_threadpool(answers.get, g, full, compute)


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    """One validator/serializer per response model."""
    return TypeAdapter(model)


async def json_answer(
    request: Request,
    key: tuple[Any, ...],
    model: Any,
    compute: Callable[[], Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """An answer validated against its response model once, then kept as JSON bytes."""
    adapter = _adapter(model)

    def encode() -> tuple[bytes, int | None]:
        found = compute()
        return adapter.dump_json(adapter.validate_python(found)), len(found) if isinstance(
            found, list
        ) else None

    body, total = await answer(request, ("json", *key), encode)
    counted = {"X-Total-Count": str(total)} if total is not None else {}
    return Response(body, media_type="application/json", headers={**counted, **(headers or {})})


async def csv_answer(
    request: Request,
    key: tuple[Any, ...],
    cols: list[str],
    name: str,
    compute: Callable[[], Any],
    headers: dict[str, str] | None = None,
) -> Response:
    """Rows as a CSV download (list cells joined with ';' as in the ingest format); a search page
    ({total, items}) sends its items, with the total of all matches in X-Total-Count."""

    def encode() -> tuple[bytes, int]:
        found = compute()
        rows = found["items"] if isinstance(found, dict) else found
        total = found["total"] if isinstance(found, dict) else len(found)
        return render.to_csv(rows, cols).encode("utf-8"), total

    body, total = await answer(request, ("csv", *key), encode)
    headers = {
        **(headers or {}),
        "X-Total-Count": str(total),
        "Content-Disposition": f'attachment; filename="{name}.csv"',
    }
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


async def paged_answer(
    request: Request, a: Analysis, model: Any, shape: paging.Paging, fmt: str | None, rows: list[Any]
) -> Response:
    """A page of an analysis's rows: filtered, sorted, cut; the total before the cut in X-Total-Count
    (and, with envelope=true, in a {total, offset, limit, items} object)."""
    total, page = shape.apply(rows)
    headers = {"X-Total-Count": str(total)}
    if fmt == "csv":
        body = render.to_csv([dict(r) for r in page], list(a.returns)).encode("utf-8")
        headers["Content-Disposition"] = f'attachment; filename="{a.name}.csv"'
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    items = _adapter(model).dump_python(_adapter(model).validate_python(page), mode="json")
    doc: Any = (
        {"total": total, "offset": shape.offset, "limit": shape.limit, "items": items}
        if shape.envelope
        else items
    )
    return Response(json.dumps(doc).encode("utf-8"), media_type="application/json", headers=headers)


#: The paging parameters every row-returning analysis takes (api/paging.py), as OpenAPI shows them.
PAGING = (
    ("limit", Query(None, ge=0, description="at most this many rows (default all)"), int | None),
    ("offset", Query(None, ge=0, description="skip this many rows first (default 0)"), int | None),
    (
        "sort",
        Query(None, description="fields to sort by, comma-separated; -field for descending"),
        str | None,
    ),
    (
        "filter",
        Query(None, description="field:value (repeatable): rows equal to, or lists holding, the value"),
        list[str] | None,
    ),
    (
        "envelope",
        Query(False, description="true: {total, offset, limit, items} instead of a bare list"),
        bool,
    ),
)
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"}
}


@router.get("/healthz", response_model=models.Health, tags=["service"])
def healthz(request: Request) -> dict[str, str | None]:
    """Is the engine reachable? 503 when it is not; "loading" (200) while a bulk load runs, which is busy,
    not broken (a monitor that restarted the server then would roll the load back)."""
    g = graph_of(request)
    status = "ok"
    try:
        g.read("RETURN 1 AS ok")
    except LoadingError as exc:
        if not exc.busy:
            raise EngineError(f"the graph is not ready: {exc}") from exc
        status = "loading"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        raise EngineError(f"the graph engine does not answer: {exc}") from exc
    return {"status": status, "engine": g.engine, "uri": g.uri if _is_admin(request) else None}


def _is_admin(request: Request) -> bool:
    """True when the caller (identified without requiring a key) is an admin."""
    from api.access import principal

    try:
        return principal(request).may("admin")
    except StkgError:
        return False


@router.get("/version", response_model=models.Version, tags=["service"])
def version(request: Request) -> dict[str, str]:
    """The stkg version and the engine it serves from."""
    from api.app import version as installed

    return {"version": installed(), "engine": graph_of(request).engine}


SUMMARY: dict[str, type[models.Model]] = {
    "nations": models.NationSummary,
    "forums": models.ForumSummary,
    "agreements": models.AgreementSummary,
    "technologies": models.TechnologySummary,
    "restrictions": models.RestrictionSummary,
    "exemptions": models.ExemptionSummary,
}
DETAIL: dict[str, type[models.Model]] = {
    "nations": models.NationDetail,
    "forums": models.ForumDetail,
    "agreements": models.AgreementDetail,
    "technologies": models.TechnologyDetail,
    "restrictions": models.RestrictionDetail,
    "exemptions": models.ExemptionDetail,
}


def detail_computer(request: Request, kind: str, key: str, as_of: str | None) -> Callable[[], dict[str, Any]]:
    """How to compute one entity as its page and endpoint show it (a nation with partners and gaps)."""
    g = graph_of(request)
    if kind == "nations":
        return lambda: entity.nation(g, key, as_of)
    return lambda: entity.detail(g, kind, key, as_of)


async def detail_of(request: Request, kind: str, key: str, as_of: str | None) -> dict[str, Any]:
    """One entity, reused until the graph changes."""
    return await answer(request, ("detail", kind, key, as_of), detail_computer(request, kind, key, as_of))


def analysis_computer(request: Request, name: str, given: dict[str, Any]) -> Callable[[], Any]:
    """How to run an analysis with caller values (unknown names are an error, as in the CLI)."""
    from queries.analysis import analysis
    from queries.timeline import public

    g = graph_of(request)
    if _public_only(request, name):
        return lambda: public(analysis(name).run(g, given))  # type: ignore[arg-type]
    return lambda: analysis(name).run(g, given)


def may_read_restrictions(request: Request | None) -> bool:
    """Whether the caller's role may see restrictions and exemptions (ids, dates, changes)."""
    who = getattr(request.state, "principal", None) if request is not None else None
    return who is not None and who.may("disclose")


def _public_only(request: Request | None, name: str) -> bool:
    """Whether this caller gets the analysis without its restriction and exemption rows."""
    return name == "portfolio-changes" and not may_read_restrictions(request)


def visible_changes(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A run's change rows as this caller may see them (the API route and the run page)."""
    from ingest import history

    return rows if may_read_restrictions(request) else history.public(rows)


def analysis_key(name: str, given: dict[str, Any], request: Request | None = None) -> tuple[Any, ...]:
    """The cache key of an analysis question (and, where rows depend on it, of who may see what)."""
    public = request is not None and _public_only(request, name)
    return ("analysis", name, tuple(sorted(given.items())), "public" if public else "all")


async def run_analysis(request: Request, name: str, given: dict[str, Any]) -> Any:
    """An analysis answer, reused until the graph changes."""
    return await answer(request, analysis_key(name, given, request), analysis_computer(request, name, given))


def _search_route(kind: str) -> None:
    """GET /api/v1/<kind>?q=&offset=&limit=."""
    permission = PERMISSION_FOR.get(kind, "read")
    page_model: Any = models.Page[SUMMARY[kind]]  # type: ignore[valid-type]

    async def search(
        request: Request,
        q: Annotated[str | None, Query(max_length=200, description="Case-insensitive substring")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        format: Format = "json",
        who: Principal = Depends(need(permission)),
    ) -> Any:
        g, key = graph_of(request), ("search", kind, q, offset, limit)

        def compute() -> dict[str, Any]:
            return entity.search(g, kind, q or None, offset, limit)

        if format == "csv":
            cols = list(SUMMARY[kind].model_fields)
            return await csv_answer(request, key, cols, kind, compute)
        return await json_answer(request, key, page_model, compute)

    search.__doc__ = f"Search {kind} by id or name, one page at a time."
    api.add_api_route(
        f"/{kind}",
        search,
        methods=["GET"],
        response_model=page_model,
        responses=CSV,
        tags=["entities"],
        name=f"search_{kind}",
    )


def _detail_route(kind: str) -> None:
    """GET /api/v1/<kind>/<key>?as_of=."""
    permission = PERMISSION_FOR.get(kind, "read")

    async def detail(
        request: Request,
        key: Annotated[str, Path(max_length=200, description="Code or id")],
        as_of: str | None = ASOF,
        who: Principal = Depends(need(permission)),
    ) -> Any:
        compute = detail_computer(request, kind, key, as_of)
        return await json_answer(request, ("detail", kind, key, as_of), DETAIL[kind], compute)

    detail.__doc__ = f"One of the {kind} with its neighbours; 404 with suggestions when unknown."
    api.add_api_route(
        f"/{kind}/{{key}}",
        detail,
        methods=["GET"],
        response_model=DETAIL[kind],
        tags=["entities"],
        name=f"get_{kind}",
    )


for _kind in entity.KINDS:
    _search_route(_kind)
    _detail_route(_kind)


@api.get("/analyses", response_model=list[models.AnalysisInfo], tags=["analyses"])
def list_analyses(who: Principal = Depends(need("read"))) -> list[dict[str, Any]]:
    """Every analysis with its parameters and returned fields (as `stkg queries`)."""
    return [
        {
            "name": a.name,
            "purpose": a.purpose,
            "params": [
                {"name": p.name, "type": p.type, "required": p.required, "default": p.default}
                for p in a.params
            ],
            "returns": list(a.returns),
            "single": a.single,
        }
        for a in served().values()
    ]


def served() -> dict[str, Analysis]:
    """The analyses the API serves: every one with a response model."""
    return {n: a for n, a in analyses().items() if n in models.ROWS or n in models.SINGLE}


def _analysis_route(a: Analysis) -> None:
    """GET /api/v1/analyses/<name> with the analysis's own parameters as query parameters."""
    permission = PERMISSION_FOR.get(a.name, "read")

    row: Any = models.ROWS.get(a.name)
    model: Any = models.SINGLE[a.name] if a.single else list[row]

    async def run(request: Request, **params: Any) -> Any:
        shaping = set() if a.single else {"format", *paging.NAMES}
        given = {k: v for k, v in request.query_params.items() if k not in shaping}
        key, compute = analysis_key(a.name, given, request), analysis_computer(request, a.name, given)
        if a.single:
            return await json_answer(request, key, model, compute)
        shape = paging.parse(
            a.returns,
            params.get("limit"),
            params.get("offset"),
            params.get("sort"),
            request.query_params.getlist("filter"),
            params.get("envelope"),
        )
        if shape.idle and not shape.envelope:  # the whole answer: served as bytes kept from the last time
            if params.get("format") == "csv":
                return await csv_answer(request, key, list(a.returns), a.name, compute)
            return await json_answer(request, key, model, compute)
        return await paged_answer(
            request, a, model, shape, params.get("format"), await answer(request, ("rows", *key), compute)
        )

    run.__signature__ = _signature(a, permission)  # type: ignore[attr-defined]
    run.__doc__ = a.purpose
    api.add_api_route(
        f"/analyses/{a.name}",
        run,
        methods=["GET"],
        response_model=model,
        responses=None if a.single else CSV,
        tags=["analyses"],
        name=a.name.replace("-", "_"),
        summary=a.purpose,
    )


def _signature(a: Analysis, permission: str) -> inspect.Signature:
    """Query parameters declared exactly as the analysis's header declares them."""
    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)]
    for p in a.params:
        lists = p.type in {"nations", "technologies", "list"}
        hint = f"{p.type}" + (" (separate with , or ;)" if lists else "")
        default = Query(... if p.required else None, alias=p.name, description=hint + _default_text(p))
        python_name = f"{p.name}_" if keyword.iskeyword(p.name) else p.name  # `from` is the query name
        params.append(
            inspect.Parameter(
                python_name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=str | None
            )
        )
    if not a.single:
        params.append(
            inspect.Parameter("format", inspect.Parameter.KEYWORD_ONLY, default="json", annotation=Format)
        )
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=q, annotation=t)
            for n, q, t in PAGING
        ]
    params.append(
        inspect.Parameter(
            "who", inspect.Parameter.KEYWORD_ONLY, default=Depends(need(permission)), annotation=Principal
        )
    )
    return inspect.Signature(params)


def _default_text(p: Any) -> str:
    """How the docs show a parameter's default."""
    if p.required:
        return ""
    return f"; default {p.default}" if p.default else "; optional"


for _a in served().values():
    _analysis_route(_a)


@api.get("/runs", tags=["ingest"])
def list_runs(request: Request, who: Principal = Depends(need("read"))) -> list[dict[str, Any]]:
    """Recorded ingest runs, newest first; only admins see where on the server an input was read from."""
    from pathlib import PurePath

    from graph.values import plain
    from ingest.pipeline import runs

    rows = [plain(r) for r in runs(graph_of(request))]
    if not who.may("admin"):
        for r in rows:
            r["path"] = PurePath(str(r["path"] or "")).name or None
    return rows


@api.get("/runs/{run_id}/changes", tags=["ingest"])
async def run_changes(
    request: Request, run_id: str, who: Principal = Depends(need("read"))
) -> list[dict[str, Any]]:
    """What one ingest run changed: entities added, values with before and after, links added or removed."""
    from ingest import history

    rows = await answer(request, ("changes", run_id), lambda: history.of_run(graph_of(request), run_id))
    return visible_changes(request, rows)


@api.post("/ingest", response_model=models.IngestResult, tags=["ingest"])
async def ingest(
    request: Request,
    file: Annotated[UploadFile, File(description="A .zip of CSV files, an .xlsx workbook or a .json file")],
    dry_run: Annotated[bool, Form()] = False,
    mapping: Annotated[
        UploadFile | None, File(description="A YAML mapping from your own sheets and columns (optional)")
    ] = None,
    who: Principal = Depends(need("admin")),
) -> dict[str, Any]:
    """Validate and load an upload, all or nothing, with the same rules as `stkg ingest [--mapping]`."""
    from ingest.budget import Limits
    from ingest.upload import ingest_upload

    settings = request.app.state.settings
    content, given = await uploaded(request, file, mapping)
    summary = await run_in_threadpool(
        ingest_upload,
        graph_of(request),
        file.filename or "upload",
        content,
        Limits.of(settings),
        dry_run,
        given,
    )
    changed = await recheck(request, who) if summary.changed and not dry_run else 0
    return {
        "dry_run": summary.dry_run,
        "summary": summary.describe(),
        "changes": summary.counts,
        "watches_changed": changed,
    }


def watches(request: Request) -> Any:
    """The server's watch store (queries/watch.py)."""
    from queries.watch import Store

    return Store(request.app.state.settings.watches_path)


async def recheck(request: Request, who: Principal) -> int:
    """After an ingest, ask every saved watch again; how many of the caller's changed."""
    from queries.watch import check

    found = await run_in_threadpool(check, graph_of(request), watches(request))
    return sum(1 for w, _ in found if w.owner == who.key_id)


def watch_info(w: Any) -> dict[str, Any]:
    """A watch as the API shows it (its stored answer stays on the server)."""
    return {
        "id": w.id,
        "name": w.name,
        "analysis": w.analysis,
        "params": w.params,
        "created": w.created,
        "checked": w.checked,
        "changes": [{k: v for k, v in c.items() if k != "reported"} for c in w.changes],
        "pending": len(w.pending()),
    }


def watch_permission(analysis: str, params: dict[str, str]) -> str:
    """What the question needs: a disclosure pair or a restriction's page needs `disclose`."""
    from queries.watch import ENTITY

    return PERMISSION_FOR.get(params.get("kind", "") if analysis == ENTITY else analysis, "read")


@api.get("/watches", response_model=list[models.WatchInfo], tags=["watches"])
def list_watches(request: Request, who: Principal = Depends(need("read"))) -> list[dict[str, Any]]:
    """The caller's watches with every change found so far."""
    from queries.watch import mine

    return [watch_info(w) for w in mine(watches(request), who.key_id)]


@api.post("/watches", response_model=models.WatchInfo, status_code=201, tags=["watches"])
async def add_watch(
    request: Request, body: models.WatchRequest, who: Principal = Depends(need("read"))
) -> dict[str, Any]:
    """Save a question (an analysis with parameters, a disclosure pair, an entity) with its answer now."""
    from queries.watch import add

    who.require(watch_permission(body.analysis, body.params))
    restricted = not who.may("disclose")
    g, store = graph_of(request), watches(request)
    found = await run_in_threadpool(
        add, g, store, who.key_id, body.name, body.analysis, body.params, restricted
    )
    return watch_info(found)


@api.delete("/watches/{which}", status_code=204, tags=["watches"])
def remove_watch(request: Request, which: str, who: Principal = Depends(need("read"))) -> Response:
    """Delete one of the caller's watches, by id or name."""
    from queries.watch import remove

    remove(watches(request), who.key_id, which)
    return Response(status_code=204)


@api.post("/watches/check", response_model=list[models.WatchInfo], tags=["watches"])
async def check_watches(request: Request, who: Principal = Depends(need("read"))) -> list[dict[str, Any]]:
    """Ask the caller's watches again now; the watches whose answers changed, with their changes."""
    from queries.watch import check

    found = await run_in_threadpool(check, graph_of(request), watches(request), who.key_id)
    return [watch_info(w) | {"changes": changes} for w, changes in found]


async def uploaded(
    request: Request, file: UploadFile, mapping: UploadFile | None
) -> tuple[bytes, tuple[str, bytes] | None]:
    """An upload's bytes (413 past STKG_MAX_UPLOAD_BYTES) and its optional mapping's, read just past the
    mapping limit so that ingest refuses an oversized one with its name (the API and the Upload page)."""
    from ingest.upload import MAPPING_BYTES

    limit = request.app.state.settings.max_upload_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise TooLargeError(f"{file.filename or 'the upload'} is over {limit} bytes")
    if mapping is None or not mapping.filename:
        return content, None
    return content, (mapping.filename, await mapping.read(MAPPING_BYTES + 1))


@api.post("/cypher", tags=["admin"])
def cypher(
    request: Request, body: models.CypherRequest, who: Principal = Depends(need("admin"))
) -> dict[str, Any]:
    """Ad hoc Cypher, read-only (refused if it writes) with the configured timeout; admins only."""
    import hashlib

    from api.audit import note
    from graph.values import plain

    note(request.state, cypher_sha256=hashlib.sha256(body.query.encode("utf-8")).hexdigest())
    rows = graph_of(request).read(body.query, body.params)
    return {"rows": [plain(r) for r in rows]}


def browsable(who: Principal) -> tuple[str, ...]:
    """The entity kinds this caller may list and search (restrictions and exemptions need `disclose`)."""
    from queries.browse import LISTINGS

    return tuple(k for k in LISTINGS if who.may(PERMISSION_FOR.get(k, "read")))


@api.get("/search", response_model=models.SearchAnswer, tags=["entities"])
async def search_everything(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Words to find; case and accents are ignored")],
    limit: Annotated[int, Query(ge=1, le=100, description="Hits per kind")] = 10,
    who: Principal = Depends(need("read")),
) -> Any:
    """Search ids, names, aliases, titles, citations and sources of every kind the caller may see."""
    from graph.errors import ParameterError
    from queries import browse

    text, g, kinds = q.strip(), graph_of(request), browsable(who)
    if not text:
        raise ParameterError("q: give at least one word to search for", field="q")
    return await answer(
        request, ("site-search", text, kinds, limit), lambda: browse.search(g, text, kinds, limit)
    )


router.include_router(api)
