"""The five portfolio analyses on hand-built fixture graphs with hand-checked rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from graph.connection import Graph
from graph.errors import NotFoundError, ParameterError, ValidationError
from queries import coverage
from queries.analysis import analysis
from tests.fixtures import load

AS_OF = "2025-01-01"


def run(graph: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    return analysis(name).run(graph, {"as_of": AS_OF, **params})  # type: ignore[return-value]


def agreement(id_: str, parties: str, techs: str, **extra: Any) -> dict[str, Any]:
    row = {
        "id": id_,
        "title": f"Agreement {id_}",
        "type": "PA",
        "parties": parties,
        "technologies": techs,
        "start": "2015-01-01",
    }
    return row | extra


TECHS = [
    {"id": "AI", "name": "Artificial Intelligence", "priority": 3},
    {"id": "ML", "name": "Machine learning", "broader": "AI", "priority": 2},
    {"id": "NLP", "name": "Language", "broader": "ML"},
    {"id": "QC", "name": "Quantum", "priority": 2},
    {"id": "DE", "name": "Directed energy", "priority": 1},
    {"id": "SPACE", "name": "Space", "priority": 3},
    {"id": "HYP", "name": "Hypersonics"},
]
COMPONENTS = [{"id": "ARMY", "name": "Army"}, {"id": "NAVY", "name": "Navy"}]


# ---------------------------------------------------------------- coverage-gaps
@pytest.fixture
def gaps_graph(graph: Graph) -> Graph:
    load(
        graph,
        technologies=TECHS,
        agreements=[
            agreement("A1", "USA;GBR", "NLP"),
            agreement("A2", "USA;JPN", "QC", end="2020-01-01"),  # expired: QC is a gap
            agreement("A3", "USA;FRA", "DE"),
            agreement("A4", "USA;GBR", "SPACE", start="2026-01-01"),  # not yet started
        ],
    )
    return graph


def test_coverage_gaps(gaps_graph: Graph) -> None:
    rows = run(gaps_graph, "coverage-gaps")
    assert rows == [
        {"technology": "SPACE", "name": "Space", "priority": 3, "scheme": None},
        {"technology": "QC", "name": "Quantum", "priority": 2, "scheme": None},
    ]  # not AI or ML (NLP lies under both), not NLP or HYP (no priority), not DE
    assert coverage.gaps(gaps_graph, dt.date(2025, 1, 1)) == {"SPACE", "QC"}  # as findings-delta works it out


def test_coverage_gaps_for_one_nation(gaps_graph: Graph) -> None:
    assert [r["technology"] for r in run(gaps_graph, "coverage-gaps", nation="United Kingdom")] == [
        "SPACE",
        "QC",
        "DE",
    ]
    assert [r["technology"] for r in run(gaps_graph, "coverage-gaps", nation="FRA")] == [
        "AI",
        "SPACE",
        "ML",
        "QC",
    ]


def test_coverage_gaps_change_with_the_date(gaps_graph: Graph) -> None:
    assert [r["technology"] for r in run(gaps_graph, "coverage-gaps", as_of="2019-06-01")] == ["SPACE"]
    assert coverage.gaps(gaps_graph, dt.date(2019, 6, 1)) == {"SPACE"}  # A2 still covers QC


# ---------------------------------------------------------------- duplicates
def test_duplicates(graph: Graph) -> None:
    load(
        graph,
        technologies=TECHS,
        components=COMPONENTS,
        agreements=[
            agreement("FW", "USA;GBR", "AI", type="FRAMEWORK", lead_component="NAVY"),
            agreement(
                "PA1", "USA;GBR", "ML", parent="FW", lead_component="ARMY"
            ),  # under FW: not FW's duplicate
            agreement("PA2", "USA;GBR;FRA", "NLP", lead_component="ARMY"),
            agreement("EXP", "USA;GBR", "AI", end="2020-01-01"),
            agreement("FUT", "USA;GBR", "AI", start="2026-01-01"),
            agreement("DR1", "USA;GBR", "AI", deliberate_redundancy="yes"),
            agreement("PRO", "USA;GBR", "AI", status="proposed"),
            agreement("DIFF", "USA;JPN", "AI"),
            agreement("QC1", "USA;GBR", "QC"),
        ],
    )
    assert run(graph, "duplicates") == [
        {
            "agreement_a": "FW",
            "agreement_b": "PA2",
            "parties": ["GBR", "USA"],
            "technologies": ["NLP"],
            "components": ["ARMY", "NAVY"],
            "cross_component": True,
            "relation": "nested",
            "same_type": False,
        },
        {
            "agreement_a": "PA1",
            "agreement_b": "PA2",
            "parties": ["GBR", "USA"],
            "technologies": ["NLP"],
            "components": ["ARMY"],
            "cross_component": False,
            "relation": "nested",
            "same_type": True,
        },
    ]


def test_duplicates_need_nested_parties_and_report_each_pair_once(graph: Graph) -> None:
    """Equal party sets find each other from both sides; the smaller side may have the larger id."""
    load(
        graph,
        technologies=TECHS,
        components=COMPONENTS,
        agreements=[
            agreement("A9", "USA;GBR;FRA", "NLP", lead_component="ARMY"),
            agreement("B1", "USA;GBR", "ML", lead_component="NAVY"),
            agreement("B2", "USA;GBR", "ML;QC"),
            agreement("C1", "USA;GBR;JPN", "NLP"),  # not nested with A9: not reported
            agreement("D1", "GBR;FRA", "AI"),  # not nested with B1, B2 or C1
            agreement("E1", "GBR;USA", "QC"),  # nested in most, but only B2 also covers QC
            agreement("F1", "FRA;JPN", "NLP"),  # shares its rarest party (JPN) with C1, but not FRA
        ],
    )
    rows = run(graph, "duplicates")
    got = [(r["agreement_a"], r["agreement_b"], r["parties"], r["technologies"]) for r in rows]
    assert got == [
        ("A9", "B1", ["GBR", "USA"], ["NLP"]),
        ("A9", "B2", ["GBR", "USA"], ["NLP"]),
        ("A9", "D1", ["FRA", "GBR"], ["NLP"]),
        ("B1", "B2", ["GBR", "USA"], ["ML"]),
        ("B1", "C1", ["GBR", "USA"], ["NLP"]),
        ("B2", "C1", ["GBR", "USA"], ["NLP"]),
        ("B2", "E1", ["GBR", "USA"], ["QC"]),
    ]
    leads = {(r["agreement_a"], r["agreement_b"]): (r["components"], r["cross_component"]) for r in rows}
    assert leads[("A9", "B1")] == (["ARMY", "NAVY"], True)
    assert leads[("A9", "B2")] == (["ARMY"], False)
    assert leads[("B2", "C1")] == ([], False)


@pytest.fixture
def clustered(graph: Graph) -> Graph:
    load(
        graph,
        technologies=TECHS,
        components=COMPONENTS,
        agreements=[
            agreement("C1", "USA;GBR", "ML", lead_component="ARMY"),
            agreement("C2", "USA;GBR;FRA", "ML;QC"),
            agreement("C3", "GBR;FRA;USA", "QC", lead_component="NAVY"),  # C1 and C3: no common technology
            agreement("Y1", "USA;JPN", "SPACE"),
            agreement("Y2", "USA;JPN", "SPACE", type="IEA"),
            agreement("Y3", "USA;JPN", "SPACE"),
            agreement("Z1", "USA;KOR", "HYP"),  # in no pair: in no cluster
            agreement("Z2", "USA;KOR;JPN", "DE"),
        ],
    )
    return graph


def test_duplicate_clusters_join_chains_and_rank_by_size(clustered: Graph) -> None:
    assert ("C1", "C3") not in {(r["agreement_a"], r["agreement_b"]) for r in run(clustered, "duplicates")}
    assert run(clustered, "duplicate-clusters") == [
        {
            "cluster": 1,
            "agreements": ["C1", "C2", "C3"],
            "titles": ["Agreement C1", "Agreement C2", "Agreement C3"],
            "size": 3,
            "parties": ["FRA", "GBR", "USA"],
            "technologies": ["ML", "QC"],
            "components": ["ARMY", "NAVY"],
            "cross_component": True,
            "same_type": True,
        },
        {
            "cluster": 2,
            "agreements": ["Y1", "Y2", "Y3"],
            "titles": ["Agreement Y1", "Agreement Y2", "Agreement Y3"],
            "size": 3,
            "parties": ["JPN", "USA"],
            "technologies": ["SPACE"],
            "components": [],
            "cross_component": False,
            "same_type": False,
        },
    ]


def test_a_cluster_keeps_the_broader_side_of_a_pair(graph: Graph) -> None:
    """W1's AI overlaps W2's ML only through ML: the overlap is W2's, yet W1 is in the cluster."""
    load(
        graph,
        technologies=TECHS,
        agreements=[agreement("W1", "USA;CAN", "AI"), agreement("W2", "USA;CAN", "ML")],
    )
    rows = run(graph, "duplicate-clusters")
    assert [(r["agreements"], r["technologies"]) for r in rows] == [(["W1", "W2"], ["ML"])]


