"""The portfolio between two dates: what started and ended, and which findings appeared or disappeared.

Both answers compare the two end dates only (DESIGN.md): something that started and ended inside the
window was active at neither, so it is not reported. Both read the shared snapshot (queries/snapshot.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from graph.connection import Graph
from graph.errors import ParameterError
from graph.values import plain
from queries import snapshot
from queries.coverage import gaps
from queries.duplication import pair_changes

Row = dict[str, Any]
#: A finding's keys that appeared between two dates, and those that disappeared.
Changes = tuple[AbstractSet[str], AbstractSet[str]]
#: (kind, what it means to become active, to stop being active) in the order rows are sorted.
KINDS = {
    "agreement": ("started", "ended"),
    "exemption": ("in_force", "lapsed"),
    "membership": ("joined", "left"),
    "restriction": ("in_force", "lapsed"),
}


#: Kinds of portfolio-changes rows only those who may read restrictions see (their ids and dates).
RESTRICTED_KINDS = frozenset({"restriction", "exemption"})


def public(rows: list[Row]) -> list[Row]:
    """portfolio-changes rows without restrictions and exemptions, for callers who may not read them."""
    return [r for r in rows if r["kind"] not in RESTRICTED_KINDS]


def window(start: dt.date, end: dt.date) -> None:
    """Refuse a window that runs backwards (the answer would silently swap every change)."""
    if start > end:
        raise ParameterError(f"from ({start}) is after to ({end})", field="from")


def portfolio_changes(graph: Graph, start: dt.date, end: dt.date) -> list[Row]:
    """Rows of `portfolio-changes`: what is active at `end` but not at `start`, and the reverse."""
    window(start, end)
    was, now = _active_things(graph, start), _active_things(graph, end)
    rows = []
    for kind, key in sorted(was ^ now):
        began, stopped = KINDS[kind]
        rows.append({"kind": kind, "key": key, "change": began if (kind, key) in now else stopped})
    return rows


def _active_things(graph: Graph, day: dt.date) -> frozenset[tuple[str, str]]:
    """(kind, key) of every dated thing active on `day`, once per graph version and date (a window's two
    ends, or the expiring page's days, are asked again and again)."""
    snap = snapshot.of(graph)

    def build() -> frozenset[tuple[str, str]]:
        things = snap.memo("dated-things", lambda: list(_dated(graph)))
        return frozenset((kind, key) for kind, key, dates in things if _active(dates, day))

    return snap.dated("active-things", day, build)  # type: ignore[no-any-return]


def _dated(graph: Graph) -> Iterator[tuple[str, str, Row]]:
    """(kind, key, {status, start, end}) for every dated thing of the portfolio, dates as ISO text."""
    for a in snapshot.rows(graph, "agreement-rows"):  # the agreements' own columns: no link table read
        yield "agreement", a["id"], _dates(a.get("status"), a.get("start"), a.get("end"))
    for f in snapshot.rows(graph, "forum-facts"):
        for code, role, since, until in f["memberships"]:
            yield "membership", f"{f['id']}/{code}/{role or 'member'}", _dates(None, since, until)
    for kind, export in (("restriction", "restriction-facts"), ("exemption", "exemption-facts")):
        for r in snapshot.rows(graph, export):
            yield kind, r["id"], _dates(None, r.get("effective"), r.get("until"))


def _dates(status: str | None, start: Any, end: Any) -> Row:
    """The fields of the "active as of" rule, dates as ISO text (which compare as dates)."""
    return {"status": status, "start": _iso(start), "end": _iso(end)}


def _iso(value: Any) -> str | None:
    """A date of any kind the exports hold as ISO text."""
    return (
        None if value is None else str(plain(snapshot.native(value)) if not isinstance(value, str) else value)
    )


def _active(dates: Row, day: dt.date) -> bool:
    """DESIGN.md's "active as of", on ISO text."""
    return snapshot.active(dates, day.isoformat())


def _consortium_keys(graph: Graph, day: dt.date) -> frozenset[str]:
    """Exclusionary consortia as of a day, as AGREEMENT|FORUM; once per graph version and date (the
    expiring page asks each end date and the day after)."""
    from queries.exclusion import exclusionary_consortia

    def keys() -> frozenset[str]:
        return frozenset(f"{r['agreement']}|{r['forum']}" for r in exclusionary_consortia(graph, day))

    return snapshot.of(graph).dated("consortium-keys", day, keys)  # type: ignore[no-any-return]


def _compared(
    keys: Callable[[Graph, dt.date], frozenset[str]],
) -> Callable[[Graph, dt.date, dt.date], Changes]:
    """The changes of a finding whose keys are worked out whole at each date."""

    def changes(graph: Graph, start: dt.date, end: dt.date) -> Changes:
        before, after = keys(graph, start), keys(graph, end)
        return after - before, before - after

    return changes


#: The findings compared, by the analysis name a row carries: each gives the keys that appeared between
#: two dates and those that disappeared.
FINDINGS: dict[str, Callable[[Graph, dt.date, dt.date], Changes]] = {
    "coverage-gaps": _compared(gaps),  # by technology
    "duplicates": pair_changes,  # pairs as A|B
    "exclusionary-consortia": _compared(_consortium_keys),
}


def findings_delta(graph: Graph, start: dt.date, end: dt.date) -> list[Row]:
    """Rows of `findings-delta`: findings present at `end` but not at `start` (appeared), and the reverse."""
    window(start, end)
    rows = []
    for name, changes in FINDINGS.items():
        appeared, disappeared = changes(graph, start, end)
        rows += [{"analysis": name, "key": k, "change": "appeared"} for k in appeared]
        rows += [{"analysis": name, "key": k, "change": "disappeared"} for k in disappeared]
    rows.sort(key=lambda r: (r["analysis"], r["key"]))
    return rows


#: Distinct end dates an expiring page works out the consequences of (each asks the findings twice).
EXPIRY_DATES = 20
#: How a finding reads beside an expiry.
WORDS = {"coverage-gaps": "gap", "duplicates": "duplicate", "exclusionary-consortia": "consortium"}


def day_after(graph: Graph, ends: list[dt.date]) -> dict[dt.date, list[Row]]:
    """For the first EXPIRY_DATES end dates: findings-delta from the last day in force to the next.

    Comparing the last day with the next isolates what ends that day; comparing today with the day
    after would also charge each expiry with every earlier one's findings."""
    return {
        end: findings_delta(graph, end, end + dt.timedelta(days=1))
        for end in sorted(set(ends))[:EXPIRY_DATES]
    }


def effects(agreement: str, delta: list[Row]) -> dict[str, list[str]]:
    """What one expiry does the day after: the gaps that open (an end is the only thing that opens a
    gap, though agreements ending the same day share them) and the duplicates and consortia of this
    agreement that close. Duplicates and consortia appearing that day come from something starting."""
    opens = [
        f"gap {r['key']}" for r in delta if r["analysis"] == "coverage-gaps" and r["change"] == "appeared"
    ]
    closes = [
        f"{WORDS[r['analysis']]} {r['key']}"
        for r in delta
        if r["change"] == "disappeared"
        and r["analysis"] != "coverage-gaps"
        and agreement in r["key"].split("|")
    ]
    return {"opens": opens, "closes": closes}
