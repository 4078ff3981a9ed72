"""Names to keys for the entities a caller names: a name that fits several is refused, never picked."""

from __future__ import annotations

import difflib
from typing import Any

from graph import schema
from graph.connection import Graph
from graph.errors import AmbiguousError, NotFoundError


def technology(known: list[dict[str, Any]], text: str, field: str = "technology") -> str:
    """A technology by id (any case) or exact name (any case); several fits are an AmbiguousError."""
    wanted = text.strip()
    exact = [r["id"] for r in known if r["id"] == wanted]
    if exact:
        return str(exact[0])
    folded = wanted.casefold()
    fits = sorted({r["id"] for r in known if str(r["id"]).casefold() == folded})
    if not fits:
        fits = sorted({r["id"] for r in known if str(r.get("name") or "").casefold() == folded})
    if len(fits) == 1:
        return str(fits[0])
    names = {r["id"]: r.get("name") or r["id"] for r in known}
    if fits:
        listed = ", ".join(f"{f} ({names[f]})" for f in fits)
        raise AmbiguousError(
            f"ambiguous technology {text!r}: it fits {listed}; give the id", list(fits), field
        )
    raise NotFoundError(f"unknown technology {text!r}", _near(known, folded), field)


def _near(known: list[dict[str, Any]], folded: str) -> list[str]:
    """Ids whose id or name is close to the text, for an error message."""
    spellings: dict[str, str] = {}
    for r in known:
        spellings.setdefault(str(r["id"]).casefold(), r["id"])
        spellings.setdefault(str(r.get("name") or "").casefold(), r["id"])
    close = difflib.get_close_matches(folded, [s for s in spellings if s], n=3, cutoff=0.6)
    return list(dict.fromkeys(spellings[c] for c in close))


def technologies(graph: Graph) -> list[dict[str, Any]]:
    """Every technology's id and name."""
    return graph.read("MATCH (t:Technology) RETURN t.id AS id, t.name AS name")


def keyed(graph: Graph, label: str, key: str, text: str, field: str) -> str:
    """A component, forum or agreement by its key (any case); unknown keys are errors with suggestions."""
    rows = graph.read(f"MATCH (n:{schema.label(label)}) RETURN n.{key} AS k, n.name AS name")
    exact = [r["k"] for r in rows if r["k"] == text.strip()]
    fits = exact or sorted({r["k"] for r in rows if str(r["k"]).casefold() == text.strip().casefold()})
    if len(fits) == 1:
        return str(fits[0])
    if fits:
        raise AmbiguousError(f"ambiguous {label.lower()} {text!r}: it fits {', '.join(fits)}", fits, field)
    close = difflib.get_close_matches(text.strip().upper(), [str(r["k"]).upper() for r in rows], n=3)
    upper = {str(r["k"]).upper(): r["k"] for r in rows}
    raise NotFoundError(f"unknown {label.lower()} {text!r}", [upper[c] for c in close], field)


def nations_in(graph: Graph, codes: list[str], field: str) -> None:
    """Every code names a nation in the graph; an unknown one is an error with the nearest codes."""
    rows = graph.read("MATCH (n:Nation) WHERE n.code IN $codes RETURN n.code AS code", {"codes": codes})
    missing = sorted(set(codes) - {r["code"] for r in rows})
    if missing:
        every = [r["code"] for r in graph.read("MATCH (n:Nation) RETURN n.code AS code")]
        near = difflib.get_close_matches(missing[0], every, n=3)
        raise NotFoundError(
            f"unknown nation {missing[0]!r} ({field}): no such nation in the graph", near, field
        )


def resolve(graph: Graph, types: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
    """Replace technology and component names in bound parameters by their keys, checked in the graph;
    nations (already codes) must be in the graph too."""
    out = dict(params)
    known: list[dict[str, Any]] | None = None
    for name, kind in types.items():
        value = out.get(name)
        if value in (None, "", []):
            continue
        if kind in ("nation", "nations"):
            nations_in(graph, value if isinstance(value, list) else [value], name)
        if kind in ("technology", "technologies"):
            known = known if known is not None else technologies(graph)
            out[name] = (
                technology(known, value, name)
                if kind == "technology"
                else list(dict.fromkeys(technology(known, v, name) for v in value))
            )
        elif kind == "component":
            out[name] = keyed(graph, "Component", "id", value, name)
    return out
