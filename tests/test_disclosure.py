"""Disclosure trace and pre-draft check on hand-built fixtures with exact verdicts and reasons."""

from __future__ import annotations

from typing import Any

import pytest

from graph.connection import Graph
from graph.errors import NotFoundError
from queries.analysis import analysis
from tests.fixtures import load

TECHS = [
    {"id": "ARMS", "name": "Defense articles"},
    {"id": "AIR", "name": "Aircraft", "broader": "ARMS"},
    {"id": "JET", "name": "Jet engines", "broader": "AIR"},
    {"id": "NUKE", "name": "Nuclear", "broader": "ARMS"},
    {"id": "AI", "name": "AI"},
]
RESTRICTIONS = [
    {"id": "DENY-CHN", "kind": "ITAR_126_1", "effect": "deny", "citation": "22 CFR 126.1", "nations": "CHN"},
    {
        "id": "LIC",
        "kind": "USML",
        "effect": "license_required",
        "citation": "22 CFR 123.1",
        "technologies": "ARMS",
    },
    {
        "id": "REVIEW-FRA-AI",
        "kind": "TAPP",
        "effect": "review",
        "citation": "TAPP-1",
        "nations": "FRA",
        "technologies": "AI",
    },
    {
        "id": "OLD",
        "kind": "POLICY",
        "effect": "deny",
        "citation": "old rule",
        "nations": "GBR",
        "until": "2010-01-01",
    },
    {
        "id": "NEW",
        "kind": "POLICY",
        "effect": "deny",
        "citation": "future rule",
        "nations": "GBR",
        "effective": "2030-01-01",
    },
]
NATIONS = [
    {"code": c, "name": n}
    for c, n in [
        ("USA", "United States"),
        ("GBR", "United Kingdom"),
        ("AUS", "Australia"),
        ("CAN", "Canada"),
        ("CHN", "China"),
        ("FRA", "France"),
        ("DEU", "Germany"),
        ("JPN", "Japan"),
    ]
]
EXEMPTIONS = [
    {
        "id": "EX-GBR",
        "citation": "22 CFR 126.17",
        "nations": "GBR;AUS",
        "overrides": "LIC",
        "excludes": "NUKE",
    },
    {
        "id": "EX-CAN-LATER",
        "citation": "future exemption",
        "nations": "CAN",
        "overrides": "LIC",
        "effective": "2030-01-01",
    },
    {
        "id": "EX-CAN-OLD",
        "citation": "lapsed exemption",
        "nations": "CAN",
        "overrides": "LIC",
        "until": "2020-01-01",
    },
]


@pytest.fixture
def rules(graph: Graph) -> Graph:
    load(
        graph,
        nations=NATIONS,
        technologies=TECHS,
        restrictions=RESTRICTIONS,
        exemptions=EXEMPTIONS,
        agreements=[
            {
                "id": "A-GBR",
                "title": "Engines",
                "type": "PA",
                "parties": "USA;GBR",
                "technologies": "JET",
                "start": "2020-01-01",
            },
            {
                "id": "A-OLD",
                "title": "Old",
                "type": "PA",
                "parties": "USA;GBR",
                "technologies": "AIR",
                "end": "2019-01-01",
            },
        ],
    )
    return graph


def trace(graph: Graph, nation: str, tech: str, as_of: str = "2025-01-01") -> dict[str, Any]:
    result = analysis("disclosure-trace").run(graph, {"nation": nation, "technology": tech, "as_of": as_of})
    assert isinstance(result, dict)
    return result


def brief(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            r["restriction"],
            r["effect"],
            r["attaches_to"],
            tuple(r["chain"]),
            tuple(r["overridden_by"]),
            r["applies"],
        )
        for r in result["reasons"]
    ]


def test_denied_nation_on_any_technology(rules: Graph) -> None:
    result = trace(rules, "China", "AI")
    assert result["verdict"] == "denied"
    assert brief(result) == [("DENY-CHN", "deny", None, (), (), True)]
    assert "22 CFR 126.1" in result["summary"]


def test_license_required_for_a_non_exempt_ally_inherited_from_an_ancestor(rules: Graph) -> None:
    result = trace(rules, "JPN", "JET")
    assert result["verdict"] == "license_required"
    assert brief(result) == [("LIC", "license_required", "ARMS", ("JET", "AIR", "ARMS"), (), True)]


def test_exempt_ally_is_permitted_and_the_exemption_named(rules: Graph) -> None:
    result = trace(rules, "GBR", "JET")
    assert result["verdict"] == "permitted"
    assert brief(result) == [("LIC", "license_required", "ARMS", ("JET", "AIR", "ARMS"), ("EX-GBR",), False)]
    assert "EX-GBR" in result["summary"]
    assert [a["agreement"] for a in result["agreements"]] == ["A-GBR"]


