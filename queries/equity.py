"""Equitability (the Strategy: each nation's contributions proportional to the benefits it receives),
from each party's contribution and benefit values, one unit within an agreement."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from graph.connection import Graph
from queries import portfolio, snapshot
from queries.catalog import get

Row = dict[str, Any]


def equitability(graph: Graph, as_of: dt.date, tolerance: float) -> list[Row]:
    """Rows of `equitability` (DESIGN.md): one per party of each active agreement, by agreement, nation."""
    return [_judged(share, tolerance) for share in _shares(graph, as_of)]


#: A party's shares in an active agreement: (agreement, nation, contribution share, benefit share, ratio),
#: the three None when the agreement is unassessed.
Share = tuple[str, str, Any, Any, Any]


def _shares(graph: Graph, as_of: dt.date) -> list[Share]:
    """Every active agreement's shares, by agreement and nation, worked out once per graph version and date
    (only the verdict depends on the tolerance): at 20k, 64k party links, of which 19k active."""
    snap = snapshot.of(graph)

    def build() -> list[Share]:
        tables = snap.tables(graph, portfolio.LINKS_OF["equitability-facts"])
        held = snap.memo(PARTIES, lambda: _by_agreement(tables.links("party-values")))
        active = sorted(a["id"] for a in tables.agreements if snapshot.active(a, as_of) and a["id"] in held)
        return [share for agreement in active for share in _assessed(agreement, held[agreement])]

    return snap.dated("equitability-shares", as_of, build)  # type: ignore[no-any-return]


#: The memo of each agreement's (nation, contribution, benefit) links, by nation.
PARTIES = "party-values:by-agreement"


def _by_agreement(links: list[list[Any]]) -> dict[str, list[tuple[str, Any, Any]]]:
    """party-values' rows grouped per agreement, each agreement's by nation."""
    out: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
    for agreement, nation, contribution, benefit in links:
        out[agreement].append((nation, contribution, benefit))
    for parties in out.values():
        parties.sort(key=lambda p: p[0])
    return dict(out)


def shares(graph: Graph, agreement: str, as_of: dt.date, tolerance: float = 0.25) -> list[Row]:
    """The `equitability` rows of one agreement (empty when it is not active), without the whole portfolio."""
    rows = get("agreement-shares").records(graph, {"agreement": agreement, "as_of": as_of})
    given = [(r["nation"], r["contribution_value"], r["benefit_value"]) for r in rows]
    return [_judged(share, tolerance) for share in _assessed(agreement, given)]


def _judged(share: Share, tolerance: float) -> Row:
    """A party's shares as the answer's row, with its verdict at this tolerance."""
    agreement, nation, cs, bs, ratio = share
    verdict = "unassessed" if cs is None else _verdict(cs, bs, ratio, tolerance)
    return _row(agreement, nation, cs, bs, ratio, verdict)


def _assessed(agreement: str, parties: list[tuple[str, Any, Any]]) -> list[Share]:
    """Shares and ratios of one agreement's parties; all None (unassessed) when a value is missing."""
    total_c = sum(c or 0 for _, c, _ in parties)
    total_b = sum(b or 0 for _, _, b in parties)
    if any(c is None or b is None for _, c, b in parties) or total_c == 0 or total_b == 0:
        return [(agreement, nation, None, None, None) for nation, _, _ in parties]
    out: list[Share] = []
    for nation, c, b in parties:
        cs, bs = c / total_c, b / total_b
        out.append((agreement, nation, cs, bs, bs / cs if cs else None))
    return out


def _verdict(cs: float, bs: float, ratio: float | None, tolerance: float) -> str:
    """equitable within the tolerance band; a party giving nothing but receiving something over-benefits."""
    if ratio is None:
        return "over_benefits" if bs > 0 else "equitable"
    if ratio > 1 + tolerance:
        return "over_benefits"
    return "under_benefits" if ratio < 1 / (1 + tolerance) else "equitable"


def _row(
    agreement: str, nation: str, cs: float | None, bs: float | None, ratio: float | None, verdict: str
) -> Row:
    """One party's row, shares and ratio rounded to 4 places for reading."""
    return {
        "agreement": agreement,
        "nation": nation,
        "contribution_share": _round(cs),
        "benefit_share": _round(bs),
        "ratio": _round(ratio),
        "verdict": verdict,
    }


def _round(value: float | None) -> float | None:
    """Four decimal places, None kept."""
    return None if value is None else round(value, 4)
