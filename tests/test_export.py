"""Export in the ingest contract: export, ingest into an empty graph, export again gives the same bytes;
GraphML holds every node and relationship."""

from __future__ import annotations

import filecmp
from pathlib import Path

import networkx as nx
import openpyxl
import pytest

from graph.connection import Graph
from ingest.export import export, own_source, tables
from ingest.pipeline import ingest_input, ingest_path
from ingest.reader import read_tables
from ingest.reference import load_reference
from ingest.synth import synth
from tests.conftest import SAMPLE_DIR, run_stkg
from tests.fixtures import count, load, totals


def same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert (mismatch, errors) == ([], []), mismatch


def round_trip(graph: Graph, tmp: Path, via: str) -> None:
    """Export CSV; re-ingest it (or its xlsx/json twin) into an emptied graph; export CSV again."""
    first = tmp / "first"
    export(graph, first)
    before = totals(graph)
    source = first if via == "csv" else tmp / f"twin.{via}"
    if via != "csv":
        export(graph, source)
    graph.write("MATCH (n) DETACH DELETE n")
    ingest_path(graph, source)
    assert totals(graph) == before
    export(graph, tmp / "second")
    same_files(first, tmp / "second")


@pytest.mark.parametrize("via", ["csv", "xlsx", "json"])
def test_the_sample_round_trips_byte_for_byte(graph: Graph, tmp_path: Path, via: str) -> None:
    load_reference(graph)
    ingest_path(graph, SAMPLE_DIR)
    round_trip(graph, tmp_path, via)


def test_a_2k_synthetic_portfolio_round_trips_byte_for_byte(graph: Graph, tmp_path: Path) -> None:
    ingest_input(graph, read_tables(synth(2000, seed=7, plan_nations=40), "synth"))
    round_trip(graph, tmp_path, "csv")


def test_rows_of_their_own_keep_their_values_and_sources(graph: Graph, tmp_path: Path) -> None:
    load(
        graph,
        technologies=[{"id": "T", "name": '=HYPERLINK("x")', "source": "my [note]"}],
        agreements=[{"id": "A", "title": "A", "type": "PA", "parties": "USA;GBR", "technologies": "T"}],
        parties=[{"agreement": "A", "nation": "FRA", "contribution": "2"}],
        forums=[{"id": "F", "name": "F", "kind": "group"}],
        memberships=[{"forum": "F", "nation": "USA", "role": "observer", "since": "2001-02-03"}],
    )
    found = tables(graph)
    assert found["technologies"] == [
        {
            "id": "T",
            "name": '=HYPERLINK("x")',
            "scheme": None,
            "priority": None,
            "source": "my [note]",
            "broader": [],
            "maps_to": [],
        }
    ]
    assert found["agreements"][0]["parties"] == ["FRA", "GBR", "USA"]
    assert [(r["nation"], r["contribution"]) for r in found["parties"]] == [("FRA", "2")]
    assert found["memberships"][0] | {} == {
        "forum": "F",
        "nation": "USA",
        "role": "observer",
        "since": "2001-02-03",
        "until": None,
        "review_by": None,
        "source": None,
    }
    export(graph, tmp_path / "d")
    text = (tmp_path / "d" / "technologies.csv").read_text()
    assert "'=HYPERLINK" in text  # inert in a spreadsheet; the reader takes the apostrophe off again
    export(graph, tmp_path / "b.xlsx", only=["technologies"])
    cell = openpyxl.load_workbook(tmp_path / "b.xlsx")["technologies"]["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


def test_own_source_strips_only_the_provenance() -> None:
    assert own_source("ISO [x] [nations.csv:3]") == "ISO [x]"
    assert own_source("nations.csv:3") is None and own_source(None) is None


def test_graphml_has_every_node_and_relationship(sample: Graph, tmp_path: Path) -> None:
    export(sample, tmp_path / "g.graphml")
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert (g.number_of_nodes(), g.number_of_edges()) == (count(sample), count(sample, "()-[r]->()"))
    nations = [d for _, d in g.nodes(data=True) if d["label"] == "Nation"]
    assert nations and all("code" in d and "name" in d for d in nations)
    assert {d["type"] for _, _, d in g.edges(data=True)} >= {"PARTY_TO", "MEMBER_OF", "APPLIES_TO", "BROADER"}


def test_the_cli_exports_chosen_tables(tmp_path: Path) -> None:
    done = run_stkg(
        "export", "--out", str(tmp_path / "x.json"), "--tables", "components,nope", data_dir=tmp_path / "d"
    )
    assert done.returncode != 0 and "not a table: nope" in done.stderr
    done = run_stkg(
        "export", "--out", str(tmp_path / "x.json"), "--tables", "components", data_dir=tmp_path / "d"
    )
    assert done.returncode == 0, done.stderr


def test_single_answers_honour_table_csv_and_xlsx(sample: Graph, tmp_path: Path) -> None:
    import csv
    import io

    from api import render
    from queries.analysis import analysis

    check = analysis("predraft-check").run(sample, {"parties": "USA,GBR,CHN", "technologies": "MP-AI"})
    text = render.render(check, "table")
    assert text.startswith("parties: USA;GBR;CHN\ntechnologies: MP-AI") and "\ndisclosure (2)\n" in text
    rows = list(csv.DictReader(io.StringIO(render.render(check, "csv"), newline="")))
    disclosure = [r for r in rows if r["section"] == "disclosure"]
    assert [(r["nation"], r["verdict"]) for r in disclosure] == [("CHN", "denied"), ("GBR", "permitted")]
    assert rows[0]["section"] == "answer" and rows[0]["parties"] == "USA;GBR;CHN"
    render.to_xlsx(check, tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert book.sheetnames[:2] == ["answer", "overlapping_agreements"]
    overlap = book["overlapping_agreements"]
    heads = [c.value for c in overlap[1]]
    first = {h: c for h, c in zip(heads, overlap[2], strict=True)}
    assert first["party_overlap"].data_type == "n" and isinstance(first["party_overlap"].value, float)
    trace = analysis("disclosure-trace").run(sample, {"nation": "AUS", "technology": "USML-IV"})
    assert "headline: permitted except 5 narrower items" in render.render(trace, "table")
