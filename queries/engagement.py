"""Engagement planning (the Strategy's Framework, II.1.5): priorities, current engagement, the delta.

priority(component, nation, technology) =
    (need priority / max(programs, 1)) x (regional priority x cooperative potential) x strength

`programs = 0` (no current program addresses the need) is divided by 1, like `programs = 1`:
dividing by zero is undefined, and a need nothing addresses must rank at least as high as one a
program barely addresses; it cannot rank higher than the formula's own maximum (priority / 1).
Scales (documented in the README): a priority is normalised by the formula's maximum,
3/1 x (3 x 3) x 3 = 81; current engagement (the sum of the depth, 1..5, of the active agreements
with the nation covering the technology or a narrower one) by the largest engagement of any
foreign nation x technology on that date (the US, party to every agreement, is left out).
Delta = engagement - priority, both on 0..1: below zero is a shortfall (priority without
engagement), above zero a surplus (engagement without priority).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import product
from typing import Any

from graph.connection import Graph
from queries import snapshot as exports
from queries.catalog import get
from queries.disclosure import DISCLOSER
from queries.taxonomy import lineage

Row = dict[str, Any]
#: The largest value the formula can take: priority 3 over programs 1, 3 x 3, strength 3.
MAX_PRIORITY = 81
DEFAULT_DEPTH = 1  # an agreement without a depth counts as dialogue


@dataclass(frozen=True)
class Inputs:
    """Everything the Framework needs, read from the graph once."""

    needs: list[Row]
    strengths: dict[tuple[str, str], int]
    factors: dict[str, Row]
    denied: dict[str, Row]


def inputs(graph: Graph, as_of: dt.date) -> Inputs:
    """Needs, strengths and nation factors (read once per graph version) and the nations under an ITAR 126.1
    denial as of the date (read per answer, concurrently with the first three when they are read)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        denied = pool.submit(get("denied-nations").run, graph, {"as_of": as_of})
        needs, strengths, factors = exports.of(graph).memo("engagement-inputs", lambda: _undated(graph))
        return Inputs(needs, strengths, factors, {r["nation"]: r for r in denied.result()})


def _undated(graph: Graph) -> tuple[list[Row], dict[tuple[str, str], int], dict[str, Row]]:
    """The inputs that do not depend on a date (read concurrently; shared by every answer: not changed)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        needs = pool.submit(get("needs").run, graph)
        factors = pool.submit(get("nation-factors").run, graph)
        strengths = {
            (r["nation"], text.rpartition("=")[0]): int(text.rpartition("=")[2])
            for r in get("strengths").run(graph)
            for text in r["strengths"]
        }
        return needs.result(), strengths, {r["nation"]: r for r in factors.result()}


def score(need: Row, factor: Row, strength: int) -> float:
    """The Framework's formula for one component x nation x technology."""
    return (
        (need["priority"] / max(need["programs"], 1))
        * (factor["regional_priority"] * factor["cooperative_potential"])
        * strength
    )


def priorities(graph: Graph, as_of: dt.date, component: str | None, nation: str | None) -> list[Row]:
    """Rows of `engagement-priorities`: ranked cells, then one row per denied nation skipped."""
    data = inputs(graph, as_of)
    rows: list[Row] = []
    rank, last = 0, None
    for score, comp, code, technology, priority, programs, regional, cooperative, strength in _ranked(graph):
        if code in data.denied or component not in (None, comp) or nation not in (None, code):
            continue
        if score != last:  # ties: 1, 2, 2, 4
            rank, last = len(rows) + 1, score
        rows.append(  # one literal: 29k rows at 20k, built per answer (merged dicts cost twice the time)
            {
                "component": comp,
                "nation": code,
                "technology": technology,
                "score": -score,
                "rank": rank,
                "priority": priority,
                "programs": programs,
                "regional_priority": regional,
                "cooperative_potential": cooperative,
                "strength": strength,
                "note": None,
            }
        )
    return rows + _skipped(data, nation)


