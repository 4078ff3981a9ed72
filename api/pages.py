"""Server-rendered web pages and pictures: thin routes over queries/, templates in api/templates."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api import picture
from api.access import COOKIE, check_csrf, need, principal
from api.guard import inline_policy
from api.keys import PERMISSION_FOR, Principal, digest
from api.lists import highlight
from api.paging import links, parse
from api.v1 import analysis_key, answer, detail_of, graph_of, run_analysis, served, uploaded
from api.warmer import Question
from graph.connection import Graph
from graph.errors import (
    AuthError,
    NotFoundError,
    ParameterError,
    StalePreviewError,
    StkgError,
    TooLargeError,
    ValidationError,
)
from ingest.budget import Limits
from queries import entity
from queries.analysis import analysis

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(picture.TEMPLATES))
templates.env.filters["highlight"] = highlight

#: Result columns whose values are entity keys, and the page kind they link to.
LINKS = {
    "agreement": "agreements",
    "agreement_a": "agreements",
    "agreement_b": "agreements",
    "agreements": "agreements",
    "nation": "nations",
    "nation_a": "nations",
    "nation_b": "nations",
    "code": "nations",
    "parties": "nations",
    "excluded": "nations",
    "technology": "technologies",
    "technologies": "technologies",
    "would_be_gaps": "technologies",
    "forum": "forums",
}
#: The headline findings of the home page, with the columns shown (None: all); duplication as clusters.
HEADLINES: dict[str, tuple[str, ...] | None] = {
    "coverage-gaps": None,
    "duplicate-clusters": ("cluster", "size", "agreements", "parties", "technologies", "same_type"),
    "exclusionary-consortia": None,
}
Html = Response


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """Render a template with what every page needs (who is signed in, link map)."""
    who = getattr(request.state, "principal", None)
    keyed = not request.app.state.keyring.empty
    session = getattr(request.state, "session", None)
    base = {"who": who, "keyed": keyed, "links": LINKS, "as_of": request.query_params.get("as_of", "")}
    base["csrf"] = session.csrf if session else ""
    base["names"] = getattr(request.state, "names", {})
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


async def held_page(request: Request, key: tuple[Any, ...], name: str, **context: Any) -> Response:
    """A page rendered once per question, graph version and viewer: lists and searches repeat, and
    rendering their rows costs more than finding them."""
    who = getattr(request.state, "principal", None)
    session = getattr(request.state, "session", None)
    viewer = (getattr(who, "key_id", None), getattr(who, "role", None), session.csrf if session else "")
    body = await answer(
        request, ("page", name, viewer, *key), lambda: bytes(page(request, name, **context).body)
    )
    return HTMLResponse(body)


async def picture_response(request: Request, key: tuple[Any, ...], draw: Callable[[], str]) -> Response:
    """A picture document, kept with its CSP (its inline vis-network code allowed by hash, computed once
    per drawing rather than per request), framed only by our own pages."""
    html, policy = await answer(request, key, lambda: _with_policy(draw()))
    return HTMLResponse(html, headers={"Content-Security-Policy": policy, "X-Frame-Options": "SAMEORIGIN"})


def _with_policy(html: str) -> tuple[str, str]:
    """A drawing and the policy that lets its own inline code run."""
    return html, inline_policy(html, frame_ancestors="'self'")


async def with_names(request: Request) -> None:
    """Let this request's tables show each id's name or title beside it (read once per graph version)."""
    from queries.browse import names

    g = graph_of(request)
    request.state.names = await answer(request, NAMES_KEY, lambda: names(g))


def error_page(request: Request, exc: StkgError) -> Response:
    """Errors as pages: a sign-in form for 401, otherwise the message and suggestions."""
    if isinstance(exc, AuthError):
        asked_for = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return page(request, "login.html", 401, message=str(exc), next=asked_for)
    return page(request, "error.html", exc.http_status, error=exc)


#: Errors a form shows beside its fields, keeping what was typed (anything else is an error page).
FORM_ERRORS = (ParameterError, NotFoundError)


async def asked(request: Request, name: str, params: dict[str, Any]) -> tuple[Any, StkgError | None]:
    """An analysis answer for a form, or the form's error (a bad or unknown value) to show beside it."""
    try:
        return await run_analysis(request, name, params), None
    except FORM_ERRORS as exc:
        return None, exc


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: Principal = Depends(need("read"))) -> Html:
    """Counts and the three headline findings."""
    await with_names(request)
    g, as_of = graph_of(request), request.query_params.get("as_of")
    findings = []
    for name, columns in HEADLINES.items():
        found = analysis(name)
        rows = await run_analysis(request, name, {"as_of": as_of})
        findings.append(
            {"name": name, "purpose": found.purpose, "rows": rows, "columns": columns or found.returns}
        )
    counts = await answer(request, _counts_key(as_of), lambda: entity.counts(g, as_of))
    compiled = await answer(request, COMPILED_KEY, lambda: _compiled(g))
    return page(
        request,
        "home.html",
        counts=counts,
        findings=findings,
        compiled=compiled,
        watched=_watched(request, who),
    )


