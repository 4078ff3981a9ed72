"""Readers for the three input forms: a directory of CSV, an XLSX workbook, a JSON file.

Reading refuses rather than guesses: a row with more fields than the header, a header given
twice, a value under a column with no header, control or invisible formatting characters, a
duplicate key in a JSON object, a nested object where a cell belongs, merged cells, formulas
without saved values, and a sheet, file or JSON member that is not a table are all problems
with `file:row:column`, and nothing is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import openpyxl
import openpyxl.utils

from graph.errors import StkgError, TooLargeError, ValidationError, did_you_mean
from graph.values import FORMULA_STARTERS
from ingest import budget
from ingest.budget import Limits
from ingest.contract import BY_NAME

#: A cell as read: text, or (from a JSON array) a list of texts.
Cell = str | list[str]
#: Control characters (C0 but tab, DEL, C1) and invisible formatting (zero-width, bidi overrides, BOM).
FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
#: A workbook sheet ingest skips: the instructions `stkg template` puts first.
README_SHEET = "README"
csv.field_size_limit(2**31 - 1)  # cells are bounded by the file; validate.py reports cells over MAX_CELL


@dataclass
class RawTable:
    """One table as read: `origin` prefixes messages, rows carry their spreadsheet row number.

    `labels` maps a contract column to the column name the user's file gave it (mappings rename).
    """

    name: str
    origin: str
    columns: list[str]
    rows: list[tuple[int, dict[str, Cell]]]
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, column: str) -> str:
        """The column as the user's file names it."""
        return self.labels.get(column, column)


@dataclass
class Input:
    """Everything read from a path, with per-file checksums and reading problems."""

    path: Path
    tables: dict[str, RawTable] = field(default_factory=dict)
    checksums: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    compiled: str | None = None  # shipped reference data only: the date its facts were checked
    limits: Limits = field(default_factory=Limits)
    rows: int = 0  # data rows read so far, against limits.rows
    ignore_unknown: bool = False  # --ignore-unknown-tables: warn about other sheets/files instead
    any_name: bool = False  # read every sheet, file or member as it is named (a mapping picks the tables)


def text_of(value: Any) -> str:
    """A scalar cell as text: empty for missing values, no '.0' on whole numbers from spreadsheets."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return str(value.date().isoformat()) if hasattr(value, "hour") else str(value.isoformat())
    return str(value).strip()


def forbidden(text: str) -> str | None:
    """A description of the first control or invisible character in text, or None."""
    found = FORBIDDEN.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def _known(data: Input, name: str, origin: str, kind: str, given: str | None = None) -> bool:
    """True for a contract table not seen yet; otherwise a problem (or, when told, a warning)."""
    if name not in BY_NAME and not data.any_name:
        hint = did_you_mean(name.strip().lower(), BY_NAME, "tables")
        message = f"{origin}:-:-: {kind} {given or repr(name)} is not a table{hint}"
        if data.ignore_unknown:
            data.warnings.append(message + " ignored (--ignore-unknown-tables)")
        else:
            data.problems.append(message + " (or pass --ignore-unknown-tables)")
        return False
    if name in data.tables:
        data.problems.append(f"{origin}:-:-: table {name!r} given twice")
        return False
    return True


def _header(data: Input, origin: str, names: list[str]) -> list[str]:
    """Header names, stripped; a name given twice or holding control characters is a problem."""
    header = [n.strip() for n in names]
    for i, name in enumerate(header):
        if name and name in header[:i]:
            data.problems.append(
                f"{origin}:1:{name}: column given twice (also column {header.index(name) + 1})"
            )
        bad = forbidden(name)
        if bad:
            data.problems.append(f"{origin}:1:{i + 1}: the column name has a control character ({bad})")
    return header


def _row(data: Input, origin: str, number: int, header: list[str], cells: list[Cell]) -> dict[str, Cell]:
    """One row as {column: cell}, reporting fields past the header and values under an unnamed column."""
    if len(cells) > len(header):
        data.problems.append(
            f"{origin}:{number}:{len(header) + 1}: {len(cells)} fields but the header has {len(header)} "
            "(a stray delimiter, such as a trailing comma, shifts every column after it)"
        )
    out: dict[str, Cell] = {}
    for i, (name, cell) in enumerate(zip(header, cells, strict=False)):
        if not name:
            if cell:
                data.problems.append(f"{origin}:{number}:{i + 1}: a value in a column with no header")
            continue
        bad = next(filter(None, map(forbidden, cell if isinstance(cell, list) else [cell])), None)
        if bad:
            data.problems.append(
                f"{origin}:{number}:{name}: control or invisible character {bad} in the cell"
            )
        out[name] = cell
    return out


def _count(data: Input, origin: str, rows: int) -> None:
    """Add rows to the ingest's total, refusing it past the row budget."""
    data.rows += rows
    budget.check_rows(origin, data.rows, data.limits.rows)