def _ranked(graph: Graph) -> list[tuple[Any, ...]]:
    """Every cell (denied nations included) as (-score, component, nation, technology, priority, programs,
    regional priority, cooperative potential, strength), in the
    answer's order: no date in it, so worked out once per graph version and carried across ingest runs with
    the inputs (queries/patch.py)."""
    snap = exports.of(graph)

    def build() -> list[tuple[Any, ...]]:
        needs, strengths, factors = snap.memo("engagement-inputs", lambda: _undated(graph))
        found = [
            (
                -round(value, 3),
                need["component"],
                code,
                need["technology"],
                need["priority"],
                need["programs"],
            )
            + (factor["regional_priority"], factor["cooperative_potential"], strength)
            for need, code, factor, strength, value in _scored(Inputs(needs, strengths, factors, {}))
        ]
        found.sort()
        return found

    return snap.memo("engagement-ranked", build)  # type: ignore[no-any-return]


def _scored(data: Inputs) -> Iterator[tuple[Row, str, Row, int, float]]:
    """(need, nation, factors, strength, score) for every cell with all inputs (denied nations left out)."""
    for need in data.needs:
        for code, factor in data.factors.items():
            strength = data.strengths.get((code, need["technology"]))
            if strength is not None and code not in data.denied:
                yield need, code, factor, strength, score(need, factor, strength)


def _skipped(data: Inputs, nation: str | None) -> list[Row]:
    """Say which rated nations were left out, and why."""
    rows = []
    for code in sorted(set(data.denied) & set(data.factors)):
        if nation is not None and code != nation:
            continue
        why = "; ".join(data.denied[code]["citations"])
        row = dict.fromkeys(("component", "technology", "score", "rank", "priority", "programs", "strength"))
        factor = data.factors[code]
        rows.append(
            row
            | {
                "nation": code,
                "regional_priority": factor["regional_priority"],
                "cooperative_potential": factor["cooperative_potential"],
                "note": f"skipped: under an ITAR 126.1 denial ({why})",
            }
        )
    return rows


Engagement = tuple[dict[tuple[str, str], int], set[tuple[str, str]]]


def engagement(graph: Graph, as_of: dt.date) -> Engagement:
    """Current engagement per nation x technology (depths of active agreements covering it or a
    narrower one), and the pairs an agreement names directly (where surpluses are reported); worked out
    once per graph version and date (the delta, its filters and the heatmap ask the same date in turn)."""
    return exports.of(graph).dated("engagement", as_of, lambda: _engagement(graph, as_of))  # type: ignore[no-any-return]


def _engagement(graph: Graph, as_of: dt.date) -> Engagement:
    """engagement(), worked out (shared by every answer for the date: not changed)."""
    up = lineage(graph)
    by_depth: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)
    direct: set[tuple[str, str]] = set()
    tables = exports.of(graph).tables(graph, ("party-links", "cover-links"))
    parties, named = tables.listed("parties"), tables.listed("technologies")
    for a in tables.agreements:  # the flat reads, not a row per active agreement built for this
        if not exports.active(a, as_of) or a["id"] not in parties:
            continue
        technologies, members = named.get(a["id"], ()), parties[a["id"]]
        covered: set[str] = set().union(*(up.get(t, {t}) for t in technologies))
        direct.update(product(members, technologies))  # counted in C: 100k cells at 20k
        by_depth[a["depth"] or DEFAULT_DEPTH].update(product(members, covered))
    out: dict[tuple[str, str], int] = defaultdict(int)
    for depth, counts in by_depth.items():  # a few depths
        for cell, n in counts.items():
            out[cell] += n * depth
    return dict(out), direct


@dataclass(frozen=True)
class Snapshot:
    """The Framework's inputs and current engagement, read together."""

    data: Inputs
    held: dict[tuple[str, str], int]
    direct: set[tuple[str, str]]


