"""A snapshot patched with the ingest runs since the one before answers exactly as one read in full, and any
write the write log cannot vouch for is read in full (queries/patch.py)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import journal
from graph.connection import Graph
from graph.errors import ValidationError
from ingest import contract
from ingest.pipeline import ingest_input, ingest_path
from ingest.reader import read_tables
from ingest.reference import REFERENCE_DIR, SAMPLE_DIR, load_reference
from ingest.synth import synth
from queries import browse, duplication, patch, snapshot
from queries.analysis import analysis
from queries.catalog import get

Row = dict[str, Any]
DAY = dt.date(2024, 6, 1)
#: The analyses read from the snapshot, with their parameters.
ASKED: dict[str, dict[str, Any]] = {
    "coverage-gaps": {"as_of": DAY},
    "duplicates": {"as_of": DAY},
    "duplicate-clusters": {"as_of": DAY},
    "exclusionary-consortia": {"as_of": DAY},
    "collaborations": {"as_of": DAY},
    "partners": {"as_of": DAY},
    "equitability": {"as_of": DAY},
    "expiring": {"as_of": DAY, "within_days": 720},
    "engagement-priorities": {"as_of": DAY},
    "engagement-delta": {"as_of": DAY},
    "portfolio-changes": {"from": dt.date(2022, 6, 1), "to": DAY},
    "findings-delta": {"from": dt.date(2022, 6, 1), "to": DAY},
}


def _csv_rows(table: str, folder: Path = SAMPLE_DIR) -> list[Row]:
    """The sample's (or the reference data's) rows of one table, empty cells left out."""
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
        return [{k: v for k, v in r.items() if v} for r in csv.DictReader(f)]


def _sample_rows(table: str) -> dict[str, Row]:
    """The sample's rows of one table by their first column (with the nation, when there is one)."""
    rows = _csv_rows(table)
    return {next(iter(r.values())) + ("|" + r["nation"] if "nation" in r else ""): r for r in rows}


def _row(table: str, key: str, folder: Path = SAMPLE_DIR, **values: str) -> dict[str, list[Row]]:
    """One run of one row of a shipped table, found by its first columns (never empty: they are its key)
    joined by |, some values changed (an empty value clears a cell)."""
    [row] = [r for r in _csv_rows(table, folder) if "|".join(list(r.values())[: key.count("|") + 1]) == key]
    return {table: [{k: v for k, v in (row | values).items() if v or k in values}]}


def _answers(graph: Graph, asked: dict[str, dict[str, Any]] = ASKED) -> dict[str, str]:
    """Every analysis's answer as exact JSON (order included), and the names pages show beside ids."""
    found = {name: json.dumps(analysis(name).run(graph, p), default=str) for name, p in asked.items()}
    return found | {"names": json.dumps(browse.names(graph), sort_keys=True)}


def test_names_give_every_agreement_its_title_as_the_list_does(loaded: Graph) -> None:
    listed = {r["id"]: r["title"] or "" for r in browse.base(loaded, "agreements")}
    assert browse.names(loaded)["agreements"] == listed and len(listed) > 100


@pytest.fixture
def loaded(graph: Graph) -> Iterator[Graph]:
    """The reference data and the sample, every answer asked once (so the snapshot holds its reads)."""
    load_reference(graph)
    ingest_path(graph, SAMPLE_DIR)
    _answers(graph)
    yield graph


def _ingest(graph: Graph, **tables: list[Row]) -> None:
    """One ingest run of these rows."""
    try:
        ingest_input(graph, read_tables(tables, "edit"))
    except ValidationError as exc:
        raise AssertionError(exc.problems) from exc


def _full(graph: Graph, asked: dict[str, dict[str, Any]] = ASKED) -> dict[str, str]:
    """The answers from a snapshot read in full with nothing handed on (as a new process's first)."""
    with snapshot._guard:
        snapshot._snapshots.clear()
    fresh = snapshot.of(graph)
    assert not fresh.patched and not fresh._earlier and not fresh._held.get(patch.UNCHECKED)
    return _answers(graph, asked)


