"""The named analyses of the CLI/API contract: plain .cypher queries and composed ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.connection import Graph
from graph.errors import NotFoundError
from queries import disclosure
from queries.catalog import Query, queries
from queries.param import Param, bind, parse_decls

Result = list[dict[str, Any]] | dict[str, Any]


@dataclass(frozen=True)
class Analysis:
    """A named analysis: declared parameters, returned fields, and how to run it."""

    name: str
    purpose: str
    params: tuple[Param, ...]
    returns: tuple[str, ...]
    runner: Callable[[Graph, dict[str, Any]], Result]
    single: bool = False  # returns one object rather than rows

    def bind(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed parameters, the same rules as a .cypher query's."""
        return bind(self.name, self.params, raw)

    def run(self, graph: Graph, raw: dict[str, Any] | None = None) -> Result:
        """Bind, resolve technology and component names against the graph, and run (on a Neo4j server
        with STKG_DEFINITIONAL on, a composed analysis runs its definitional Cypher there)."""
        from queries import names

        types = {p.name: p.type for p in self.params}
        params = names.resolve(graph, types, self.bind(raw or {}))
        if graph.engine != "arcadedb-embedded" and graph.settings.definitional:
            defined = definitional(self.name)
            if defined is not None:
                return defined(graph, params)
        return self.runner(graph, params)


def definitional(name: str) -> Callable[[Graph, dict[str, Any]], Result] | None:
    """The definitional form of a composed analysis (clusters: its pairs step, then components)."""
    from queries.catalog import definitions

    if name == "duplicate-clusters":
        from queries.duplication import clusters_of

        pairs = definitions()["duplicates"]
        return lambda g, p: clusters_of(
            g, pairs.run(g, {"as_of": p["as_of"]}), p["as_of"], p["same_type_only"]
        )
    found = definitions().get(name)
    return None if found is None else lambda g, p: found.run(g, p)


def cypher_of(name: str) -> str:
    """The Cypher behind an analysis: its own .cypher file, or its definitional form when composed."""
    from queries.catalog import definitions, queries

    if name in queries():
        return queries()[name].text
    key = "duplicates" if name == "duplicate-clusters" else name
    if key in definitions():
        note = "// duplicate-clusters: the connected components of these pairs\n" if key != name else ""
        return note + definitions()[key].text
    raise NotFoundError(f"{name} is computed in Python from exports and has no single Cypher form")


def _plain(q: Query) -> Analysis:
    """A .cypher query served as an analysis."""
    return Analysis(q.name, q.purpose, q.params, q.returns, q.run)


def _partner_centrality(graph: Graph, p: dict[str, Any]) -> Result:
    """Deferred import: networkx is only loaded when this analysis runs."""
    from graph.network import partner_centrality

    return partner_centrality(graph, p["as_of"])


def _duplicates(graph: Graph, p: dict[str, Any]) -> Result:
    """Pairs found in memory from one Cypher export (see queries/duplication.py)."""
    from queries.duplication import duplicates

    return duplicates(graph, p["as_of"])


def _clusters(graph: Graph, p: dict[str, Any]) -> Result:
    """Connected components of the duplicate pairs (see queries/duplication.py)."""
    from queries.duplication import clusters

    return clusters(graph, p["as_of"], p["same_type_only"])


def _partners(graph: Graph, p: dict[str, Any]) -> Result:
    """Nation pairs grouped in memory from one Cypher export (see queries/partnership.py)."""
    from queries.partnership import partners

    return partners(graph, p["as_of"], p["nation"], p["technology"])


def _equitability(graph: Graph, p: dict[str, Any]) -> Result:
    """Shares and verdicts computed in memory from one Cypher export (see queries/equity.py)."""
    from queries.equity import equitability

    return equitability(graph, p["as_of"], p["tolerance"])


def _exclusionary(graph: Graph, p: dict[str, Any]) -> Result:
    """Consortia found in memory from two Cypher exports (see queries/exclusion.py)."""
    from queries.exclusion import exclusionary_consortia

    return exclusionary_consortia(graph, p["as_of"])


def _priorities(graph: Graph, p: dict[str, Any]) -> Result:
    """The Framework's ranked priorities (see queries/engagement.py)."""
    from queries.engagement import priorities

    return priorities(graph, p["as_of"], p["component"], p["nation"])


