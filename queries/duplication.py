"""Duplicated agreements: Cypher exports the active agreements once, set indexes find the pairs.

Pairing every agreement with every other on a common technology grows with the square of the
portfolio (ArcadeDB gave up at 20k agreements). The pairs come from a pairing index of each date
(queries/pairing.py), built once per graph version, or patched from the version before after an ingest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence, Set
from typing import Any

from graph.connection import Graph
from queries import collector, patch, portfolio, snapshot
from queries.pairing import Fact, Lineage, Lineages, Pairing
from queries.taxonomy import lineage

Row = dict[str, Any]


def _facts(graph: Graph, as_of: dt.date) -> list[Fact]:
    """The active agreements that may be duplicates, ordered by id (duplicate-facts' rows of that date).

    Each agreement's facts are built once per graph version, whichever date asks first (findings-delta
    asks two), and carried into a patched snapshot unless the ingest changed it or one above it."""
    snap = snapshot.of(graph)
    tables = snap.tables(graph, portfolio.LINKS_OF["duplicate-facts"])
    made: dict[str, Fact] = snap.memo(patch.OBJECTS, dict)
    up = lineage(graph)
    rows = [a for a in tables.agreements if snapshot.active(a, as_of) and not a["deliberate_redundancy"]]
    wanted = {a["id"] for a in rows if a["id"] not in made or not _current(made[a["id"]], up)}
    if wanted:  # a patched snapshot holds nearly all of them
        for row in portfolio.duplicate_facts(tables, lambda r: r["id"] in wanted):
            made[row["id"]] = Fact(row, up)
    return sorted((made[a["id"]] for a in rows), key=lambda f: f.id)


def _current(fact: Fact, up: Lineage) -> bool:
    """Whether a fact carried from an earlier version names its technologies' ancestors as the taxonomy
    now does (a technologies run may have moved one): if not, it is built again."""
    return all(up.get(t, frozenset({t})) == above for t, above in fact.lineage)


#: The dated value holding a date's pairing index (carried into a patched snapshot: patch.DATED).
PAIRING = "duplicate-pairing"


def _pairing(graph: Graph, as_of: dt.date) -> Pairing:
    """The pairing index of a date, built once per graph version and date (duplicates, duplicate-clusters,
    findings-delta and the home page ask the same date in turn); after an ingest, patched from the index of
    the version before when the snapshot carried one."""

    snap = snapshot.of(graph)

    def build() -> Pairing:
        earlier: Pairing | None = snap.earlier(PAIRING, as_of)
        facts = _facts(graph, as_of)
        return Pairing(facts) if earlier is None else earlier.patched(facts)

    return snap.dated(PAIRING, as_of, build)  # type: ignore[no-any-return]


def duplicates(graph: Graph, as_of: dt.date) -> list[Row]:
    """Rows of `duplicates` (DESIGN.md) by agreement_a, agreement_b; rows share their (read-only) lists."""
    with collector.paused():
        pairing = _pairing(graph, as_of)
        facts, leads = pairing.facts, _Leads()
        return [_row(facts[i], facts[j], leads) for i, j in pairing.pairs()]


def pair_changes(graph: Graph, start: dt.date, end: dt.date) -> tuple[set[str], set[str]]:
    """The duplicate pairs as `A|B` found at `end` and not at `start`, and the reverse (findings-delta).

    Whether two agreements pair does not depend on the date, only whether both are active (and not
    deliberately redundant) does: a pair of one date is missing at the other exactly when one of its
    agreements is not in the other's facts. So no key is built for the pairs both dates share."""
    with collector.paused():
        before, after = _pairing(graph, start), _pairing(graph, end)
        return _missing_from(after, before), _missing_from(before, after)


def _missing_from(pairing: Pairing, other: Pairing) -> set[str]:
    """The pairs of `pairing` with an agreement not among `other`'s facts, as `A|B`: only those agreements'
    partners are looked up (a year's window changes a fraction of the portfolio)."""
    facts, there = pairing.facts, other.at
    found: set[str] = set()
    for i in pairing.ranked:
        f = facts[i]
        if f.id not in there:
            for j in pairing.partners(i):
                b = facts[j].id
                found.add(f"{f.id}|{b}" if f.id < b else f"{b}|{f.id}")
    return found


def clusters(graph: Graph, as_of: dt.date, same_type_only: bool = False) -> list[Row]:
    """Rows of `duplicate-clusters` (DESIGN.md): connected components of the pairs, found once per pairing
    index (so per graph version and date) and kept on it; rows are built per answer."""
    with collector.paused():
        pairing = _pairing(graph, as_of)
        found = pairing.components.get(same_type_only)
        if found is None:
            found = pairing.components[same_type_only] = _components(pairing, same_type_only)
        groups, used = found
        return _cluster_rows(pairing.facts, list(groups), used)  # sorted there: a copy


