"""Duplicated agreements: Cypher exports the active agreements once, set indexes find the pairs.

Pairing every agreement with every other on a common technology grows with the square of the
portfolio (ArcadeDB gave up at 20k agreements). The pairs come from a pairing index of each date
(queries/pairing.py), built once per graph version, or patched from the version before after an ingest.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterator, Sequence, Set
from typing import Any

from graph.connection import Graph
from queries import collector, patch, portfolio, snapshot
from queries.pairing import Fact, Lineage, Lineages, Pairing
from queries.taxonomy import lineage

Row = dict[str, Any]
#: duplicate-clusters' components of one index: the clusters as position lists, and each agreement's
#: technologies in some overlap (by position).
Found = tuple[list[list[int]], list[frozenset[str]]]
#: Positions whose partners a search may look up to show that a changed agreement's old partners still hold
#: together, before the clusters are worked out again (at 200k, about 0.6 ms each).
SEARCH_LIMIT = 2000
#: Old partners of the changed agreements past which their clusters are worked out again rather than carried:
#: each one's partners are looked up (at 200k an agreement pairs with 130 at the median and up to 1,400 in a
#: sample; a carry touching 1,000-1,400 took 0.8-1.9 s, so 5,000 stays well under the 8-9 s of working out).
TOUCHED_LIMIT = 5000


def _facts(graph: Graph, as_of: dt.date) -> list[Fact]:
    """The active agreements that may be duplicates, ordered by id (duplicate-facts' rows of that date).

    Each agreement's facts are built once per graph version, whichever date asks first (findings-delta
    asks two), and carried into a patched snapshot unless the ingest changed it or one above it."""
    snap = snapshot.of(graph)
    tables = snap.tables(graph, portfolio.LINKS_OF["duplicate-facts"])
    made: dict[str, Fact] = snap.memo(patch.OBJECTS, dict)
    unchecked: dict[str, Fact] = snap.memo(patch.UNCHECKED, dict)
    up = lineage(graph)
    rows = [a for a in tables.agreements if snapshot.active(a, as_of) and not a["deliberate_redundancy"]]
    wanted = {a["id"] for a in rows if a["id"] not in made or not _current(made[a["id"]], up)}
    if wanted:  # a patched snapshot holds nearly all of them
        for row in portfolio.duplicate_facts(tables, lambda r: r["id"] in wanted):
            old = unchecked.get(row["id"])
            made[row["id"]] = old if old is not None and _same(old, row, up) else Fact(row, up)
    return sorted((made[a["id"]] for a in rows), key=lambda f: f.id)


def _same(fact: Fact, row: Row, up: Lineage) -> bool:
    """Whether a fact of the snapshot before is the one this row would build: every field it is built from,
    and its technologies' ancestors."""
    return (
        fact.title == row.get("title")
        and fact.type == row.get("type")
        and fact.parties == frozenset(row["parties"])
        and fact.technologies == frozenset(row["technologies"])
        and fact.above == frozenset(row["above"])
        and fact.leads == frozenset(row["components"])
        and _current(fact, up)
    )


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
        groups, used = components(pairing, same_type_only)
        return _cluster_rows(pairing.facts, list(groups), used)  # sorted there: a copy


def components(pairing: Pairing, same_type_only: bool) -> Found:
    """An index's components, kept on it: carried from the index it was patched from when they can be,
    else worked out (at 200k, 8-9 s)."""
    found = pairing.components.get(same_type_only)
    if found is None:
        found = _carried(pairing, same_type_only) or _components(pairing, same_type_only)
        pairing.components[same_type_only] = found
    return found


def _carried(pairing: Pairing, same_type_only: bool) -> Found | None:
    """The components of a patched index from the old index's: its clusters less the changed agreements,
    joined through the new partners of every agreement whose partners changed. None when a changed agreement
    may have split its cluster: its old partners were not found together by a search through new pairs."""
    before = pairing.before
    if before is None or same_type_only not in before.components:
        return None
    groups, used = before.components[same_type_only]
    partners = _Partners(pairing, same_type_only)
    near = {g: partners.kept(g, found) for g, found in before.partners.items()}
    joined = _Components(len(pairing.facts))
    touched = sorted(set().union(*near.values()) - near.keys())
    if len(touched) > TOUCHED_LIMIT:
        return None
    for i in touched + list(before.added):
        if partners[i]:
            joined.join_all(i, partners[i])
    alone = {i for i in touched if not partners[i]}  # their partners were all changed: no longer paired
    if not all(_together(joined, targets, partners) for targets in _around(near, alone)):
        return None
    return _merged(joined, groups, near.keys() | alone), _used(pairing, used, partners, before.added)


