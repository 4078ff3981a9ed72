"""Entity lookups for the API and pages: search one kind, or fetch one entity with its neighbours."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import schema
from graph.connection import Graph
from graph.errors import NotFoundError
from queries.catalog import entity_queries


@dataclass(frozen=True)
class Kind:
    """One browsable kind of entity: its label, key, and how its nested lists are ordered."""

    name: str  # plural, as in URLs: "nations"
    singular: str  # prefix of its .cypher files and templates: "nation"
    node: schema.NodeType
    order: dict[str, str]  # nested list field -> the key it is sorted by


KINDS = {
    k.name: k
    for k in (
        Kind("nations", "nation", schema.NATION, {"memberships": "forum", "agreements": "id"}),
        Kind(
            "forums",
            "forum",
            schema.FORUM,
            {"parent": "id", "children": "id", "members": "nation", "covers": "id", "agreements": "id"},
        ),
        Kind(
            "agreements",
            "agreement",
            schema.AGREEMENT,
            {"parties": "nation", "technologies": "id", "parent": "id", "children": "id", "forums": "id"},
        ),
        Kind(
            "technologies",
            "technology",
            schema.TECHNOLOGY,
            {"ancestors": "depth", "children": "id", "maps_to": "id", "forums": "id", "agreements": "id"},
        ),
        Kind("restrictions", "restriction", schema.RESTRICTION, {}),
        Kind("exemptions", "exemption", schema.EXEMPTION, {}),
    )
}


def kind(name: str) -> Kind:
    """A kind by its plural name."""
    if name not in KINDS:
        raise NotFoundError(f"no entity kind {name!r}", difflib.get_close_matches(name, list(KINDS)))
    return KINDS[name]


def search(graph: Graph, kind_name: str, q: str | None, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    """One page of a kind's entities matching `q` (case-insensitive substring), with the total."""
    k = kind(kind_name)
    row = entity_queries()[f"{k.singular}-search"].run(graph, {"q": q, "offset": offset, "limit": limit})[0]
    return {"total": row["total"], "offset": offset, "limit": limit, "items": row["items"]}


def detail(graph: Graph, kind_name: str, key: str, as_of: Any = None) -> dict[str, Any]:
    """One entity with its neighbours; unknown keys raise NotFoundError with the nearest keys."""
    k = kind(kind_name)
    query = entity_queries()[f"{k.singular}-detail"]
    params: dict[str, Any] = {k.node.key: key}
    if any(p.name == "as_of" for p in query.params):
        params["as_of"] = as_of
    rows = query.run(graph, params)
    if not rows:
        raise NotFoundError(f"no {k.singular} {key!r}", _nearest(graph, k, key))
    found = rows[0]
    for field, by in k.order.items():
        found[field] = sorted(found[field], key=_by(by))
    return found


def _by(key: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    """Sort key for nested rows: by one field, missing values last."""
    return lambda item: (item.get(key) is None, item.get(key))


def nation(graph: Graph, code: str, as_of: Any = None) -> dict[str, Any]:
    """A nation with its partners and its coverage gaps, as its page and endpoint show it."""
    from queries.analysis import analysis

    found = detail(graph, "nations", code, as_of)
    found["partners"] = partners(graph, found["code"], as_of)
    found["gaps"] = analysis("coverage-gaps").run(graph, {"nation": found["code"], "as_of": as_of})
    return found


def partners(graph: Graph, code: str, as_of: Any = None) -> list[dict[str, Any]]:
    """A nation's partners in active agreements, most shared first."""
    return entity_queries()["nation-partners"].run(graph, {"code": code, "as_of": as_of})


def counts(graph: Graph, as_of: Any = None) -> dict[str, int]:
    """Headline counts for the home page."""
    return dict(entity_queries()["counts"].run(graph, {"as_of": as_of})[0])


def _nearest(graph: Graph, k: Kind, key: str) -> list[str]:
    """The keys closest to a mistyped one (label and key come from the schema module)."""
    cypher = f"MATCH (n:{k.node.label}) RETURN n.{k.node.key} AS key"
    keys = [r["key"] for r in graph.read(cypher)]
    by_case = {str(x).lower(): str(x) for x in keys}
    return [by_case[m] for m in difflib.get_close_matches(key.lower(), list(by_case), n=5, cutoff=0.5)]
