"""Input that cannot be silently wrong: every class of refused input names its file, row and column,
and leaves the graph exactly as it was; the things people really send that are fine still load."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from graph.connection import Graph
from graph.errors import AmbiguousError, NotFoundError, ValidationError
from ingest.pipeline import ingest_path
from queries.analysis import analysis
from tests.conftest import run_stkg
from tests.fixtures import count, load, totals

BASE = {
    "technologies": [{"id": "BX-T1", "name": "Base one"}],
    "components": [{"id": "ARMY", "name": "Army"}],
}


@pytest.fixture
def based(graph: Graph) -> Graph:
    load(graph, **BASE)
    return graph


def refused(graph: Graph, path: Path, *expected: str, **kw: bool) -> list[str]:
    """Ingest must fail with each expected problem (a prefix) and leave the graph unchanged."""
    before = totals(graph)
    with pytest.raises(ValidationError) as failed:
        ingest_path(graph, path, **kw)
    problems = failed.value.problems
    for prefix in expected:
        assert any(p.startswith(prefix) for p in problems), (prefix, problems)
    assert totals(graph) == before
    return problems


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def book(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


# ---------------------------------------------------------------- CSV
def test_a_trailing_extra_comma_is_refused_not_shifted(based: Graph, tmp_path: Path) -> None:
    """The audit's case: pandas took the first column as an index and BX-T9 became 'BXS'."""
    csv = write(tmp_path / "d" / "technologies.csv", "id,name,scheme\nBX-T8,Eight,BXS\nBX-T9,Nine,BXS,\n")
    refused(based, csv.parent, "technologies.csv:3:4: 4 fields but the header has 3")
    assert count(based, "(t:Technology {id: 'BX-T9'})") == 0


def test_a_trailing_comma_on_every_line_is_an_empty_column_and_loads(based: Graph, tmp_path: Path) -> None:
    csv = write(tmp_path / "d" / "technologies.csv", "id,name,\nBX-T8,Eight,\n")
    ingest_path(based, csv.parent)
    assert based.read("MATCH (t:Technology {id: 'BX-T8'}) RETURN t.name AS n") == [{"n": "Eight"}]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,name,id\nA,B,C\n", "technologies.csv:1:id: column given twice"),
        ("id,name,\nA,B,oops\n", "technologies.csv:2:3: a value in a column with no header"),
        ('id,name\nA,"B\x00"\n', "technologies.csv:2:name: control or invisible character U+0000"),
        ("id,name\nA\x00B,Name\n", "technologies.csv:2:id: control or invisible character U+0000"),
        ('id,name\nA,"two\nlines"\n', "technologies.csv:2:name: control or invisible character U+000A"),
        ("id,name\nA,\u202eevil\n", "technologies.csv:2:name: control or invisible character U+202E"),
        ("id,name\nA\u200b,Name\n", "technologies.csv:2:id: control or invisible character U+200B"),
        (
            "id,name,priority\nA,Name,\u0663\n",
            "technologies.csv:2:priority: '\u0663' has non-ASCII characters",
        ),
        ("id;name\nA;Name\n", "technologies.csv:1:-: the header is one column holding ';'"),
        ('id,name\nA,"B"x\n', "technologies.csv:2:-: malformed CSV"),
        ("id,nmae\nA,Name\n", "technologies.csv:1:nmae: unknown column; did you mean 'name'?"),
    ],
)
def test_csv_cells_that_would_load_wrong_are_refused(
    based: Graph, tmp_path: Path, text: str, expected: str
) -> None:
    refused(based, write(tmp_path / "d" / "technologies.csv", text).parent, expected)


def test_a_date_with_non_ascii_digits_is_refused(based: Graph, tmp_path: Path) -> None:
    text = "id,name,kind,established\nF,Forum,group,\u0662\u0660\u0662\u0665-01-01\n"
    refused(based, write(tmp_path / "d" / "forums.csv", text).parent, "forums.csv:2:established: '")


def test_a_csv_file_that_is_not_a_table_is_refused_unless_told(based: Graph, tmp_path: Path) -> None:
    write(tmp_path / "d" / "technology.csv", "id,name\nBX-T7,Seven\n")
    write(tmp_path / "d" / "components.csv", "id,name\nNAVY,Navy\n")
    refused(
        based,
        tmp_path / "d",
        "technology.csv:-:-: file 'technology' is not a table; did you mean 'technologies'?",
    )
    summary = ingest_path(based, tmp_path / "d", ignore_unknown=True)
    assert any("ignored (--ignore-unknown-tables)" in w for w in summary.warnings)
    assert (
        count(based, "(c:Component {id: 'NAVY'})") == 1 and count(based, "(t:Technology {id: 'BX-T7'})") == 0
    )


# ---------------------------------------------------------------- JSON
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"components": [], "components": []}', "d.json#components:-:-: table 'components' given twice"),
        ('{"components": [{"id": "A", "name": "x", "id": "B"}]}', "d.json#components:1:id: key given twice"),
        ('{"components": [{"id": "A", "name": {"en": "x"}}]}', "d.json#components:1:name: an object where"),
        (
            '{"technologies": [{"id": "A", "name": "x", "broader": [["B"]]}]}',
            "d.json#technologies:1:broader: a nested",
        ),
        (
            '{"components": [{"id": ["A", "B"], "name": "x"}]}',
            "d.json#components:1:id: a list (2 values) where",
        ),
        ('{"components": [{"id": "A\\u0000", "name": "x"}]}', "d.json#components:1:id: control or invisible"),
        (
            '{"Components": [{"id": "A", "name": "x"}]}',
            "d.json#Components:-:-: JSON member 'Components' is not a table; did you mean 'components'?",
        ),
    ],
)
def test_json_that_would_load_wrong_is_refused(
    based: Graph, tmp_path: Path, text: str, expected: str
) -> None:
    refused(based, write(tmp_path / "d.json", text), expected)


