"""Duplicated agreements: Cypher exports the active agreements once, set indexes find the pairs.

Pairing every agreement with every other on a common technology grows with the square of the
portfolio (ArcadeDB gave up at 20k agreements). A pair needs nested party sets, so the smaller
side's parties are all parties of the other: candidates are the agreements holding the smaller
side's rarest party on a related technology, intersected with the holders of each other party.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence, Set
from functools import cached_property
from typing import Any

from graph.connection import Graph
from queries import collector, patch, portfolio, snapshot
from queries.taxonomy import lineage

Row = dict[str, Any]
Lineage = dict[str, frozenset[str]]  # each technology with itself and all its ancestors
Index = dict[tuple[str, str], set[int]]
Lineages = list[tuple[str, frozenset[str]]]  # an agreement's technologies, each with its ancestors
_NONE: frozenset[int] = frozenset()


def _facts(graph: Graph, as_of: dt.date) -> list[_Fact]:
    """The active agreements that may be duplicates, ordered by id (duplicate-facts' rows of that date).

    Each agreement's facts are built once per graph version, whichever date asks first (findings-delta
    asks two), and carried into a patched snapshot unless the ingest changed it or one above it."""
    snap = snapshot.of(graph)
    tables = snap.tables(graph, portfolio.LINKS_OF["duplicate-facts"])
    made: dict[str, _Fact] = snap.memo(patch.OBJECTS, dict)
    up = lineage(graph)
    rows = [a for a in tables.agreements if snapshot.active(a, as_of) and not a["deliberate_redundancy"]]
    wanted = {a["id"] for a in rows if a["id"] not in made}
    if wanted:  # a patched snapshot holds nearly all of them
        for row in portfolio.duplicate_facts(tables, lambda r: r["id"] in wanted):
            made[row["id"]] = _Fact(row, up)
    return sorted((made[a["id"]] for a in rows), key=lambda f: f.id)


def _pairing(graph: Graph, as_of: dt.date) -> _Pairing:
    """The pairing index of a date, built once per graph version and date (duplicates, duplicate-clusters,
    findings-delta and the home page ask the same date in turn)."""

    def build() -> _Pairing:
        return _Pairing(_facts(graph, as_of))

    return snapshot.of(graph).dated("duplicate-pairing", as_of, build)  # type: ignore[no-any-return]


def duplicates(graph: Graph, as_of: dt.date) -> list[Row]:
    """Rows of `duplicates` (DESIGN.md) by agreement_a, agreement_b; rows share their (read-only) lists."""
    with collector.paused():
        pairing = _pairing(graph, as_of)
        facts, leads = pairing.facts, _Leads()
        return [_row(facts[i], facts[j], leads) for i, j in sorted(_pairs(pairing))]


def pair_changes(graph: Graph, start: dt.date, end: dt.date) -> tuple[set[str], set[str]]:
    """The duplicate pairs as `A|B` found at `end` and not at `start`, and the reverse (findings-delta).

    Whether two agreements pair does not depend on the date, only whether both are active (and not
    deliberately redundant) does: a pair of one date is missing at the other exactly when one of its
    agreements is not in the other's facts. So no key is built for the pairs both dates share."""
    with collector.paused():
        before, after = _pairing(graph, start), _pairing(graph, end)
        return _missing_from(after, before), _missing_from(before, after)


def _missing_from(pairing: _Pairing, other: _Pairing) -> set[str]:
    """The pairs of `pairing` with an agreement not among `other`'s facts, as `A|B`: only those agreements'
    partners are looked up (a year's window changes a fraction of the portfolio)."""
    facts, there = pairing.facts, {f.id for f in other.facts}
    found: set[str] = set()
    for i, f in enumerate(facts):
        if f.id not in there:
            for j in pairing.partners(i):
                found.add(f"{f.id}|{facts[j].id}" if i < j else f"{facts[j].id}|{f.id}")
    return found


def clusters(graph: Graph, as_of: dt.date, same_type_only: bool = False) -> list[Row]:
    """Rows of `duplicate-clusters` (DESIGN.md): connected components of the pairs, joined with a
    union-find an agreement's partners at a time, so memory grows with the portfolio, not with the pairs."""
    with collector.paused():
        pairing = _pairing(graph, as_of)
        facts = pairing.facts
        joined = _Components(len(facts))
        left = [list(f.lineage) for f in facts]  # per agreement, its technologies in no overlap yet
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
        return _cluster_rows(facts, joined.groups(), used)


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


def _cluster_rows(facts: list[_Fact], groups: list[list[int]], used: Sequence[Set[str]]) -> list[Row]:
    """One row per cluster, largest first, then by smallest id, numbered from 1."""
    groups.sort(key=lambda g: (-len(g), facts[min(g)].id))
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


