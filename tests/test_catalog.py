"""Query machinery: the packed form (one Bolt record holding every row) equals the plain query; values
convert as the driver would; the collector pause restores what it found."""

from __future__ import annotations

import json
from typing import Any

import neo4j
import pytest

from graph.connection import Graph
from graph.values import plain
from queries import catalog
from queries.catalog import Query, entity_queries, pack, queries

AS_OF = "2026-11-23"


def test_pack_turns_the_last_return_into_with_and_one_collected_row() -> None:
    text = (
        "// returns: id\n"
        "MATCH (a:Agreement) WHERE a.title <> 'RETURN' WITH a\n"
        "RETURN DISTINCT a.id AS id, [(a)-[:COVERS]->(t) | t.id] AS techs\n"
        "ORDER BY id DESC LIMIT 5\n"
    )
    assert pack(text, ("id", "techs")) == (
        "// returns: id\n"
        "MATCH (a:Agreement) WHERE a.title <> 'RETURN' WITH a\n"
        "WITH DISTINCT a.id AS id, [(a)-[:COVERS]->(t) | t.id] AS techs\n"
        "ORDER BY id DESC LIMIT 5\n"
        f"RETURN collect([id, techs]) AS {catalog.PACKED}"
    )


def test_pack_leaves_unions_and_returnless_text_alone() -> None:
    assert pack("MATCH (n:Nation) RETURN n.code AS c UNION MATCH (f:Forum) RETURN f.id AS c", ("c",)) is None
    assert pack("MATCH (n:Nation) // RETURN in a comment\nDETACH DELETE n", ("c",)) is None


def _values(graph: Graph, q: Query) -> dict[str, Any]:
    """Sample values for the parameters a query declares (optional ones keep their defaults)."""
    tech = graph.read(
        "MATCH (:Nation {code: 'GBR'})-[:PARTY_TO]->(:Agreement)-[:COVERS]->(t:Technology)"
        " RETURN t.id AS id ORDER BY id LIMIT 1"
    )[0]["id"]
    given = {
        "as_of": AS_OF,
        "nation": "GBR",
        "code": "GBR",
        "technology": tech,
        "technologies": tech,
        "parties": "USA;GBR",
        "q": "a",
        "within_days": 3650,
        "agreement": "SMP-FW-GBR",  # has contribution and benefit values in the sample
        "ids": ["SMP-FW-GBR", "SMP-PA-GBR-ML", "SMP-PA-QUAD-AI"],  # a patch's reads: each has rows of these
    }
    if q.name.endswith("-detail") and "id" in {p.name for p in q.params}:
        label = q.name.removesuffix("-detail").capitalize()  # the query's own name, not user input
        given["id"] = graph.read(f"MATCH (x:{label}) RETURN x.id AS id ORDER BY id LIMIT 1")[0]["id"]
    return {p.name: given[p.name] for p in q.params if p.name in given}


def _canon(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


@pytest.mark.parametrize("name", sorted(queries() | entity_queries()))
def test_packed_query_gives_the_rows_of_the_plain_query(sample: Graph, name: str) -> None:
    q = catalog.get(name)
    assert q.packed is not None
    raw = _values(sample, q)
    plain_rows = [{k: catalog._field(k, v) for k, v in r.items()} for r in sample.read(q.text, q.bind(raw))]
    packed_rows = q.run(sample, raw)
    if "ORDER BY" in q.text:
        assert packed_rows == plain_rows
    else:
        assert _canon(packed_rows) == _canon(plain_rows)
    assert [list(r) for r in packed_rows] == [list(q.returns)] * len(packed_rows)


def test_most_packed_queries_have_rows_to_compare(sample: Graph) -> None:
    """Guards the test above against comparing empty answers."""
    empty = [n for n, q in (queries() | entity_queries()).items() if not q.run(sample, _values(sample, q))]
    assert len(empty) <= 3, empty


def test_plain_gives_nodes_relationships_paths_and_dates_the_drivers_shapes(sample: Graph) -> None:
    sample.write(
        "CREATE (:Nation {code: 'ZZA', name: 'Test'})-[:PARTY_TO]->"
        "(:Agreement {id: 'ZZA-X1', start: date('2015-01-02'), status: 'draft'})"
    )
    cypher = (
        "MATCH p = (n:Nation {code: 'ZZA'})-[r:PARTY_TO]->(a:Agreement) "
        "RETURN n, r, p, a.start AS start, [a.start] AS starts, {s: a.start} AS m"
    )
    try:
        with sample.driver.session(database=sample.database, default_access_mode=neo4j.READ_ACCESS) as s:
            record = s.run(cypher).single()
            assert record is not None
            ours = plain(dict(record.items()))
            drivers = plain(record.data())  # the driver's exporter, then dates made text
    finally:  # the module's other tests read the sample
        sample.write("MATCH (n) WHERE n.code = 'ZZA' OR n.id = 'ZZA-X1' DETACH DELETE n")
    assert ours == drivers
    assert ours["n"] == {"code": "ZZA", "name": "Test"}
    assert ours["r"][1] == "PARTY_TO" and ours["p"][1] == "PARTY_TO" and ours["p"][2]["id"] == "ZZA-X1"
    assert (ours["start"], ours["starts"], ours["m"]) == ("2015-01-02", ["2015-01-02"], {"s": "2015-01-02"})


def test_collector_pause_restores_what_it_found_across_overlapping_threads() -> None:
    import gc
    import threading

    from queries import collector

    assert gc.isenabled()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector.paused():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second() -> None:
        a_in.wait(5)
        with collector.paused():
            b_in.set()
            a_out.wait(5)
            seen.append(gc.isenabled())  # the first pause ended; this one still holds

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()  # a collector that was off stays off
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["agreement-links", "agreement-facts", "duplicate-facts", "forum-facts"])
def test_records_are_the_rows_before_conversion(sample: Graph, name: str) -> None:
    """The composed analyses read `records`: the same rows as `run`, lists in engine order."""
    q = catalog.get(name)
    records = q.records(sample)
    assert records, name
    tidy = [
        {
            k: sorted(v) if isinstance(v, list) and all(isinstance(x, str) for x in v) else plain(v)
            for k, v in r.items()
        }
        for r in records
    ]
    assert tidy == q.run(sample)