class _Partners(dict[int, set[int]]):
    """The partners of positions in a patched index (of the same type, for same_type_only), each looked up
    once on first use."""

    def __init__(self, pairing: Pairing, same_type_only: bool) -> None:
        super().__init__()
        self.pairing, self.same_type_only = pairing, same_type_only

    def __missing__(self, i: int) -> set[int]:
        found = self[i] = self.kept(i, self.pairing.pairing_with(i))
        return found

    def kept(self, i: int, found: set[int]) -> set[int]:
        """The partners of i among `found` that count: all, or those of i's type."""
        if not self.same_type_only:
            return found
        facts = self.pairing.facts
        return {j for j in found if facts[j].type == facts[i].type}


def _around(near: dict[int, set[int]], alone: set[int]) -> Iterator[set[int]]:
    """For each set of changed agreements joined by old pairs (among themselves, or through agreements that
    paired with changed ones alone), their old partners still paired: a cluster holds together through them
    only if those partners are still joined without them."""
    out = near.keys() | alone
    links = {g: found & out for g, found in near.items()}
    for g, found in near.items():
        for x in found & alone:
            links.setdefault(x, set()).add(g)
    seen: set[int] = set()
    for start in near:
        if start not in seen:
            group = _reached(links, start)
            seen |= group
            yield set().union(*(near[g] for g in group if g in near)) - out


def _reached(links: dict[int, set[int]], start: int) -> set[int]:
    """The positions reached from `start` through `links`."""
    stack, group = [start], set[int]()
    while stack:
        g = stack.pop()
        if g not in group:
            group.add(g)
            stack.extend(links[g])
    return group


def _together(joined: _Components, targets: set[int], partners: _Partners) -> bool:
    """Whether `targets` are all in one set of `joined`, looking up partners outward from those looked up
    already, at most SEARCH_LIMIT of them: False when the search ends (a split) or gives up first."""
    frontier = deque(j for found in list(partners.values()) for j in found if j not in partners)
    for _ in range(SEARCH_LIMIT):
        if len({joined.root(t) for t in targets}) <= 1:
            return True
        while frontier and frontier[0] in partners:
            frontier.popleft()
        if not frontier:
            return False
        i = frontier.popleft()
        joined.join_all(i, partners[i])
        frontier.extend(j for j in partners[i] if j not in partners)
    return len({joined.root(t) for t in targets}) <= 1


def _merged(joined: _Components, groups: list[list[int]], out: Set[int]) -> list[list[int]]:
    """The old clusters less `out` (the changed agreements and those left with no partner), joined into
    `joined`, which holds every partner set looked up (the only pairs that may be new)."""
    for group in groups:
        live = [i for i in group if i not in out]
        if len(live) > 1:
            joined.join_all(live[0], set(live[1:]))
    return joined.groups()


def _used(
    pairing: Pairing, used: list[frozenset[str]], partners: _Partners, added: range
) -> list[frozenset[str]]:
    """Each agreement's technologies in some overlap: worked out again for those whose partners were looked
    up, widened by the added agreements' technologies for their other partners, the rest as they were."""
    facts, out = pairing.facts, list(used) + [frozenset()] * (len(pairing.facts) - len(used))
    for i, found in partners.items():
        out[i] = frozenset(t for t, above in facts[i].lineage if pairing.meets(above, found))
    for k in added:
        techs = facts[k].technologies
        for j in partners[k]:
            if j not in partners:
                out[j] = out[j] | {t for t, above in facts[j].lineage if not above.isdisjoint(techs)}
    return out


def _components(pairing: Pairing, same_type_only: bool) -> Found:
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
