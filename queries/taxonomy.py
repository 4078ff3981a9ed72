"""The technology taxonomy in memory: each technology with all its ancestors, for the composed analyses."""

from __future__ import annotations

from graph.connection import Graph
from queries.catalog import get


def lineage(graph: Graph) -> dict[str, frozenset[str]]:
    """Each technology with itself and all its ancestors through BROADER (once per graph version)."""
    from queries import snapshot

    return snapshot.of(graph).memo("lineage", lambda: _lineage(graph))  # type: ignore[no-any-return]


def _lineage(graph: Graph) -> dict[str, frozenset[str]]:
    """Read the taxonomy and close BROADER upwards."""
    parents = {r["id"]: r["broader"] for r in get("taxonomy").run(graph)}
    memo: dict[str, frozenset[str]] = {}

    def up(tid: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if tid not in memo:
            above = [up(p, seen | {tid}) for p in parents.get(tid, []) if p not in seen]
            memo[tid] = frozenset({tid}).union(*above)
        return memo[tid]

    for tid in parents:
        up(tid)
    return memo
