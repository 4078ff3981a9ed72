"""The agreement exports assembled from flat reads (queries/portfolio.py) hold the rows their .cypher files
return: on a hand-built graph with the cases a path walk can get wrong, on the sample and on a
600-agreement synthetic portfolio."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from graph.connection import Graph
from ingest.pipeline import ingest_input
from ingest.reader import read_tables
from ingest.synth import synth
from queries import coverage, portfolio, snapshot
from queries.analysis import analysis
from queries.catalog import get

Row = dict[str, Any]


def canon(rows: list[Row]) -> list[str]:
    """Rows as sorted text, lists inside a row sorted (as multisets: a list's order is not promised)."""
    return sorted(
        json.dumps(
            {k: sorted(v) if isinstance(v, list) else v for k, v in r.items()}, default=str, sort_keys=True
        )
        for r in rows
    )


def built(graph: Graph, name: str) -> list[Row]:
    """The export as the snapshot now builds it."""
    graph._changed()  # a fresh snapshot: nothing read before this test
    return snapshot.rows(graph, name)


def defined(graph: Graph, name: str) -> list[Row]:
    """The export as its .cypher file returns it."""
    return [snapshot._native(r) for r in get(name).records(graph)]


def assert_same(graph: Graph) -> dict[str, int]:
    """Every built export equals its .cypher form; returns the row counts."""
    counts = {}
    for name in portfolio.BUILT:
        fast, slow = built(graph, name), defined(graph, name)
        assert canon(fast) == canon(slow), (name, set(canon(fast)) ^ set(canon(slow)))
        counts[name] = len(fast)
    assert [(r["agreement"], r["nation"]) for r in built(graph, "equitability-facts")] == [
        (r["agreement"], r["nation"]) for r in defined(graph, "equitability-facts")
    ]  # its order is promised (ORDER BY agreement, nation)
    return counts


#: A framework F with a project P under it and Q under both F and P (two paths from Q to F), a lone
#: agreement L with one party: `above` lists an end once per path.
PATHS = """
CREATE (usa:Nation {code: 'USA'}), (gbr:Nation {code: 'GBR'}), (jpn:Nation {code: 'JPN'}),
       (t1:Technology {id: 'T1'}), (t2:Technology {id: 'T2'}), (c:Component {id: 'NAVY'}),
       (fo:Forum {id: 'FO'}), (fp:Forum {id: 'FP'}),
       (f:Agreement {id: 'F', status: 'active', start: date('2000-01-01'), title: 'Frame', type: 'FRAMEWORK'}),
       (p:Agreement {id: 'P', start: date('2010-01-01'), end: date('2020-01-01'), type: 'PA', depth: 3}),
       (q:Agreement {id: 'Q', status: 'ended', type: 'IEA', deliberate_redundancy: 'backup'}),
       (l:Agreement {id: 'L'}),
       (p)-[:UNDER]->(f), (q)-[:UNDER]->(f), (q)-[:UNDER]->(p),
       (f)-[:UNDER_AUSPICES_OF]->(fo), (p)-[:UNDER_AUSPICES_OF]->(fp), (q)-[:UNDER_AUSPICES_OF]->(fo),
       (usa)-[:PARTY_TO {contribution_value: 2.0, benefit_value: 0.0}]->(f), (gbr)-[:PARTY_TO]->(f),
       (jpn)-[:PARTY_TO {contribution_value: 1.5}]->(f),
       (usa)-[:PARTY_TO]->(q), (gbr)-[:PARTY_TO]->(q), (jpn)-[:PARTY_TO]->(q), (usa)-[:PARTY_TO]->(l),
       (f)-[:COVERS]->(t1), (q)-[:COVERS]->(t1), (q)-[:COVERS]->(t2), (c)-[:LEADS]->(q)
"""


def test_paths_are_listed_once_each_as_cypher_lists_them(graph: Graph) -> None:
    graph.write(PATHS)
    assert_same(graph)
    facts = {r["id"]: r for r in built(graph, "duplicate-facts")}
    assert sorted(facts["Q"]["above"]) == ["F", "F", "P"]  # Q->F and Q->P->F: F once per path
    assert facts["F"]["above"] == [] and facts["L"]["parties"] == ["USA"]
    assert facts["Q"]["components"] == ["NAVY"] and sorted(facts["Q"]["technologies"]) == ["T1", "T2"]
    links = {r["id"]: r for r in built(graph, "agreement-links")}
    assert links["P"]["depth"] == 3 and links["P"]["end"].isoformat() == "2020-01-01"
    shares = built(graph, "equitability-facts")
    assert [(r["agreement"], r["nation"], r["contribution_value"]) for r in shares[:3]] == [
        ("F", "GBR", None),
        ("F", "JPN", 1.5),
        ("F", "USA", 2.0),
    ]


def test_a_cycle_written_outside_stkg_ends_as_cypher_ends_it(graph: Graph) -> None:
    """Ingest refuses cycles, but a hand edit in Neo4j Browser can make one: no relationship twice."""
    graph.write(PATHS + ", (f)-[:UNDER]->(q)")
    assert_same(graph)


def test_the_sample_exports_are_the_same(sample: Graph) -> None:
    counts = assert_same(sample)
    assert min(counts.values()) > 10, counts  # equal empty answers would prove nothing


@pytest.mark.slow
def test_a_synthetic_portfolio_exports_the_same(graph: Graph) -> None:
    ingest_input(graph, read_tables(synth(600, seed=7), "synth"))
    counts = assert_same(graph)
    assert counts["equitability-facts"] > 1000, counts
    assert_same_gaps(graph)


#: Dates the gaps are compared at: before most agreements, among them, after most have ended.
GAP_DATES = [dt.date(y, 6, 1) for y in (1990, 2005, 2015, 2024, 2040)]


def assert_same_gaps(graph: Graph) -> None:
    """The gaps worked out on the snapshot are coverage-gaps.cypher's, at every date of GAP_DATES."""
    found = {}
    for day in GAP_DATES:
        cypher = {r["technology"] for r in analysis("coverage-gaps").run(graph, {"as_of": day})}  # type: ignore[index]
        assert coverage.gaps(graph, day) == cypher, day
        found[day] = len(cypher)
    assert len(set(found.values())) > 1, found  # the dates differ: equal constant answers would prove little


def test_the_sample_gaps_are_coverage_gaps_at_every_date(sample: Graph) -> None:
    assert_same_gaps(sample)


def test_the_active_links_of_a_date_are_the_export_rows_active_that_day(sample: Graph) -> None:
    whole = defined(sample, "agreement-links")
    sizes = set()
    for day in GAP_DATES:
        expected = [r for r in whole if snapshot.active(r, day)]
        assert canon(snapshot.active_links(sample, day)) == canon(expected), day
        sizes.add(len(expected))
    assert len(sizes) > 2, sizes  # the dates keep different agreements


def test_an_export_shares_the_flat_reads_of_the_snapshot(sample: Graph) -> None:
    sample._changed()
    snapshot.rows(sample, "duplicate-facts")
    held = snapshot.of(sample)._held
    assert {"agreement-rows", "party-links:values", "cover-links:values", "under-links:values"} <= set(held)
    assert "equitability-facts" not in held and "party-values:values" not in held  # only what was asked for
    read = held["agreement-rows"]
    snapshot.rows(sample, "equitability-facts")  # the same version: the read is not repeated
    assert snapshot.of(sample)._held["agreement-rows"] is read


@pytest.mark.parametrize("name", sorted(portfolio.BUILT))
def test_an_export_reads_exactly_the_tables_it_names_for_the_prefetch(sample: Graph, name: str) -> None:
    sample._changed()
    snapshot.rows(sample, name)
    held = snapshot.of(sample)._held
    read = {k.removesuffix(":values") for k in held if k.endswith(":values")}
    assert read == set(portfolio.LINKS_OF[name]) and "agreement-rows" in held
