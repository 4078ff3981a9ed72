"""The technology taxonomy in memory: each technology with all its ancestors, for the composed analyses."""

from __future__ import annotations

from typing import Any

from graph.connection import Graph
from queries.catalog import get


def lineage(graph: Graph) -> dict[str, frozenset[str]]:
    """Each technology with itself and all its ancestors through BROADER (once per graph version)."""
    from queries import snapshot

    return snapshot.of(graph).memo("lineage", lambda: _lineage(_technologies(graph)))  # type: ignore[no-any-return]


def priorities(graph: Graph) -> frozenset[str]:
    """The technologies with a priority (once per graph version)."""
    from queries import snapshot

    def find() -> frozenset[str]:
        return frozenset(r["id"] for r in _technologies(graph) if r["priority"] is not None)

    return snapshot.of(graph).memo("priorities", find)  # type: ignore[no-any-return]


def _technologies(graph: Graph) -> list[dict[str, Any]]:
    """The taxonomy export, read once per graph version."""
    from queries import snapshot

    return snapshot.of(graph).memo("taxonomy", lambda: get("taxonomy").run(graph))  # type: ignore[no-any-return]


def _lineage(technologies: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Close BROADER upwards."""
    parents = {r["id"]: r["broader"] for r in technologies}
    memo: dict[str, frozenset[str]] = {}

    def up(tid: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if tid not in memo:
            above = [up(p, seen | {tid}) for p in parents.get(tid, []) if p not in seen]
            memo[tid] = frozenset({tid}).union(*above)
        return memo[tid]

    for tid in parents:
        up(tid)
    return memo
