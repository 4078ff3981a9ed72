"""Exceptions, a taxonomy with two parents, review dates, staleness, what-if and ambiguous names.

Every expected row below is worked out by hand from the fixture:

    ROOT ── MID ── LEAF            LIC: license_required on ROOT, for every foreign nation
      │      ├──── LEAF2           EX:  GBR (and AUS); overrides LIC; excludes LEAF and SIDE
      │      └──── TWO ─┐          DENY-JPN-SIDE: deny, JPN on SIDE only
      └─ SIDE ──────────┘          REV-DEU-MID: review, DEU on MID only
    AI (no restriction)            DENY-CHN: deny, CHN on everything
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from graph.connection import Graph
from graph.errors import AmbiguousError, NotFoundError, ParameterError, ValidationError
from ingest.pipeline import ingest_input
from ingest.reader import read_tables
from queries.analysis import analysis
from tests.conftest import run_stkg
from tests.fixtures import load

NATIONS = [{"code": c, "name": c} for c in ("USA", "GBR", "AUS", "CAN", "CHN", "JPN", "DEU", "FRA")]
TECHS = [
    {"id": "ROOT", "name": "Defense articles"},
    {"id": "MID", "name": "Middle", "broader": "ROOT"},
    {"id": "LEAF", "name": "Leaf", "broader": "MID"},
    {"id": "LEAF2", "name": "Second leaf", "broader": "MID"},
    {"id": "SIDE", "name": "Side", "broader": "ROOT"},
    {"id": "TWO", "name": "Two parents", "broader": "MID;SIDE"},
    {"id": "AI", "name": "Artificial intelligence"},
]
RESTRICTIONS = [
    {
        "id": "LIC",
        "kind": "USML",
        "effect": "license_required",
        "citation": "22 CFR 123.1",
        "technologies": "ROOT",
    },
    {
        "id": "DENY-JPN-SIDE",
        "kind": "TAPP",
        "effect": "deny",
        "citation": "TAPP side",
        "nations": "JPN",
        "technologies": "SIDE",
    },
    {
        "id": "REV-DEU-MID",
        "kind": "TAPP",
        "effect": "review",
        "citation": "TAPP mid",
        "nations": "DEU",
        "technologies": "MID",
        "review_by": "2025-06-30",
    },
    {"id": "DENY-CHN", "kind": "ITAR_126_1", "effect": "deny", "citation": "22 CFR 126.1", "nations": "CHN"},
]
EXEMPTIONS = [
    {
        "id": "EX",
        "citation": "22 CFR 126.17",
        "nations": "GBR;AUS",
        "overrides": "LIC",
        "excludes": "LEAF;SIDE",
        "review_by": "2025-03-31",
    }
]
AS_OF = "2025-01-01"


@pytest.fixture
def truth(graph: Graph) -> Graph:
    load(graph, nations=NATIONS, technologies=TECHS, restrictions=RESTRICTIONS, exemptions=EXEMPTIONS)
    return graph


def trace(graph: Graph, nation: str, tech: str, as_of: str = AS_OF) -> dict[str, Any]:
    result = analysis("disclosure-trace").run(graph, {"nation": nation, "technology": tech, "as_of": as_of})
    assert isinstance(result, dict)
    return result


def exceptions(result: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [
        (e["technology"], e["verdict"], [r["restriction"] for r in e["reasons"]])
        for e in result["exceptions"]
    ]


def test_exceptions_two_levels_down_and_through_a_second_parent(truth: Graph) -> None:
    result = trace(truth, "GBR", "ROOT")
    assert result["verdict"] == "permitted"
    # LEAF is two levels down; SIDE is excluded itself; TWO inherits the exclusion through SIDE only.
    # MID and LEAF2 keep the exemption: permitted, so no exception entry for them.
    assert exceptions(result) == [
        ("LEAF", "license_required", ["LIC"]),
        ("SIDE", "license_required", ["LIC"]),
        ("TWO", "license_required", ["LIC"]),
    ]
    assert result["headline"] == "permitted except 3 narrower items (license required: 3)"
    leaf = result["exceptions"][0]["reasons"][0]
    assert leaf["excluded_from"] == [
        {
            "exemption": "EX",
            "citation": "22 CFR 126.17",
            "excluded": "LEAF",
            "name": "Leaf",
            "item_citation": "fixture#technologies:3",  # a user's row cites its file and row
        }
    ]
    assert trace(truth, "GBR", "MID")["headline"] == "permitted except 2 narrower items (license required: 2)"


def test_no_exception_for_narrower_items_of_equal_or_lesser_severity(truth: Graph) -> None:
    result = trace(truth, "FRA", "ROOT")  # everything under ROOT is license_required for FRA
    assert result["verdict"] == "license_required" and result["exceptions"] == []
    assert result["headline"] == "license required"
    assert trace(truth, "CHN", "ROOT")["exceptions"] == []  # denied everywhere: nothing more severe


def test_more_severe_narrower_items_are_listed_most_severe_first(truth: Graph) -> None:
    result = trace(truth, "JPN", "ROOT")
    assert result["verdict"] == "license_required"
    assert exceptions(result) == [
        ("SIDE", "denied", ["DENY-JPN-SIDE", "LIC"]),
        ("TWO", "denied", ["DENY-JPN-SIDE", "LIC"]),
    ]
    assert result["headline"] == "license required except 2 narrower items (denied: 2)"


def test_a_technology_with_two_parents_inherits_through_either(truth: Graph) -> None:
    jpn = trace(truth, "JPN", "TWO")  # DENY-JPN-SIDE reaches TWO only through its second parent
    assert jpn["verdict"] == "denied"
    deny = next(r for r in jpn["reasons"] if r["restriction"] == "DENY-JPN-SIDE")
    assert (deny["attaches_to"], deny["chain"]) == ("SIDE", ["TWO", "SIDE"])
    deu = trace(truth, "DEU", "TWO")  # REV-DEU-MID reaches it through the first parent
    assert [(r["restriction"], r["attaches_to"], r["chain"]) for r in deu["reasons"]] == [
        ("LIC", "ROOT", ["TWO", "MID", "ROOT"]),  # one reason per restriction: the nearest attachment
        ("REV-DEU-MID", "MID", ["TWO", "MID"]),
    ]
    assert trace(truth, "DEU", "SIDE")["reasons"][0]["restriction"] == "LIC"
    assert [r["restriction"] for r in trace(truth, "DEU", "SIDE")["reasons"]] == [
        "LIC"
    ]  # not REV: not under MID


def test_review_by_passed_or_not(truth: Graph) -> None:
    assert trace(truth, "GBR", "LEAF2", "2025-03-31")["warnings"] == []  # the review day itself is fine
    later = trace(truth, "GBR", "LEAF2", "2025-04-01")["warnings"]
    assert later == [
        "exemption EX was due for review on 2025-03-31, before 2025-04-01: check that it still holds "
        "(and ingest the renewal or the change) before relying on this answer."
    ]
    deu = trace(truth, "DEU", "MID", "2025-07-01")["warnings"]
    assert [w.split(" was")[0] for w in deu] == ["restriction REV-DEU-MID"]
    assert trace(truth, "FRA", "MID", "2025-07-01")["warnings"] == []  # REV-DEU-MID is not relied on for FRA
    # MID is only "review" for DEU, less severe than ROOT's verdict: not part of ROOT's answer.
    assert trace(truth, "DEU", "ROOT", "2025-07-01")["warnings"] == []


def test_reference_compiled_date_warning(graph: Graph) -> None:
    data = read_tables({"nations": NATIONS, "technologies": TECHS, "restrictions": RESTRICTIONS}, "reference")
    data.compiled = "2024-01-01"
    ingest_input(graph, data)
    assert trace(graph, "FRA", "AI", "2024-06-29")["warnings"] == []  # 180 days later
    late = trace(graph, "FRA", "AI", "2024-06-30")
    assert late["warnings"] == [
        "The shipped reference data was compiled on 2024-01-01, 181 days before 2024-06-30: "
        "changes to the law after 2024-01-01 are not known to stkg."
    ]
    assert late["reference_compiled"] == "2024-01-01"


def whatif(graph: Graph, **params: str) -> list[tuple[str, str, str, str]]:
    rows = analysis("disclosure-whatif").run(graph, {"as_of": AS_OF, **params})
    assert isinstance(rows, list)
    return [(r["nation"], r["technology"], r["before"], r["after"]) for r in rows]


def test_whatif_extension_changes_only_what_the_exemption_covers(truth: Graph) -> None:
    rows = whatif(truth, extend="EX", to="CAN")
    # LEAF, SIDE and TWO stay license_required (excluded); AI has nothing to lift.
    assert rows == [
        ("CAN", "LEAF2", "license_required", "permitted"),
        ("CAN", "MID", "license_required", "permitted"),
        ("CAN", "ROOT", "license_required", "permitted"),
    ]
    full = analysis("disclosure-whatif").run(truth, {"as_of": AS_OF, "extend": "EX", "to": "CAN"})
    assert (
        isinstance(full, list)
        and full[0]["reason"] == "LIC (license_required) overridden by EX extended to CAN"
    )
    # JPN's pairs must not change, even when asked about: DENY-JPN-SIDE is not overridden by EX.
    assert whatif(truth, extend="EX", to="JPN", technologies="SIDE;TWO") == []


def test_whatif_lift_defaults_to_the_nations_the_restriction_names(truth: Graph) -> None:
    rows = whatif(truth, lift="DENY-CHN", technologies="ROOT;AI")
    assert rows == [("CHN", "AI", "denied", "permitted"), ("CHN", "ROOT", "denied", "license_required")]
    both = whatif(truth, extend="EX", to="CHN", lift="DENY-CHN", technologies="ROOT;LEAF")
    assert both == [("CHN", "LEAF", "denied", "license_required"), ("CHN", "ROOT", "denied", "permitted")]


def test_whatif_refuses_what_it_cannot_mean(truth: Graph) -> None:
    with pytest.raises(ParameterError):
        analysis("disclosure-whatif").run(truth, {"as_of": AS_OF})
    with pytest.raises(ParameterError):
        analysis("disclosure-whatif").run(truth, {"as_of": AS_OF, "extend": "EX"})
    with pytest.raises(NotFoundError) as info:
        analysis("disclosure-whatif").run(truth, {"as_of": AS_OF, "extend": "EXX", "to": "CAN"})
    assert info.value.suggestions == ["EX"]
    with pytest.raises(NotFoundError):
        analysis("disclosure-whatif").run(truth, {"as_of": AS_OF, "lift": "NOPE"})


def test_technology_names_resolve_or_are_refused_with_every_candidate(truth: Graph) -> None:
    load(truth, technologies=[{"id": "AI-2", "name": "Artificial intelligence"}])
    assert trace(truth, "GBR", "leaf")["technology"] == "LEAF"  # ids in any case
    assert trace(truth, "GBR", "Second leaf")["technology"] == "LEAF2"  # the exact name
    with pytest.raises(AmbiguousError) as info:
        trace(truth, "GBR", "artificial intelligence")
    assert info.value.suggestions == ["AI", "AI-2"]
    assert "AI (Artificial intelligence), AI-2 (Artificial intelligence)" in str(info.value)


@pytest.mark.parametrize(("name", "codes"), [("Congo", ["COD", "COG"]), ("Korea", ["KOR", "PRK"])])
def test_ambiguous_nation_names_are_refused(truth: Graph, name: str, codes: list[str]) -> None:
    with pytest.raises(AmbiguousError) as info:
        trace(truth, name, "AI")
    assert info.value.suggestions == codes and info.value.field == "nation"
    for code in codes:
        assert code in str(info.value)


def test_ambiguous_nation_in_ingest_is_a_located_problem(graph: Graph) -> None:
    with pytest.raises(ValidationError) as info:
        load(
            graph,
            nations=NATIONS,
            restrictions=[{"id": "R", "kind": "POLICY", "effect": "deny", "nations": "GBR;Korea"}],
        )
    assert info.value.problems == [
        "fixture#restrictions:1:nations: ambiguous nation 'Korea': it fits KOR (South Korea), "
        "PRK (North Korea); give the code"
    ]
    assert graph.read("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0


@pytest.mark.slow
def test_ambiguous_names_in_the_cli(tmp_path: Path) -> None:
    done = run_stkg("disclose", "Congo", "MP-AI", data_dir=tmp_path)
    assert done.returncode == 1
    assert "ambiguous nation 'Congo': it fits COD" in done.stderr and "COG (Congo)" in done.stderr
    korea = run_stkg("disclose", "Korea", "Quantum Science", data_dir=tmp_path)
    assert korea.returncode == 1 and "KOR" in korea.stderr and "PRK" in korea.stderr


def test_the_day_is_iso() -> None:
    assert dt.date.fromisoformat(AS_OF).isoformat() == AS_OF


def test_the_taxonomy_dag_in_coverage_and_cycle_checks(graph: Graph) -> None:
    techs = [
        {"id": "ROOT", "name": "Root"},
        {"id": "MID", "name": "Middle", "broader": "ROOT", "priority": "2"},
        {"id": "SIDE", "name": "Side", "broader": "ROOT", "priority": "3"},
        {"id": "TWO", "name": "Two parents", "broader": "MID;SIDE"},
        {"id": "LONE", "name": "Lone", "broader": "MID", "priority": "1"},
    ]
    agreement = {"id": "A", "title": "A", "type": "PA", "parties": "USA;GBR", "technologies": "TWO"}
    load(graph, nations=NATIONS, technologies=techs, agreements=[agreement])
    gaps = analysis("coverage-gaps").run(graph, {"as_of": AS_OF})
    # TWO is narrower than both MID and SIDE, so the agreement covers both; LONE stays a gap.
    assert [g["technology"] for g in gaps] == ["LONE"]  # type: ignore[index]
    with pytest.raises(ValidationError) as info:
        load(
            graph, technologies=[{"id": "ROOT", "name": "Root", "broader": "X;TWO"}, {"id": "X", "name": "X"}]
        )
    assert info.value.problems == [
        "fixture#technologies:1:broader: 'ROOT' is its own ancestor through 'broader' (a cycle)"
    ]
