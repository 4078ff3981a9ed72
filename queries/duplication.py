"""Duplicated agreements: Cypher exports the active agreements once, an index finds the pairs.

Pairing every agreement with every other on a common technology grows with the square of the
portfolio (ArcadeDB gave up at 20k agreements). A pair needs nested party sets, so the smaller
side's rarest party is a party of the other: candidates come from a (technology, party) index.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from graph.connection import Graph
from queries.catalog import get
from queries.taxonomy import lineage

Row = dict[str, Any]


def duplicates(graph: Graph, as_of: dt.date) -> list[Row]:
    """Rows of the `duplicates` analysis (DESIGN.md), ordered by agreement_a, agreement_b."""
    rows = get("agreement-facts").run(graph, {"as_of": as_of})
    facts = [_Fact(r) for r in rows if not r["deliberate_redundancy"]]
    up = lineage(graph)
    pairs = sorted((facts[i].id, facts[j].id, i, j) for i, j in _pairs(facts, up))
    return [_row(facts[i], facts[j], up) for _, _, i, j in pairs]


class _Fact:
    """One active agreement with its lists as sets, built once."""

    __slots__ = ("id", "parties", "technologies", "components", "above")

    def __init__(self, row: Row) -> None:
        self.id: str = row["id"]
        self.parties = frozenset(row["parties"])
        self.technologies = frozenset(row["technologies"])
        self.components = frozenset(row["components"])
        self.above = frozenset(row["above"])


def _pairs(facts: list[_Fact], up: dict[str, frozenset[str]]) -> set[tuple[int, int]]:
    """Index pairs (i, j), ids ordered, with nested parties, related technologies, neither under the other."""
    freq = Counter(p for f in facts for p in f.parties)
    exact: dict[tuple[str, str], list[int]] = defaultdict(list)  # (technology, party) -> agreements on it
    below: dict[tuple[str, str], list[int]] = defaultdict(list)  # (ancestor, party) -> agreements under it
    for i, f in enumerate(facts):
        for p in f.parties:
            for t in f.technologies:
                exact[(t, p)].append(i)
                for u in up.get(t, {t}):
                    below[(u, p)].append(i)
    found: set[tuple[int, int]] = set()
    for i, f in enumerate(facts):
        if not f.parties:
            continue
        key = min(f.parties, key=lambda p: (freq[p], p))
        for j in _candidates(f, key, exact, below, up):
            other = facts[j]
            if j != i and f.parties <= other.parties and other.id not in f.above and f.id not in other.above:
                found.add((i, j) if f.id < other.id else (j, i))
    return found


def _candidates(
    f: _Fact,
    key: str,
    exact: dict[tuple[str, str], list[int]],
    below: dict[tuple[str, str], list[int]],
    up: dict[str, frozenset[str]],
) -> set[int]:
    """Agreements with party `key` on one of f's technologies, an ancestor of one, or a descendant."""
    out: set[int] = set()
    for t in f.technologies:
        for u in up.get(t, {t}):
            out.update(exact.get((u, key), ()))
        out.update(below.get((t, key), ()))
    return out


def _row(a: _Fact, b: _Fact, up: dict[str, frozenset[str]]) -> Row:
    """One pair as the design's row: the narrower technology of each overlapping pair."""
    ta, tb = a.technologies, b.technologies
    narrower = {t for t in ta if not up.get(t, {t}).isdisjoint(tb)} | {
        t for t in tb if not up.get(t, {t}).isdisjoint(ta)
    }
    return {
        "agreement_a": a.id,
        "agreement_b": b.id,
        "parties": sorted(a.parties & b.parties),
        "technologies": sorted(narrower),
        "components": sorted(a.components | b.components),
        "cross_component": bool(a.components and b.components and a.components != b.components),
    }