def test_same_type_only_splits_a_cluster(clustered: Graph) -> None:
    every = [r["agreements"] for r in run(clustered, "duplicate-clusters")]  # asked first: kept on the index
    rows = run(clustered, "duplicate-clusters", same_type_only="true")
    assert [(r["agreements"], r["same_type"]) for r in rows] == [
        (["C1", "C2", "C3"], True),
        (["Y1", "Y3"], True),  # Y2, an IEA, pairs only with PAs
    ]
    assert every == [["C1", "C2", "C3"], ["Y1", "Y2", "Y3"]]
    assert [r["agreements"] for r in run(clustered, "duplicate-clusters")] == every  # each kept apart


# ---------------------------------------------------------------- exclusionary-consortia
def test_exclusionary_consortia(graph: Graph) -> None:
    forums = [
        {"id": "ALL", "name": "Alliance", "kind": "alliance", "covers": "AI"},
        {
            "id": "ALL-Q",
            "name": "Alliance quantum group",
            "kind": "group",
            "parent": "ALL",
            "covers": "QC",
        },
        {"id": "OTHER", "name": "Other", "kind": "multilateral", "covers": "DE"},
    ]
    members = [
        {"forum": "ALL", "nation": n, "role": "member", "since": "2000-01-01"}
        for n in ("USA", "GBR", "FRA", "DEU")
    ]
    members += [
        {
            "forum": "ALL",
            "nation": "CAN",
            "role": "member",
            "since": "2000-01-01",
            "until": "2020-12-31",
        },
        {"forum": "ALL", "nation": "JPN", "role": "partner", "since": "2000-01-01"},
        {"forum": "ALL", "nation": "ITA", "role": "member", "since": "2026-01-01"},
        {"forum": "OTHER", "nation": "USA"},
        {"forum": "OTHER", "nation": "GBR"},
    ]
    load(
        graph,
        technologies=TECHS,
        forums=forums,
        memberships=members,
        agreements=[
            agreement("X1", "USA;GBR;FRA", "ML"),
            agreement("X2", "USA;GBR;FRA", "QC"),
            agreement("X3", "USA;GBR;FRA", "ML", forum="ALL-Q"),  # under a sub-forum's auspices
            agreement("X5", "USA;GBR;FRA;DEU", "AI", forum="ALL", type="FRAMEWORK"),
            agreement("X4", "USA;GBR;FRA", "AI", parent="X5"),  # under a parent that is under ALL
            agreement("X6", "USA;GBR", "AI"),  # bilateral
            agreement("X7", "USA;GBR;JPN", "AI"),  # a partner is not a member
            agreement("X8", "USA;GBR;CAN", "AI"),  # CAN's membership ended
            agreement("X9", "USA;GBR;FRA;DEU", "AI"),  # leaves no member out
            agreement("X10", "USA;GBR;FRA", "AI", end="2020-01-01"),  # expired
            agreement("X11", "USA;GBR;FRA", "DE"),  # ALL does not cover DE; FRA not in OTHER
        ],
    )
    assert run(graph, "exclusionary-consortia") == [
        {
            "agreement": "X1",
            "forum": "ALL",
            "technologies": ["ML"],
            "parties": ["FRA", "GBR", "USA"],
            "excluded": ["DEU"],
            "also": [],
        },
        {
            "agreement": "X2",
            "forum": "ALL",
            "technologies": ["QC"],
            "parties": ["FRA", "GBR", "USA"],
            "excluded": ["DEU"],
            "also": [],
        },
    ]
    later = run(graph, "exclusionary-consortia", as_of="2026-06-01")  # ITA joined on 2026-01-01
    assert [r["excluded"] for r in later if r["agreement"] == "X1"] == [["DEU", "ITA"]]