def test_exempt_ally_still_needs_a_license_on_an_excluded_technology(rules: Graph) -> None:
    result = trace(rules, "AUS", "NUKE")
    assert result["verdict"] == "license_required"
    assert brief(result) == [("LIC", "license_required", "ARMS", ("NUKE", "ARMS"), (), True)]


def test_restrictions_and_exemptions_out_of_force_are_ignored(rules: Graph) -> None:
    assert brief(trace(rules, "GBR", "AI")) == []  # OLD expired, NEW not yet in force
    assert trace(rules, "GBR", "AI", as_of="2031-01-01")["verdict"] == "denied"
    assert trace(rules, "CAN", "AIR")["verdict"] == "license_required"  # both exemptions out of force
    assert trace(rules, "CAN", "AIR", as_of="2015-01-01")["verdict"] == "permitted"


def test_pair_restriction_only_for_that_pair(rules: Graph) -> None:
    assert trace(rules, "FRA", "AI")["verdict"] == "review"
    assert trace(rules, "FRA", "JET")["verdict"] == "license_required"
    assert brief(trace(rules, "DEU", "AI")) == []


def test_united_states_is_never_restricted(rules: Graph) -> None:
    result = trace(rules, "United States", "NUKE")
    assert result["verdict"] == "permitted" and result["reasons"] == []
    assert "United States" in result["summary"]


def test_unknown_technology_and_nation_are_errors_with_suggestions(rules: Graph) -> None:
    with pytest.raises(NotFoundError) as info:
        trace(rules, "GBR", "JETS")
    assert "JET" in info.value.suggestions
    with pytest.raises(NotFoundError) as info:
        trace(rules, "Untied Kingdom", "JET")
    assert "United Kingdom" in info.value.suggestions


def test_nation_by_alias(rules: Graph) -> None:
    assert trace(rules, "UK", "JET")["nation"] == "GBR"


def test_predraft_check(graph: Graph) -> None:
    techs = [*TECHS, {"id": "QC", "name": "Quantum"}]
    forums = [
        {"id": "ALL", "name": "Alliance", "kind": "alliance", "covers": "AIR"},
        {"id": "SMALL", "name": "Small", "kind": "multilateral", "covers": "QC"},
    ]
    members = [{"forum": "ALL", "nation": n} for n in ("USA", "GBR", "JPN", "DEU", "FRA")]
    members += [{"forum": "SMALL", "nation": n} for n in ("USA", "GBR")]
    load(
        graph,
        nations=NATIONS,
        technologies=techs,
        forums=forums,
        memberships=members,
        restrictions=RESTRICTIONS,
        exemptions=EXEMPTIONS,
        agreements=[
            {
                "id": "SAME",
                "title": "Same parties",
                "type": "PA",
                "parties": "USA;GBR;JPN",
                "technologies": "JET",
            },
            {
                "id": "FW",
                "title": "Framework",
                "type": "FRAMEWORK",
                "parties": "USA;GBR;JPN;DEU",
                "technologies": "ARMS",
            },
            {"id": "PART", "title": "Partial", "type": "PA", "parties": "USA;JPN", "technologies": "AIR"},
            {
                "id": "OTHER",
                "title": "Other tech",
                "type": "PA",
                "parties": "USA;GBR;JPN",
                "technologies": "QC",
            },
            {
                "id": "USONLY",
                "title": "US with France",
                "type": "PA",
                "parties": "USA;FRA",
                "technologies": "AIR",
            },
        ],
    )
    check = analysis("predraft-check").run(
        graph, {"parties": "USA;GBR;Japan", "technologies": "AIR", "as_of": "2025-01-01"}
    )
    assert isinstance(check, dict)
    assert [o["agreement"] for o in check["overlapping_agreements"]] == ["SAME", "FW", "PART"]
    assert check["overlapping_agreements"][0]["party_overlap"] == 1.0
    assert [f["agreement"] for f in check["candidate_frameworks"]] == ["FW"]
    assert [f["forum"] for f in check["forums"]] == ["ALL"]
    assert check["exclusion_warnings"] == [
        {
            "forum": "ALL",
            "name": "Alliance",
            "technologies": ["AIR"],
            "left_out": ["DEU", "FRA"],
            "left_out_names": ["Germany", "France"],
        }
    ]
    # Blockers first: the most severe verdict leads, then nation and technology.
    assert [(d["nation"], d["verdict"], d["restrictions"]) for d in check["disclosure"]] == [
        ("JPN", "license_required", ["LIC"]),
        ("GBR", "permitted", []),
    ]
