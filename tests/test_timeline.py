"""portfolio-changes and findings-delta on a hand-made portfolio, with what must not be reported."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.connection import Graph
from graph.errors import ParameterError
from graph.settings import Settings
from queries.analysis import analysis
from queries.timeline import day_after, effects
from tests.fixtures import load

FROM, TO = "2022-01-01", "2024-01-01"


def _agreement(id_: str, start: str, end: str | None, parties: str, techs: str) -> dict[str, Any]:
    """One PA row."""
    return {
        "id": id_,
        "title": id_,
        "type": "PA",
        "start": start,
        "end": end,
        "parties": parties,
        "technologies": techs,
    }


def _load(graph: Graph) -> None:
    """A: active throughout; B ends and C starts inside the window; D starts and ends inside it (never
    reported); E overlaps B before and C after. CAN leaves F; NZL joins G; JPN is in F only inside the window."""
    load(
        graph,
        nations=[{"code": c, "name": c} for c in ("AUS", "GBR", "USA", "CAN", "NZL", "JPN")],
        technologies=[
            {"id": "T1", "name": "T1", "priority": 1},
            {"id": "T2", "name": "T2"},
            {"id": "T3", "name": "T3", "priority": 1},
            {"id": "T4", "name": "T4", "priority": 1},
        ],
        forums=[
            {"id": "F", "name": "F", "kind": "multilateral", "covers": "T1"},
            {"id": "G", "name": "G", "kind": "multilateral", "covers": "T3"},
        ],
        memberships=[
            *(
                {"forum": "F", "nation": n, "role": "member", "since": "2010-01-01"}
                for n in ("AUS", "GBR", "USA")
            ),
            {"forum": "F", "nation": "CAN", "role": "member", "since": "2010-01-01", "until": "2023-06-30"},
            {"forum": "F", "nation": "JPN", "role": "observer", "since": "2022-02-01", "until": "2022-05-01"},
            {"forum": "G", "nation": "NZL", "role": "member", "since": "2022-06-01"},
        ],
        agreements=[
            _agreement("A", "2018-01-01", None, "AUS;GBR;USA", "T1"),
            _agreement("B", "2019-01-01", "2022-12-31", "AUS;GBR", "T2;T3"),
            _agreement("C", "2023-01-01", None, "AUS;GBR", "T2;T4"),
            _agreement("D", "2022-03-01", "2022-09-30", "AUS;GBR", "T1"),
            _agreement("E", "2021-01-01", None, "AUS;GBR", "T2"),
        ],
        restrictions=[
            {"id": "R1", "kind": "POLICY", "effect": "review", "nations": "CAN", "effective": "2023-01-01"},
            {"id": "R2", "kind": "POLICY", "effect": "review", "nations": "NZL", "until": "2022-12-31"},
            {
                "id": "R3",
                "kind": "POLICY",
                "effect": "review",
                "nations": "JPN",
                "effective": "2022-02-01",
                "until": "2022-03-01",
            },
        ],
        exemptions=[
            {"id": "X1", "citation": "x", "nations": "CAN", "overrides": "R1", "effective": "2023-05-01"}
        ],
    )


def _rows(graph: Graph, name: str, **params: Any) -> list[tuple[str, str, str]]:
    """An analysis's rows as tuples."""
    rows = analysis(name).run(graph, {"from": FROM, "to": TO} | params)
    assert isinstance(rows, list)
    return [tuple(r.values()) for r in rows]  # type: ignore[misc]


def test_portfolio_changes_compares_the_two_dates_only(graph: Graph) -> None:
    _load(graph)
    assert _rows(graph, "portfolio-changes") == [
        ("agreement", "B", "ended"),
        ("agreement", "C", "started"),
        ("exemption", "X1", "in_force"),
        ("membership", "F/CAN/member", "left"),
        ("membership", "G/NZL/member", "joined"),
        ("restriction", "R1", "in_force"),
        ("restriction", "R2", "lapsed"),
    ]  # not D, not JPN's observer seat, not R3: each began and ended inside the window


