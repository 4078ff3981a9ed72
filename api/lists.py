"""List pages of every entity kind and the site search: sorted, filtered and paged on the server."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from api.access import need
from api.keys import PERMISSION_FOR, Principal
from api.paging import Paging, links, parse
from api.v1 import answer, browsable, graph_of
from queries import browse
from queries.param import as_of as day

router = APIRouter(include_in_schema=False)
#: Rows per list page unless the user asks for another size (at most MAX_LIMIT).
PAGE_SIZE = 50
MAX_LIMIT = 500
#: Hits shown per kind on the search page before "all N" links to the kind's filtered list.
SEARCH_SHOWN = 10


def shaped(graph: Any, kind: str, asked: dict[str, str]) -> dict[str, Any]:
    """One page of a kind's list: rows matching the search and filters, in order, with the counts."""
    listing = browse.LISTINGS[kind]
    rows = browse.rows(graph, kind, day(asked.get("as_of")))
    every = len(rows)
    q = asked.get("q", "").strip()
    if q:
        order = {h.key: i for i, h in enumerate(browse.find(graph, kind, q))}
        rows = sorted(
            (r for r in rows if str(r[listing.key]) in order), key=lambda r: order[str(r[listing.key])]
        )
    options = {c: browse.choices(rows, c) for c in listing.choices}
    paging = _paging(listing, asked)
    total, kept = paging.apply(rows)
    return {
        "every": every,
        "total": total,
        "rows": [dict(r) for r in kept],
        "options": options,
        "offset": paging.offset,
        "limit": paging.limit,
    }


def _paging(listing: browse.Listing, asked: dict[str, str]) -> Paging:
    """Sort, choice filters and the page from the query string (bad values are 422s naming the field)."""
    filters = [f"{c}:{asked[c]}" for c in listing.choices if asked.get(c)]
    limit = asked.get("limit") or PAGE_SIZE
    paging = parse(listing.columns, limit, asked.get("offset"), asked.get("sort"), filters)
    return Paging(min(paging.limit or PAGE_SIZE, MAX_LIMIT), paging.offset, paging.sort, paging.filters)


def _list_page(kind: str) -> None:
    """GET /<kind>: the list page of one kind."""
    permission = PERMISSION_FOR.get(kind, "read")

    async def show(request: Request, who: Principal = Depends(need(permission))) -> Response:
        from api.pages import held_page

        asked = {k: v for k, v in request.query_params.items() if v}
        g = graph_of(request)
        key = ("list", kind, tuple(sorted(asked.items())))
        found = await answer(request, key, lambda: shaped(g, kind, asked))
        return await held_page(
            request,
            key,
            "list.html",
            kind=kind,
            listing=browse.LISTINGS[kind],
            found=found,
            asked=asked,
            pager=links(
                list(asked.items()), found["offset"], found["limit"], found["total"], len(found["rows"])
            ),
        )

    show.__doc__ = f"The {kind}, sortable, filterable and paged."
    router.add_api_route(f"/{kind}", show, methods=["GET"], response_class=HTMLResponse)


for _kind in browse.LISTINGS:
    _list_page(_kind)


@router.get("/search", response_class=HTMLResponse)
async def search_page(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    who: Principal = Depends(need("read")),
) -> Response:
    """Search every kind the user may see at once: ids, names, aliases, titles, citations, sources."""
    from api.pages import held_page

    text, g, kinds = q.strip(), graph_of(request), browsable(who)
    found = None
    if text:
        found = await answer(
            request, ("site-search", text, kinds), lambda: browse.search(g, text, kinds, SEARCH_SHOWN)
        )
    return await held_page(
        request,
        ("site-search", q, kinds, request.query_params.get("as_of", "")),
        "search.html",
        q=q,
        found=found,
    )


def highlight(text: Any, q: str) -> Markup:
    """The text with the search's words marked (ignoring case and accents), everything else escaped."""
    text = "" if text is None else str(text)
    out, last = [], 0
    for start, end in browse.spans(text, q or ""):
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)
