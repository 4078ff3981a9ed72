"""The bulk path for first loads: the same graph as the UNWIND path, hidden while it loads, rolled back when
it fails or its process dies (kill -9 at several points)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import bulk, loading
from graph.connection import Graph
from graph.errors import LoadingError
from ingest import pipeline
from ingest.pipeline import ingest_path
from ingest.synth import synth, write_csv
from tests.conftest import ROOT, run_stkg, stkg_env
from tests.fixtures import mark_dead, totals

NODES = "MATCH (n) WHERE NOT n:IngestRun AND NOT n:Change RETURN labels(n) AS l, properties(n) AS p"
RELS = (
    "MATCH (a)-[r]->(b) WHERE NOT a:Change AND NOT b:Change "
    "RETURN type(r) AS t, labels(a) AS la, coalesce(a.id, a.code, a.nation) AS a, "
    "labels(b) AS lb, coalesce(b.id, b.code, b.nation) AS b, properties(r) AS p"
)
#: Walked from the far end: the loader must connect both ends, as Cypher CREATE does.
INCOMING = "MATCH (b)<-[r]-(a) RETURN type(r) AS t, count(*) AS c ORDER BY t"
CHANGES = "MATCH (c:Change) RETURN c.table AS t, c.kind AS k, c.key AS key, c.keys AS keys, c.fields AS f"


def dump(graph: Graph) -> dict[str, Any]:
    """Everything an ingest wrote but its run id, sorted: two graphs with equal dumps are the same graph."""

    def rows(cypher: str) -> list[str]:
        found = graph.read(cypher)
        for row in found:
            if isinstance(row.get("p"), dict):
                row["p"] = sorted((k, v) for k, v in row["p"].items() if k != "run_id")
        return sorted(repr(sorted(r.items())) for r in found)

    runs = graph.read("MATCH (r:IngestRun) RETURN r.counts AS counts, r.tables AS tables")
    return {
        "nodes": rows(NODES),
        "rels": rows(RELS),
        "incoming": graph.read(INCOMING),
        "changes": rows(CHANGES),
        "runs": runs,
    }


@pytest.fixture
def portfolio(tmp_path: Path) -> Path:
    """A 2k synthetic portfolio (about 15,000 rows and relationships)."""
    write_csv(synth(2000, seed=7), tmp_path / "synth")
    return tmp_path / "synth"


@pytest.fixture
def bulky(graph: Graph) -> Iterator[Graph]:
    """The empty session graph with the bulk path taken from the first row."""
    kept = graph.settings
    graph.settings = kept.with_(bulk_rows=1)
    yield graph
    graph.settings = kept


def test_the_bulk_path_writes_the_graph_the_unwind_path_writes(
    bulky: Graph, portfolio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bulk.loader(bulky) is not None  # this process owns the session's engine
    loads: list[str] = []
    real_load = pipeline.load

    def spy(*args: Any) -> None:
        loads.append(args[2])
        real_load(*args)

    monkeypatch.setattr(pipeline, "load", spy)
    summary = ingest_path(bulky, portfolio)
    assert loads == [summary.run_id]
    bulked = dump(bulky)
    bulky.write("MATCH (n) DETACH DELETE n")
    bulky.settings = bulky.settings.with_(bulk_rows=0)
    ingest_path(bulky, portfolio)
    assert loads == [summary.run_id]  # the second ingest took the UNWIND path
    unwound = dump(bulky)
    assert len(bulked["nodes"]) > 2000 and len(bulked["rels"]) > 10000
    for part in unwound:
        assert bulked[part] == unwound[part], part
    one = bulky.read("MATCH (a:Agreement {id: 'SA-000005'}) RETURN count(*) AS c")
    assert one == [{"c": 1}]  # the unique index knows the loaded nodes


def test_a_bulk_load_whose_last_commit_fails_is_rolled_back(
    bulky: Graph, portfolio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv(synth(20, seed=3), portfolio.parent / "small")
    pipeline_settings = bulky.settings
    bulky.settings = pipeline_settings.with_(bulk_rows=0)
    ingest_path(bulky, portfolio.parent / "small")
    bulky.settings = pipeline_settings
    before = dump(bulky)

    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pipeline, "_record_run", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_path(bulky, portfolio)
    assert loading.current(bulky.settings.data_dir) is None
    assert dump(bulky) == before


def test_reads_are_refused_while_a_load_is_marked(graph: Graph) -> None:
    data_dir = graph.settings.data_dir
    loading.begin(data_dir, "run-x")
    try:
        with pytest.raises(LoadingError, match="run-x is loading"):
            graph.read("RETURN 1 AS x")
    finally:
        loading.end(data_dir)
    assert graph.read("RETURN 1 AS x") == [{"x": 1}]
    mark_dead(data_dir, "run-y")
    try:
        with pytest.raises(LoadingError, match="run-y was interrupted; it is rolled back"):
            graph.read("RETURN 1 AS x")
    finally:
        loading.end(data_dir)


def test_recovery_removes_only_an_uncommitted_run(graph: Graph) -> None:
    graph.write("CREATE (:Nation {code: 'AAA', run_id: 'old'})")
    graph.write(
        "CREATE (a:Agreement {id: 'X1', run_id: 'r1'})<-[:PARTY_TO {run_id: 'r1'}]-(:Nation {code: 'BBB', run_id: 'r1'})"
    )
    graph.write(
        "MATCH (a:Agreement {id: 'X1'}), (n:Nation {code: 'AAA'}) CREATE (n)-[:PARTY_TO {run_id: 'r1'}]->(a)"
    )
    mark_dead(graph.settings.data_dir, "r1")
    loading.recover(graph)
    assert loading.current(graph.settings.data_dir) is None
    assert totals(graph) == (1, 0)  # the run's nodes and every relationship they had are gone
    graph.write("CREATE (:Agreement {id: 'X2', run_id: 'r2'}), (:IngestRun {id: 'r2'})")
    mark_dead(graph.settings.data_dir, "r2")
    loading.recover(graph)  # r2 committed (its IngestRun exists): only the marker goes
    assert loading.current(graph.settings.data_dir) is None and totals(graph) == (2, 0)


# --- kill -9 at several points of a bulk load, in a real CLI process -------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small portfolio already in the graph, and a large one to interrupt."""
    root = tmp_path_factory.mktemp("kill")
    write_csv(synth(50, seed=1), root / "small")
    write_csv(synth(20000, seed=2), root / "large")
    return root / "small", root / "large"