def _watched(request: Request, who: Principal) -> tuple[int, int]:
    """(watches with changes the user has not seen, watches), for the home page."""
    from api.v1 import watches
    from queries import watch

    found = watch.mine(watches(request), who.key_id)
    return sum(1 for w in found if w.pending()), len(found)


#: The keys the home page's other answers are held under (api/v1.py's `answer`), shared with the warmer.
NAMES_KEY, COMPILED_KEY = ("names",), ("compiled",)


def _counts_key(as_of: str | None) -> tuple[Any, ...]:
    """The key of the home page's counts for a date (None: today)."""
    return ("counts", as_of)


def home_questions(g: Graph) -> list[Question]:
    """Today's home page as the warmer asks it (api/warmer.py): the keys and computations the page's own
    requests use, so a warmed answer is the very one the page would have worked out."""
    from queries.browse import names

    today: dict[str, Any] = {"as_of": None}
    asked: list[Question] = [
        (analysis_key(name, today), partial(analysis(name).run, g, today)) for name in HEADLINES
    ]
    return [
        (NAMES_KEY, partial(names, g)),
        *asked,
        (_counts_key(None), partial(entity.counts, g, None)),
        (COMPILED_KEY, partial(_compiled, g)),
    ]


def _compiled(g: Any) -> str | None:
    """The shipped reference data's compiled date, for the home page."""
    from ingest.pipeline import reference_compiled

    found = reference_compiled(g)
    return found.isoformat() if found else None


@router.get("/nations/{code}", response_class=HTMLResponse)
async def nation_page(request: Request, code: str, who: Principal = Depends(need("read"))) -> Html:
    """Memberships, agreements, partners, gaps and the partner-network picture."""
    await with_names(request)
    found = await detail_of(request, "nations", code, request.query_params.get("as_of"))
    return page(request, "nation.html", n=found, **await _entity_extras(request, "nations", found["code"]))


async def _entity_extras(request: Request, kind: str, key: str) -> dict[str, Any]:
    """What every entity page shows besides the entity: its recorded changes and its Watch this form."""
    from ingest import history

    g = graph_of(request)
    changes = await answer(request, ("history", kind, key), lambda: history.of_entity(g, kind, key))
    name = f"{entity.kind(kind).singular} {key}"
    return {"changes": changes, "watch_kind": kind, "watch_key": key, "watch_name": name}


@router.get("/nations/{code}/with/{other}", response_class=HTMLResponse)
async def pair_page(request: Request, code: str, other: str, who: Principal = Depends(need("read"))) -> Html:
    """Two nations together: their common active agreements, the technologies on them, their common forums."""
    await with_names(request)
    as_of = request.query_params.get("as_of")
    a = await detail_of(request, "nations", code, as_of)
    b = await detail_of(request, "nations", other, as_of)
    rows = await run_analysis(request, "partners", {"nation": a["code"], "as_of": as_of})
    pair = next((r for r in rows if {r["nation_a"], r["nation_b"]} == {a["code"], b["code"]}), None)
    ids = set(pair["agreements"]) if pair else set()
    agreements = [x for x in a["agreements"] if x["id"] in ids]
    theirs = {m["forum"] for m in b["memberships"] if m["active"]}
    forums = [m for m in a["memberships"] if m["active"] and m["forum"] in theirs]
    return page(request, "pair.html", a=a, b=b, pair=pair, agreements=agreements, forums=forums)