AGREEMENTS = _sample_rows("agreements")


def _edit(name: str, **values: str) -> Row:
    """A sample agreement's row with some values changed."""
    return AGREEMENTS[name] | values


#: A restriction in force since 2023: portfolio-changes' window (2022-06-01 to DAY) sees it come in.
RESTRICTION = {
    "id": "TEST-R1",
    "kind": "POLICY",
    "effect": "review",
    "nations": "JPN",
    "effective": "2023-01-01",
}
#: Ingest runs, each a list of runs of rows of one table or more: every table stkg ingests.
EDITS: dict[str, list[dict[str, list[Row]]]] = {
    "retitled": [{"agreements": [_edit("SMP-PA-GBR-ML", title="Renamed ML PA")]}],
    "a party added": [{"agreements": [_edit("SMP-PA-GBR-ML2", parties="USA;GBR;CAN")]}],
    "technologies changed": [{"agreements": [_edit("SMP-IEA-TRI-QC", technologies="SMP-AI-ML")]}],
    "moved under a framework": [{"agreements": [_edit("SMP-PA-GBR-ML2", parent="SMP-FW-GBR")]}],
    # SMP-PA-GBR-ML is under SMP-FW-GBR: now under SMP-PA-GBR-ML2 too, so those two are no longer a pair
    "a framework moved": [{"agreements": [_edit("SMP-FW-GBR", parent="SMP-PA-GBR-ML2")]}],
    "ended": [{"agreements": [_edit("SMP-PA-GBR-ML", status="terminated", end="2023-01-01")]}],
    "a new duplicate": [
        {"agreements": [_edit("SMP-PA-GBR-ML", id="NEW-DUP", title="New duplicate", lead_component="NAVY")]}
    ],
    "values of a party": [
        {"parties": [_sample_rows("parties")["SMP-PA-QUAD-AI|GBR"] | {"contribution_value": "0"}]}
    ],
    "a restriction, then an exemption from it": [
        {"restrictions": [RESTRICTION]},
        {"exemptions": [{"id": "TEST-X1", "citation": "test", "nations": "JPN", "overrides": "TEST-R1"}]},
    ],
    "a technology moved under another": [_row("technologies", "SMP-AI-ML", broader="MP-AUTONOMY")],
    "a technology retitled": [_row("technologies", "SMP-AI-ML", name="Renamed technology")],
    "a technology's priority": [_row("technologies", "MP-DE", priority="")],  # a gap no more
    # covered on DAY, not on findings-delta's first day: a gap that disappeared
    "a technology given a priority": [_row("technologies", "AUKUS-QUANTUM", REFERENCE_DIR, priority="2")],
    "a membership ended": [_row("memberships", "NATO-STO|BEL", REFERENCE_DIR, until="2020-01-01")],
    "a forum moved": [_row("forums", "NATO-STO", REFERENCE_DIR, parent="")],
    "a need": [_row("needs", "ARMY|MP-AUTONOMY", priority="1")],
    "a strength": [_row("strengths", "GBR|MP-AI", strength="3")],
    "a nation's factors": [_row("nation_factors", "GBR", regional_priority="3")],
    "a nation renamed": [{"nations": [{"code": "GBR", "name": "Renamed kingdom"}]}],
    "two runs": [
        {"agreements": [_edit("SMP-PA-GBR-ML", title="First")]},
        {"agreements": [_edit("SMP-PA-GBR-ML3", deliberate_redundancy="false", title="Second")]},
    ],
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_patched_snapshot_answers_as_one_read_in_full(loaded: Graph, edit: str) -> None:
    before = _answers(loaded)
    for run in EDITS[edit]:
        _ingest(loaded, **run)
    assert snapshot.of(loaded).patched
    patched = _answers(loaded)
    assert snapshot.of(loaded).patched  # no read in full on the way
    assert patched == _full(loaded)
    assert patched != before  # the edit changed some answer, so a stale snapshot would have failed


def test_each_table_drops_only_kept_values() -> None:
    # a misspelt name would keep a stale value: each must be one of KEPT
    assert all(stale <= patch.KEPT for stale in patch.TABLES.values())
    assert set(patch.TABLES) <= set(contract.ORDER)


def test_a_components_run_is_patched_in(loaded: Graph) -> None:
    # no held value reads a component's name (lead-links reads its id): the patch keeps everything
    before = _answers(loaded)
    _ingest(loaded, **_row("components", "NAVY", REFERENCE_DIR, name="Renamed navy"))
    assert snapshot.of(loaded).patched
    assert _answers(loaded) == before == _full(loaded)


def test_a_patch_rereads_only_the_changed_agreements(loaded: Graph) -> None:
    old = snapshot.of(loaded)
    _ingest(loaded, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])
    new = snapshot.of(loaded)
    assert new.patched and new.made == old.made  # the age of its last full read is kept
    kept = {id(r) for r in old._held["agreement-rows"]}
    fresh = [r for r in new._held["agreement-rows"] if id(r) not in kept]
    assert [r["title"] for r in fresh] == ["Renamed"]
    assert new._held["lineage"] is old._held["lineage"]  # no agreement reaches the taxonomy
    parties, before = new._held["party-links:nation"], old._held["party-links:nation"]
    assert parties["SMP-PA-GBR-ML"] is not before["SMP-PA-GBR-ML"]  # grouped again from its rows read now
    assert sorted(parties["SMP-PA-GBR-ML"]) == ["GBR", "USA"]
    assert parties["SMP-FW-GBR"] is before["SMP-FW-GBR"]
    facts, made = new._held[patch.OBJECTS], old._held[patch.OBJECTS]
    assert "SMP-PA-GBR-ML" in made and "SMP-PA-GBR-ML" not in facts  # built again when a date asks
    assert facts["SMP-PA-GBR-ML2"] is made["SMP-PA-GBR-ML2"]
    assert "under-links:numbered" not in new._held  # numbered by position in the table: numbered again
    held = old._dated[duplication.PAIRING][DAY]  # the old version's pairing index of DAY, patched
    index = duplication._pairing(loaded, DAY)
    assert (
        index.dead == {held.at["SMP-PA-GBR-ML"]} and index.facts[index.at["SMP-PA-GBR-ML"]].title == "Renamed"
    )
    assert index.holders["JPN"] is held.holders["JPN"]  # a set the edit did not touch is shared
    assert index.holders["GBR"] is not held.holders["GBR"] and held.at["SMP-PA-GBR-ML"] in held.holders["GBR"]
    assert DAY not in new._earlier[duplication.PAIRING]  # worked out again: the old index may go
    assert dt.date(2022, 6, 1) in new._earlier[duplication.PAIRING]  # findings-delta's other date: not yet


