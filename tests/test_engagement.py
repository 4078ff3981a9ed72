"""Engagement planning on a hand-computed table: the formula, ranks and ties, the denial, scales, delta signs."""

from __future__ import annotations

from typing import Any

import pytest

from graph.connection import Graph
from graph.errors import ValidationError
from queries.analysis import analysis
from tests.fixtures import count, load

AS_OF = "2025-01-01"
TECHS = [
    {"id": "AI", "name": "AI"},
    {"id": "ML", "name": "Machine learning", "broader": "AI"},
    {"id": "QC", "name": "Quantum"},
    {"id": "HYP", "name": "Hypersonics"},
]
NEEDS = [
    {"component": "ARMY", "technology": "AI", "priority": "3", "programs": "0"},  # programs 0 counts as 1
    {"component": "ARMY", "technology": "QC", "priority": "2", "programs": "2"},
    {"component": "NAVY", "technology": "AI", "priority": "1", "programs": "1"},
    {"component": "NAVY", "technology": "HYP", "priority": "3", "programs": "3"},
]
FACTORS = [
    {"nation": "GBR", "regional_priority": "3", "cooperative_potential": "3"},
    {"nation": "Japan", "regional_priority": "2", "cooperative_potential": "3"},
    {"nation": "CHN", "regional_priority": "1", "cooperative_potential": "1"},
    {"nation": "FRA", "regional_priority": "1", "cooperative_potential": "2"},
]
STRENGTHS = [
    {"nation": n, "technology": t, "strength": str(s)}
    for n, t, s in [
        ("GBR", "AI", 3),
        ("GBR", "QC", 2),
        ("JPN", "AI", 2),
        ("JPN", "HYP", 3),
        ("CHN", "AI", 3),
        ("FRA", "QC", 3),
        ("FRA", "AI", 1),
    ]
]


def agreement(id_: str, parties: str, techs: str, **extra: str) -> dict[str, str]:
    return {
        "id": id_,
        "title": id_,
        "type": "PA",
        "parties": parties,
        "technologies": techs,
        "start": "2015-01-01",
    } | extra


@pytest.fixture
def world(graph: Graph) -> Graph:
    load(
        graph,
        technologies=TECHS,
        components=[{"id": "ARMY", "name": "Army"}, {"id": "NAVY", "name": "Navy"}],
        agreements=[
            agreement("E1", "USA;GBR", "ML", depth="5"),
            agreement("E2", "USA;JPN", "HYP", depth="2"),
            agreement("E3", "USA;FRA", "QC"),  # no depth: counts 1
            agreement("E4", "USA;GBR;FRA", "QC", depth="4", end="2020-01-01"),  # expired
        ],
        restrictions=[
            {
                "id": "DENY-CHN",
                "kind": "ITAR_126_1",
                "effect": "deny",
                "citation": "22 CFR 126.1",
                "nations": "CHN",
            }
        ],
        needs=NEEDS,
        strengths=STRENGTHS,
        nation_factors=FACTORS,
    )
    return graph