def _entity_page(kind: str) -> None:
    """GET /<kind>/<key>: a forum, agreement, technology, restriction or exemption page."""
    permission = PERMISSION_FOR.get(kind, "read")

    async def show(request: Request, key: str, who: Principal = Depends(need(permission))) -> Html:
        await with_names(request)
        as_of = request.query_params.get("as_of")
        found = await detail_of(request, kind, key, as_of)
        shares = await _shares(request, found["id"], as_of) if kind == "agreements" else []
        extras = await _entity_extras(request, kind, found["id"])
        return page(
            request, f"{entity.kind(kind).singular}.html", e=found, kind=kind, shares=shares, **extras
        )

    show.__doc__ = f"One of the {kind} with its neighbours."
    router.add_api_route(f"/{kind}/{{key}}", show, methods=["GET"], response_class=HTMLResponse)


async def _shares(request: Request, agreement: str, as_of: str | None) -> list[dict[str, Any]]:
    """Each party's contribution and benefit shares in one agreement (equitability), if it is active."""
    from queries.equity import shares
    from queries.param import as_of as day

    g = graph_of(request)
    return await answer(request, ("shares", agreement, as_of), lambda: shares(g, agreement, day(as_of)))


for _kind in ("forums", "agreements", "technologies", "restrictions", "exemptions"):
    _entity_page(_kind)


@router.get("/analyses", response_class=HTMLResponse)
async def analyses_page(request: Request, who: Principal = Depends(need("read"))) -> Html:
    """Every analysis with its purpose."""
    return page(request, "analyses.html", analyses=list(served().values()), forms=FORM_PAGES)


#: Analyses answered on a form page of their own, where /analyses/NAME sends the browser.
FORM_PAGES = {"predraft-check": "/predraft", "disclosure-trace": "/disclose", "disclosure-whatif": "/whatif"}


@router.get("/analyses/{name}", response_class=HTMLResponse)
async def analysis_page(request: Request, name: str, who: Principal = Depends(need("read"))) -> Html:
    """One analysis: a filter form from its declared parameters, the rows, and a CSV link."""
    await with_names(request)
    if request.query_params.get("where") and request.query_params.get("equals"):
        return _filtered(request)
    if name in FORM_PAGES:  # an analysis with its own form page
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(FORM_PAGES[name] + query, status_code=307)
    if name not in served():
        import difflib

        raise NotFoundError(f"no analysis page {name!r}", difflib.get_close_matches(name, list(served())))
    found = analysis(name)
    who.require(PERMISSION_FOR.get(name, "read"))
    given = {p.name: request.query_params.get(p.name, "") for p in found.params}
    rows, error = await asked(request, name, {k: v for k, v in given.items() if v})
    if error is not None:
        return _analysis_error(request, found, given, error)
    csv = request.url.replace(path=f"/api/v1/analyses/{name}").include_query_params(format="csv")
    columns = list(found.returns)
    if name == "expiring":
        rows, columns = await _with_consequences(request, rows), [*columns, "opens", "closes"]
    from queries.timeline import EXPIRY_DATES

    try:
        paging = _shaped(request, columns)
        total, rows = paging.apply(rows)
    except ParameterError as exc:
        return _analysis_error(request, found, given, exc)

    return page(
        request,
        "analysis.html",
        a=found,
        given=given,
        rows=rows,
        csv=str(csv),
        columns=columns,
        dates=EXPIRY_DATES,
        total=total,
        shown=links(
            request.query_params.multi_items(), paging.offset, paging.limit or total, total, len(rows)
        ),
    )


def _analysis_error(request: Request, found: Any, given: dict[str, str], error: StkgError) -> Response:
    """The analysis form with what was typed and the error beside its field (a bad value, sort or filter)."""
    return page(
        request, "analysis.html", error.http_status, a=found, given=given, rows=[], error=error, columns=[]
    )