def test_a_restrictions_run_rereads_the_restrictions_and_keeps_every_agreements_value(loaded: Graph) -> None:
    old = snapshot.of(loaded)
    _ingest(loaded, restrictions=[RESTRICTION])
    new = snapshot.of(loaded)
    assert new.patched and "restriction-facts" in old._held and "restriction-facts" not in new._held
    assert new._held["agreement-rows"] == old._held["agreement-rows"]  # no agreement read again
    assert all(a is b for a, b in zip(new._held["agreement-rows"], old._held["agreement-rows"], strict=True))
    assert new._held["exemption-facts"] is old._held["exemption-facts"]
    assert "TEST-R1" in {r["id"] for r in snapshot.rows(loaded, "restriction-facts")}


def test_a_frameworks_forum_reaches_the_agreements_under_it(loaded: Graph) -> None:
    _ingest(loaded, agreements=[_edit("SMP-IEA-TRI-QC", parent="SMP-FW-GBR")])  # three parties, now under it
    _answers(loaded)  # the patched snapshot now holds agreement-facts
    _ingest(loaded, agreements=[_edit("SMP-FW-GBR", forum="TTCP")])
    new = snapshot.of(loaded)
    assert new.patched and "agreement-facts" in new._held  # patched, not read again
    facts = {r["id"]: r for r in new._held["agreement-facts"]}
    assert "TTCP" in facts["SMP-IEA-TRI-QC"]["auspices"]  # the framework's forum, not its own change
    assert _answers(loaded) == _full(loaded)