def snapshot(graph: Graph, as_of: dt.date) -> Snapshot:
    """Read the inputs and current engagement once (the two exports overlap on the engine)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        wanted = pool.submit(inputs, graph, as_of)
        held, direct = engagement(graph, as_of)
        return Snapshot(wanted.result(), held, direct)


def delta(
    graph: Graph, as_of: dt.date, component: str | None, nation: str | None, threshold: int
) -> list[Row]:
    """Rows of `engagement-delta`: shortfalls (most negative first), then surpluses, over the threshold."""
    cut = threshold / 100
    return [
        _delta_row(*cell)
        for cell in cells(graph, as_of)
        if abs(cell[0]) >= cut
        and (component is None or cell[4] is None or cell[4] == component)
        and (nation is None or cell[2] == nation)
    ]


#: One cell of the delta, in the order the answer sorts by: (delta, component or "", nation, technology,
#: component or None, priority, engagement), each value on 0..1 and rounded as the answer shows it. The
#: first four tell cells apart (a component names its cell), so a sort never compares a None.
Cell = tuple[float, str, str, str, str | None, float, float]
#: A prioritised cell without a date: (component, nation, technology, priority, the cell if no agreement
#: engages it, or None when that cell's delta is zero).
Score = tuple[str, str, str, float, Cell | None]


def cells(graph: Graph, as_of: dt.date) -> list[Cell]:
    """Every cell with a delta, in the answer's order, worked out once per graph version and date: the delta,
    its filters and the heatmap then only pick cells (at 20k, 38k cells: 150-300 ms to score each time)."""
    return exports.of(graph).dated("engagement-cells", as_of, lambda: _cells_of(graph, as_of))  # type: ignore[no-any-return]


def _cells_of(graph: Graph, as_of: dt.date) -> list[Cell]:
    """cells(), worked out: each prioritised cell of a nation not denied, then the engagement no component
    asked for (only where an agreement names the technology itself), zero deltas left out."""
    read = snapshot(graph, as_of)
    held, direct, denied = read.held, read.direct, read.data.denied
    top = max((v for (n, _), v in held.items() if n != DISCLOSER), default=0) or 1
    found: list[Cell | None] = []
    prioritised = set()
    for component, code, technology, priority, idle in scores(graph):
        if code not in denied:
            prioritised.add((code, technology))
            engaged = held.get((code, technology))
            found.append(_cell(component, code, technology, priority, engaged / top) if engaged else idle)
    for n, t in held:
        if (n, t) in direct and (n, t) not in prioritised and n not in denied and n != DISCLOSER:
            found.append(_cell(None, n, t, 0.0, held[(n, t)] / top))
    kept = [c for c in found if c is not None]
    kept.sort()
    return kept


def _cell(
    component: str | None, nation: str, technology: str, priority: float, engaged: float
) -> Cell | None:
    """One cell on the 0..1 scales, rounded as the answer shows it; None when its delta is zero."""
    delta = round(engaged - priority, 3)
    if delta == 0:
        return None
    return delta, component or "", nation, technology, component, round(priority, 3), round(engaged, 3)


def scores(graph: Graph) -> list[Score]:
    """Every cell with a need, factors and a strength, denied nations included: no date in it, so worked out
    once per graph version and carried across ingest runs with the inputs it comes from (queries/patch.py)."""
    snap = exports.of(graph)

    def build() -> list[Score]:
        needs, strengths, factors = snap.memo("engagement-inputs", lambda: _undated(graph))
        found = []
        for need, code, _, _, value in _scored(Inputs(needs, strengths, factors, {})):
            component, technology, priority = need["component"], need["technology"], value / MAX_PRIORITY
            found.append(
                (component, code, technology, priority, _cell(component, code, technology, priority, 0.0))
            )
        return found

    return snap.memo("engagement-scores", build)  # type: ignore[no-any-return]


def _delta_row(
    delta: float, _: str, nation: str, technology: str, component: str | None, priority: float, engaged: float
) -> Row:
    """One cell as the answer's row."""
    return {
        "component": component,
        "nation": nation,
        "technology": technology,
        "priority": priority,
        "engagement": engaged,
        "delta": delta,
        "kind": "shortfall" if delta < 0 else "surplus",
    }