def _filtered(request: Request) -> Response:
    """The filter form's field and value, added to the address as the API's `filter=field:value`."""
    q = request.query_params
    kept = [(k, v) for k, v in q.multi_items() if k not in ("where", "equals", "offset")]
    kept.append(("filter", f"{q['where']}:{q['equals']}"))
    return RedirectResponse(f"{request.url.path}?{urlencode(kept)}", status_code=303)


#: Rows an analysis page shows at once unless the address asks for another `limit`.
ANALYSIS_PAGE = 100


def _shaped(request: Request, columns: list[str]) -> Any:
    """The page's sort, filters and page from its address (the API's paging parameters)."""
    q = request.query_params
    limit = min(int(q["limit"]), 1000) if q.get("limit", "").isdigit() else ANALYSIS_PAGE
    return parse(columns, limit, q.get("offset"), q.get("sort"), q.getlist("filter"))


async def _with_consequences(request: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Expiring rows with the findings each expiry would open and close (for the first end dates)."""
    from queries.param import as_of as day
    from queries.timeline import day_after, effects

    g, ends = graph_of(request), [day(r["end"]) for r in rows]
    after = await answer(request, ("day-after", tuple(sorted(set(ends)))), lambda: day_after(g, ends))
    unknown = {"opens": ["not worked out"], "closes": ["not worked out"]}
    out = []
    for r, end in zip(rows, ends, strict=True):
        found = effects(r["agreement"], after[end]) if end in after else unknown
        out.append(r | {k: v or ["none"] for k, v in found.items()})
    return out


@router.get("/predraft", response_class=HTMLResponse)
async def predraft_page(
    request: Request,
    parties: str = "",
    technologies: str = "",
    who: Principal = Depends(need("plan")),
) -> Html:
    """The pre-draft check form and, when filled in, its answer (denials first)."""
    await with_names(request)
    check = None
    if parties.strip() or technologies.strip():
        params = {
            "parties": parties,
            "technologies": technologies,
            "as_of": request.query_params.get("as_of"),
        }
        check, error = await asked(request, "predraft-check", params)
        if error is not None:
            return page(
                request,
                "predraft.html",
                error.http_status,
                parties=parties,
                technologies=technologies,
                error=error,
            )
        check = check | {"disclosure": sorted(check["disclosure"], key=_severity)}
    return page(request, "predraft.html", parties=parties, technologies=technologies, check=check)


#: Verdicts from the most to the least blocking, so a planner reads denials first.
SEVERITY = ("denied", "license_required", "review", "permitted")


def _severity(row: dict[str, Any]) -> tuple[int, str, str]:
    """Sort key: the most blocking verdict first, then nation and technology."""
    verdict = row.get("verdict")
    rank = SEVERITY.index(verdict) if verdict in SEVERITY else len(SEVERITY)
    return rank, str(row.get("nation")), str(row.get("technology"))


@router.get("/disclose", response_class=HTMLResponse)
async def disclose_page(
    request: Request,
    nation: str = "",
    technology: str = "",
    who: Principal = Depends(need("disclose")),
) -> Html:
    """The disclosure trace form and, when filled in, the verdict with reasons and citations."""
    trace = None
    if nation.strip() or technology.strip():
        params = {"nation": nation, "technology": technology, "as_of": request.query_params.get("as_of")}
        trace, error = await asked(request, "disclosure-trace", params)
        if error is not None:
            return page(
                request, "disclose.html", error.http_status, nation=nation, technology=technology, error=error
            )
    return page(request, "disclose.html", nation=nation, technology=technology, trace=trace)


@router.get("/whatif", response_class=HTMLResponse)
async def whatif_page(
    request: Request,
    extend: str = "",
    to: str = "",
    lift: str = "",
    nations: str = "",
    technologies: str = "",
    who: Principal = Depends(need("disclose")),
) -> Html:
    """What-if: the verdicts that would change, grouped by nation, before -> after with the reason."""
    form = {"extend": extend, "to": to, "lift": lift, "nations": nations, "technologies": technologies}
    rows = None
    if extend.strip() or lift.strip():
        given = {k: v for k, v in form.items() if v.strip()} | {"as_of": request.query_params.get("as_of")}
        rows, error = await asked(request, "disclosure-whatif", given)
        if error is not None:
            return page(
                request, "whatif.html", error.http_status, form=form, rows=None, groups={}, error=error
            )
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows or []:
        groups.setdefault(row["nation"], []).append(row)
    return page(request, "whatif.html", form=form, rows=rows, groups=groups)


@router.get("/disclose.pdf")
async def disclose_pdf(
    request: Request, nation: str, technology: str, who: Principal = Depends(need("disclose"))
) -> Response:
    """The disclosure report to file: verdict, exceptions, reasons, warnings, who made it and when."""
    from api import pdf

    params = {"nation": nation, "technology": technology, "as_of": request.query_params.get("as_of")}
    trace = await run_analysis(request, "disclosure-trace", params)
    made_by = f"{who.key_id} ({who.role})"
    body = await run_in_threadpool(pdf.disclosure, graph_of(request), trace, made_by)
    name = f"disclosure-{trace['nation']}-{trace['technology']}-{trace['as_of']}.pdf"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type="application/pdf", headers=headers)


@router.get("/engagement", response_class=HTMLResponse)
async def engagement_page(
    request: Request, component: str = "", threshold: str = "20", who: Principal = Depends(need("read"))
) -> Html:
    """The engagement plan: heatmap, ranked priorities, shortfalls and surpluses."""
    await with_names(request)
    as_of = request.query_params.get("as_of")
    chosen = {"component": component, "as_of": as_of}
    ranked = await run_analysis(request, "engagement-priorities", chosen)
    gaps = await run_analysis(request, "engagement-delta", chosen | {"threshold": threshold})
    picture_query = urlencode({k: v for k, v in chosen.items() if v})
    return page(
        request,
        "engagement.html",
        component=component,
        threshold=threshold,
        ranked=ranked,
        gaps=gaps,
        picture_query=picture_query,
        plan_links=LINKS | {"nation": "engagement/nations"},
    )


@router.get("/engagement/nations/{code}", response_class=HTMLResponse)
async def engagement_nation_page(request: Request, code: str, who: Principal = Depends(need("read"))) -> Html:
    """One country's plan collated across components (the Strategy asks for one plan per country)."""
    as_of = request.query_params.get("as_of")
    found = await detail_of(request, "nations", code, as_of)
    chosen = {"nation": found["code"], "as_of": as_of}
    ranked = await run_analysis(request, "engagement-priorities", chosen)
    gaps = await run_analysis(request, "engagement-delta", chosen | {"threshold": "0"})
    return page(request, "engagement-nation.html", n=found, ranked=ranked, gaps=gaps)


@router.get("/pictures/heatmap.{fmt}")
async def heatmap_picture(
    request: Request, fmt: str, component: str = "", who: Principal = Depends(need("read"))
) -> Response:
    """The engagement heatmap as SVG or PNG."""
    from api.heatmap import heatmap
    from queries.param import as_of as day

    if fmt not in ("svg", "png"):
        raise NotFoundError(f"no heatmap format {fmt!r} (svg or png)")
    date, g = day(request.query_params.get("as_of")), graph_of(request)
    body = await answer(
        request, ("heatmap", fmt, component, date), lambda: heatmap(g, date, component or None, fmt)
    )
    return Response(body, media_type="image/svg+xml" if fmt == "svg" else "image/png")


@router.get("/pictures/partners", response_class=HTMLResponse)
async def partners_picture(request: Request, who: Principal = Depends(need("read"))) -> Html:
    """The whole partner network, by community and centrality."""
    as_of, everyone = request.query_params.get("as_of"), request.query_params.get("all") == "1"
    key = ("picture", "partners", as_of, everyone)
    g = graph_of(request)
    return await picture_response(request, key, lambda: picture.partner_network(g, as_of, everyone))


@router.get("/pictures/disclosure", response_class=HTMLResponse)
async def disclosure_picture(
    request: Request, nation: str, technology: str, who: Principal = Depends(need("disclose"))
) -> Html:
    """The path of one disclosure trace."""
    params = {"nation": nation, "technology": technology, "as_of": request.query_params.get("as_of")}
    trace = await run_analysis(request, "disclosure-trace", params)
    key = ("picture", "disclosure", nation, technology, params["as_of"])
    return await picture_response(request, key, lambda: picture.disclosure(graph_of(request), trace))


@router.get("/pictures/neighbours/{kind}/{key}")
async def picture_neighbours(
    request: Request, kind: str, key: str, who: Principal = Depends(need("read"))
) -> Response:
    """The nodes and edges a picture adds when the user clicks a nation, forum or agreement (expand)."""
    from fastapi.responses import JSONResponse

    as_of = request.query_params.get("as_of")
    g = graph_of(request)
    found = await answer(
        request, ("neighbours", kind, key, as_of), lambda: picture.neighbours(g, kind, key, as_of)
    )
    return JSONResponse(found)


@router.get("/pictures/{kind}/{key}", response_class=HTMLResponse)
async def entity_picture(
    request: Request, kind: str, key: str, who: Principal = Depends(need("read"))
) -> Html:
    """A nation's partner network, a forum's members and agreements, an agreement's tree or a technology's
    place in its taxonomy."""
    as_of = request.query_params.get("as_of")
    cached = ("picture", kind, key, as_of)
    return await picture_response(request, cached, lambda: picture.drawn(graph_of(request), kind, key, as_of))


@router.get("/review", response_class=HTMLResponse)
async def review_page(
    request: Request,
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    who: Principal = Depends(need("read")),
) -> Html:
    """The planning-cycle review: what started and ended between two dates, then the findings that changed."""
    from queries.param import date_of

    given = {"from": start or date_of("a year ago").isoformat(), "to": end or date_of("today").isoformat()}
    try:
        changes = await run_analysis(request, "portfolio-changes", given)
        delta = await run_analysis(request, "findings-delta", given)
    except StkgError as exc:  # the form stays, with the error beside it
        return page(request, "review.html", exc.http_status, given=given, error=exc, changes=[], delta=[])
    return page(request, "review.html", given=given, changes=changes, delta=delta)


@router.get("/runs", response_class=HTMLResponse)
async def runs_page(request: Request, who: Principal = Depends(need("read"))) -> Html:
    """Every ingest run, newest first, each linked to what it changed."""
    from ingest.pipeline import runs

    g = graph_of(request)
    found = await answer(request, ("runs",), lambda: runs(g))
    return page(request, "runs.html", runs=found, admin=who.may("admin"))


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: str, who: Principal = Depends(need("read"))) -> Html:
    """What one ingest run changed, entity by entity, with the values before and after."""
    from api.v1 import visible_changes
    from ingest import history

    g = graph_of(request)
    rows = await answer(request, ("changes", run_id), lambda: history.of_run(g, run_id))
    shown = visible_changes(request, rows)
    return page(request, "run.html", run_id=run_id, rows=shown, hidden=len(rows) - len(shown))