def test_a_forum_chain_with_one_excluded_set_is_one_row(graph: Graph) -> None:
    """NATO-like chain: a panel in an organisation in an alliance. Same excluded set: one row, the
    narrowest, with `also`; a different excluded set stays its own row."""
    forums = [
        {"id": "ALL", "name": "Alliance", "kind": "alliance", "covers": "AI"},
        {"id": "ORG", "name": "S&T organisation", "kind": "group", "parent": "ALL", "covers": "AI"},
        {"id": "PNL", "name": "Panel", "kind": "group", "parent": "ORG", "covers": "ML"},
    ]
    members = [{"forum": f, "nation": n} for f in ("ALL", "ORG") for n in ("USA", "GBR", "FRA", "DEU")]
    members += [{"forum": "PNL", "nation": n} for n in ("USA", "GBR", "FRA", "DEU", "NOR")]
    load(
        graph,
        technologies=TECHS,
        forums=forums,
        memberships=members,
        agreements=[agreement("K1", "USA;GBR;FRA", "ML"), agreement("K2", "USA;GBR;FRA", "AI")],
    )
    rows = [
        (r["agreement"], r["forum"], r["excluded"], r["also"]) for r in run(graph, "exclusionary-consortia")
    ]
    assert rows == [
        ("K1", "ORG", ["DEU"], ["ALL"]),  # the panel also leaves NOR out: a different set, its own row
        ("K1", "PNL", ["DEU", "NOR"], []),
        ("K2", "ORG", ["DEU"], ["ALL"]),  # the panel does not cover AI itself
    ]


