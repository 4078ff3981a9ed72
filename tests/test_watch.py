"""Watches: saved questions that say exactly what changed in their answers, in the CLI, the API and the store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.connection import Graph
from graph.errors import NotFoundError, ParameterError
from graph.settings import Settings
from queries import watch
from tests.conftest import run_stkg
from tests.fixtures import load

BASE = "http://127.0.0.1:8000"


def _portfolio() -> dict[str, list[dict[str, Any]]]:
    """T2 is a gap; A1 and A2 duplicate each other; nothing restricts JPN."""
    return {
        "nations": [{"code": c, "name": c} for c in ("AUS", "GBR", "USA", "JPN")],
        "technologies": [
            {"id": "T1", "name": "T1", "priority": 1},
            {"id": "T2", "name": "T2", "priority": 1},
        ],
        "agreements": [
            {
                "id": f"A{i}",
                "title": f"A{i}",
                "type": "PA",
                "start": "2020-01-01",
                "parties": "AUS;GBR",
                "technologies": "T1",
            }
            for i in (1, 2)
        ],
    }


def _change() -> dict[str, list[dict[str, Any]]]:
    """Closes the T2 gap and denies T1 to JPN; the duplicate cluster is untouched."""
    return {
        "agreements": [
            {
                "id": "A3",
                "title": "A3",
                "type": "PA",
                "start": "2020-01-01",
                "parties": "AUS;USA",
                "technologies": "T2",
            }
        ],
        "restrictions": [
            {
                "id": "R1",
                "kind": "POLICY",
                "effect": "deny",
                "nations": "JPN",
                "technologies": "T1",
                "effective": "2000-01-01",
            }
        ],
    }


def _file(tmp: Path, name: str, tables: dict[str, Any]) -> str:
    """Tables as a JSON input file."""
    path = tmp / name
    path.write_text(json.dumps(tables), encoding="utf-8")
    return str(path)


@pytest.mark.slow
def test_watch_check_prints_exactly_the_changed_watches_and_exits_1(tmp_path: Path) -> None:
    db = tmp_path / "db"
    assert run_stkg("ingest", _file(tmp_path, "a.json", _portfolio()), data_dir=db).returncode == 0
    for args in (
        ("gaps", "coverage-gaps"),
        ("jpn-t1", "disclosure-trace", "--param", "nation=JPN", "--param", "technology=T1"),
        ("clusters", "duplicate-clusters"),
    ):
        added = run_stkg("watch", "add", *args, data_dir=db)
        assert added.returncode == 0, added.stderr
    first = run_stkg("watch", "check", data_dir=db)
    assert (first.returncode, first.stdout) == (0, "")
    ingested = run_stkg("ingest", _file(tmp_path, "b.json", _change()), data_dir=db)
    assert "2 watch(es) changed" in ingested.stderr  # the re-check after every ingest
    found = run_stkg("watch", "check", data_dir=db)
    assert found.returncode == 1, found.stderr
    lines = found.stdout.splitlines()
    assert [line for line in lines if not line.startswith(" ")] == [
        "gaps (w1, coverage-gaps): changed",
        "jpn-t1 (w2, disclosure-trace nation=JPN technology=T1): changed",
    ]
    assert "  - name=T2, priority=1, scheme=None, technology=T2" in lines
    assert any(line.startswith("  verdict: permitted -> denied") for line in lines), lines
    again = run_stkg("watch", "check", data_dir=db)
    assert (again.returncode, again.stdout) == (0, "")


def _store(tmp: Path) -> watch.Store:
    return watch.Store(tmp / "watches.json")


def test_an_entity_watch_reports_fields_before_and_after(graph: Graph, tmp_path: Path) -> None:
    load(graph, **_portfolio())
    store = _store(tmp_path)
    watch.add(graph, store, "local", "a1", watch.ENTITY, {"kind": "agreements", "key": "A1"})
    changed = _portfolio()
    changed["agreements"][0]["end"] = "2030-12-31"
    load(graph, **changed)
    [(found, [change])] = watch.check(graph, store)
    assert found.name == "a1"
    assert [f for f in change["fields"] if f["field"] == "end"] == [
        {"field": "end", "before": None, "after": "2030-12-31"}
    ]
    assert watch.check(graph, store) == []


def test_a_question_that_can_no_longer_be_answered_is_reported_once(graph: Graph, tmp_path: Path) -> None:
    load(graph, **_portfolio())
    store = _store(tmp_path)
    watch.add(graph, store, "local", "a1", watch.ENTITY, {"kind": "agreements", "key": "A1"})
    graph.write("MATCH (a:Agreement {id: 'A1'}) DETACH DELETE a")
    [(_, [change])] = watch.check(graph, store)
    assert "no agreement 'A1'" in change["error"]
    assert watch.check(graph, store) == []  # the same failure again is not news


def test_names_are_unique_per_owner_and_watches_are_private(graph: Graph, tmp_path: Path) -> None:
    load(graph, **_portfolio())
    store = _store(tmp_path)
    watch.add(graph, store, "alice", "gaps", "coverage-gaps", {})
    watch.add(graph, store, "bob", "gaps", "coverage-gaps", {})  # another owner may reuse the name
    with pytest.raises(ParameterError, match="already a watch"):
        watch.add(graph, store, "alice", "gaps", "coverage-gaps", {})
    with pytest.raises(NotFoundError):
        watch.remove(store, "alice", "w2")  # bob's
    assert [w.name for w in watch.mine(store, "bob")] == ["gaps"]
    with pytest.raises(ParameterError):  # a bad parameter is refused before anything is saved
        watch.add(graph, store, "alice", "x", "coverage-gaps", {"as_of": "yesterday"})
    assert len(store.all()) == 2


@pytest.fixture
def client(graph: Graph, tmp_path: Path) -> Iterator[TestClient]:
    keys = "adm:admin:admin-key-for-tests,view:viewer:viewer-key-for-tests"
    settings = Settings.from_env().with_(data_dir=tmp_path, api_keys=keys, api_keys_file=None, audit_log=None)
    with TestClient(create_app(settings, graph), base_url=BASE) as c:
        yield c


ADMIN = {"X-API-Key": "admin-key-for-tests"}
VIEWER = {"X-API-Key": "viewer-key-for-tests"}


def test_api_watches_are_rechecked_after_an_ingest(client: TestClient, graph: Graph) -> None:
    load(graph, **_portfolio())
    made = client.post("/api/v1/watches", json={"name": "gaps", "analysis": "coverage-gaps"}, headers=VIEWER)
    assert made.status_code == 201, made.text
    refused = {"name": "jpn", "analysis": "disclosure-trace", "params": {"nation": "JPN", "technology": "T1"}}
    assert client.post("/api/v1/watches", json=refused, headers=VIEWER).status_code == 403
    files = {"file": ("b.json", json.dumps(_change()).encode(), "application/json")}
    done = client.post("/api/v1/ingest", files=files, headers=ADMIN)
    assert done.json()["watches_changed"] == 0  # the admin watches nothing; the viewer's watch changed
    [mine] = client.get("/api/v1/watches", headers=VIEWER).json()
    assert [c["disappeared"] for c in mine["changes"]] == [
        [json.dumps({"name": "T2", "priority": 1, "scheme": None, "technology": "T2"}, sort_keys=True)]
    ]
    assert mine["pending"] == 1
    assert client.get("/api/v1/watches", headers=ADMIN).json() == []
    assert client.post("/api/v1/watches/check", headers=VIEWER).json() == []
    assert client.delete("/api/v1/watches/gaps", headers=VIEWER).status_code == 204
    assert client.get("/api/v1/watches", headers=VIEWER).json() == []


def test_viewers_see_no_restriction_in_changes_nor_in_portfolio_changes(
    client: TestClient, graph: Graph
) -> None:
    load(graph, **_portfolio())
    load(graph, **_change())
    url = "/api/v1/analyses/portfolio-changes?from=1999-01-01&to=2021-01-01"
    as_admin = client.get(url, headers=ADMIN).json()
    assert {"kind": "restriction", "key": "R1", "change": "in_force"} in as_admin
    assert [r for r in client.get(url, headers=VIEWER).json() if r["kind"] == "restriction"] == []
    run = client.get("/api/v1/runs", headers=ADMIN).json()[0]["id"]
    tables = {r["table"] for r in client.get(f"/api/v1/runs/{run}/changes", headers=ADMIN).json()}
    assert tables == {"agreements", "restrictions"}
    assert {r["table"] for r in client.get(f"/api/v1/runs/{run}/changes", headers=VIEWER).json()} == {
        "agreements"
    }
    page = client.get(f"/runs/{run}", headers=VIEWER).text
    assert "R1" not in page and "1 change(s) to restrictions and exemptions are not shown" in page
    made = {
        "name": "pc",
        "analysis": "portfolio-changes",
        "params": {"from": "1999-01-01", "to": "2021-01-01"},
    }
    assert client.post("/api/v1/watches", json=made, headers=VIEWER).status_code == 201
    assert not any(
        "R1" in row for w in watch.Store(client.app.state.settings.watches_path).all() for row in w.answer
    )


def test_a_row_that_changed_reads_as_one_change_not_two_rows() -> None:
    before = {"cluster": 1, "agreements": ["A1", "A2", "A3"], "size": 3, "parties": ["AUS", "GBR"]}
    after = {"cluster": 1, "agreements": ["A1", "A2"], "size": 2, "parties": ["AUS", "GBR"]}
    other = {"cluster": 2, "agreements": ["B1", "B2"], "size": 2, "parties": ["JPN", "USA"]}
    rows = {
        "appeared": [json.dumps(after, sort_keys=True), json.dumps(other, sort_keys=True)],
        "disappeared": [json.dumps(before, sort_keys=True)],
    }
    assert watch.summary(rows) == [
        "  ~ cluster=1: agreements -A3; size 3 -> 2",
        "  + agreements=['B1', 'B2'], cluster=2, parties=['JPN', 'USA'], size=2",
    ]