def test_agreements_under_others_are_found_through_every_level(loaded: Graph) -> None:
    _ingest(
        loaded, agreements=[_edit("SMP-IEA-TRI-QC", parent="SMP-PA-GBR-ML")]
    )  # under a PA under a framework
    found = {r["id"] for r in get(patch.FACTS[2]).run(loaded, {"ids": ["SMP-FW-GBR"]})}
    assert {"SMP-PA-GBR-ML", "SMP-IEA-TRI-QC"} <= found and "SMP-FW-GBR" not in found
    assert "SMP-PA-GBR-ML2" not in found  # not under it


#: The synthetic portfolio's analyses, at a date its agreements are active.
SYNTH_DAY = dt.date(2015, 6, 1)
SYNTH_ASKED = {
    name: ({"from": dt.date(2014, 6, 1), "to": SYNTH_DAY} if "from" in params else {"as_of": SYNTH_DAY})
    for name, params in ASKED.items()
}


def _random_edit(rng: random.Random, row: Row, tables: dict[str, list[Row]]) -> Row:
    """One agreement's row with one value changed at random, as a planner's next ingest might."""
    nations = sorted({p for r in tables["agreements"] for p in r["parties"].split(";")})
    frameworks = [r["id"] for r in tables["agreements"] if r["type"] == "FRAMEWORK"]
    technologies = [t["id"] for t in tables["technologies"]]
    changes = {
        "title": lambda: f"{row['title']} {rng.randrange(1000)}",
        "parties": lambda: ";".join(rng.sample(nations, rng.randint(2, 4))),
        "technologies": lambda: ";".join(rng.sample(technologies, rng.randint(1, 3))),
        "parent": lambda: rng.choice(frameworks),
        "status": lambda: rng.choice(["active", "proposed", "expired", "terminated"]),
        "start": lambda: rng.randint(1996, 2016),  # and an end after it
    }
    field = rng.choice([f for f in changes if f != "parent" or row["type"] != "FRAMEWORK"])
    value = changes[field]()
    if field == "start":
        return row | {"start": f"{value}-03-01", "end": f"{value + rng.randint(0, 12)}-12-31"}
    return row | {field: value}


def _moved_technology(rng: random.Random, tables: dict[str, list[Row]]) -> Row:
    """A technology moved under another top-level one (no cycle: a top-level one is under none), or
    retitled: the ancestors of every technology under it change, or none do."""
    tops = [t for t in tables["technologies"] if not t.get("broader")]
    moved = rng.choice([t for t in tables["technologies"] if t.get("broader")])
    if rng.random() < 0.3:
        return moved | {"name": f"{moved['name']} {rng.randrange(1000)}"}
    moved |= {"broader": rng.choice([t["id"] for t in tops if t["id"] != moved["broader"]])}
    return moved