@router.get("/watches", response_class=HTMLResponse)
async def watches_page(request: Request, who: Principal = Depends(need("read"))) -> Html:
    """What changed: each of the user's watches with the changes found since they last looked."""
    from api.v1 import watches
    from queries import watch

    store = watches(request)
    found = [(w, w.pending()) for w in watch.mine(store, who.key_id)]
    await run_in_threadpool(watch.seen, store, who.key_id)
    added = request.query_params.get("added", "")
    return page(request, "watches.html", watches=found, summary=watch.summary, added=added)


@router.post("/watches", response_class=HTMLResponse)
async def watch_this(
    request: Request,
    analysis: Annotated[str, Form(max_length=100)],
    name: Annotated[str, Form(max_length=200)],
    params: Annotated[str, Form(max_length=4000)] = "",
    who: Principal = Depends(need("read")),
) -> Response:
    """The "Watch this" button: save the page's question with its answer now."""
    from urllib.parse import parse_qsl

    from api.v1 import watch_permission, watches
    from queries import watch

    given = {k: v for k, v in parse_qsl(params) if v}
    who.require(watch_permission(analysis, given))
    g, store, restricted = graph_of(request), watches(request), not who.may("disclose")
    found = await run_in_threadpool(watch.add, g, store, who.key_id, name, analysis, given, restricted)
    return RedirectResponse(f"/watches?added={found.id}#{found.id}", status_code=303)