def _delta(graph: Graph, p: dict[str, Any]) -> Result:
    """Shortfalls and surpluses (see queries/engagement.py)."""
    from queries.engagement import delta

    return delta(graph, p["as_of"], p["component"], p["nation"], p["threshold"])


def _collaborations(graph: Graph, p: dict[str, Any]) -> Result:
    """Grouped in memory from one Cypher export (see queries/collaboration.py)."""
    from queries.collaboration import collaborations

    return collaborations(graph, p["as_of"], p["nation"], p["technology"], p["component"])


def _expiring(graph: Graph, p: dict[str, Any]) -> Result:
    """Expiries and the gaps they would leave, on the snapshot (see queries/coverage.py)."""
    from queries.coverage import expiring

    return expiring(graph, p["as_of"], p["within_days"])


def _portfolio_changes(graph: Graph, p: dict[str, Any]) -> Result:
    """What started and ended between two dates (see queries/timeline.py)."""
    from queries.timeline import portfolio_changes

    return portfolio_changes(graph, p["from"], p["to"])


def _findings_delta(graph: Graph, p: dict[str, Any]) -> Result:
    """Findings that appeared or disappeared between two dates (see queries/timeline.py)."""
    from queries.timeline import findings_delta

    return findings_delta(graph, p["from"], p["to"])


