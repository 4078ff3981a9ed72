"""Duplicated agreements: Cypher exports the active agreements once, set indexes find the pairs.

Pairing every agreement with every other on a common technology grows with the square of the
portfolio (ArcadeDB gave up at 20k agreements). A pair needs nested party sets, so the smaller
side's parties are all parties of the other: candidates are the agreements holding the smaller
side's rarest party on a related technology, intersected with the holders of each other party.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from graph.connection import Graph
from queries import collector
from queries.catalog import get
from queries.taxonomy import lineage

Row = dict[str, Any]
Lineage = dict[str, frozenset[str]]  # each technology with itself and all its ancestors
Index = dict[tuple[str, str], set[int]]
_NONE: frozenset[int] = frozenset()


def duplicates(graph: Graph, as_of: dt.date) -> list[Row]:
    """Rows of `duplicates` (DESIGN.md) by agreement_a, agreement_b; rows share their (read-only) lists."""
    rows = get("duplicate-facts").records(graph, {"as_of": as_of})
    up = lineage(graph)
    with collector.paused():
        facts = sorted((_Fact(r, up) for r in rows), key=lambda f: f.id)
        leads = _Leads()
        return [_row(facts[i], facts[j], leads) for i, j in sorted(_pairs(facts))]


class _Fact:
    """One active agreement with its lists as sets and its answer fields sorted, built once."""

    __slots__ = ("id", "parties", "technologies", "lineage", "above", "party_list", "leads")

    def __init__(self, row: Row, up: Lineage) -> None:
        self.id: str = row["id"]
        self.parties = frozenset(row["parties"])
        self.technologies = frozenset(row["technologies"])
        self.lineage = [(t, up.get(t, frozenset({t}))) for t in self.technologies]  # each with its ancestors
        self.above = frozenset(row["above"])
        self.party_list = sorted(self.parties)
        self.leads = frozenset(row["components"])


def _pairs(facts: list[_Fact]) -> set[tuple[int, int]]:
    """Index pairs (i < j: ids ordered) with nested parties, related technologies, neither under the other."""
    holders: dict[str, set[int]] = defaultdict(set)  # party -> agreements it is party to
    for i, f in enumerate(facts):
        for p in f.parties:
            holders[p].add(i)
    order = [sorted(f.parties, key=lambda p: (len(holders[p]), p)) for f in facts]  # rarest party first
    exact, below = _by_technology(facts, {o[0] for o in order if o})
    found: set[tuple[int, int]] = set()
    for i, f in enumerate(facts):
        if not order[i]:
            continue
        key, *rest = order[i]
        candidates: set[int] = set()
        for t, above in f.lineage:
            for u in above:
                candidates |= exact.get((u, key), _NONE)
            candidates |= below.get((t, key), _NONE)
        for p in rest:
            candidates &= holders[p]
        candidates.discard(i)
        found.update((i, j) if i < j else (j, i) for j in candidates)
    return found - _under(facts)


def _by_technology(facts: list[_Fact], keys: set[str]) -> tuple[Index, Index]:
    """(technology, party) -> agreements on it, (ancestor, party) -> agreements under it; key parties only."""
    exact: Index = defaultdict(set)
    below: Index = defaultdict(set)
    for i, f in enumerate(facts):
        for p in f.parties & keys:
            for t, above in f.lineage:
                exact[(t, p)].add(i)
                for u in above:
                    below[(u, p)].add(i)
    return exact, below


def _under(facts: list[_Fact]) -> set[tuple[int, int]]:
    """Index pairs where one agreement is UNDER the other (a PA and its framework are not duplicates)."""
    index = {f.id: i for i, f in enumerate(facts)}
    return {(min(i, index[a]), max(i, index[a])) for i, f in enumerate(facts) for a in f.above if a in index}


def _narrower(a: _Fact, b: _Fact) -> list[str]:
    """The overlapping technologies: those of either side that are, or lie under, one of the other's."""
    found = {t for t, above in a.lineage if not above.isdisjoint(b.technologies)}
    found.update(t for t, above in b.lineage if not above.isdisjoint(a.technologies))
    return sorted(found)


class _Leads(dict[tuple[frozenset[str], frozenset[str]], tuple[list[str], bool]]):
    """Lead components of a pair and whether they differ, memoised: a portfolio has few lead sets."""

    def __missing__(self, key: tuple[frozenset[str], frozenset[str]]) -> tuple[list[str], bool]:
        a, b = key
        found = self[key] = (sorted(a | b), bool(a and b and a != b))
        return found


def _row(a: _Fact, b: _Fact, leads: _Leads) -> Row:
    """One pair as the design's row; nested parties make the common ones the smaller side's."""
    components, cross = leads[(a.leads, b.leads)]
    return {
        "agreement_a": a.id,
        "agreement_b": b.id,
        "parties": a.party_list if len(a.parties) <= len(b.parties) else b.party_list,
        "technologies": _narrower(a, b),
        "components": components,
        "cross_component": cross,
    }
