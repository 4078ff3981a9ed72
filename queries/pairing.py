"""The pairing index of one date: the active agreements' facts with the set indexes that find duplicates.

A pair needs nested party sets, so the smaller side's parties are all parties of the other: candidates are
the agreements holding the smaller side's rarest party on a related technology, intersected with the
holders of each other party. Building the index for 6,000 active agreements (20k in the portfolio) takes
130-190 ms; after an ingest run that changed a few agreements, the index of the version before is patched
instead (`Pairing.patched`): the changed agreements leave their sets and come back at new positions, the
sets touched copied, the rest shared with the old index, which answers that version still.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, NamedTuple

Row = dict[str, Any]
Lineage = dict[str, frozenset[str]]  # each technology with itself and all its ancestors
Index = dict[tuple[str, str], set[int]]
Lineages = list[tuple[str, frozenset[str]]]  # an agreement's technologies, each with its ancestors
_NONE: frozenset[int] = frozenset()
#: What a patched index's pairs are carried from: the old index's pairs, the positions gone, those added.
Carried = tuple[list[tuple[int, int]], frozenset[int], range]
#: Pairs an index keeps once worked out, so the next duplicates answer of its date only builds rows (at 20k
#: agreements, 53k pairs: 2 MB and 100-160 ms; at 200k, 5.3 million are worked out again each time).
PAIRS_KEPT = 500_000
#: Changed agreements, as a share of the active ones, past which a patch is dropped for a new index (the
#: positions left empty slow every answer a little).
PATCH_SHARE = 0.25
#: Kept pairs per new pair below which a patched index puts the new pairs into the old index's (each costs a
#: move of the list), rather than working every pair out again.
CARRY_SHARE = 64
#: Changed agreements past which a patched index's clusters are worked out anew rather than carried from the
#: old index's (each changed agreement's partners there are looked up when the index is patched).
CLUSTERS_CARRIED = 256


class Before(NamedTuple):
    """What a patched index's clusters are carried from (queries/duplication.py): the old index's components
    by same_type_only, each changed agreement's partners in the old index, and the positions added."""

    components: dict[bool, Any]
    partners: dict[int, set[int]]
    added: range


class Fact:
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


