"""The change log of ingest runs: exactly what a run changed, with old and new values, and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

from graph.connection import Graph
from ingest import history
from ingest.pipeline import runs
from tests.fixtures import count, load

NATIONS = [{"code": c, "name": c} for c in ("AUS", "GBR", "USA", "CAN")]
TECHS = [{"id": t, "name": t} for t in ("T1", "T2", "T3")]


def _tables(**changes: Any) -> dict[str, list[dict[str, Any]]]:
    """A small portfolio; keyword arguments replace a table."""
    base: dict[str, list[dict[str, Any]]] = {
        "nations": NATIONS,
        "technologies": TECHS,
        "forums": [{"id": "F", "name": "Forum", "kind": "multilateral", "covers": "T1"}],
        "memberships": [
            {"forum": "F", "nation": n, "role": "member", "since": "2010-01-01"}
            for n in ("AUS", "GBR", "USA")
        ],
        "agreements": [
            {
                "id": "A1",
                "title": "Sensors",
                "type": "PA",
                "start": "2020-01-01",
                "end": "2027-12-31",
                "parties": "AUS;GBR;USA",
                "technologies": "T1",
            },
            {
                "id": "A2",
                "title": "Radar",
                "type": "PA",
                "start": "2021-01-01",
                "parties": "AUS;GBR",
                "technologies": "T3",
            },
        ],
    }
    return base | changes


def _run(graph: Graph) -> str:
    """The newest run's id."""
    return str(runs(graph)[0]["id"])


def _short(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows without the run id, for exact comparison."""
    return [tuple(r[c] for c in history.COLUMNS[1:]) for r in rows]


def test_a_run_records_exactly_what_it_changed(graph: Graph) -> None:
    load(graph, **_tables())
    first = _run(graph)
    changed = _tables()
    a1 = changed["agreements"][0] | {"end": "2026-06-30", "parties": "AUS;USA", "technologies": "T1;T2"}
    changed["agreements"] = [a1, changed["agreements"][1]]
    changed["memberships"] = changed["memberships"][:2]  # USA leaves the forum
    load(graph, **changed)
    run = _run(graph)
    assert run != first
    assert _short(history.rows(graph, run)) == [
        ("agreements", "A1", "updated", "end", None, "2027-12-31", "2026-06-30"),
        ("agreements", "A1", "removed", "parties", "GBR", None, None),
        ("agreements", "A1", "added", "technologies", "T2", None, None),
        ("forums", "F", "removed", "members", "USA", None, None),
    ]
    # The first run recorded each entity it added, by key only; ISO nations are not involved here.
    added = {(r["table"], r["key"]) for r in history.rows(graph, first)}
    assert ("agreements", "A1") in added and ("forums", "F") in added and ("nations", "CAN") in added
    assert {r["change"] for r in history.rows(graph, first)} == {"added"}


def test_changed_relationship_properties_and_sources_are_recorded(graph: Graph) -> None:
    load(graph, **_tables())
    changed = _tables()
    changed["memberships"] = [
        m | {"role": "observer"} if m["nation"] == "GBR" else m for m in changed["memberships"]
    ]
    changed["agreements"] = [
        changed["agreements"][0] | {"source": "MOU text, art. 3"},
        changed["agreements"][1],
    ]
    load(graph, **changed)
    assert _short(history.rows(graph, _run(graph))) == [
        ("agreements", "A1", "updated", "source", None, None, "MOU text, art. 3"),
        ("forums", "F", "updated", "members.role", "GBR", "member", "observer"),
    ]


def test_an_identical_reingest_records_nothing(graph: Graph) -> None:
    load(graph, **_tables())
    before = count(graph, "(c:Change)")
    summary = load(graph, **_tables())
    assert summary.changed == 0
    assert count(graph, "(c:Change)") == before


def test_a_row_that_only_moved_in_the_file_is_not_a_change(graph: Graph) -> None:
    load(graph, **_tables())
    before = count(graph, "(c:Change)")
    moved = _tables()
    moved["agreements"] = list(reversed(moved["agreements"]))  # same rows, other lines: provenance differs
    summary = load(graph, **moved)
    assert summary.counts["agreements"]["updated"] == 2  # rewritten, since their provenance moved
    assert count(graph, "(c:Change)") == before


def test_planning_rows_record_added_removed_and_changed_values(graph: Graph) -> None:
    load(graph, **_tables(), components=[{"id": "C1", "name": "Navy"}])
    load(
        graph,
        strengths=[
            {"nation": "GBR", "technology": "T1", "strength": 3},
            {"nation": "GBR", "technology": "T3", "strength": 2},
        ],
    )
    load(
        graph,
        strengths=[
            {"nation": "GBR", "technology": "T1", "strength": 2},
            {"nation": "GBR", "technology": "T2", "strength": 1},
        ],
    )
    assert _short(history.rows(graph, _run(graph))) == [
        ("strengths", "GBR", "added", "strengths", "T2", None, None),
        ("strengths", "GBR", "removed", "strengths", "T3", None, None),
        ("strengths", "GBR", "updated", "strengths.strength", "T1", 3, 2),
    ]
    gbr = history.of_entity(graph, "nations", "GBR")  # a nation's page shows its strengths' changes too
    assert {r["table"] for r in gbr} == {"nations", "strengths"}


def test_history_of_one_entity_and_since_a_day(graph: Graph) -> None:
    load(graph, **_tables())
    changed = _tables()
    changed["agreements"] = [changed["agreements"][0] | {"end": "2026-06-30"}, changed["agreements"][1]]
    load(graph, **changed)
    rows = history.of_entity(graph, "agreements", "A1")
    assert [(r["change"], r["field"], r["before"], r["after"]) for r in rows] == [
        ("added", None, None, None),
        ("updated", "end", "2027-12-31", "2026-06-30"),
    ]
    assert history.rows(graph, since=dt.date.today() + dt.timedelta(days=1)) == []
    assert len(history.rows(graph, since=dt.date.today())) == len(history.rows(graph))
