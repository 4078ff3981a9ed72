"""Mappings: a planner's own workbook loads through a YAML mapping into the same graph as the contract
files, and every error, in the mapping or in the data, points at the user's own file, line or cell."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from graph.connection import Graph
from graph.errors import ValidationError
from ingest.export import export
from ingest.pipeline import ingest_path
from ingest.reference import SAMPLE_DIR
from tests.conftest import run_stkg
from tests.fixtures import totals
from tests.test_export import same_files

EXAMPLES = SAMPLE_DIR.parent / "examples"
BOOK, MAP = EXAMPLES / "planner-portfolio.xlsx", EXAMPLES / "planner-portfolio.yaml"


def test_the_messy_workbook_loads_like_the_contract_files(graph: Graph, tmp_path: Path) -> None:
    summary = ingest_path(graph, BOOK, mapping=MAP)
    assert summary.counts["agreements"]["created"] == 3
    assert any("columns not used by the mapping: Desk officer" in w for w in summary.warnings)
    export(graph, tmp_path / "mapped")
    graph.write("MATCH (n) DETACH DELETE n")
    ingest_path(graph, EXAMPLES / "contract")
    export(graph, tmp_path / "contract")
    same_files(tmp_path / "mapped", tmp_path / "contract")
    row = graph.read(
        "MATCH (a:Agreement {id: 'EX-003'}) RETURN a.type AS t, a.start AS s, a.deliberate_redundancy AS d"
    )
    assert (row[0]["t"], row[0]["s"].iso_format(), row[0]["d"]) == ("MOU", "2012-01-02", True)


def test_the_cli_takes_a_mapping(tmp_path: Path) -> None:
    done = run_stkg("ingest", str(BOOK), "--mapping", str(MAP), "--dry-run", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "agreements     created      3" in done.stdout


def mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "tables:\n  agrements:\n    source: X\n",
            "map.yaml:2:tables.agrements: not a contract table; did you mean 'agreements'?",
        ),
        (
            "tables:\n  components:\n    source: Orgs\n    columns:\n      idd: Org code\n",
            "map.yaml:5:tables.components.columns.idd: not a column of components; did you mean 'id'?",
        ),
        (
            "tables:\n  components:\n    source: Orgs\n    source: Other\n",
            "map.yaml:4:-: not valid YAML: key 'source' given twice (first on line 3)",
        ),
        (
            "tables:\n  components:\n    source: Orgs\n    split: ', '\n",
            "map.yaml:4:tables.components.split: expected one character",
        ),
        (
            "tables:\n  components:\n    source: Orgs\n    date_format: dd/mm\n",
            "map.yaml:4:tables.components.date_format: expected a strptime pattern",
        ),
        (
            "tables:\n  components:\n    source: Orgs\n    colums: {}\n",
            "map.yaml:4:tables.components.colums: unknown key",
        ),
        ("tables:\n  components:\n    columns: {}\n", "map.yaml:2:tables.components: needs at least source:"),
        ("agreements: []\n", "map.yaml:1:-: expected one top-level key, tables:"),
        ("tables: [\n", "map.yaml:2:-: not valid YAML"),
    ],
)
def test_a_bad_mapping_is_refused_with_its_line(
    graph: Graph, tmp_path: Path, text: str, expected: str
) -> None:
    before = totals(graph)
    with pytest.raises(ValidationError) as failed:
        ingest_path(graph, BOOK, mapping=mapping(tmp_path, text))
    assert any(p.startswith(expected) for p in failed.value.problems), failed.value.problems
    assert totals(graph) == before


def test_a_mapping_that_names_what_the_workbook_lacks_says_what_is_there(
    graph: Graph, tmp_path: Path
) -> None:
    text = "tables:\n  components:\n    source: Org\n  technologies:\n    source: Tech list\n    columns:\n      id: Cod\n      name: Technology\n"
    with pytest.raises(ValidationError) as failed:
        ingest_path(graph, BOOK, mapping=mapping(tmp_path, text))
    problems = failed.value.problems
    assert "map.yaml:3:tables.components.source: no sheet or file 'Org'; did you mean 'Orgs'?" in problems
    assert any(
        p.startswith(
            "map.yaml:7:tables.technologies.columns.id: no column 'Cod' in planner-portfolio.xlsx#Tech list; did you mean 'Code'?"
        )
        for p in problems
    )


def test_data_errors_point_at_the_users_own_sheet_row_and_column(graph: Graph, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(BOOK)
    sheet = book["Portfolio 2025"]
    sheet["C3"] = "Grant"  # an instrument the mapping does not translate
    sheet["G4"] = "31/02/2020"  # no such day
    sheet["D2"] = "USA, Atlantis"
    path = tmp_path / "planner.xlsx"
    book.save(path)
    shutil.copy(MAP, tmp_path / "map.yaml")
    before = totals(graph)
    with pytest.raises(ValidationError) as failed:
        ingest_path(graph, path, mapping=tmp_path / "map.yaml")
    problems = failed.value.problems
    assert any(
        p.startswith("planner.xlsx#Portfolio 2025:3:Instrument: 'Grant' is not one of") for p in problems
    ), problems
    assert (
        "planner.xlsx#Portfolio 2025:4:Signed: '31/02/2020' does not match the date format '%d/%m/%Y'"
        in problems
    )
    assert any(
        p.startswith("planner.xlsx#Portfolio 2025:2:Partners: unknown nation 'Atlantis'") for p in problems
    ), problems
    assert totals(graph) == before