def run(graph: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    return analysis(name).run(graph, {"as_of": AS_OF, **params})  # type: ignore[return-value]


def test_priorities_by_hand(world: Graph) -> None:
    rows = run(world, "engagement-priorities")
    got = [
        (r["rank"], r["component"], r["nation"], r["technology"], r["score"])
        for r in rows
        if r["note"] is None
    ]
    assert got == [
        (1, "ARMY", "GBR", "AI", 81.0),  # (3 / max(0, 1)) x (3 x 3) x 3
        (2, "ARMY", "JPN", "AI", 36.0),  # 3 x (2 x 3) x 2
        (3, "NAVY", "GBR", "AI", 27.0),  # (1 / 1) x 9 x 3
        (4, "ARMY", "GBR", "QC", 18.0),  # (2 / 2) x 9 x 2
        (4, "NAVY", "JPN", "HYP", 18.0),  # (3 / 3) x 6 x 3: a tie shares rank 4
        (6, "NAVY", "JPN", "AI", 12.0),
        (7, "ARMY", "FRA", "AI", 6.0),
        (7, "ARMY", "FRA", "QC", 6.0),
        (9, "NAVY", "FRA", "AI", 2.0),
    ]
    skipped = [r for r in rows if r["note"]]
    assert [(r["nation"], r["score"], r["rank"]) for r in skipped] == [("CHN", None, None)]
    assert skipped[0]["note"] == "skipped: under an ITAR 126.1 denial (22 CFR 126.1)"
    assert not any(r["nation"] == "JPN" and r["technology"] == "QC" for r in rows)  # no strength: no cell


def test_priorities_filters(world: Graph) -> None:
    assert {r["component"] for r in run(world, "engagement-priorities", component="NAVY")} == {"NAVY", None}
    japan = run(world, "engagement-priorities", nation="Japan")
    assert [(r["component"], r["technology"], r["rank"]) for r in japan] == [
        ("ARMY", "AI", 1),
        ("NAVY", "HYP", 2),
        ("NAVY", "AI", 3),
    ]


def test_priorities_follow_a_new_ingest_of_the_planning_tables(world: Graph) -> None:
    """Needs, strengths and factors are read once per graph version: a write must be seen at once."""

    def score() -> float:
        [cell] = [
            r
            for r in run(world, "engagement-priorities", component="ARMY", nation="GBR")
            if r["technology"] == "AI"
        ]
        return cell["score"]  # type: ignore[no-any-return]

    assert score() == 81.0
    load(world, strengths=[{**s, "strength": "1"} if s["nation"] == "GBR" else s for s in STRENGTHS])
    assert score() == 27.0  # 3 x (3 x 3) x 1
    load(world, needs=[{**NEEDS[0], "programs": "3"}, *NEEDS[1:]])
    assert score() == 9.0  # (3 / 3) x 9 x 1


def test_delta_scales_and_signs(world: Graph) -> None:
    rows = run(world, "engagement-delta")
    assert [
        (r["component"], r["nation"], r["technology"], r["priority"], r["engagement"], r["delta"], r["kind"])
        for r in rows
    ] == [
        ("ARMY", "JPN", "AI", 0.444, 0.0, -0.444, "shortfall"),  # 36 / 81, nothing with Japan on AI
        ("ARMY", "GBR", "QC", 0.222, 0.0, -0.222, "shortfall"),  # the GBR QC agreement expired
        ("NAVY", "GBR", "AI", 0.333, 1.0, 0.667, "surplus"),  # E1 on ML (under AI), depth 5 = the largest
        (None, "GBR", "ML", 0.0, 1.0, 1.0, "surplus"),  # engagement no component asked for
    ]
    everything = run(world, "engagement-delta", threshold="0")
    by_cell = {(r["component"], r["nation"], r["technology"]): r for r in everything}
    assert by_cell[("NAVY", "JPN", "HYP")]["delta"] == pytest.approx(0.4 - 0.222)  # depth 2 of 5
    assert by_cell[("ARMY", "FRA", "QC")]["engagement"] == 0.2  # no depth counts 1
    assert ("ARMY", "GBR", "AI") not in by_cell  # priority 1.0 = engagement 1.0: no delta
    assert all(r["nation"] != "CHN" for r in everything)


def test_planning_tables_are_validated(graph: Graph) -> None:
    load(graph, technologies=TECHS, components=[{"id": "ARMY", "name": "Army"}])
    with pytest.raises(ValidationError) as info:
        load(
            graph,
            needs=[
                {"component": "ARMY", "technology": "AI", "priority": "4", "programs": "0"},
                {"component": "NOPE", "technology": "AI", "priority": "1", "programs": "1"},
            ],
            nation_factors=[
                {"nation": "GBR", "regional_priority": "3", "cooperative_potential": "3"},
                {"nation": "United Kingdom", "regional_priority": "3", "cooperative_potential": "2"},
            ],
        )
    problems = info.value.problems
    # rows of in-memory (JSON) tables count from 1: there is no header row
    assert "fixture#needs:1:priority: 4 is outside 1..3" in problems
    assert "fixture#needs:2:component: component 'NOPE' is neither in the input nor in the graph" in problems
    assert (
        "fixture#nation_factors:2:cooperative_potential: cooperative_potential 2 for GBR conflicts with 3 at row 1"
        " (one value per nation, the same for every component)"
    ) in problems
    assert count(graph, "()-[r:NEEDS]->()") == 0


def test_planning_reingest_replaces_sets_and_changes_nothing_when_identical(world: Graph) -> None:
    again = load(world, needs=NEEDS, strengths=STRENGTHS, nation_factors=FACTORS)
    assert again.changed == 0
    fewer = load(
        world, needs=NEEDS[:1] + [{**NEEDS[1], "priority": "3"}]
    )  # ARMY keeps two needs, one changed
    assert fewer.counts["needs"] == {"unchanged": 1, "updated": 1}
    assert (
        count(world, "(:Component {id: 'NAVY'})-[:NEEDS]->()") == 2
    )  # an owner not in the input is left alone
    army_only = load(world, needs=[NEEDS[0]])
    assert army_only.counts["needs"] == {"unchanged": 1, "removed": 1}
    assert count(world, "(:Component {id: 'ARMY'})-[:NEEDS]->()") == 1


def test_heatmap_has_the_expected_rows_columns_and_marks(world: Graph) -> None:
    import datetime as dt
    import io

    from matplotlib.image import imread

    from api.heatmap import grid, heatmap

    g = grid(world, dt.date(2025, 1, 1), None)
    assert g.technologies == ["AI", "HYP", "QC"]  # by need priority (3, 3, 2), then id
    assert g.nations == ["GBR", "JPN", "FRA"]  # by regional priority; CHN (denied) left out
    svg = heatmap(world, dt.date(2025, 1, 1), "ARMY", "svg").decode()
    for label in ("AI", "QC", "GBR", "JPN", "FRA", "▼", "foreign S&amp;T strength"):
        assert label in svg, label
    assert "HYP" not in svg and "CHN" not in svg  # ARMY has no hypersonics need
    pixels = imread(io.BytesIO(heatmap(world, dt.date(2025, 1, 1), None, "png")))
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.05  # not blank