# ---------------------------------------------------------------- collaborations
@pytest.fixture
def collab_graph(graph: Graph) -> Graph:
    load(
        graph,
        technologies=TECHS,
        components=COMPONENTS,
        agreements=[
            agreement("C1", "USA;GBR", "ML", lead_component="ARMY"),
            agreement("C2", "USA;GBR;JPN", "AI", lead_component="NAVY"),
            agreement("C3", "USA;JPN", "QC", end="2020-01-01"),
        ],
    )
    return graph


def test_partners_with_and_without_filters(collab_graph: Graph) -> None:
    load(collab_graph, agreements=[agreement("C4", "GBR;USA", "QC")])

    def pairs(**params: str) -> list[tuple[str, str, list[str], list[str], int]]:
        rows = run(collab_graph, "partners", **params)
        return [(r["nation_a"], r["nation_b"], r["technologies"], r["agreements"], r["count"]) for r in rows]

    assert pairs() == [
        ("GBR", "JPN", ["AI"], ["C2"], 1),
        ("GBR", "USA", ["AI", "ML", "QC"], ["C1", "C2", "C4"], 3),
        ("JPN", "USA", ["AI"], ["C2"], 1),  # C3 (QC) expired in 2020: not counted
    ]
    assert pairs(nation="JPN") == [("GBR", "JPN", ["AI"], ["C2"], 1), ("JPN", "USA", ["AI"], ["C2"], 1)]
    assert pairs(technology="NLP") == [  # ML and AI lie above NLP; QC is unrelated
        ("GBR", "JPN", ["AI"], ["C2"], 1),
        ("GBR", "USA", ["AI", "ML"], ["C1", "C2"], 2),
        ("JPN", "USA", ["AI"], ["C2"], 1),
    ]
    assert pairs(nation="GBR", technology="QC") == [("GBR", "USA", ["QC"], ["C4"], 1)]
    assert pairs(technology="DE") == []


def values(agreement_id: str, **given: tuple[float | None, float | None]) -> list[dict[str, Any]]:
    """parties rows: nation -> (contribution_value, benefit_value), None left empty."""
    return [
        {"agreement": agreement_id, "nation": n}
        | ({"contribution_value": c} if c is not None else {})
        | ({"benefit_value": b} if b is not None else {})
        for n, (c, b) in given.items()
    ]