@pytest.fixture
def seeded(tmp_path: Path, inputs: tuple[Path, Path]) -> tuple[Path, Path]:
    """A data directory holding the small portfolio, and the large input to load into it."""
    small, large = inputs
    db = tmp_path / "db"
    assert run_stkg("ingest", str(small), data_dir=db).returncode == 0
    return db, large


def status(db: Path) -> dict[str, Any]:
    """`stkg status --format json`: counts per label and relationship type."""
    done = run_stkg("status", "--format", "json", data_dir=db, timeout=300)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _start(db: Path, large: Path, until: str, *args: str) -> subprocess.Popen[bytes]:
    """Start `stkg ARGS` (an ingest of `large` by default) and wait until its stderr shows `until`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", *(args or ("ingest", str(large)))],
        cwd=ROOT,
        env=stkg_env(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 180
    while until.encode() not in seen and time.monotonic() < deadline and proc.poll() is None:
        seen += proc.stderr.read1(256)  # type: ignore[attr-defined]
    assert until.encode() in seen, seen.decode(errors="replace")
    return proc


def _interrupt(db: Path, large: Path, when: str, *args: str) -> None:
    """SIGKILL the process once its stderr shows `when` (it must still be running)."""
    proc = _start(db, large, when, *args)
    assert proc.poll() is None, "the process finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize(
    "when",
    [
        "writing agreements:",  # nodes committed, relationships not yet begun
        "writing agreements parties:",  # relationships buffered and flushing
        "writing agreements lead_component:",  # the loader's close, or the last transaction
    ],
)
def test_a_bulk_load_killed_at_any_point_leaves_the_graph_as_it_was(
    seeded: tuple[Path, Path], when: str
) -> None:
    db, large = seeded
    before = status(db)
    _interrupt(db, large, when)
    assert (db / loading.FILE).exists()  # the run was marked: the next start must roll it back
    after = status(db)  # becomes the engine's owner, so rolls back first
    assert not (db / loading.FILE).exists()
    assert after["nodes"] == before["nodes"] and after["relationships"] == before["relationships"]
    again = run_stkg("ingest", "--quiet", str(large), data_dir=db, timeout=300)
    assert again.returncode == 0, again.stderr  # the same input loads cleanly afterwards
    assert status(db)["nodes"]["Agreement"] > 20000


@pytest.mark.slow
def test_a_rollback_killed_midway_finishes_at_the_next_start(seeded: tuple[Path, Path]) -> None:
    db, large = seeded
    before = status(db)
    _interrupt(db, large, "writing agreements lead_component:")
    marker = json.loads((db / loading.FILE).read_text())
    _interrupt(db, large, "rolling back ingest run", "status")  # the next start, killed while it deletes
    assert (db / loading.FILE).exists()
    assert status(db)["nodes"] == before["nodes"]
    assert not (db / loading.FILE).exists() and marker["run_id"].startswith("run-")


@pytest.mark.slow
def test_other_processes_are_refused_while_a_bulk_load_runs(seeded: tuple[Path, Path]) -> None:
    db, large = seeded
    proc = _start(db, large, "writing agreements:")
    asked = run_stkg("status", data_dir=db)
    proc.communicate(timeout=300)
    assert proc.returncode == 0
    assert (
        asked.returncode != 0
        and "is loading" in asked.stderr
        and "answers again when it completes" in asked.stderr
    )
    assert status(db)["nodes"]["Agreement"] > 20000 and not (db / loading.FILE).exists()


@pytest.mark.slow
def test_a_million_technologies_are_refused_up_front_naming_the_setting(tmp_path: Path) -> None:
    data = tmp_path / "million"
    data.mkdir()
    with (data / "technologies.csv").open("w", encoding="utf-8") as out:
        out.write("id,name,scheme\n")
        out.writelines(f"T-{i:07d},Technology number {i},synthetic\n" for i in range(1_000_000))
    db = tmp_path / "db"
    began = time.monotonic()
    refused = run_stkg("ingest", str(data), data_dir=db, timeout=300)
    assert refused.returncode != 0 and time.monotonic() - began < 120
    assert "1,000,000 rows in one ingest, over the 500,000 allowed" in refused.stderr
    assert "set STKG_MAX_ROWS=1000000 or more" in refused.stderr
    assert "OutOfMemory" not in refused.stderr + refused.stdout
    assert status(db)["nodes"].get("Technology", 0) == 0


def test_a_transaction_the_heap_cannot_hold_is_refused_before_writing(
    graph: Graph, portfolio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph import engine
    from graph.errors import TooLargeError
    from ingest import budget

    budget.check_transaction(100_000, "1g")  # 120 MB in a 768 MiB share: fits
    with pytest.raises(
        TooLargeError, match=r"writes 1,000,000 rows .* holds about 671,088\. Set STKG_HEAP=1526m"
    ):
        budget.check_transaction(1_000_000, "1g")
    monkeypatch.setattr(engine, "heap", lambda _settings: "8m")
    kept = graph.settings
    graph.settings = kept.with_(bulk_rows=0)
    try:
        with pytest.raises(TooLargeError, match=r"STKG_HEAP=8m\) holds about 5,242\. Set STKG_HEAP=\d+m"):
            ingest_path(graph, portfolio)
        assert totals(graph) == (0, 0)
        graph.settings = kept.with_(bulk_rows=1)  # the bulk path holds no transaction of that size
        ingest_path(graph, portfolio)
        assert totals(graph)[0] > 2000
    finally:
        graph.settings = kept


def test_a_key_created_twice_under_the_loader_is_a_conflict_not_a_traceback(graph: Graph) -> None:
    from graph.errors import ConflictError

    graph.write("CREATE (:Component {id: 'C1', name: 'Army'})")
    loader = bulk.loader(graph)
    assert loader is not None
    with pytest.raises(ConflictError, match="another writer created the same key"), loader:
        loader.nodes("Component", [{"id": "C1", "name": "Navy"}])
    assert graph.read("MATCH (c:Component) RETURN c.name AS n") == [{"n": "Army"}]


def test_a_rollback_that_fails_leaves_the_marker_and_raises_the_load_error(
    bulky: Graph, portfolio: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    def gone(*_: object) -> int:
        raise OSError("engine gone")

    monkeypatch.setattr(pipeline, "_record_run", broken)
    monkeypatch.setattr(loading, "rollback", gone)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_path(bulky, portfolio)
    left = loading.current(bulky.settings.data_dir)
    assert left is not None  # so the next engine start rolls the run back
    monkeypatch.undo()
    with bulky.transaction() as tx:  # reads are refused while the marker stands
        assert tx.run("MATCH (n:Agreement) RETURN count(n) AS c").single()["c"] > 2000  # type: ignore[index]
    mark_dead(bulky.settings.data_dir, left.run_id)  # as the next process to own the engine finds it
    loading.recover(bulky)
    assert loading.current(bulky.settings.data_dir) is None and totals(bulky) == (0, 0)