@router.post("/watches/{which}/remove", response_class=HTMLResponse)
async def unwatch(request: Request, which: str, who: Principal = Depends(need("read"))) -> Response:
    """Stop watching."""
    from api.v1 import watches
    from queries import watch

    await run_in_threadpool(watch.remove, watches(request), who.key_id, which)
    return RedirectResponse("/watches", status_code=303)


@router.get("/upload", response_class=HTMLResponse)
async def upload_form(request: Request, who: Principal = Depends(need("admin"))) -> Html:
    """Choose a data file (and a mapping); the preview comes before anything is written."""
    return page(request, "upload.html")


@router.post("/upload/preview", response_class=HTMLResponse)
async def upload_preview(
    request: Request,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    who: Principal = Depends(need("admin")),
) -> Html:
    """Dry-run the upload and show what it would change, with a confirmation that writes exactly that."""
    from ingest.upload import ingest_upload

    g, settings = graph_of(request), request.app.state.settings
    content, given = await uploaded(request, file, mapping)
    version = g.version()
    try:
        summary = await run_in_threadpool(
            ingest_upload, g, file.filename or "upload", content, Limits.of(settings), True, given
        )
    except (ValidationError, TooLargeError) as exc:
        problems = getattr(exc, "problems", [])
        return page(request, "upload.html", exc.http_status, error=str(exc), problems=problems)
    staged = request.app.state.staging.put(
        key_id=who.key_id,
        name=file.filename or "upload",
        content=content,
        mapping=given,
        version=version,
        preview=summary.preview,
    )
    return page(request, "upload.html", preview=staged, summary=summary)


