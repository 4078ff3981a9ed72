"""Foundation: embedded engine lifecycle, read-only guard, schema, CLI errors, crash safety."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph import schema
from graph.connection import Graph, writes
from graph.errors import QueryError, ReadOnlyError
from tests.conftest import ROOT, docker_problem, run_stkg, stkg_env


def test_read_refuses_writes_and_changes_nothing(graph: Graph) -> None:
    with pytest.raises(ReadOnlyError):
        graph.read("CREATE (n:Nation {code: 'ZZZ'})")
    assert graph.read("MATCH (n:Nation) RETURN count(n) AS c") == [{"c": 0}]


def test_write_clause_detector_ignores_strings_and_comments() -> None:
    assert writes("MATCH (n) SET n.x = 1")
    assert writes("merge (n:Nation {code: 'X'})")
    assert not writes("MATCH (n) WHERE n.title = 'CREATE something' RETURN n // DELETE")
    assert not writes("MATCH (n) RETURN n.created AS settled")


def test_unique_key_is_enforced(graph: Graph) -> None:
    graph.write("CREATE (:Nation {code: 'AAA'})")
    with pytest.raises(QueryError):
        graph.write("CREATE (:Nation {code: 'AAA'})")
    assert graph.read("MATCH (n:Nation) RETURN count(n) AS c") == [{"c": 1}]


def test_failed_transaction_leaves_nothing(graph: Graph) -> None:
    with pytest.raises(RuntimeError), graph.transaction() as tx:
        tx.run("CREATE (:Nation {code: 'BBB'})")
        raise RuntimeError("boom")
    assert graph.read("MATCH (n:Nation) RETURN count(n) AS c") == [{"c": 0}]


def test_ensure_schema_is_idempotent(graph: Graph) -> None:
    schema.ensure_schema(graph)
    schema.ensure_schema(graph)
    assert schema.counts(graph)["nodes"]["Nation"] == 0


def test_dates_round_trip(graph: Graph) -> None:
    import datetime as dt

    graph.write("CREATE (:Agreement {id: 'A', start: $d})", {"d": dt.date(2024, 2, 29)})
    row = graph.read("MATCH (a:Agreement) RETURN a.start AS s, a.start <= date('2024-03-01') AS ok")
    assert row[0]["s"].iso_format() == "2024-02-29" and row[0]["ok"] is True


def test_neo4j_cases_skip_with_a_reason_naming_docker() -> None:
    problem = docker_problem()
    if problem is None:
        pytest.skip("a Docker engine is present: the Neo4j cases run instead")
    assert "Docker engine" in problem


def test_schema_vocabulary_covers_the_design() -> None:
    assert {
        "Nation",
        "Forum",
        "Technology",
        "Agreement",
        "Component",
        "Restriction",
        "Exemption",
        "IngestRun",
        "NationFactors",  # engagement planning (issue 7), beyond DESIGN.md's model
        "Change",  # what each ingest run changed (issue 16), beyond DESIGN.md's model
    } == set(schema.labels())
    assert "UNDER_AUSPICES_OF" in schema.relationship_types()
    assert {"NEEDS", "STRENGTH_IN", "RATES"} <= set(schema.relationship_types())
    with pytest.raises(KeyError):
        schema.label("Nation) DETACH DELETE (x")


@pytest.mark.slow
def test_cli_init_twice_status_and_refused_write(tmp_path: Path) -> None:
    first = run_stkg("init", "--bare", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run_stkg("init", "--bare", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    refused = run_stkg("cypher", "CREATE (n:Nation {code:'ZZZ'})", data_dir=tmp_path)
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: ") and "--write" in refused.stderr
    assert "Traceback" not in refused.stderr
    status = run_stkg("status", "--format", "json", data_dir=tmp_path)
    info = json.loads(status.stdout)
    assert info["engine"] == "arcadedb-embedded" and info["nodes"]["Nation"] == 0
    assert (tmp_path / "password").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "server.json").exists()


@pytest.mark.slow
def test_two_processes_share_one_data_directory(tmp_path: Path) -> None:
    env = stkg_env(tmp_path)
    cmd = [sys.executable, "-m", "api.cli", "status", "--format", "json"]
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert json.loads(out)["engine"] == "arcadedb-embedded"


@pytest.mark.slow
def test_stale_server_file_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text(json.dumps({"pid": 999999, "port": 1, "started": 0}))
    result = run_stkg("status", "--format", "json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "server.json").exists()


@pytest.mark.slow
def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    bad = run_stkg("cypher", "MATCH (n RETURN n", data_dir=tmp_path)
    assert bad.returncode != 0 and bad.stderr.startswith("error: ")
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


KILLER = """
import os, sys, time
from graph.connection import connect
from graph.settings import Settings
from graph import schema
g = connect(Settings.from_env())
schema.ensure_schema(g)
g.write("CREATE (:Nation {code: 'KEEP'})")
with g.transaction() as tx:
    tx.run("UNWIND range(1, 50000) AS i CREATE (:Technology {id: 'T' + toString(i)})").consume()
    print('written-uncommitted', flush=True)
    time.sleep(60)
"""


@pytest.mark.slow
def test_sigkill_during_a_write_keeps_committed_data_only(tmp_path: Path) -> None:
    env = stkg_env(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "written-uncommitted", proc.stderr.read() if proc.stderr else ""
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.5)
    after = run_stkg(
        "cypher", "MATCH (n:Nation) RETURN n.code AS code", "--format", "json", data_dir=tmp_path
    )
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == [{"code": "KEEP"}]
    techs = run_stkg(
        "cypher", "MATCH (t:Technology) RETURN count(t) AS c", "--format", "json", data_dir=tmp_path
    )
    assert json.loads(techs.stdout) == [{"c": 0}]


#: Started in a subprocess (one engine per process): the first two ports handed out are taken.
PORT_RACE = """
import socket, sys
from pathlib import Path
from graph import engine
from graph.connection import connect
from graph.settings import Settings

taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen()
busy = taken.getsockname()[1]
real = engine._free_port
handed = iter([busy, busy])
engine._free_port = lambda: next(handed, None) or real()
g = connect(Settings.from_env().with_(data_dir=Path(sys.argv[1]), neo4j_uri=None))
print(g.read("RETURN 1 AS one")[0]["one"], g.uri.rsplit(":", 1)[1] != str(busy))
g.close()
engine.shutdown()
"""


@pytest.mark.slow
def test_engine_retries_when_a_free_port_is_taken_before_it_binds(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PORT_RACE, str(tmp_path)],
        cwd=ROOT,
        env=stkg_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "True"]


@pytest.mark.parametrize(("gib", "heap"), [(2, "1024m"), (8, "2048m"), (24, "4096m"), (64, "4096m")])
def test_the_default_heap_is_a_quarter_of_memory_within_a_floor_and_a_cap(
    monkeypatch: pytest.MonkeyPatch, gib: int, heap: str
) -> None:
    from graph import settings

    monkeypatch.setattr(settings, "memory_bytes", lambda: gib * 2**30)
    monkeypatch.delenv("STKG_HEAP", raising=False)
    assert settings.Settings.from_env().heap == heap
    monkeypatch.setenv("STKG_HEAP", "6g")
    assert settings.Settings.from_env().heap == "6g"