class Pairing:
    """The active agreements of one date with the indexes that find their pairs (in memory: proportional to
    the portfolio, not to the pairs). Positions are stable: a patched index appends the changed agreements
    and leaves their old positions empty (`dead`), so `ranked` gives the live positions in id order."""

    def __init__(self, facts: list[Fact]) -> None:
        self.facts = facts
        self.dead: frozenset[int] = frozenset()
        self.ranked = list(range(len(facts)))  # facts come ordered by id
        self._pairs: list[tuple[int, int]] | None = None  # pairs(), once worked out (if not too many)
        self._base: Carried | None = None  # after a patch: the old index's pairs and what changed
        #: duplicate-clusters' components by same_type_only, once worked out (queries/duplication.py)
        self.components: dict[bool, Any] = {}
        self.before: Before | None = None  # after a patch: what the components may be carried from
        self.at = {f.id: i for i, f in enumerate(facts)}  # live id -> position
        holders: dict[str, set[int]] = defaultdict(set)  # party -> agreements it is party to
        for i, f in enumerate(facts):
            for p in f.parties:
                holders[p].add(i)
        self.holders = dict(holders)  # shared by threads: a lookup must not insert
        self.order = [sorted(f.parties, key=lambda p: (len(holders[p]), p)) for f in facts]  # rarest first
        self.keys = {o[0] for o in self.order if o}  # the parties exact and below index agreements by
        self.exact, self.below = _by_technology(facts, [f.parties & self.keys for f in facts])
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
        for i in self.ranked:
            found = self.supersets(i)
            if found:
                yield i, found

    def pairs(self) -> list[tuple[int, int]]:
        """Position pairs (ids ordered) with nested parties, related technologies, neither under the other,
        ordered by their ids; kept on the index when there are at most PAIRS_KEPT (shared: not changed)."""
        found = self._pairs
        if found is None:
            base, self._base = self._base, None
            found = None if base is None else self._carried(*base)
            if found is None:
                found = self._ordered_pairs()
            if len(found) <= PAIRS_KEPT:
                self._pairs = found
        return found

    def _carried(
        self, pairs: list[tuple[int, int]], gone: frozenset[int], added: range
    ) -> list[tuple[int, int]] | None:
        """pairs() of a patched index from the old index's: those with no changed agreement, and the added
        agreements' partners put in their places (at 20k, 53k pairs: 5-10 ms against 100-160 to work them
        out); None when so many pairs are new that working them all out costs less."""
        facts = self.facts
        found: set[tuple[int, int]] = set()
        for k in added:
            found.update((k, j) if facts[k].id < facts[j].id else (j, k) for j in self.pairing_with(k))
        kept = [(i, j) for i, j in pairs if i not in gone and j not in gone]
        if len(found) * CARRY_SHARE > len(kept):
            return None  # each insertion below moves the whole list
        for pair in found:
            bisect.insort(kept, pair, key=lambda p: (facts[p[0]].id, facts[p[1]].id))
        return kept

    def pairing_with(self, k: int) -> set[int]:
        """Every agreement k pairs with, through the index by key parties: one whose parties are all k's holds
        its own key party among them, and is indexed under it (`partners` without the index by own keys)."""
        f, facts = self.facts[k], self.facts
        found = set().union(*(_near(self.exact, self.below, f.lineage, p) for p in f.parties & self.keys))
        found.discard(k)
        found -= self.under.get(k, _NONE)
        return {j for j in found if facts[j].parties <= f.parties} | self.supersets(k)

    def _ordered_pairs(self) -> list[tuple[int, int]]:
        """pairs(), worked out."""
        ranked = self.ranked
        rank = {i: r for r, i in enumerate(ranked)}
        found: set[tuple[int, int]] = set()
        for i, partners in self.candidates():
            r = rank[i]
            found.update((r, rank[j]) if r < rank[j] else (rank[j], r) for j in partners)
        return [(ranked[a], ranked[b]) for a, b in sorted(found)]

    def supersets(self, i: int) -> set[int]:
        """The agreements with all of i's parties, on a related technology, neither under the other."""
        if not self.order[i]:
            return set()  # an agreement with no parties (or a position a patch left) pairs with none
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

    def patched(self, facts: list[Fact]) -> Pairing:
        """The index of `facts` (a later version's, same date), from this one: an agreement whose fact is not
        the same object as before leaves, and its new fact (if active) comes in at a new position. This
        index is not changed. A new index when too much changed."""
        now = {f.id: f for f in facts}
        gone = [i for i in self.ranked if now.get(self.facts[i].id) is not self.facts[i]]
        added = [f for f in facts if f.id not in self.at or self.facts[self.at[f.id]] is not f]
        if len(gone) + len(added) + len(self.dead) > PATCH_SHARE * max(len(facts), 1):
            return Pairing(facts)
        return _Patch(self).apply(gone, added)


