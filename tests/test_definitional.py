"""The Cypher behind every composed analysis: each definitional query returns the rows the accelerated
path returns, on hand-built fixtures, on the sample and on a 600-agreement synthetic portfolio."""

from __future__ import annotations

from typing import Any

import pytest

from graph.connection import Graph
from ingest.pipeline import ingest_input
from ingest.reader import read_tables
from ingest.synth import synth
from queries.analysis import analysis, cypher_of, definitional
from queries.catalog import definitions
from queries.duplication import clusters_of
from tests.conftest import run_stkg
from tests.test_analyses import test_a_forum_chain_with_one_excluded_set_is_one_row as chain_fixture
from tests.test_analyses import test_exclusionary_consortia as consortia_fixture
from tests.test_analyses import test_expiring as expiring_fixture

COMPOSED = ("duplicates", "exclusionary-consortia", "collaborations", "partners", "expiring")
DATES = ("2015-06-01", "2025-06-01")


def same(graph: Graph, name: str, params: dict[str, Any]) -> int:
    """The accelerated and the definitional rows agree; returns how many there were."""
    fast = analysis(name).run(graph, dict(params))
    slow = definitions()[name].run(graph, analysis(name).bind(dict(params)))
    assert slow == fast, (
        name,
        params,
        [r for r in fast if r not in slow][:2],
        [r for r in slow if r not in fast][:2],
    )
    return len(fast)


def test_there_is_one_definitional_query_per_composed_analysis() -> None:
    assert sorted(definitions()) == sorted(COMPOSED)
    for name in (*COMPOSED, "duplicate-clusters", "coverage-gaps"):
        assert "MATCH" in cypher_of(name)


def test_definitional_rows_equal_on_the_sample(sample: Graph) -> None:
    counted = {name: same(sample, name, {"as_of": "2025-06-01"}) for name in COMPOSED}
    assert all(counted.values()), counted  # equal empty answers would prove nothing
    assert same(sample, "partners", {"as_of": "2025-06-01", "nation": "GBR", "technology": "MP-AI"})
    assert same(sample, "collaborations", {"as_of": "2025-06-01", "technology": "MP-AI", "component": "NAVY"})


def test_definitional_rows_equal_on_a_synthetic_portfolio(graph: Graph) -> None:
    ingest_input(graph, read_tables(synth(600, seed=7), "synth"))
    total = sum(same(graph, name, {"as_of": day}) for name in COMPOSED for day in DATES)
    assert total > 1000
    for day in DATES:  # a long window, where expiries leave gaps
        same(graph, "expiring", {"as_of": day, "within_days": "720"})
        rows = analysis("expiring").run(graph, {"as_of": day, "within_days": "720"})
        assert any(r["would_be_gaps"] for r in rows)
    for day in DATES:  # and the clusters built from the definitional pairs
        pairs = definitions()["duplicates"].run(graph, {"as_of": day})
        fast = analysis("duplicate-clusters").run(graph, {"as_of": day})
        assert clusters_of(graph, pairs, analysis("duplicates").bind({"as_of": day})["as_of"]) == fast


@pytest.mark.parametrize("fixture", [consortia_fixture, chain_fixture])
def test_definitional_consortia_equal_on_the_fixtures(graph: Graph, fixture: Any) -> None:
    fixture(graph)  # loads its fixture and checks the accelerated rows by hand
    assert same(graph, "exclusionary-consortia", {"as_of": "2025-06-01"})


def test_definitional_expiring_equals_on_its_fixture(graph: Graph) -> None:
    expiring_fixture(graph)  # loads its fixture and checks the accelerated rows by hand
    for window in ("40", "180", "365"):
        assert same(graph, "expiring", {"as_of": "2025-01-01", "within_days": window})


def test_definitional_forms_are_what_a_neo4j_server_runs(sample: Graph) -> None:
    assert definitional("coverage-gaps") is None  # already one Cypher query
    runner = definitional("duplicate-clusters")
    assert runner is not None
    params = analysis("duplicate-clusters").bind({"as_of": "2025-06-01"})
    assert runner(sample, params) == analysis("duplicate-clusters").run(sample, {"as_of": "2025-06-01"})