class _Fact:
    """One active agreement with its lists as sets and its answer fields sorted, built once."""

    __slots__ = ("id", "title", "type", "parties", "technologies", "lineage", "above", "party_list", "leads")

    def __init__(self, row: Row, up: Lineage) -> None:
        self.id: str = row["id"]
        self.title: str | None = row.get("title")
        self.type: str | None = row.get("type")
        self.parties = frozenset(row["parties"])
        self.technologies = frozenset(row["technologies"])
        self.lineage = [(t, up.get(t, frozenset({t}))) for t in self.technologies]  # each with its ancestors
        self.above = frozenset(row["above"])
        self.party_list = sorted(self.parties)
        self.leads = frozenset(row["components"])


def _pairs(pairing: _Pairing) -> set[tuple[int, int]]:
    """Index pairs (i < j: ids ordered) with nested parties, related technologies, neither under the other."""
    return {(i, j) if i < j else (j, i) for i, partners in pairing.candidates() for j in partners}


class _Pairing:
    """The active agreements of one date with the indexes that find their pairs (in memory: proportional to
    the portfolio, not to the pairs)."""

    def __init__(self, facts: list[_Fact]) -> None:
        self.facts = facts
        holders: dict[str, set[int]] = defaultdict(set)  # party -> agreements it is party to
        for i, f in enumerate(facts):
            for p in f.parties:
                holders[p].add(i)
        self.holders = dict(holders)  # shared by threads: a lookup must not insert
        self.order = [sorted(f.parties, key=lambda p: (len(holders[p]), p)) for f in facts]  # rarest first
        keys = {o[0] for o in self.order if o}
        self.exact, self.below = _by_technology(facts, [f.parties & keys for f in facts])
        self.under = _under(facts)
        having: dict[str, set[int]] = defaultdict(set)  # technology -> agreements naming it
        for i, f in enumerate(facts):
            for t in f.technologies:
                having[t].add(i)
        self.having = dict(having)

    def meets(self, above: frozenset[str], partners: set[int]) -> bool:
        """Whether one of `partners` names a technology of `above` (a technology and its ancestors)."""
        having = self.having
        return any(not partners.isdisjoint(having.get(u, _NONE)) for u in above)

    def candidates(self) -> Iterator[tuple[int, set[int]]]:
        """Each agreement with the agreements whose parties include all of its own, on a related technology,
        neither under the other (an empty set is not yielded); one set at a time, so pairs are never held."""
        for i in range(len(self.facts)):
            found = self.supersets(i)
            if found:
                yield i, found

    def supersets(self, i: int) -> set[int]:
        """The agreements with all of i's parties, on a related technology, neither under the other."""
        if not self.order[i]:
            return set()  # an agreement with no parties pairs with none
        key, *rest = self.order[i]
        found = _near(self.exact, self.below, self.facts[i].lineage, key)
        for p in rest:
            found &= self.holders[p]
        found.discard(i)
        found -= self.under.get(i, _NONE)
        return found

    def partners(self, i: int) -> set[int]:
        """Every agreement i pairs with: its supersets, and those whose parties are all among i's (i is one
        of their supersets), found through an index of each agreement by its own rarest party."""
        f, (keyed, keyed_below) = self.facts[i], self._by_key
        found = set().union(*(_near(keyed, keyed_below, f.lineage, p) for p in f.parties))
        found.discard(i)
        found -= self.under.get(i, _NONE)
        facts = self.facts
        return {j for j in found if facts[j].parties <= f.parties} | self.supersets(i)

    @cached_property
    def _by_key(self) -> tuple[Index, Index]:
        """(technology, party) -> the agreements naming it whose rarest party that is, and (ancestor, party)
        -> those naming a technology under it: only when asked (findings-delta), once per date."""
        return _by_technology(self.facts, [o[:1] for o in self.order])


def _by_technology(facts: list[_Fact], chosen: list[Iterable[str]]) -> tuple[Index, Index]:
    """(technology, party) -> agreements on it, (ancestor, party) -> agreements under it, for each
    agreement's `chosen` parties only."""
    exact: Index = defaultdict(set)
    below: Index = defaultdict(set)
    for i, f in enumerate(facts):
        for p in chosen[i]:
            for t, above in f.lineage:
                exact[(t, p)].add(i)
                for u in above:
                    below[(u, p)].add(i)
    return exact, below


def _near(exact: Index, below: Index, lineage: Lineages, party: str) -> set[int]:
    """The agreements of `party` (in the indexes of _by_technology) naming one of the technologies of
    `lineage`, one above it, or one under it: a new set."""
    found: set[int] = set()
    for t, above in lineage:
        for u in above:
            found |= exact.get((u, party), _NONE)
        found |= below.get((t, party), _NONE)
    return found


def _under(facts: list[_Fact]) -> dict[int, set[int]]:
    """Each agreement with those it is UNDER or that are UNDER it (a PA and its framework are not
    duplicates)."""
    index = {f.id: i for i, f in enumerate(facts)}
    related: dict[int, set[int]] = defaultdict(set)
    for i, f in enumerate(facts):
        for a in f.above:
            if a in index:
                related[i].add(index[a])
                related[index[a]].add(i)
    return related


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
        "relation": "equal" if a.parties == b.parties else "nested",
        "same_type": a.type == b.type,
    }
