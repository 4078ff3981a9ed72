"""The disclosure rules in memory: restrictions, exemptions and the taxonomy, read once per answer.

One evaluator serves the trace, its exceptions, the pre-draft flags and the what-if, so that every
verdict stkg shows follows the same rule (DESIGN.md): the most severe effect among restrictions in
force that attach to the technology or an ancestor, for that nation, and that no exemption in force
overrides (an exemption does not override for a technology at or under one it EXCLUDES).
`disclosure-restrictions.cypher` states the same rule in Cypher; a test holds the two equal.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

from graph.connection import Graph
from queries.catalog import get
from queries.snapshot import active

#: Effects from most to least severe, and the verdict each gives.
SEVERITY = {"deny": "denied", "license_required": "license_required", "review": "review"}
#: Verdicts from most to least severe.
VERDICTS = ("denied", "license_required", "review", "permitted")
DISCLOSER = "USA"

Fact = dict[str, Any]


def verdict(reasons: list[Fact]) -> str:
    """The most severe effect among restrictions no exemption overrides, else permitted."""
    effects = {r["effect"] for r in reasons if r["applies"]}
    return next((SEVERITY[e] for e in SEVERITY if e in effects), "permitted")


def rank(verdict: str) -> int:
    """0 for the most severe verdict; a smaller rank is more severe."""
    return VERDICTS.index(verdict)


def in_force(row: Fact, day: str) -> bool:
    """The "active as of" rule on effective/until."""
    return active(row, day, "effective", "until")


@dataclass
class Rules:
    """Restrictions and exemptions in force on one day, over one taxonomy."""

    day: str
    restrictions: list[Fact]
    exemptions: list[Fact]
    names: dict[str, str]
    parents: dict[str, list[str]]
    tech_rows: dict[str, Fact] = field(default_factory=dict)
    _up: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    _down: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def ancestors(self, tid: str) -> dict[str, list[str]]:
        """Each ancestor-or-self with its shortest chain from `tid` (ties broken by id)."""
        if tid not in self._up:
            chains = {tid: [tid]}
            queue = deque([tid])
            while queue:
                node = queue.popleft()
                for parent in sorted(self.parents.get(node, [])):
                    if parent not in chains:
                        chains[parent] = [*chains[node], parent]
                        queue.append(parent)
            self._up[tid] = chains
        return self._up[tid]

    def narrower(self, tid: str) -> list[str]:
        """Every technology under `tid` through BROADER (any path), sorted."""
        if not self._down:
            for child, ups in self.parents.items():
                for parent in ups:
                    self._down.setdefault(parent, []).append(child)
        found: set[str] = set()
        stack = list(self._down.get(tid, []))
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                stack.extend(self._down.get(node, []))
        return sorted(found)

    def reasons(self, nation: str, tid: str) -> list[Fact]:
        """Applicable restrictions as reasons: still-applying and most severe first."""
        if nation == DISCLOSER:
            return []
        up = self.ancestors(tid)
        out = [r for r in (self._reason(x, nation, up) for x in self.restrictions) if r is not None]
        out.sort(key=lambda r: (not r["applies"], list(SEVERITY).index(r["effect"]), r["restriction"]))
        return out

    def _reason(self, r: Fact, nation: str, up: dict[str, list[str]]) -> Fact | None:
        """One restriction as a reason, or None when it does not apply to this pair."""
        hits = sorted((len(up[t]), t) for t in r["technologies"] if t in up)
        if nation in r["nations"]:
            scope = "nation and technology" if r["technologies"] else "nation"
        elif not r["nations"] and r["technologies"]:
            scope = "technology"
        else:
            return None
        if r["technologies"] and not hits:
            return None
        attach = hits[0][1] if hits else None
        overriding, excluded = self._exemptions(r["id"], nation, up)
        return {
            "restriction": r["id"],
            "kind": r["kind"],
            "effect": r["effect"],
            "citation": r["citation"],
            "scope": scope,
            "attaches_to": attach,
            "chain": up[attach] if attach else [],
            "overridden_by": [e["id"] for e in overriding],
            "exemption_citations": sorted(e["citation"] or e["id"] for e in overriding),
            "excluded_from": excluded,
            "applies": not overriding,
            "review_by": r["review_by"],
            "source": r["source"],
            "run_id": r["run_id"],
            "_exemptions": overriding,
        }

    def _exemptions(self, rid: str, nation: str, up: dict[str, list[str]]) -> tuple[list[Fact], list[Fact]]:
        """Exemptions that override this restriction here, and those that would but exclude the item."""
        overriding, excluded = [], []
        for e in self.exemptions:
            if nation not in e["nations"] or rid not in e["overrides"]:
                continue
            hits = sorted((len(up[t]), t) for t in e["excludes"] if t in up)
            if not hits:
                overriding.append(e)
                continue
            item = hits[0][1]
            excluded.append(
                {
                    "exemption": e["id"],
                    "citation": e["citation"],
                    "excluded": item,
                    "name": self.names.get(item, item),
                    "item_citation": _first((self.tech_rows.get(item) or {}).get("source")),
                }
            )
        return overriding, excluded

    def decide(self, nation: str, tid: str) -> str:
        """The verdict alone."""
        return verdict(self.reasons(nation, tid))

    def exceptions(self, nation: str, tid: str, than: str) -> list[Fact]:
        """Narrower technologies whose verdict is more severe than `than`: most severe first, then id."""
        out: list[Fact] = []
        for sub in self.narrower(tid):
            reasons = self.reasons(nation, sub)
            found = verdict(reasons)
            if rank(found) < rank(than):
                live = [public(r) for r in reasons if r["applies"]]
                out.append(
                    {"technology": sub, "name": self.names.get(sub, sub), "verdict": found, "reasons": live}
                )
        out.sort(key=lambda e: (rank(e["verdict"]), e["technology"]))
        return out

    def what_if(self, extend: str | None, to: list[str], lift: list[str]) -> Rules:
        """The same rules with `extend` also benefiting `to`, and the `lift` restrictions gone."""
        exemptions = [
            {**e, "nations": sorted(set(e["nations"]) | set(to))} if e["id"] == extend else e
            for e in self.exemptions
        ]
        restrictions = [r for r in self.restrictions if r["id"] not in set(lift)]
        return replace(self, restrictions=restrictions, exemptions=exemptions, _up=self._up, _down=self._down)


def _first(source: str | None) -> str | None:
    """The citation part of a source text: up to its first ';'."""
    return source.split(";")[0].strip() if source else None


def public(reason: Fact) -> Fact:
    """A reason without its internal fields."""
    return {k: v for k, v in reason.items() if not k.startswith("_")}


@dataclass
class Facts:
    """Every restriction, exemption and technology, whatever their dates: one read, any day."""

    restrictions: list[Fact]
    exemptions: list[Fact]
    technologies: list[Fact]

    def on(self, day: dt.date) -> Rules:
        """The rules in force on `day`."""
        iso = day.isoformat()
        return Rules(
            iso,
            [r for r in self.restrictions if in_force(r, iso)],
            [e for e in self.exemptions if in_force(e, iso)],
            {t["id"]: t["name"] for t in self.technologies},
            {t["id"]: t["broader"] for t in self.technologies},
            {t["id"]: t for t in self.technologies},
        )


def facts(graph: Graph) -> Facts:
    """Read the three exports."""
    return Facts(
        get("restriction-facts").run(graph),
        get("exemption-facts").run(graph),
        get("taxonomy").run(graph),
    )


def rules(graph: Graph, day: dt.date) -> Rules:
    """The rules in force on `day`."""
    return facts(graph).on(day)