def test_show_cypher_prints_it(tmp_path: Any) -> None:
    done = run_stkg("query", "duplicates", "--show-cypher", data_dir=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("// name: duplicates")
    done = run_stkg("query", "engagement-priorities", "--show-cypher", data_dir=tmp_path)
    assert done.returncode != 0 and "no single Cypher form" in done.stderr


def test_one_snapshot_serves_every_date_until_the_graph_changes(graph: Graph) -> None:
    from queries import snapshot
    from tests.fixtures import load

    ingest_input(graph, read_tables(synth(60, seed=3), "synth"))
    first = snapshot.of(graph)
    before = {day: analysis("duplicates").run(graph, {"as_of": day}) for day in DATES}
    # the flat reads are held once for both dates; each date builds only its active agreements' facts
    assert snapshot.of(graph) is first and "agreement-rows" in first._held
    assert "duplicate-facts" not in first._held
    load(
        graph,
        agreements=[
            {
                "id": "ZZ-NEW",
                "title": "New",
                "type": "PA",
                "parties": "USA;GBR",
                "technologies": "ST-00",
                "start": "2000-01-01",
            }
        ],
    )
    assert snapshot.of(graph) is not first  # a write makes the next answer read again
    after = analysis("duplicates").run(graph, {"as_of": DATES[1]})
    assert any("ZZ-NEW" in (r["agreement_a"], r["agreement_b"]) for r in after) and after != before[DATES[1]]


def test_a_snapshot_is_kept_out_of_the_cycle_collectors_walks(graph: Graph) -> None:
    import gc

    from queries import snapshot

    ingest_input(graph, read_tables(synth(20, seed=4), "synth"))
    row = snapshot.of(graph).rows(graph, "duplicate-facts")[0]
    assert gc.is_tracked(row) and gc.get_freeze_count() > 0
    assert not any(x is row for x in gc.get_objects())  # the collector's generations no longer hold it


def test_a_dated_index_is_shared_by_one_date_and_only_the_last_two_dates_are_kept(graph: Graph) -> None:
    import datetime as dt

    from queries import snapshot

    ingest_input(graph, read_tables(synth(60, seed=3), "synth"))
    days = [dt.date(2015, 6, 1), dt.date(2016, 6, 1), dt.date(2017, 6, 1)]
    analysis("duplicates").run(graph, {"as_of": days[0]})
    kept = snapshot.of(graph)._dated["duplicate-pairing"]
    index = kept[days[0]]
    analysis("duplicate-clusters").run(graph, {"as_of": days[0]})  # the same date: the same index
    assert kept[days[0]] is index and list(kept) == [days[0]]
    for day in days[1:]:
        analysis("duplicate-clusters").run(graph, {"as_of": day})
    assert list(kept) == days[1:]  # the oldest date gave way: memory does not grow with the dates asked
    graph._changed()
    analysis("duplicates").run(graph, {"as_of": days[0]})
    assert snapshot.of(graph)._dated["duplicate-pairing"][days[0]] is not index  # a new version: built again


def test_a_dated_build_does_not_hold_up_a_held_date_and_one_date_is_built_once() -> None:
    import datetime as dt
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from queries.snapshot import Snapshot

    snap, release, calls = Snapshot((0, 0)), threading.Event(), []
    today, other = dt.date(2025, 1, 1), dt.date(2024, 1, 1)
    assert snap.dated("x", today, lambda: "held") == "held"

    def slow() -> str:
        calls.append(1)
        assert release.wait(10)
        return "built"

    with ThreadPoolExecutor(3) as pool:
        try:
            first, second = (pool.submit(snap.dated, "x", other, slow) for _ in range(2))
            while not calls:
                time.sleep(0.01)
            held = pool.submit(snap.dated, "x", today, lambda: "again")
            assert held.result(5) == "held"  # answered while `other` is being built
        finally:
            release.set()
        assert first.result(10) == second.result(10) == "built"
    assert calls == [1]  # the second asker waited for the first one's build

    def fails() -> str:
        raise ValueError("no")

    with pytest.raises(ValueError):
        snap.dated("x", dt.date(2023, 1, 1), fails)
    assert snap.dated("x", dt.date(2023, 1, 1), lambda: "retried") == "retried"  # a failure is not kept


def test_a_retired_value_is_freed_in_chunks_but_one_still_shared_is_left_whole() -> None:
    import weakref

    from queries.snapshot import FREE_CHUNK, _take_apart

    class Item:
        """A value a weak reference can watch."""

    class Holder:
        """An object holding values in its attributes, as a pairing index does."""

        def __init__(self) -> None:
            self.rows = [Item() for _ in range(3 * FREE_CHUNK)]
            self.index = {n: Item() for n in range(3 * FREE_CHUNK)}

    shared = [Item() for _ in range(3 * FREE_CHUNK)]  # as a cached answer's rows would be
    holder = Holder()
    watched = [weakref.ref(holder.rows[5]), weakref.ref(holder.index[5])]
    values: list[Any] = [shared, (holder, {"x": Item()})]
    del holder
    _take_apart(values)
    assert values == [] and all(w() is None for w in watched)  # freed, each through its chunks
    assert len(shared) == 3 * FREE_CHUNK  # held elsewhere: let go of, never emptied


def test_a_retired_snapshot_an_answer_still_holds_is_not_emptied(graph: Graph) -> None:
    import time

    from queries import snapshot

    ingest_input(graph, read_tables(synth(20, seed=4), "synth"))
    answering = snapshot.of(graph)  # an answer begun before the write
    rows = answering.rows(graph, "agreement-rows")
    graph._changed()
    assert snapshot.of(graph) is not answering
    time.sleep(0.3)
    assert answering.rows(graph, "agreement-rows") is rows  # its values are still there


def test_a_replaced_snapshot_is_freed_off_the_answering_thread(graph: Graph) -> None:
    import time
    import weakref

    from queries import snapshot

    ingest_input(graph, read_tables(synth(20, seed=4), "synth"))
    old = weakref.ref(snapshot.of(graph))
    snapshot.rows(graph, "duplicate-facts")
    graph._changed()
    assert snapshot.of(graph) is not old()
    deadline = time.monotonic() + 5
    while old() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert old() is None  # no reference left behind: replaced snapshots do not pile up
