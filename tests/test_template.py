"""The template workbook: generated from the contract, ingests empty as nothing, ingests filled as data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from graph.connection import Graph
from ingest.contract import TABLES
from ingest.pipeline import ingest_path
from ingest.template import write_template
from tests.conftest import run_stkg
from tests.fixtures import totals


def test_the_template_follows_the_contract(tmp_path: Path) -> None:
    write_template(tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(tmp_path / "book.xlsx")
    assert book.sheetnames == ["README", *(t.name for t in TABLES)]
    assert "stkg ingest book.xlsx" in " ".join(str(r[0].value) for r in book["README"].iter_rows())
    agreements = book["agreements"]
    header = {c.value: c for c in agreements[1]}
    assert list(header) == [c.name for c in next(t for t in TABLES if t.name == "agreements").columns]
    assert header["id"].font.bold and not header["status"].font.bold  # required columns are marked
    assert header["parties"].comment.text.startswith("Required. Nations party to it")
    rules = {str(v.sqref): v for v in agreements.data_validations.dataValidation}
    by_column = {str(ref).split(":")[0][:-1]: v for ref, v in rules.items()}
    letters = {name: cell.column_letter for name, cell in header.items()}
    assert by_column[letters["type"]].formula1 == '"FRAMEWORK,MOU,PA,IEA,ESEP,LOI,OTHER"'
    assert by_column[letters["deliberate_redundancy"]].formula1 == '"true,false"'
    assert by_column[letters["start"]].type == "date"
    assert by_column[letters["title"]].prompt.startswith("Required.")
    assert agreements.column_dimensions[letters["start"]].number_format == "yyyy-mm-dd"


def test_the_untouched_template_loads_nothing_and_a_filled_one_loads(graph: Graph, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    done = run_stkg("template", "--out", str(path), data_dir=tmp_path / "d")
    assert done.returncode == 0, done.stderr
    before = totals(graph)
    summary = ingest_path(graph, path)
    assert summary.changed == 0 and totals(graph) == before
    book = openpyxl.load_workbook(path)
    book["technologies"].append(["QX", "Quantum sensing", None, None, None, 3])
    book["agreements"].append(
        ["A-1", "UK-US quantum PA", "PA", "USA;United Kingdom", "QX", "active", dt.datetime(2024, 5, 1)]
    )
    book.save(path)
    summary = ingest_path(graph, path)
    assert summary.counts["agreements"]["created"] == 1
    rows = graph.read(
        "MATCH (n:Nation)-[:PARTY_TO]->(a:Agreement {id: 'A-1'})-[:COVERS]->(t:Technology) "
        "RETURN a.start AS start, t.priority AS p, collect(n.code) AS parties"
    )
    assert rows[0]["start"].iso_format() == "2024-05-01" and rows[0]["p"] == 3
    assert sorted(rows[0]["parties"]) == ["GBR", "USA"]