class _Patch:
    """A copy of an index whose sets are copied the first time a change touches them."""

    def __init__(self, old: Pairing) -> None:
        self.old = old
        self.new = new = object.__new__(Pairing)
        new.__dict__.update({k: v for k, v in vars(old).items() if k != "_by_key"})
        new._pairs, new._base, new.components, new.before = None, None, {}, None
        new.facts, new.order, new.at = list(old.facts), list(old.order), dict(old.at)
        new.keys = set(old.keys)
        new.holders, new.exact, new.below = dict(old.holders), dict(old.exact), dict(old.below)
        new.having, new.under = dict(old.having), dict(old.under)
        self.by_key = None if "_by_key" not in vars(old) else (dict(old._by_key[0]), dict(old._by_key[1]))
        self.copied: set[int] = set()  # ids of the sets already copied

    def apply(self, gone: list[int], added: list[Fact]) -> Pairing:
        """Take the gone positions out, put the added facts in, and order the live positions by id."""
        new, neighbours = self.new, set[int]()
        for i in gone:
            neighbours |= self._take_out(i)
        start = len(new.facts)
        new.facts += added
        for k, f in enumerate(added, start):
            new.at[f.id] = k
            for p in f.parties:
                self._add(new.holders, p, k)
        for k, f in enumerate(added, start):
            self._put_in(k, f, neighbours)
        new.dead = self.old.dead.union(gone)
        old_pairs = self.old.pairs() if self.old._base is not None else self.old._pairs  # a chain of patches
        if old_pairs is not None:
            new._base = (old_pairs, frozenset(gone), range(start, len(new.facts)))
        if self.old.components and len(gone) <= CLUSTERS_CARRIED:
            near = {i: self.old.pairing_with(i) for i in gone}
            new.before = Before(dict(self.old.components), near, range(start, len(new.facts)))
        new.ranked = sorted(new.at.values(), key=lambda i: new.facts[i].id)
        if self.by_key is not None:
            new.__dict__["_by_key"] = self.by_key
        return new

    def _take_out(self, i: int) -> set[int]:
        """Remove position i from every set; the positions it was related to by UNDER."""
        new, f = self.new, self.new.facts[i]
        del new.at[f.id]
        for p in f.parties:
            self._discard(new.holders, p, i)
        self._index(new.exact, new.below, f, f.parties & new.keys, i, self._discard)
        if self.by_key is not None:
            self._index(*self.by_key, f, new.order[i][:1], i, self._discard)
        for t in f.technologies:
            self._discard(new.having, t, i)
        related = new.under.pop(i, set())
        for j in related:
            self._discard(new.under, j, i)
        new.order[i] = []  # no party: a lazily built index by each agreement's key leaves it out
        return set(related)

    def _put_in(self, k: int, f: Fact, neighbours: set[int]) -> None:
        """Add fact f at position k: its party order, its sets, and its UNDER relations both ways (to the
        agreements above it, and to those its old fact was related to that name it above them)."""
        new = self.new
        holders = new.holders
        order = sorted(f.parties, key=lambda p: (len(holders[p]), p))
        new.order.append(order)
        if order and order[0] not in new.keys:  # a party no agreement was keyed by: index its holders too
            new.keys.add(order[0])
            for j in holders[order[0]]:
                self._index(new.exact, new.below, new.facts[j], (order[0],), j, self._add)
        self._index(new.exact, new.below, f, f.parties & new.keys, k, self._add)
        if self.by_key is not None:
            self._index(*self.by_key, f, order[:1], k, self._add)
        for t in f.technologies:
            self._add(new.having, t, k)
        related = {new.at[a] for a in f.above if a in new.at}
        facts = new.facts
        related.update(j for j in neighbours if new.at.get(facts[j].id) == j and f.id in facts[j].above)
        for j in related:
            self._add(new.under, k, j)
            self._add(new.under, j, k)

    def _index(self, exact: Index, below: Index, f: Fact, parties: Iterable[str], i: int, edit: Any) -> None:
        """Add or discard position i under (technology, party) and (ancestor, party) for these parties."""
        for p in parties:
            for t, above in f.lineage:
                edit(exact, (t, p), i)
                for u in above:
                    edit(below, (u, p), i)

    def _own(self, index: dict[Any, set[int]], key: Any) -> set[int]:
        """The set of `key` in the new index, copied from the old one the first time it is changed."""
        found = index.get(key)
        if found is None:
            found = index[key] = set()
            self.copied.add(id(found))
        elif id(found) not in self.copied:
            found = index[key] = set(found)
            self.copied.add(id(found))
        return found

    def _add(self, index: dict[Any, set[int]], key: Any, i: int) -> None:
        """Add position i to the set of `key`."""
        self._own(index, key).add(i)

    def _discard(self, index: dict[Any, set[int]], key: Any, i: int) -> None:
        """Take position i out of the set of `key`."""
        if i in index.get(key, _NONE):
            self._own(index, key).discard(i)


def _by_technology(facts: list[Fact], chosen: list[Iterable[str]]) -> tuple[Index, Index]:
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
    return dict(exact), dict(below)


def _near(exact: Index, below: Index, lineage: Lineages, party: str) -> set[int]:
    """The agreements of `party` (in the indexes of _by_technology) naming one of the technologies of
    `lineage`, one above it, or one under it: a new set."""
    found: set[int] = set()
    for t, above in lineage:
        for u in above:
            found |= exact.get((u, party), _NONE)
        found |= below.get((t, party), _NONE)
    return found


def _under(facts: list[Fact]) -> dict[int, set[int]]:
    """Each agreement with those it is UNDER or that are UNDER it (a PA and its framework are not
    duplicates)."""
    index = {f.id: i for i, f in enumerate(facts)}
    related: dict[int, set[int]] = defaultdict(set)
    for i, f in enumerate(facts):
        for a in f.above:
            if a in index:
                related[i].add(index[a])
                related[index[a]].add(i)
    return dict(related)
