"""Coverage gaps worked out on the snapshot, for the answers that ask them at many dates.

findings-delta asks the gaps at two dates, and the expiring page at up to 40; coverage-gaps.cypher (the
analysis, and the definition) costs a query each time. Here a date costs a pass over the agreements
already read for the graph version. tests/test_analyses.py and tests/test_portfolio.py require the
Cypher's technologies (on the gaps fixture, the sample and the 600-agreement portfolio, at five dates).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph.connection import Graph
from queries import snapshot
from queries.taxonomy import lineage, priorities

Row = dict[str, Any]


def gaps(graph: Graph, day: dt.date) -> frozenset[str]:
    """The technologies with a priority that no agreement active on `day` covers, directly or through a
    narrower technology (coverage-gaps.cypher's rule, every nation); once per graph version and date."""
    return snapshot.of(graph).dated("coverage-gaps", day, lambda: _gaps(graph, day))  # type: ignore[no-any-return]


def _gaps(graph: Graph, day: dt.date) -> frozenset[str]:
    """gaps(), worked out."""
    tables = snapshot.of(graph).tables(graph, ("cover-links",))
    active = [a["id"] for a in tables.agreements if snapshot.active(a, day)]
    return frozenset(priorities(graph) - _reached(active, tables.listed("technologies"), lineage(graph)))


#: expiring's columns, in its rows' order.
EXPIRING = ("agreement", "title", "end", "days_left", "parties", "technologies", "would_be_gaps")


def expiring(graph: Graph, as_of: dt.date, within: int) -> list[Row]:
    """Rows of `expiring` (queries/definitional/expiring.cypher): the active agreements ending within the
    window, with the priority technologies no other agreement covers the day after; worked out once per
    graph version, date and window (the Cypher cost 120-200 ms per answer at 20k)."""
    found = snapshot.of(graph).dated("expiring", (as_of, within), lambda: _expiring(graph, as_of, within))
    return [dict(zip(EXPIRING, (*row[:4], *map(list, row[4:])), strict=True)) for row in found]


def _expiring(graph: Graph, as_of: dt.date, within: int) -> list[tuple[Any, ...]]:
    """expiring(), worked out: a technology one agreement covers through the whole window never becomes a
    gap, so only the rest are followed, through each agreement covering them (the .cypher's `steady`)."""
    tables = snapshot.of(graph).tables(graph, ("party-links", "cover-links"))
    covered, up, wanted = tables.listed("technologies"), lineage(graph), priorities(graph)
    last = as_of + dt.timedelta(days=within)
    ending = sorted(
        (a["end"], a["id"], a)
        for a in tables.agreements
        if snapshot.active(a, as_of) and a["end"] is not None and a["end"] <= last
    )
    mine = {a["id"]: _reached([a["id"]], covered, up) & wanted for _, _, a in ending}
    live = [a for a in tables.agreements if (a["status"] or "active") == "active"]
    whole = [a["id"] for a in live if _spans(a, as_of + dt.timedelta(days=1), last + dt.timedelta(days=1))]
    open_ = set().union(*mine.values()) - _reached(whole, covered, up)
    spans = _spans_of(live, open_, covered, up)
    parties = tables.listed("parties")
    return [
        (
            key,
            a["title"],
            end.isoformat(),
            (end - as_of).days,
            tuple(sorted(parties.get(key, ()))),
            tuple(sorted(covered.get(key, ()))),
            tuple(sorted(t for t in mine[key] & open_ if not _held(spans[t], end + dt.timedelta(days=1)))),
        )
        for end, key, a in ending
    ]


def _reached(ids: list[str], covered: dict[str, list[str]], up: dict[str, frozenset[str]]) -> set[str]:
    """The technologies these agreements name, with every ancestor of each (the ancestors of the few hundred
    technologies named, against 60,000 names when each agreement's are joined)."""
    named = {t for key in ids for t in covered.get(key, ())}
    return set().union(*(up.get(t, {t}) for t in named))


def _spans(a: Row, start: dt.date, end: dt.date) -> bool:
    """Whether an agreement (of active status) runs from `start` (or before) past `end` - 1."""
    return (a["start"] is None or a["start"] <= start) and (a["end"] is None or a["end"] >= end)


#: When an agreement covering a technology runs: (start, end), either None when open.
Span = tuple[dt.date | None, dt.date | None]


def _spans_of(
    live: list[Row], wanted: set[str], covered: dict[str, list[str]], up: dict[str, frozenset[str]]
) -> dict[str, list[Span]]:
    """For each wanted technology, when each agreement covering it or one under it runs."""
    out: dict[str, list[Span]] = {t: [] for t in wanted}
    if not wanted:
        return out  # nothing an expiry could leave open: no pass over the agreements
    for a in live:
        for t in _reached([a["id"]], covered, up) & wanted:
            out[t].append((a["start"], a["end"]))
    return out


def _held(spans: list[Span], day: dt.date) -> bool:
    """Whether an agreement covers the technology on `day` (the one ending the day before cannot)."""
    return any((s is None or s <= day) and (e is None or e >= day) for s, e in spans)
