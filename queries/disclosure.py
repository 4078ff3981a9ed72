"""Disclosure trace and pre-draft check: Cypher finds the facts, Python assembles the answer."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from graph.connection import Graph
from graph.errors import NotFoundError
from queries.catalog import get

#: Effects from most to least severe, and the verdict each gives.
SEVERITY = {"deny": "denied", "license_required": "license_required", "review": "review"}
DISCLOSER = "USA"


def check_nation(graph: Graph, code: str) -> str:
    """The nation must exist in the graph; otherwise an error with the nearest names."""
    rows = graph.read("MATCH (n:Nation {code: $c}) RETURN n.name AS name", {"c": code})
    if not rows:
        from ingest.nation import iso

        if code in iso().names:  # a real nation, but the reference data is not loaded
            raise NotFoundError(
                f"nation {code!r} is not in the graph; run `stkg init` to load the ISO nations"
            )
        raise NotFoundError(f"unknown nation {code!r}", iso().suggest(code))
    return str(rows[0]["name"])


def check_technology(graph: Graph, tid: str) -> str:
    """The technology must exist; otherwise an error suggesting close ids and names."""
    rows = graph.read("MATCH (t:Technology {id: $t}) RETURN t.name AS name", {"t": tid})
    if rows:
        return str(rows[0]["name"])
    known = graph.read("MATCH (t:Technology) RETURN t.id AS id, t.name AS name")
    names = {str(r["id"]).lower(): r["id"] for r in known} | {str(r["name"]).lower(): r["id"] for r in known}
    close = difflib.get_close_matches(tid.lower(), list(names), n=3, cutoff=0.6)
    raise NotFoundError(f"unknown technology {tid!r}", list(dict.fromkeys(names[c] for c in close)))


def _reason(row: dict[str, Any]) -> dict[str, Any]:
    """One restriction as a reason a reviewer can act on."""
    overridden = bool(row["exemptions"])
    return {
        "restriction": row["restriction"],
        "kind": row["kind"],
        "effect": row["effect"],
        "citation": row["citation"],
        "scope": row["scope"],
        "attaches_to": row["attaches_to"],
        "chain": row["chain"],
        "overridden_by": sorted(row["exemptions"]),
        "exemption_citations": sorted(row["exemption_citations"]),
        "applies": not overridden,
    }


def verdict(reasons: list[dict[str, Any]]) -> str:
    """The most severe effect among restrictions no exemption overrides, else permitted."""
    effects = {r["effect"] for r in reasons if r["applies"]}
    return next((SEVERITY[e] for e in SEVERITY if e in effects), "permitted")


def _summary(nation: str, tid: str, result: str, reasons: list[dict[str, Any]]) -> str:
    """One sentence that says why, naming the rule or the exemption."""
    if nation == DISCLOSER:
        return "The United States is the disclosing nation: no export restriction applies."
    live = [r for r in reasons if r["applies"]]
    if result != "permitted":
        worst = next(r for r in live if SEVERITY[r["effect"]] == result)
        where = (
            f"attached to {worst['attaches_to']}"
            if worst["attaches_to"]
            else f"applies to {nation} for every technology"
        )
        return f"{result}: {worst['citation']} ({worst['restriction']}, {where})."
    if reasons:
        used = sorted({e for r in reasons for e in r["overridden_by"]})
        return f"permitted: every applicable restriction is overridden by {', '.join(used)}."
    return f"permitted: no restriction in force applies to {nation} for {tid} or its broader technologies."


def _reasons(graph: Graph, as_of: dt.date, nation: str, technology: str) -> list[dict[str, Any]]:
    """Applicable restrictions as reasons, the ones still applying and most severe first."""
    if nation == DISCLOSER:
        return []
    params = {"as_of": as_of, "nation": nation, "technology": technology}
    reasons = [_reason(r) for r in get("disclosure-restrictions").run(graph, params)]
    reasons.sort(key=lambda r: (not r["applies"], list(SEVERITY).index(r["effect"]), r["restriction"]))
    return reasons


def disclosure_trace(graph: Graph, as_of: dt.date, nation: str, technology: str) -> dict[str, Any]:
    """May `technology` be disclosed to `nation` on `as_of`, and why."""
    check_nation(graph, nation)
    check_technology(graph, technology)
    reasons = _reasons(graph, as_of, nation, technology)
    result = verdict(reasons)
    params = {"as_of": as_of, "nation": nation, "technology": technology}
    return {
        "nation": nation,
        "technology": technology,
        "as_of": as_of.isoformat(),
        "verdict": result,
        "summary": _summary(nation, technology, result, reasons),
        "reasons": reasons,
        "agreements": get("nation-technology-agreements").run(graph, params),
    }


def _jaccard(a: list[str], b: list[str]) -> float:
    """Overlap of two sets, 0..1."""
    union = set(a) | set(b)
    return round(len(set(a) & set(b)) / len(union), 3) if union else 0.0


def predraft_check(
    graph: Graph, as_of: dt.date, parties: list[str], technologies: list[str]
) -> dict[str, Any]:
    """What already exists for these partners on these technologies, and what may be disclosed."""
    for code in parties:
        check_nation(graph, code)
    for tid in technologies:
        check_technology(graph, tid)
    params = {"as_of": as_of, "parties": parties, "technologies": technologies}
    foreign = [p for p in parties if p != DISCLOSER]
    overlaps = [
        {
            **row,
            "party_overlap": _jaccard(parties, row["parties"]),
            "technology_overlap": round(len(row["technologies"]) / len(technologies), 3),
        }
        for row in get("predraft-overlaps").run(graph, params)
        if not foreign or set(row["parties"]) & set(foreign)
    ]
    overlaps.sort(key=lambda r: (-r["party_overlap"], -r["technology_overlap"], r["agreement"]))
    forums = get("predraft-forums").run(graph, {"as_of": as_of, "technologies": technologies})
    return {
        "parties": parties,
        "technologies": technologies,
        "as_of": as_of.isoformat(),
        "overlapping_agreements": overlaps,
        "candidate_frameworks": get("predraft-frameworks").run(graph, params),
        "forums": [
            _forum(f)
            for f in forums
            if set(parties) <= set(f["members"]) and len(f["covered"]) == len(technologies)
        ],
        "exclusion_warnings": _warnings(graph, forums, parties),
        "disclosure": [_flag(graph, as_of, n, t) for n in foreign for t in technologies],
    }


def _forum(row: dict[str, Any]) -> dict[str, Any]:
    """A forum under which the work could go."""
    return {
        "forum": row["forum"],
        "name": row["name"],
        "kind": row["kind"],
        "technologies": row["covered"],
    }


def _warnings(graph: Graph, forums: list[dict[str, Any]], parties: list[str]) -> list[dict[str, Any]]:
    """Forums covering the technologies, all parties members, whose other members would be left out."""
    out = []
    for f in forums:
        left = sorted(set(f["members"]) - set(parties))
        if len(parties) >= 3 and set(parties) <= set(f["members"]) and left:
            names = {
                r["c"]: r["n"]
                for r in graph.read(
                    "MATCH (n:Nation) WHERE n.code IN $codes RETURN n.code AS c, n.name AS n",
                    {"codes": left},
                )
            }
            out.append(
                {
                    "forum": f["forum"],
                    "name": f["name"],
                    "technologies": f["covered"],
                    "left_out": left,
                    "left_out_names": [names.get(c, c) for c in left],
                }
            )
    return out


def _flag(graph: Graph, as_of: dt.date, nation: str, technology: str) -> dict[str, Any]:
    """The disclosure verdict for one party and technology, with the restrictions that decide it."""
    reasons = _reasons(graph, as_of, nation, technology)
    result = verdict(reasons)
    return {
        "nation": nation,
        "technology": technology,
        "verdict": result,
        "restrictions": [r["restriction"] for r in reasons if r["applies"]],
        "summary": _summary(nation, technology, result, reasons),
    }