def _components(pairing: Pairing, same_type_only: bool) -> tuple[list[list[int]], list[frozenset[str]]]:
    """The clusters as position lists, and each agreement's technologies in some overlap: joined with a
    union-find an agreement's partners at a time, so memory grows with the portfolio, not with the pairs."""
    facts = pairing.facts
    joined = _Components(len(facts))
    # per agreement, its technologies in no overlap yet (none at a position a patch left empty)
    left = [[] if i in pairing.dead else list(f.lineage) for i, f in enumerate(facts)]
    unfinished = {i for i, rest in enumerate(left) if rest}
    for i, partners in pairing.candidates():
        a = facts[i]
        if same_type_only:
            partners = {j for j in partners if facts[j].type == a.type}
        if not partners:
            continue
        joined.join_all(i, partners)
        if i in unfinished:  # an overlap may come from one side only: a's against all partners at once
            _narrow(left, i, [p for p in left[i] if not pairing.meets(p[1], partners)], unfinished)
        techs = a.technologies
        for j in partners & unfinished:  # set arithmetic: at 200k most partners have nothing left to add
            rest = left[j]
            kept = [p for p in rest if p[1].isdisjoint(techs)]  # j's not at or under one of a's
            if len(kept) < len(rest):
                _narrow(left, j, kept, unfinished)
    used = [f.technologies.difference(t for t, _ in rest) for f, rest in zip(facts, left, strict=True)]
    return joined.groups(), used


def _narrow(left: list[Lineages], i: int, kept: Lineages, unfinished: set[int]) -> None:
    """i's technologies still in no overlap are `kept`; once none are, i leaves the unfinished set."""
    left[i] = kept
    if not kept:
        unfinished.discard(i)


def clusters_of(graph: Graph, pairs: list[Row], as_of: dt.date, same_type_only: bool = False) -> list[Row]:
    """Clusters from pair rows computed elsewhere (the definitional Cypher on a Neo4j server)."""
    facts = _facts(graph, as_of)
    index = {f.id: i for i, f in enumerate(facts)}
    joined, used = _Components(len(facts)), [set[str]() for _ in facts]
    for row in pairs:
        if not same_type_only or row["same_type"]:
            i, j = index[row["agreement_a"]], index[row["agreement_b"]]
            joined.join_all(i, {j})
            for k in (i, j):
                used[k].update(t for t in row["technologies"] if t in facts[k].technologies)
    return _cluster_rows(facts, joined.groups(), used)


class _Components:
    """Union-find over agreement indexes that also keeps each set's members, so an agreement's partners
    already in its set are skipped by one set difference (5.3 million partners at 200k, nearly all in
    one set by the time they come)."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))
        self.members: dict[int, set[int]] = {}  # root -> its set's members (absent: the root alone)
        self.paired: set[int] = set()

    def root(self, i: int) -> int:
        """The set i is in, halving the path on the way."""
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join_all(self, i: int, partners: set[int]) -> None:
        """i pairs with each of `partners`: their sets merge into i's, the smaller into the larger."""
        top = self.root(i)
        group = self.members.pop(top, None) or {top}
        for j in partners - group:
            other = self.root(j)
            if other == top:
                continue  # merged on the way with an earlier partner's set
            joined = self.members.pop(other, None) or {other}
            if len(joined) > len(group):
                top, other, group, joined = other, top, joined, group
            self.parent[other] = top
            group |= joined
        self.members[top] = group
        self.paired.add(i)
        self.paired |= partners

    def groups(self) -> list[list[int]]:
        """The sets of paired agreements."""
        found: dict[int, list[int]] = defaultdict(list)
        for i in self.paired:
            found[self.root(i)].append(i)
        return list(found.values())


def _cluster_rows(facts: list[Fact], groups: list[list[int]], used: Sequence[Set[str]]) -> list[Row]:
    """One row per cluster, largest first, then by smallest id, numbered from 1."""
    groups.sort(key=lambda g: (-len(g), min(facts[i].id for i in g)))
    rows = []
    for n, group in enumerate(groups, 1):
        members = sorted((facts[i] for i in group), key=lambda f: f.id)
        components = sorted(set().union(*(f.leads for f in members)))
        rows.append(
            {
                "cluster": n,
                "agreements": [f.id for f in members],
                "titles": [f.title for f in members],
                "size": len(members),
                "parties": sorted(set().union(*(f.parties for f in members))),
                "technologies": sorted(set().union(*(used[i] for i in group))),
                "components": components,
                "cross_component": len(components) > 1,
                "same_type": len({f.type for f in members}) == 1,
            }
        )
    return rows


def _narrower(a: Fact, b: Fact) -> list[str]:
    """The overlapping technologies: those of either side that are, or lie under, one of the other's (a list
    and a membership test: most pairs overlap on one or two, and a set per pair cost 40% more)."""
    theirs, ours = b.technologies, a.technologies
    found = [t for t, above in a.lineage if not above.isdisjoint(theirs)]
    for t, above in b.lineage:
        if t not in found and not above.isdisjoint(ours):
            found.append(t)
    found.sort()
    return found


class _Leads(dict[tuple[frozenset[str], frozenset[str]], tuple[list[str], bool]]):
    """Lead components of a pair and whether they differ, memoised: a portfolio has few lead sets."""

    def __missing__(self, key: tuple[frozenset[str], frozenset[str]]) -> tuple[list[str], bool]:
        a, b = key
        found = self[key] = (sorted(a | b), bool(a and b and a != b))
        return found


def _row(a: Fact, b: Fact, leads: _Leads) -> Row:
    """One pair as the design's row; nested parties make the common ones the smaller side's."""
    components, cross = leads[(a.leads, b.leads)]
    return {
        "agreement_a": a.id,
        "agreement_b": b.id,
        "parties": a.party_list if len(a.parties) <= len(b.parties) else b.party_list,
        "technologies": _narrower(a, b),
        "components": components,
        "cross_component": cross,
        "relation": "equal" if a.parties == b.parties else "nested",
        "same_type": a.type == b.type,
    }