@router.post("/upload/confirm", response_class=HTMLResponse)
async def upload_confirm(
    request: Request, token: Annotated[str, Form(max_length=100)], who: Principal = Depends(need("admin"))
) -> Html:
    """Write a previewed upload, unless the graph changed since its preview (then: preview again)."""
    from ingest.upload import ingest_upload

    g, settings = graph_of(request), request.app.state.settings
    staged = request.app.state.staging.take(token, who.key_id)
    try:
        if staged is None:
            raise StalePreviewError("this preview is unknown or expired; upload the file again")
        if g.version() != staged.version:
            raise StalePreviewError(
                "the graph changed since the preview, so it no longer says what would be "
                "written; upload the file again to see a new preview"
            )
        done = await run_in_threadpool(
            ingest_upload,
            g,
            staged.name,
            staged.content,
            Limits.of(settings),
            False,
            staged.mapping,
            staged.preview,
        )
    except StalePreviewError as exc:
        return page(request, "upload.html", exc.http_status, error=str(exc))
    from api.v1 import recheck

    changed = await recheck(request, who) if done.changed else 0
    return page(request, "upload.html", done=done, watches_changed=changed)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Html:
    """Ask for an API key (only meaningful when keys are configured)."""
    return page(request, "login.html", message="", next=_local(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request, key: Annotated[str, Form(max_length=500)], next: Annotated[str, Form()] = "/"
) -> Html:
    """Check the key and open a session: the cookie holds a random id that expires, never the key."""
    keyring = request.app.state.keyring
    keyring.refresh()
    keyring.identify(key)  # raises 401 when wrong
    opened = request.app.state.sessions.open(digest(key))
    response = RedirectResponse(_local(next), status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE,
        opened.sid,
        max_age=request.app.state.sessions.seconds,
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End this browser's session (the form carries the session's CSRF token)."""
    principal(request)
    await check_csrf(request)
    request.app.state.sessions.close(request.cookies.get(COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


def _local(target: str) -> str:
    """Only redirect within this site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
