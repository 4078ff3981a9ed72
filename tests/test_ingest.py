"""Ingest: validation reports every problem, loads are all-or-nothing and idempotent."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.connection import Graph
from graph.errors import ValidationError
from ingest.pipeline import ingest_input, ingest_path
from ingest.reader import read_tables
from ingest.synth import synth, write_csv
from tests.conftest import ROOT, run_stkg, stkg_env
from tests.fixtures import count, load, totals

BASE = {
    "technologies": [
        {"id": "AI", "name": "Artificial Intelligence", "priority": 3},
        {"id": "AI.ML", "name": "Machine learning", "broader": "AI"},
    ],
    "components": [{"id": "ARMY", "name": "Army"}, {"id": "NAVY", "name": "Navy"}],
    "agreements": [
        {
            "id": "A1",
            "title": "AI PA",
            "type": "PA",
            "parties": "USA;UK",
            "technologies": "AI.ML",
            "start": "2020-01-01",
            "lead_component": "ARMY",
        },
    ],
}


def test_load_then_identical_reload_changes_nothing(graph: Graph) -> None:
    first = load(graph, **BASE)
    assert first.counts["agreements"] == {"created": 1}
    before = totals(graph)
    second = load(graph, **BASE)
    assert second.changed == 0
    assert second.counts["agreements"] == {"unchanged": 1}
    assert totals(graph) == before


def test_changed_row_updates_in_place_and_replaces_relationships(graph: Graph) -> None:
    load(graph, **BASE)
    changed = dict(BASE, agreements=[dict(BASE["agreements"][0], parties="USA;Japan", title="New")])
    summary = load(graph, **changed)
    assert summary.counts["agreements"] == {"updated": 1}
    rows = graph.read(
        "MATCH (n:Nation)-[:PARTY_TO]->(a:Agreement {id: 'A1'}) RETURN n.code AS c, a.title AS t"
    )
    assert sorted(r["c"] for r in rows) == ["JPN", "USA"]
    assert {r["t"] for r in rows} == {"New"}
    assert count(graph, "(a:Agreement)") == 1


def test_provenance_on_nodes_and_relationships(graph: Graph) -> None:
    summary = load(graph, **BASE)
    row = graph.read(
        "MATCH (n:Nation {code: 'GBR'})-[r:PARTY_TO]->(a:Agreement) "
        "RETURN a.source AS s, a.run_id AS run, r.source AS rs, r.run_id AS rrun"
    )[0]
    assert row == {
        "s": "fixture#agreements:1",
        "run": summary.run_id,
        "rs": "fixture#agreements:1",
        "rrun": summary.run_id,
    }
    run = graph.read("MATCH (r:IngestRun) RETURN r.id AS id, r.counts AS counts")
    assert run[0]["id"] == summary.run_id and json.loads(run[0]["counts"])["agreements"] == {"created": 1}


def test_nations_resolve_by_alias_name_and_alpha2(graph: Graph) -> None:
    load(
        graph,
        **dict(
            BASE,
            agreements=[dict(BASE["agreements"][0], parties="us;Republic of Korea;Türkiye;Czech Republic")],
        ),
    )
    rows = graph.read("MATCH (n:Nation)-[:PARTY_TO]->(:Agreement) RETURN n.code AS c ORDER BY c")
    assert [r["c"] for r in rows] == ["CZE", "KOR", "TUR", "USA"]


def test_dry_run_writes_nothing(graph: Graph) -> None:
    summary = ingest_input(graph, read_tables(BASE, "fixture"), dry_run=True)
    assert summary.counts["agreements"] == {"created": 1}
    assert totals(graph) == (0, 0)


def _problems(graph: Graph, **tables: list[dict[str, object]]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        load(graph, **tables)
    return info.value.problems


def test_every_problem_is_reported_and_nothing_written(graph: Graph) -> None:
    load(graph, **BASE)
    before = totals(graph)
    bad = {
        "technologies": [
            {"id": "X1", "name": "x", "broader": "X2"},
            {"id": "X2", "name": "y", "broader": "X1"},
            {"id": "X3", "name": "z", "priority": "7"},
        ],
        "agreements": [
            {
                "id": "B1",
                "title": "t",
                "type": "PA",
                "parties": "Untied Kingdom",
                "technologies": "AI",
                "start": "2020-13-01",
            },
            {
                "id": "B1",
                "title": "t",
                "type": "PA",
                "parties": "USA",
                "technologies": "AI",
                "parent": "NOPE",
            },
            {
                "id": "B2",
                "title": "t",
                "type": "TREATY",
                "parties": "USA",
                "technologies": "AI",
                "start": "2021-01-01",
                "end": "2020-01-01",
                "depth": "9",
            },
        ],
    }
    problems = _problems(graph, **bad)
    expected = [
        "fixture#technologies:1:broader: 'X1' is its own ancestor",
        "fixture#technologies:2:broader: 'X2' is its own ancestor",
        "fixture#technologies:3:priority: 7 is outside 1..3",
        "fixture#agreements:1:parties: unknown nation 'Untied Kingdom'; did you mean 'United Kingdom'",
        "fixture#agreements:1:start: '2020-13-01' is not a date",
        "fixture#agreements:2:id: duplicate 'B1' (first at row 1)",
        "fixture#agreements:2:parent: agreement 'NOPE' is neither in the input nor in the graph",
        "fixture#agreements:3:type: 'TREATY' is not one of",
        "fixture#agreements:3:end: end 2020-01-01 is before start 2021-01-01",
        "fixture#agreements:3:depth: 9 is outside 1..5",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in problems), (message, problems)
    assert totals(graph) == before


def test_missing_required_column(graph: Graph) -> None:
    problems = _problems(graph, agreements=[{"id": "A", "title": "t", "type": "PA", "technologies": ""}])
    assert "fixture#agreements:1:parties: required column is missing" in problems
    assert "fixture#agreements:2:technologies: required value is missing" not in problems


def test_good_rows_in_a_bad_input_are_not_written(graph: Graph) -> None:
    tables = dict(BASE, nations=[{"code": "ZZA", "name": "Zedland"}, {"code": "", "name": "No code"}])
    _problems(graph, **tables)
    assert totals(graph) == (0, 0)


def _write(dir_: Path, name: str, content: bytes) -> None:
    (dir_ / name).write_bytes(content)


@pytest.mark.slow
def test_cli_reports_file_row_column_for_malformed_csv(tmp_path: Path) -> None:
    data = tmp_path / "in"
    data.mkdir()
    _write(data, "technologies.csv", b"id,name,broader\nAI,AI,\nT1,t1,T2\nT2,t2,T1\n")
    _write(
        data,
        "agreements.csv",
        b"id,title,type,parties,technologies,start,parent\n"
        b"A1,One,PA,USA;Untied Kingdom,AI,2020-01-01,\n"
        b"A1,Dup,PA,USA,AI,2020-02-30,MISSING\n",
    )
    _write(data, "forums.csv", b"id,name\nF,f\n")
    _write(data, "components.csv", b"id,name\nARMY,Army \xff\xfe\n")
    _write(data, "nations.csv", b"")
    _write(
        data,
        "restrictions.csv",
        b"id,kind,effect,citation\nR1,POLICY,deny," + b"x" * 10_000_001 + b"\n",
    )
    db = tmp_path / "db"
    assert run_stkg("init", "--bare", data_dir=db).returncode == 0
    result = run_stkg("ingest", str(data), data_dir=db)
    assert result.returncode != 0
    err = result.stderr
    for message in [
        "technologies.csv:3:broader: 'T1' is its own ancestor",
        "agreements.csv:2:parties: unknown nation 'Untied Kingdom'; did you mean 'United Kingdom'",
        "agreements.csv:3:id: duplicate 'A1' (first at row 2)",
        "agreements.csv:3:start: '2020-02-30' is not a date",
        "agreements.csv:3:parent: agreement 'MISSING' is neither in the input nor in the graph",
        "forums.csv:1:kind: required column is missing",
        "components.csv:2:-: the file is not UTF-8",
        "nations.csv:1:-: the file is empty",
        "restrictions.csv:2:citation: cell has 10,000,001 characters",
    ]:
        assert message in err, (message, err)
    assert "Traceback" not in err
    status = json.loads(run_stkg("status", "--format", "json", data_dir=db).stdout)
    assert sum(status["nodes"].values()) == 0 and sum(status["relationships"].values()) == 0


def test_csv_xlsx_and_json_read_alike(graph: Graph, tmp_path: Path) -> None:
    import pandas as pd

    tables = synth(30, seed=3, technologies=40, forums=5)
    write_csv(tables, tmp_path / "csv")
    with pd.ExcelWriter(tmp_path / "book.xlsx") as xl:
        for name, rows in tables.items():
            pd.DataFrame(rows).to_excel(xl, sheet_name=name, index=False)
    (tmp_path / "data.json").write_text(json.dumps(tables))
    first = ingest_path(graph, tmp_path / "csv")
    assert first.counts["agreements"]["created"] == 31  # 30 plus one framework
    before = totals(graph), _content(graph)
    for other in ("book.xlsx", "data.json"):  # only the provenance (file name) differs
        assert ingest_path(graph, tmp_path / other).counts["agreements"] == {"updated": 31}
        assert (totals(graph), _content(graph)) == before


def _content(graph: Graph) -> list[dict[str, object]]:
    """Agreements with their properties and links, provenance left out."""
    return graph.read(
        "MATCH (a:Agreement) OPTIONAL MATCH (n:Nation)-[:PARTY_TO]->(a) "
        "WITH a, collect(n.code) AS parties "
        "RETURN a.id AS id, a.title AS title, a.start AS start, a.end AS end, a.depth AS depth, "
        "a.deliberate_redundancy AS dr, parties ORDER BY id"
    )


@pytest.mark.slow
def test_killed_ingest_leaves_the_graph_as_it_was(tmp_path: Path) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    write_csv(synth(50, seed=1), small)
    write_csv(synth(20000, seed=2), large)
    db = tmp_path / "db"
    assert run_stkg("ingest", str(small), data_dir=db).returncode == 0
    before = json.loads(run_stkg("status", "--format", "json", data_dir=db).stdout)
    env = stkg_env(
        db, STKG_BATCH_SIZE="500", STKG_BULK_ROWS="0"
    )  # the one-transaction path (bulk: test_bulk)
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "ingest", str(large)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"writing" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.read1(256)  # type: ignore[attr-defined]
    assert b"writing" in seen, seen
    time.sleep(2)
    assert proc.poll() is None, "the ingest finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    after = json.loads(run_stkg("status", "--format", "json", data_dir=db).stdout)
    assert after["nodes"] == before["nodes"] and after["relationships"] == before["relationships"]
    assert after["nodes"]["Change"] == before["nodes"]["Change"] > 0  # the killed run recorded no change


def test_the_progress_bar_names_what_it_writes_and_quiet_hides_it(tmp_path: Path) -> None:
    data = tmp_path / "synth"
    write_csv(synth(2000, seed=5), data)
    shown = run_stkg("ingest", str(data), data_dir=tmp_path / "db1")
    assert shown.returncode == 0, shown.stderr
    # not a terminal (a log): a line per table with the share done and the time left at the rate so far
    assert re.search(r"^writing agreements: [\d,]+ of [\d,]+ \(\d+%, about \d+ s left\)$", shown.stderr, re.M)
    written = dict(re.findall(r"^  (\w+(?: \w+)?): ([\d,]+) written$", shown.stderr, re.M))
    agreements = int(written["agreements"].replace(",", ""))  # synth adds frameworks to the 2,000
    assert agreements >= 2000 and re.search(rf"agreements +created +{agreements} ", shown.stdout)
    assert int(written["agreements parties"].replace(",", "")) > agreements
    quiet = run_stkg("ingest", "--quiet", str(data), data_dir=tmp_path / "db2")
    assert quiet.returncode == 0 and "writing" not in quiet.stderr and "written" not in quiet.stderr
    same = [re.sub(r"run-[\w-]+", "RUN", x.stdout) for x in (quiet, shown)]
    assert same[0] == same[1]  # the summary is the same, bar or not


def test_the_cycle_collector_pauses_only_while_an_ingest_runs(graph: Graph) -> None:
    import gc

    from ingest.pipeline import Progress

    seen: list[bool] = []

    class Watch(Progress):
        def start(self, total: int) -> None:
            seen.append(gc.isenabled())

    assert gc.isenabled()
    ingest_input(graph, read_tables(BASE, "base"), progress=Watch())
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ValidationError):
        ingest_input(graph, read_tables({"components": [{"id": "X"}]}, "bad"))
    assert gc.isenabled()  # back on after a refused ingest too


VALUES = {
    "parties": [
        {
            "agreement": "A1",
            "nation": "USA",
            "contribution_value": 6,
            "benefit_value": 4,
            "source": "cost sheet",
        },
        {"agreement": "A1", "nation": "GBR", "contribution_value": 2, "benefit_value": 4},
    ],
    "forums": [{"id": "F1", "name": "Forum", "kind": "BILATERAL", "covers": "AI"}],
    "memberships": [
        {"forum": "F1", "nation": "USA", "role": "member", "since": "2001-01-01"},
        {"forum": "F1", "nation": "GBR", "role": "observer", "since": "2002-01-01", "until": "2019-12-31"},
    ],
}
LINKS = (
    "MATCH (n:Nation)-[r:PARTY_TO]->(:Agreement {id: 'A1'}) "
    "RETURN n.code AS n, r.contribution_value AS c, r.benefit_value AS b, r.source AS s ORDER BY n"
)
MEMBERS = (
    "MATCH (n:Nation)-[r:MEMBER_OF]->(:Forum {id: 'F1'}) "
    "RETURN n.code AS n, r.role AS role, toString(r.since) AS since, toString(r.until) AS until ORDER BY n"
)


def test_a_table_not_sent_again_keeps_the_values_it_gave_the_links_of_a_reingested_row(graph: Graph) -> None:
    load(graph, **BASE, **VALUES)
    links, members = graph.read(LINKS), graph.read(MEMBERS)
    assert [(r["n"], r["c"], r["b"]) for r in links] == [("GBR", 2, 4), ("USA", 6, 4)]
    retitled = dict(BASE["agreements"][0], title="Fixed title")
    summary = load(graph, agreements=[retitled], forums=[dict(VALUES["forums"][0], name="Renamed")])
    assert summary.counts == {"agreements": {"updated": 1}, "forums": {"updated": 1}}
    assert graph.read(LINKS) == links  # values and the source that gave them (the parties rows) kept
    assert "cost sheet" in links[1]["s"]
    assert graph.read(MEMBERS) == members  # GBR left in 2019: still so, and still an observer
    assert members[0] == {"n": "GBR", "role": "observer", "since": "2002-01-01", "until": "2019-12-31"}


def test_a_reingested_row_drops_a_party_it_no_longer_lists_and_adds_one_without_values(graph: Graph) -> None:
    load(graph, **BASE, **VALUES)
    load(graph, agreements=[dict(BASE["agreements"][0], parties="USA;CAN")])
    assert [(r["n"], r["c"], r["b"]) for r in graph.read(LINKS)] == [("CAN", None, None), ("USA", 6, 4)]


def test_a_relationship_row_sent_again_sets_its_values_even_to_empty(graph: Graph) -> None:
    load(graph, **BASE, **VALUES)
    cleared = [{"agreement": "A1", "nation": "GBR", "contribution_value": 3}]  # no benefit value any more
    load(graph, agreements=BASE["agreements"], parties=cleared)
    assert [(r["n"], r["c"], r["b"]) for r in graph.read(LINKS)] == [("GBR", 3, None), ("USA", 6, 4)]


def test_synth_writes_party_values_for_the_share_asked_and_they_load(graph: Graph, tmp_path: Path) -> None:
    done = run_stkg(
        "synth", "--agreements", "40", "--party-values", "0.5", "--out", str(tmp_path), data_dir=tmp_path
    )
    assert done.returncode == 0, done.stderr
    ingest_path(graph, tmp_path)
    valued = graph.read(
        "MATCH (:Nation)-[r:PARTY_TO]->(a:Agreement) WHERE r.contribution_value IS NOT NULL "
        "RETURN count(DISTINCT a) AS n"
    )[0]["n"]
    assert 10 <= valued <= 30  # about half of the 40 (and the framework)
    assert synth(40, party_values=0.5)["agreements"] == synth(40)["agreements"]  # the rest as before
