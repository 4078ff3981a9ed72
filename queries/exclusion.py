"""Exclusionary consortia: Cypher exports agreements and forums once; sets find the consortia.

Checking every agreement against every forum in Cypher took seconds at 20k agreements; here the
candidate forums of an agreement are those where every party is a member (an intersection of
small sets), so the work grows with the portfolio, not with agreements x forums.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from graph.connection import Graph
from queries import snapshot
from queries.taxonomy import lineage

Row = dict[str, Any]


class _Forum:
    """A forum with the forums above it, what it and its sub-forums cover, and its members."""

    def __init__(self, row: Row, as_of: dt.date) -> None:
        self.id: str = row["id"]
        self.parents: list[str] = row["parents"]
        self.own_covers = set(row["covers"])
        self.members = frozenset(
            code
            for code, role, since, until in row["memberships"]
            if (role or "member") == "member"
            and snapshot.active({"since": since, "until": until}, as_of, "since", "until")
        )
        self.above: set[str] = set()  # itself and every forum it is PART_OF, transitively
        self.covers: set[str] = set()  # what it or any sub-forum covers


def _forums(graph: Graph, as_of: dt.date) -> dict[str, _Forum]:
    """Forums with PART_OF closed upwards and coverage rolled up from sub-forums."""
    forums = {r["id"]: _Forum(r, as_of) for r in snapshot.rows(graph, "forum-facts")}
    for f in forums.values():
        todo = [f.id]
        while todo:
            fid = todo.pop()
            if fid in f.above or fid not in forums:
                continue
            f.above.add(fid)
            todo.extend(forums[fid].parents)
    for f in forums.values():
        for fid in f.above:
            forums[fid].covers |= f.own_covers
    return forums


def exclusionary_consortia(graph: Graph, as_of: dt.date) -> list[Row]:
    """Rows of the `exclusionary-consortia` analysis (DESIGN.md), ordered by agreement, forum."""
    forums = _forums(graph, as_of)
    up = lineage(graph)
    member_of: dict[str, set[str]] = defaultdict(set)
    for f in forums.values():
        for n in f.members:
            member_of[n].add(f.id)
    rows = []
    for a in snapshot.rows(graph, "agreement-facts"):  # three or more parties only
        if not snapshot.active(a, as_of):
            continue
        parties = set(a["parties"])
        under = {fid for g in a["auspices"] if g in forums for fid in forums[g].above}
        for fid in sorted(set.intersection(*(member_of[p] for p in parties)) - under):
            f = forums[fid]
            techs = sorted(t for t in set(a["technologies"]) if not up.get(t, {t}).isdisjoint(f.covers))
            excluded = sorted(f.members - parties)
            if techs and excluded:
                row = {"agreement": a["id"], "forum": fid, "technologies": techs, "parties": sorted(parties)}
                rows.append(row | {"excluded": excluded})
    return sorted(_collapsed(rows, forums), key=lambda r: (r["agreement"], r["forum"]))


def _collapsed(rows: list[Row], forums: dict[str, _Forum]) -> list[Row]:
    """One row per forum chain: a row is dropped when a forum under its own is flagged for the same
    agreement with the same excluded set; a kept row's `also` lists those above it (two flagged
    sub-forums of one forum both stay, each listing the forum they stand for)."""
    by_agreement: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_agreement[r["agreement"]].append(r)
    kept = []
    for group in by_agreement.values():
        for r in group:
            twins = [o for o in group if o is not r and o["excluded"] == r["excluded"]]
            if not any(r["forum"] in forums[o["forum"]].above for o in twins):
                also = sorted(o["forum"] for o in twins if o["forum"] in forums[r["forum"]].above)
                kept.append(r | {"also": also})
    return kept
