"""Who works with whom: pairs of nations party to the same active agreements, grouped in memory from
the one export `collaborations` uses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import combinations
from typing import Any

from graph.connection import Graph
from queries import snapshot
from queries.taxonomy import lineage

Row = dict[str, Any]


def partners(graph: Graph, as_of: dt.date, nation: str | None, technology: str | None) -> list[Row]:
    """Rows of `partners` (DESIGN.md), by nation_a, nation_b.

    With `technology`, an agreement counts when one of its technologies is that technology, under it
    or above it (it covers it, or covers part of it), and only those technologies are listed."""
    up = lineage(graph) if technology else {}
    agreements: dict[tuple[str, str], set[str]] = defaultdict(set)
    techs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in snapshot.active_links(graph, as_of):
        listed = a["technologies"] if technology is None else _related(a["technologies"], technology, up)
        if not listed:
            continue
        for pair in combinations(sorted(set(a["parties"])), 2):
            if nation is None or nation in pair:
                agreements[pair].add(a["id"])
                techs[pair].update(listed)
    return [
        {
            "nation_a": x,
            "nation_b": y,
            "technologies": sorted(techs[(x, y)]),
            "agreements": sorted(ids),
            "count": len(ids),
        }
        for (x, y), ids in sorted(agreements.items())
    ]


def _related(listed: list[str], technology: str, up: dict[str, frozenset[str]]) -> list[str]:
    """The listed technologies that are the technology, under it, or above it."""
    above = up.get(technology, frozenset({technology}))
    return [t for t in listed if t in above or technology in up.get(t, frozenset({t}))]
