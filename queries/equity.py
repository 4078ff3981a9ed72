"""Equitability (the Strategy: each nation's contributions proportional to the benefits it receives),
from each party's contribution and benefit values, one unit within an agreement."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from graph.connection import Graph
from queries import snapshot
from queries.catalog import get

Row = dict[str, Any]


def equitability(graph: Graph, as_of: dt.date, tolerance: float) -> list[Row]:
    """Rows of `equitability` (DESIGN.md): one per party of each active agreement, by agreement, nation."""
    rows = [r for r in snapshot.rows(graph, "equitability-facts") if snapshot.active(r, as_of)]
    out: list[Row] = []
    for agreement, group in groupby(rows, key=lambda r: r["agreement"]):
        out += _assessed(agreement, list(group), tolerance)
    return out


def shares(graph: Graph, agreement: str, as_of: dt.date, tolerance: float = 0.25) -> list[Row]:
    """The `equitability` rows of one agreement (empty when it is not active), without the whole portfolio."""
    rows = get("agreement-shares").records(graph, {"agreement": agreement, "as_of": as_of})
    return _assessed(agreement, rows, tolerance) if rows else []


def _assessed(agreement: str, parties: list[Row], tolerance: float) -> list[Row]:
    """Shares, ratios and verdicts of one agreement's parties; all `unassessed` when a value is missing."""
    given = [(p["contribution_value"], p["benefit_value"]) for p in parties]
    total_c = sum(c or 0 for c, _ in given)
    total_b = sum(b or 0 for _, b in given)
    if any(c is None or b is None for c, b in given) or total_c == 0 or total_b == 0:
        return [_row(agreement, p["nation"], None, None, None, "unassessed") for p in parties]
    rows = []
    for p, (c, b) in zip(parties, given, strict=True):
        cs, bs = c / total_c, b / total_b
        ratio = bs / cs if cs else None
        rows.append(_row(agreement, p["nation"], cs, bs, ratio, _verdict(cs, bs, ratio, tolerance)))
    return rows


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