COMPOSED = (
    Analysis(
        "portfolio-changes",
        "What changed between two dates: agreements started and ended, memberships joined and left, "
        "restrictions and exemptions in force and lapsed (compared at the two dates only).",
        parse_decls("from: date = a year ago; to: date = today"),
        ("kind", "key", "change"),
        _portfolio_changes,
    ),
    Analysis(
        "findings-delta",
        "Coverage gaps, duplicate pairs and exclusionary consortia that appeared or disappeared between "
        "two dates.",
        parse_decls("from: date = a year ago; to: date = today"),
        ("analysis", "key", "change"),
        _findings_delta,
    ),
    Analysis(
        "collaborations",
        "Who collaborates on what: nations and the technologies of the active agreements they are party to.",
        parse_decls("as_of: date = today; nation: nation?; technology: technology?; component: component?"),
        ("nation", "technology", "agreements", "count"),
        _collaborations,
    ),
    Analysis(
        "partners",
        "Who works with whom: pairs of nations party to the same active agreements, with what on; "
        "with a technology, only agreements on it, under it or above it.",
        parse_decls("as_of: date = today; nation: nation?; technology: technology?"),
        ("nation_a", "nation_b", "technologies", "agreements", "count"),
        _partners,
    ),
    Analysis(
        "equitability",
        "Is each party's share of the benefits proportional to its share of the contributions? One row per "
        "party of each active agreement: equitable within the tolerance, else over- or under-benefits.",
        parse_decls("as_of: date = today; tolerance: number = 0.25"),
        ("agreement", "nation", "contribution_share", "benefit_share", "ratio", "verdict"),
        _equitability,
    ),
    Analysis(
        "expiring",
        "Active agreements ending within the window, with the priority technologies that would become gaps.",
        parse_decls("as_of: date = today; within_days: int = 180"),
        ("agreement", "title", "end", "days_left", "parties", "technologies", "would_be_gaps"),
        _expiring,
    ),
    Analysis(
        "engagement-priorities",
        "Priority of each component x nation x technology by the Strategy's Framework formula, ranked; "
        "nations under an ITAR 126.1 denial are skipped and listed last.",
        parse_decls("as_of: date = today; component: component?; nation: nation?"),
        (
            "component",
            "nation",
            "technology",
            "score",
            "rank",
            "priority",
            "programs",
            "regional_priority",
            "cooperative_potential",
            "strength",
            "note",
        ),
        _priorities,
    ),
    Analysis(
        "engagement-delta",
        "Engagement delta (current engagement - priority, both 0..1): shortfalls first, then surpluses, "
        "where the gap is at least threshold percentage points.",
        parse_decls("as_of: date = today; component: component?; nation: nation?; threshold: int = 20"),
        ("component", "nation", "technology", "priority", "engagement", "delta", "kind"),
        _delta,
    ),
    Analysis(
        "exclusionary-consortia",
        "Active agreements of three or more parties, all members of a forum that covers their technology, "
        "made outside it and leaving members out.",
        parse_decls("as_of: date = today"),
        ("agreement", "forum", "technologies", "parties", "excluded", "also"),
        _exclusionary,
    ),
    Analysis(
        "duplicates",
        "Pairs of active agreements with equal or nested party sets covering a common technology "
        "(or one an ancestor of the other's).",
        parse_decls("as_of: date = today"),
        (
            "agreement_a",
            "agreement_b",
            "parties",
            "technologies",
            "components",
            "cross_component",
            "relation",
            "same_type",
        ),
        _duplicates,
    ),
    Analysis(
        "duplicate-clusters",
        "Groups of agreements linked by duplicate pairs (a chain A~B~C is one cluster), largest first: "
        "the place to start reviewing duplication.",
        parse_decls("as_of: date = today; same_type_only: bool = false"),
        (
            "cluster",
            "agreements",
            "titles",
            "size",
            "parties",
            "technologies",
            "components",
            "cross_component",
            "same_type",
        ),
        _clusters,
    ),
    Analysis(
        "disclosure-trace",
        "May a technology be disclosed to a nation as of a date, and exactly why (with citations).",
        parse_decls("as_of: date = today; nation: nation; technology: technology"),
        (
            "nation",
            "technology",
            "name",
            "as_of",
            "verdict",
            "headline",
            "summary",
            "reasons",
            "exceptions",
            "warnings",
            "runs",
            "agreements",
            "reference_compiled",
        ),
        lambda g, p: disclosure.disclosure_trace(g, p["as_of"], p["nation"], p["technology"]),
        single=True,
    ),
    Analysis(
        "disclosure-whatif",
        "The disclosure verdicts that would change if an exemption also benefited more nations "
        "and some restrictions were lifted; only changed pairs.",
        parse_decls(
            "as_of: date = today; extend: string?; to: nations?; lift: list?; "
            "nations: nations?; technologies: technologies?"
        ),
        ("nation", "technology", "name", "before", "after", "reason"),
        lambda g, p: disclosure.disclosure_whatif(g, p["as_of"], p),
    ),
    Analysis(
        "predraft-check",
        "Before drafting: overlapping agreements, frameworks, forums, exclusion warnings, disclosure.",
        parse_decls("as_of: date = today; parties: nations; technologies: technologies"),
        (
            "parties",
            "technologies",
            "as_of",
            "overlapping_agreements",
            "candidate_frameworks",
            "forums",
            "exclusion_warnings",
            "disclosure",
            "warnings",
        ),
        lambda g, p: disclosure.predraft_check(g, p["as_of"], p["parties"], p["technologies"]),
        single=True,
    ),
    Analysis(
        "partner-centrality",
        "Nations ranked by weighted degree and betweenness in the active collaboration network.",
        parse_decls("as_of: date = today"),
        ("nation", "name", "partners", "weighted_degree", "betweenness", "community"),
        _partner_centrality,
    ),
)

#: The query names of the contract, in the order `stkg queries` lists them.
PUBLIC = (
    "coverage-gaps",
    "duplicates",
    "duplicate-clusters",
    "exclusionary-consortia",
    "collaborations",
    "partners",
    "equitability",
    "expiring",
    "portfolio-changes",
    "findings-delta",
    "partner-centrality",
    "engagement-priorities",
    "engagement-delta",
    "predraft-check",
    "disclosure-trace",
    "disclosure-whatif",
    "nations",
)


def analyses() -> dict[str, Analysis]:
    """Every analysis by name: the contract's first, then supporting queries."""
    found = {a.name: a for a in COMPOSED} | {q.name: _plain(q) for q in queries().values()}
    return {n: found[n] for n in PUBLIC} | {n: a for n, a in sorted(found.items()) if n not in PUBLIC}


def analysis(name: str) -> Analysis:
    """Look an analysis up by name, suggesting close names."""
    import difflib

    found = analyses()
    if name not in found:
        raise NotFoundError(f"no analysis named {name!r}", difflib.get_close_matches(name, list(found)))
    return found[name]