def _table(
    data: Input, name: str, origin: str, header: list[str], rows: Iterable[tuple[int, list[Cell]]]
) -> None:
    """Register a table from numbered rows of cells; blank rows are skipped."""
    out = []
    for number, cells in rows:
        if any(cells):
            _count(data, origin, 1)
            out.append((number, _row(data, origin, number, header, cells)))
    data.tables[name] = RawTable(name, origin, [h for h in header if h], out)


def _read_csv(path: Path, data: Input) -> None:
    """One CSV file; its stem is the table name."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    if not _known(data, path.stem, path.name, "file"):
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        data.problems.append(f"{path.name}:{line}:-: the file is not UTF-8 (byte {exc.start})")
        return
    if not text.strip():
        data.problems.append(f"{path.name}:1:-: the file is empty (no header row)")
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = _header(data, path.name, next(reader))
        _table(data, path.stem, path.name, header, _csv_rows(reader))
    except TooLargeError as exc:  # the file is in memory already: count the rest, to name the number to set
        rest = sum(1 for record in reader if any(record))
        raise budget.too_many(path.name, data.rows + rest, data.limits.rows) from exc
    except csv.Error as exc:
        data.problems.append(f"{path.name}:{reader.line_num}:-: malformed CSV: {exc}")
        return
    if len(header) == 1 and ";" in header[0]:
        data.problems.append(
            f"{path.name}:1:-: the header is one column holding ';': separate columns with ','"
        )


#: A leading apostrophe before these marks text that starts like a formula (stkg's CSV export writes it;
#: a cell's own leading tab or CR never survives the strip, so only the printable starters matter).
ESCAPED = tuple("'" + s for s in FORMULA_STARTERS if s.isprintable())


def _csv_rows(reader: Any) -> Iterator[tuple[int, list[Cell]]]:
    """Records numbered by the line they start on (a quoted cell may span lines)."""
    start = reader.line_num + 1
    for record in reader:
        yield start, [c[1:] if c.startswith(ESCAPED) else c for c in (c.strip() for c in record)]
        start = reader.line_num + 1


def _read_xlsx(path: Path, data: Input) -> None:
    """A workbook whose sheet names are table names, streamed sheet by sheet after its parts are checked."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    with budget.open_zip(path.name, io.BytesIO(raw)) as archive:
        budget.check_archive(path.name, archive, data.limits.unpacked)
        layout = _sheet_xml(archive)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except StkgError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad workbook
        data.problems.append(f"{path.name}:-:-: cannot read the workbook: {exc}")
        return
    try:
        for sheet in book.worksheets:
            _read_sheet(data, path, sheet, layout.get(sheet.title, ""))
    finally:
        book.close()


def _read_sheet(data: Input, path: Path, sheet: Any, xml: str) -> None:
    """One sheet: refused when merged or holding unsaved formulas; else rows counted as they stream."""
    name, origin = str(sheet.title).strip(), f"{path.name}#{sheet.title}"
    if name.upper() == README_SHEET:
        return
    if not _known(data, name, origin, "sheet", repr(sheet.title)):
        return
    merged = re.search(r'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml)
    if merged:
        data.problems.append(
            f"{origin}:-:-: merged cells ({merged.group(1)}); unmerge them so every cell has its value"
        )
        return
    unsaved = re.search(
        r'<c r="([A-Z]+\d+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>', xml
    )
    if unsaved:
        data.problems.append(
            f"{origin}:-:{unsaved.group(1)}: a formula with no saved value; open and save the workbook in a "
            "spreadsheet program, or paste the values"
        )
        return
    declared = (sheet.max_row or 1) - 1  # the sheet's used range, read before any row
    if data.rows + declared > data.limits.rows:
        budget.check_rows(f"{origin} (its used range)", data.rows + declared, data.limits.rows)
    values = sheet.iter_rows(values_only=True)
    names = [text_of(h) for h in next(values, None) or ()]
    while names and not names[-1]:
        names.pop()
    header = _header(data, origin, names)
    _table(data, name, origin, header, _sheet_rows(header, values))


def _sheet_rows(header: list[str], values: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, list[Cell]]]:
    """Rows numbered as the spreadsheet shows them; empty cells past the header are dropped."""
    for number, row in enumerate(values, 2):
        cells: list[Cell] = [text_of(v) for v in row]
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()
        yield number, cells