def test_json_arrays_are_accepted_wherever_a_list_is(based: Graph, tmp_path: Path) -> None:
    doc = {
        "agreements": [
            {
                "id": "J1",
                "title": "Listed",
                "type": "PA",
                "parties": ["USA", "United Kingdom"],
                "technologies": ["BX-T1"],
                "start": "2020-01-01",
                "deliberate_redundancy": False,
            }
        ]
    }
    ingest_path(based, write(tmp_path / "d.json", json.dumps(doc)))
    rows = based.read(
        "MATCH (n:Nation)-[:PARTY_TO]->(a:Agreement {id: 'J1'}) RETURN n.code AS code ORDER BY code"
    )
    assert [r["code"] for r in rows] == ["GBR", "USA"]


# ---------------------------------------------------------------- XLSX
@pytest.mark.parametrize(
    ("title", "hint"),
    [("Agreements ", "did you mean 'agreements'?"), ("Sheet1", "(tables: nations, ")],
)
def test_a_sheet_that_is_not_a_table_is_refused_with_the_nearest_name(
    based: Graph, tmp_path: Path, title: str, hint: str
) -> None:
    path = book(tmp_path / "b.xlsx", {title: [["id", "title"], ["X1", "Row"]]})
    problems = refused(based, path, f"b.xlsx#{title}:-:-: sheet {title!r} is not a table")
    assert hint in problems[0]


def test_a_workbook_with_only_renamed_sheets_is_not_an_empty_success(based: Graph, tmp_path: Path) -> None:
    path = book(tmp_path / "b.xlsx", {"Sheet1": [["id", "name"], ["NAVY", "Navy"]]})
    done = run_stkg("ingest", str(path), data_dir=tmp_path / "data")
    assert done.returncode != 0 and "is not a table" in done.stderr


def test_merged_cells_and_formulas_without_values_are_refused(based: Graph, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "components"  # type: ignore[union-attr]
    for row in (["id", "name"], ["NAVY", "Navy"], ["AIR", None]):
        ws.append(row)  # type: ignore[union-attr]
    ws.merge_cells("B2:B3")  # type: ignore[union-attr]
    wb.save(tmp_path / "m.xlsx")
    refused(based, tmp_path / "m.xlsx", "m.xlsx#components:-:-: merged cells (B2:B3)")
    path = book(tmp_path / "f.xlsx", {"components": [["id", "name"], ["NAVY", '=UPPER("navy")']]})
    refused(based, path, "f.xlsx#components:-:B2: a formula with no saved value")


def test_xlsx_values_past_the_header_and_duplicate_headers_are_refused(based: Graph, tmp_path: Path) -> None:
    path = book(tmp_path / "b.xlsx", {"components": [["id", "name"], ["NAVY", "Navy", "stray"]]})
    refused(based, path, "b.xlsx#components:2:3: 3 fields but the header has 2")
    path = book(tmp_path / "c.xlsx", {"components": [["id", "name", "name"], ["NAVY", "Navy", "Navy2"]]})
    refused(based, path, "c.xlsx#components:1:name: column given twice")


# ---------------------------------------------------------------- parameters that name entities
@pytest.mark.parametrize(
    ("name", "params", "error", "suggestion"),
    [
        ("collaborations", {"component": "ARMI"}, NotFoundError, "ARMY"),
        ("collaborations", {"nation": "USB"}, NotFoundError, "USA"),
        ("coverage-gaps", {"nation": "QQQ"}, NotFoundError, None),
        ("collaborations", {"technology": "BX-T2"}, NotFoundError, "BX-T1"),
        ("disclosure-trace", {"nation": "Korea", "technology": "BX-T1"}, AmbiguousError, "KOR"),
        ("predraft-check", {"parties": "USA,Atlantis", "technologies": "BX-T1"}, NotFoundError, None),
    ],
)
def test_an_unknown_entity_parameter_is_an_error_not_an_empty_answer(
    based: Graph, name: str, params: dict[str, str], error: type[Exception], suggestion: str | None
) -> None:
    load(based, nations=[{"code": "USA", "name": "United States"}, {"code": "GBR", "name": "United Kingdom"}])
    with pytest.raises(error) as failed:
        analysis(name).run(based, params)
    if suggestion:
        assert suggestion in failed.value.suggestions  # type: ignore[attr-defined]


def test_the_cli_names_the_unknown_component(tmp_path: Path) -> None:
    done = run_stkg("query", "collaborations", "--param", "component=NOPE", data_dir=tmp_path)
    assert done.returncode != 0 and "unknown component 'NOPE'" in done.stderr


def test_a_second_membership_of_the_same_forum_and_nation_is_refused(based: Graph, tmp_path: Path) -> None:
    """Two rows for one pair (observer, then member) would leave one relationship: the first, silently lost."""
    write(tmp_path / "d" / "forums.csv", "id,name,kind\nF,Forum,group\n")
    text = "forum,nation,role,since\nF,USA,observer,2000-01-01\nF,USA,member,2010-01-01\n"
    write(tmp_path / "d" / "memberships.csv", text)
    refused(based, tmp_path / "d", "memberships.csv:3:nation: USA already has a membership of F at row 2")