def test_equitability(graph: Graph) -> None:
    load(
        graph,
        technologies=TECHS,
        agreements=[
            agreement("E1", "USA;GBR;FRA", "AI"),
            agreement("E2", "USA;JPN", "AI"),
            agreement("E3", "USA;CAN", "AI"),
            agreement("E4", "USA;KOR", "AI"),
            agreement("E5", "USA;AUS", "AI"),
            agreement("E6", "USA;NOR", "AI", end="2020-01-01"),  # expired: not assessed at all
        ],
        parties=values("E1", USA=(60, 50), GBR=(30, 30), FRA=(10, 20))
        + values("E2", USA=(10, 9), JPN=(0, 1))  # JPN gives nothing but receives
        + values("E3", USA=(5, 5), CAN=(5, None))  # CAN's benefit missing: the whole agreement unassessed
        + values("E4", USA=(0, 3), KOR=(0, 2))  # no contributions at all: unassessed
        + values("E5", USA=(50, 20), AUS=(50, 80))
        + values("E6", USA=(1, 1), NOR=(1, 9)),
    )
    rows = run(graph, "equitability")
    got = [
        (r["agreement"], r["nation"], r["contribution_share"], r["benefit_share"], r["ratio"], r["verdict"])
        for r in rows
    ]
    assert got == [
        ("E1", "FRA", 0.1, 0.2, 2.0, "over_benefits"),
        ("E1", "GBR", 0.3, 0.3, 1.0, "equitable"),
        ("E1", "USA", 0.6, 0.5, 0.8333, "equitable"),  # 1/1.25 = 0.8 <= 0.8333
        ("E2", "JPN", 0.0, 0.1, None, "over_benefits"),
        ("E2", "USA", 1.0, 0.9, 0.9, "equitable"),
        ("E3", "CAN", None, None, None, "unassessed"),
        ("E3", "USA", None, None, None, "unassessed"),
        ("E4", "KOR", None, None, None, "unassessed"),
        ("E4", "USA", None, None, None, "unassessed"),
        ("E5", "AUS", 0.5, 0.8, 1.6, "over_benefits"),
        ("E5", "USA", 0.5, 0.2, 0.4, "under_benefits"),
    ]
    from queries.equity import shares

    day = analysis("equitability").bind({"as_of": AS_OF})["as_of"]
    for agreement_id in ("E1", "E2", "E3"):  # the agreement page's answer is the analysis's rows
        assert shares(graph, agreement_id, day) == [r for r in rows if r["agreement"] == agreement_id]
    assert shares(graph, "E6", day) == []  # expired
    strict = run(graph, "equitability", tolerance="0.1")
    assert [r["verdict"] for r in strict if r["agreement"] == "E2"] == [
        "over_benefits",
        "under_benefits",
    ]  # 0.9 < 1/1.1
    loose = run(graph, "equitability", tolerance="1.5")
    assert {r["verdict"] for r in loose if r["agreement"] == "E5"} == {"equitable"}


def test_contribution_values_are_numbers_of_zero_or_more(graph: Graph) -> None:
    load(graph, technologies=TECHS, agreements=[agreement("V1", "USA;GBR", "AI")])
    bad = [{"agreement": "V1", "nation": "USA", "contribution_value": "-1", "benefit_value": "lots"}]
    with pytest.raises(ValidationError) as failed:
        load(graph, parties=bad)
    assert failed.value.problems == [
        "fixture#parties:1:contribution_value: -1 is negative; values are 0 or more",
        "fixture#parties:1:benefit_value: 'lots' is not a number",
    ]


def test_collaborations(collab_graph: Graph) -> None:
    rows = run(collab_graph, "collaborations")
    assert [(r["nation"], r["technology"], r["agreements"], r["count"]) for r in rows] == [
        ("GBR", "AI", ["C2"], 1),
        ("GBR", "ML", ["C1"], 1),
        ("JPN", "AI", ["C2"], 1),
        ("USA", "AI", ["C2"], 1),
        ("USA", "ML", ["C1"], 1),
    ]


def test_collaborations_filters(collab_graph: Graph) -> None:
    def pairs(**p: str) -> list[tuple[str, str]]:
        return [(r["nation"], r["technology"]) for r in run(collab_graph, "collaborations", **p)]

    assert pairs(nation="Japan") == [("JPN", "AI")]
    assert pairs(technology="ML") == [("GBR", "ML"), ("USA", "ML")]
    assert pairs(technology="AI") == [
        ("GBR", "AI"),
        ("GBR", "ML"),
        ("JPN", "AI"),
        ("USA", "AI"),
        ("USA", "ML"),
    ]
    assert pairs(component="ARMY") == [("GBR", "ML"), ("USA", "ML")]
    assert pairs(nation="JPN", as_of="2019-01-01") == [
        ("JPN", "AI"),
        ("JPN", "QC"),
    ]  # C3 still active