def _sheet_xml(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's XML by title (merged cells and formulas, which openpyxl's streaming mode hides)."""
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = dict(re.findall(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets |= {i: t for t, i in re.findall(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
    out = {}
    for title, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
        target = targets.get(rid, "")
        member = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        try:
            out[_unescape(title)] = archive.read(member).decode("utf-8", "replace")
        except KeyError:
            continue
    return out


def _unescape(text: str) -> str:
    """XML entities in a sheet name."""
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


class _Object(dict[str, Any]):
    """A JSON object that remembers keys it was given more than once."""

    twice: list[str]


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    """object_pairs_hook: keep every key once and note the repeats (json.loads keeps the last silently)."""
    obj = _Object(pairs)
    obj.twice = [k for i, (k, _) in enumerate(pairs) if k in {p[0] for p in pairs[:i]}]
    return obj


def _read_json(path: Path, data: Input) -> None:
    """A JSON object {table: [row objects]}; rows are numbered from 1."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        data.problems.append(f"{path.name}:-:-: not valid UTF-8 JSON: {exc}")
        return
    except RecursionError as exc:
        raise ValidationError([f"{path.name}:-:-: JSON nested too deeply to be a table of rows"]) from exc
    if not isinstance(doc, dict):
        data.problems.append(f"{path.name}:-:-: expected an object {{table: [rows]}}")
        return
    for name in getattr(doc, "twice", []):
        data.problems.append(f"{path.name}#{name}:-:-: table {name!r} given twice in the JSON object")
    _json_tables(data, path.name, doc)


def _json_tables(data: Input, origin: str, doc: dict[str, Any]) -> None:
    """Each member of a JSON document (or of in-memory tables) as a table."""
    for name, rows in doc.items():
        where = f"{origin}#{name}"
        if not _known(data, name, where, "JSON member"):
            continue
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            data.problems.append(f"{where}:-:-: expected a list of row objects")
            continue
        header = list(dict.fromkeys(k for r in rows for k in r))
        _table(data, name, where, _header(data, where, header), _json_rows(data, where, header, rows))


def _json_rows(
    data: Input, origin: str, header: list[str], rows: list[dict[str, Any]]
) -> Iterator[tuple[int, list[Cell]]]:
    """Rows numbered from 1; a key given twice or a nested value is a problem at its row and key."""
    for number, row in enumerate(rows, 1):
        for key in getattr(row, "twice", []):
            data.problems.append(f"{origin}:{number}:{key}: key given twice in one row object")
        yield number, [_json_cell(data, f"{origin}:{number}:{k}", row.get(k)) for k in header]


def _json_cell(data: Input, where: str, value: Any) -> Cell:
    """A JSON value as a cell: scalars as text, an array of scalars as a list; objects are refused."""
    if isinstance(value, list):
        if all(v is None or isinstance(v, str | int | float | bool) for v in value):
            return [t for t in map(text_of, value) if t]
        data.problems.append(f"{where}: a nested array or object inside a list; give plain values")
        return ""
    if isinstance(value, dict):
        data.problems.append(f"{where}: an object where a single value belongs")
        return ""
    return text_of(value)


def read_tables(tables: dict[str, list[dict[str, Any]]], origin: str = "input") -> Input:
    """Tables given in memory (API, tests), read exactly like a JSON file."""
    data = Input(Path(origin))
    _json_tables(data, origin, tables)
    return data


def read(
    path: Path, limits: Limits | None = None, ignore_unknown: bool = False, any_name: bool = False
) -> Input:
    """Read a CSV directory, an .xlsx workbook or a .json file, within the budgets of `limits`.

    With `any_name` (a mapping will pick the tables) every sheet, file or member is read under its own name.
    """
    data = Input(path, limits=limits or Limits(), ignore_unknown=ignore_unknown, any_name=any_name)
    if path.is_dir():
        files = sorted(path.glob("*.csv"))
        if not files:
            data.problems.append(f"{path}:-:-: no .csv files in this directory")
        for f in files:
            _read_csv(f, data)
    elif path.suffix.lower() == ".xlsx":
        _read_xlsx(path, data)
    elif path.suffix.lower() == ".json":
        _read_json(path, data)
    elif path.suffix.lower() == ".csv":
        _read_csv(path, data)
    elif not path.exists():
        data.problems.append(f"{path}:-:-: no such file or directory")
    else:
        data.problems.append(f"{path}:-:-: expected a directory of CSV, an .xlsx or a .json file")
    return data