@pytest.mark.parametrize("seed", [1, 2])
def test_random_ingests_of_a_synthetic_portfolio_answer_as_read_in_full(graph: Graph, seed: int) -> None:
    rng, tables = random.Random(seed), synth(600, seed=seed)
    ingest_input(graph, read_tables(tables, "synth"))
    rows = {r["id"]: r for r in tables["agreements"]}
    before, moved = _answers(graph, SYNTH_ASKED), 0
    for _ in range(4):
        for _ in range(rng.randint(1, 2)):  # one or two runs before the next answer
            edits = [_random_edit(rng, rows[k], tables) for k in rng.sample(sorted(rows), 6)]
            rows.update((e["id"], e) for e in edits)
            _ingest(graph, agreements=edits)
        _ingest(graph, technologies=[_moved_technology(rng, tables)])  # and a run of another table
        assert snapshot.of(graph).patched
        patched = _answers(graph, SYNTH_ASKED)
        graph._changed()  # read in full, the facts checked: the same answers
        assert not snapshot.of(graph).patched and _answers(graph, SYNTH_ASKED) == patched
        assert patched == _full(graph, SYNTH_ASKED)
        moved += sum(patched[k] != before[k] for k in patched)
        before = patched
    assert moved > 10  # the edits changed answers, so a stale snapshot would have failed


def _unknown_table(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(patch.TABLES, "technologies")  # a table added to stkg before the patch knows it
    _ingest(graph, **_row("technologies", "SMP-AI-ML", name="Renamed technology"))


def _write(graph: Graph) -> None:
    graph.write("MATCH (a:Agreement {id: 'SMP-PA-GBR-ML'}) SET a.title = 'Written outside ingest'")


def _old_stkg(graph: Graph) -> None:
    _ingest(graph, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])
    graph.marker.write_text("1\n", encoding="utf-8")  # a writer that overwrites the log, as stkg once did


def _unfinished_run(graph: Graph) -> None:
    with graph.marker.open("a", encoding="utf-8") as log:  # a run's line with no committed IngestRun
        log.write("1 ingest run-never-finished\n")


def _too_many(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patch, "MOST", 0)
    _ingest(graph, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])