# ---------------------------------------------------------------- expiring
def test_expiring(graph: Graph) -> None:
    load(
        graph,
        technologies=[
            *TECHS,
            {"id": "EW", "name": "Electronic warfare", "priority": 2},
            {"id": "CY", "name": "Cyber", "priority": 2},
            {"id": "UW", "name": "Undersea warfare", "priority": 2},
        ],
        agreements=[
            agreement("E1", "USA;GBR", "ML", end="2025-03-01"),
            agreement("E2", "USA;JPN", "AI", end="2025-02-01"),
            agreement("E3", "USA;FRA", "QC", end="2025-12-31"),  # outside the window
            agreement("E4", "USA;FRA", "QC", end="2024-12-31"),  # already expired
            agreement("E5", "USA;FRA", "QC", end="2025-04-01"),
            agreement("E6", "USA;FRA", "QC"),  # open-ended: QC is covered through the whole window
            agreement("E9", "USA;GBR", "SPACE", end="2025-03-01"),
            agreement("E10", "USA;GBR", "SPACE", start="2024-01-01", end="2025-02-15"),  # gone before E9 ends
            agreement("E11", "USA;GBR", "DE", end="2025-03-01"),
            agreement("E12", "USA;GBR", "DE", start="2025-06-01"),  # starts inside the window, too late
            agreement("E13", "USA;GBR", "EW", end="2025-03-02"),  # still there the day after E14 ends
            agreement("E14", "USA;GBR", "EW", end="2025-03-01"),
            agreement("E15", "USA;GBR", "CY", end="2025-06-30"),  # both end on the window's last day
            agreement("E16", "USA;GBR", "CY", end="2025-06-30"),
            agreement("E17", "USA;GBR", "UW", end="2025-03-01"),
            agreement("E18", "USA;GBR", "UW", start="2025-03-02"),  # takes over the day after E17 ends
        ],
    )
    rows = run(graph, "expiring", within_days="180")
    assert [
        (
            r["agreement"],
            r["end"],
            r["days_left"],
            r["parties"],
            r["technologies"],
            r["would_be_gaps"],
        )
        for r in rows
    ] == [
        ("E2", "2025-02-01", 31, ["JPN", "USA"], ["AI"], []),
        ("E10", "2025-02-15", 45, ["GBR", "USA"], ["SPACE"], []),
        ("E1", "2025-03-01", 59, ["GBR", "USA"], ["ML"], ["AI", "ML"]),
        ("E11", "2025-03-01", 59, ["GBR", "USA"], ["DE"], ["DE"]),
        ("E14", "2025-03-01", 59, ["GBR", "USA"], ["EW"], []),
        ("E17", "2025-03-01", 59, ["GBR", "USA"], ["UW"], []),
        ("E9", "2025-03-01", 59, ["GBR", "USA"], ["SPACE"], ["SPACE"]),
        ("E13", "2025-03-02", 60, ["GBR", "USA"], ["EW"], ["EW"]),
        ("E5", "2025-04-01", 90, ["FRA", "USA"], ["QC"], []),
        ("E15", "2025-06-30", 180, ["GBR", "USA"], ["CY"], ["CY"]),
        ("E16", "2025-06-30", 180, ["GBR", "USA"], ["CY"], ["CY"]),
    ]
    assert [r["agreement"] for r in run(graph, "expiring", within_days="40")] == ["E2"]


# ---------------------------------------------------------------- parameters
def test_unknown_parameter_and_bad_values_are_errors(graph: Graph) -> None:
    with pytest.raises(ParameterError, match="has no parameter colour"):
        run(graph, "coverage-gaps", colour="red")
    with pytest.raises(ParameterError, match="not a date"):
        run(graph, "coverage-gaps", as_of="2025-02-30")
    with pytest.raises(NotFoundError) as info:
        run(graph, "coverage-gaps", nation="Untied Kingdom")
    assert "United Kingdom" in info.value.suggestions
    with pytest.raises(NotFoundError):
        analysis("coverage-gap")