def test_findings_delta_reports_appeared_and_disappeared_findings(graph: Graph) -> None:
    _load(graph)
    assert _rows(graph, "findings-delta") == [
        ("coverage-gaps", "T3", "appeared"),  # B ended and nothing else covers T3
        ("coverage-gaps", "T4", "disappeared"),  # C started
        ("duplicates", "B|E", "disappeared"),
        ("duplicates", "C|E", "appeared"),
        ("exclusionary-consortia", "A|F", "disappeared"),  # CAN, the one member A left out, left F
    ]  # D|A was a duplicate only inside the window: not reported


def test_a_duplicate_pair_of_both_dates_is_not_reported_whichever_side_changes(graph: Graph) -> None:
    """P|Q pairs at both dates; R joins both as a duplicate (equal parties with Q, nested in P's); S pairs
    with P until it ends; U starts with every party of P, Q and R and more (the new side is the larger);
    W is deliberately redundant, so never a duplicate. X's rarest party, CAN, is one of U's, yet X is no
    duplicate of U (NZL); Y only makes NZL as common as CAN."""
    load(
        graph,
        nations=[{"code": c, "name": c} for c in ("AUS", "GBR", "USA", "CAN", "NZL", "JPN")],
        technologies=[{"id": "T1", "name": "T1"}],
        agreements=[
            _agreement("P", "2018-01-01", None, "AUS;GBR;USA", "T1"),
            _agreement("Q", "2018-01-01", None, "AUS;GBR", "T1"),
            _agreement("R", "2023-01-01", None, "AUS;GBR", "T1"),
            _agreement("S", "2018-01-01", "2022-12-31", "GBR;USA", "T1"),
            _agreement("U", "2023-01-01", None, "AUS;CAN;GBR;USA", "T1"),
            _agreement("W", "2023-01-01", None, "AUS;GBR", "T1") | {"deliberate_redundancy": "true"},
            _agreement("X", "2018-01-01", None, "CAN;NZL", "T1"),
            _agreement("Y", "2018-01-01", None, "JPN;NZL", "T1"),
        ],
    )
    assert [r for r in _rows(graph, "findings-delta") if r[0] == "duplicates"] == [
        ("duplicates", "P|R", "appeared"),
        ("duplicates", "P|S", "disappeared"),
        ("duplicates", "P|U", "appeared"),
        ("duplicates", "Q|R", "appeared"),
        ("duplicates", "Q|U", "appeared"),
        ("duplicates", "R|U", "appeared"),
    ]  # not P|Q: a duplicate at both dates; nothing of W; not U|X


def test_the_same_date_twice_changes_nothing(graph: Graph) -> None:
    _load(graph)
    assert _rows(graph, "portfolio-changes", to=FROM) == []
    assert _rows(graph, "findings-delta", to=FROM) == []


def test_a_window_that_runs_backwards_is_refused(graph: Graph) -> None:
    _load(graph)
    with pytest.raises(ParameterError, match="after"):
        analysis("findings-delta").run(graph, {"from": TO, "to": FROM})


def test_from_defaults_to_a_year_ago() -> None:
    found = analysis("portfolio-changes").bind({})
    today = dt.date.today()
    assert found["to"] == today and found["from"].year == today.year - 1


def test_an_expiry_opens_gaps_and_closes_its_own_duplicates_only(graph: Graph) -> None:
    _load(graph)
    end = dt.date(2022, 12, 31)  # B's last day; C starts the next day
    after = day_after(graph, [end])[end]
    assert effects("B", after) == {"opens": ["gap T3"], "closes": ["duplicate B|E"]}
    assert effects("A", after) == {
        "opens": ["gap T3"],
        "closes": [],
    }  # C|E appeared from C's start: not charged


def test_the_expiring_page_shows_what_each_expiry_opens_and_closes(graph: Graph, tmp_path: Path) -> None:
    _load(graph)
    settings = Settings.from_env().with_(data_dir=tmp_path, api_keys=None, api_keys_file=None, audit_log=None)
    with TestClient(create_app(settings, graph), base_url="http://127.0.0.1:8000") as client:
        html = client.get("/analyses/expiring?as_of=2022-06-01&within_days=365").text
    rows = {
        cells[0].split()[0]: cells[-2:]  # the agreement id (its title is beside it)
        for cells in (
            [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S)
        )
        if cells
    }
    assert rows["D"] == ["none", "duplicate A|D"]
    assert rows["B"] == ["gap T3", "duplicate B|E"]