def _unlogged(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(log: Any, entry: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(journal, "append", fail)
    _ingest(graph, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])
    monkeypatch.undo()
    _ingest(graph, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed again")])


def _restarted_log(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal, "LOG_BYTES", 0)
    _ingest(graph, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])


#: Writes after which the next snapshot must read everything.
NOT_PATCHED: dict[str, Callable[..., None]] = {
    "a table the patch does not know": _unknown_table,
    "a write outside ingest": lambda g, m: _write(g),
    "the log overwritten": lambda g, m: _old_stkg(g),
    "a run with no IngestRun": lambda g, m: _unfinished_run(g),
    "more agreements than MOST": _too_many,
    "a write missing from the log": _unlogged,
    "the log started again": _restarted_log,
}


@pytest.mark.parametrize("case", sorted(NOT_PATCHED))
def test_a_write_the_log_cannot_vouch_for_is_read_in_full(
    loaded: Graph, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    old = snapshot.of(loaded)
    NOT_PATCHED[case](loaded, monkeypatch)
    new = snapshot.of(loaded)
    assert not new.patched and new is not old
    # nothing is held but the old duplicates facts, apart, to be checked one by one against the full read
    assert set(new._held) == {patch.UNCHECKED} and new._held[patch.UNCHECKED] == old._held[patch.OBJECTS]
    assert set(new._earlier) == patch.DATED  # the old pairing indexes: patched by identity of checked facts
    loaded._unlogged = False  # the session's graph goes on
    assert _answers(loaded) == _full(loaded)


def test_an_expired_snapshot_is_read_in_full(loaded: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: 1e12)  # long past STKG_CACHE_SECONDS
    _ingest(loaded, agreements=[_edit("SMP-PA-GBR-ML", title="Renamed")])
    new = snapshot.of(loaded)
    assert not new.patched and set(new._held) == {patch.UNCHECKED}
    assert _answers(loaded) == _full(loaded)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_snapshot_read_in_full_keeps_only_the_facts_it_finds_unchanged(loaded: Graph, edit: str) -> None:
    before = _answers(loaded)
    for run in EDITS[edit]:
        _ingest(loaded, **run)
    loaded._changed()  # and a write the log cannot vouch for: read in full, the old facts checked
    assert not snapshot.of(loaded).patched
    checked = _answers(loaded)
    assert checked == _full(loaded)
    assert checked != before


ML2 = "MATCH (a:Agreement {id: 'SMP-PA-GBR-ML2'}) "
#: Writes outside ingest to SMP-PA-GBR-ML2, which pairs with SMP-PA-GBR-ML and the framework above it, each
#: to a field its duplicates facts are built from.
WRITTEN = {
    "title": ML2 + "SET a.title = 'Written outside ingest'",
    "type": ML2 + "SET a.type = 'IEA'",
    "party": "MATCH (:Nation {code: 'USA'})-[r:PARTY_TO]->(:Agreement {id: 'SMP-PA-GBR-ML2'}) DELETE r",
    "technology": ML2 + "MATCH (t:Technology {id: 'MP-AI'}) CREATE (a)-[:COVERS]->(t)",
    "framework": ML2 + "MATCH (f:Agreement {id: 'SMP-FW-GBR'}) CREATE (a)-[:UNDER]->(f)",
    "lead": ML2 + "MATCH (c:Component {id: 'ARMY'}) CREATE (c)-[:LEADS]->(a)",
}


@pytest.mark.parametrize("field", sorted(WRITTEN))
def test_a_write_outside_ingest_rebuilds_only_the_facts_it_changed(loaded: Graph, field: str) -> None:
    before, old = _answers(loaded), snapshot.of(loaded)
    held = old._dated[duplication.PAIRING][DAY]
    loaded.write(WRITTEN[field])
    index = duplication._pairing(loaded, DAY)
    assert not snapshot.of(loaded).patched
    assert index.dead - held.dead == {held.at["SMP-PA-GBR-ML2"]}  # its fact alone rebuilt
    assert index.facts[index.at["SMP-FW-GBR"]] is held.facts[held.at["SMP-FW-GBR"]]  # checked and kept
    checked = _answers(loaded)
    assert checked == _full(loaded) and checked != before


LINE = "1 ingest run-a\n"


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        ("0 write\n", "0 write\n1 ingest run-a\n2 schema\n3 ingest run-b\n", ["run-a", "run-b"]),
        ("0 write\n", "0 write\n" + LINE, ["run-a"]),
        ("0 write\n", "0 write\n1 schema\n", None),  # nothing to patch in
        ("0 write\n", "0 write\n" + LINE + "2 write\n", None),
        ("0 write\n", "0 write\n1 ingest run-a", None),  # a line still being written
        ("0 write\n", "9 begin abc\n" + LINE, None),  # the log started again
        (None, "0 write\n" + LINE, None),
        ("0 write\n", None, None),
        ("0 write\n", "0 write\n1 ingest \n", None),
        ("0 write\n", "0 write\n1 ingest run-a extra\n", None),
    ],
)
def test_only_ingest_runs_since_the_old_log_are_patched_in(
    before: str | None, now: str | None, expected: list[str] | None
) -> None:
    assert journal.runs(before, now) == expected


def test_each_patch_read_returns_its_reads_rows_of_the_agreements_given(loaded: Graph) -> None:
    ids = ["SMP-FW-GBR", "SMP-PA-GBR-ML", "SMP-IEA-TRI-QC", "SMP-PA-QUAD-AI", "NOT-THERE"]
    reads = {key.removesuffix(":values"): query for key, (query, _) in patch.FLAT.items()}
    reads[patch.FACTS[0]] = patch.FACTS[1]
    for whole, part in reads.items():
        column = "id" if "id" in get(whole).returns else "agreement"
        expected = sorted(json.dumps(r, default=str) for r in get(whole).run(loaded) if r[column] in ids)
        assert expected, whole  # the sample has rows of these agreements in every read
        assert sorted(json.dumps(r, default=str) for r in get(part).run(loaded, {"ids": ids})) == expected
