"""Readers for the three input forms: a directory of CSV, an XLSX workbook, a JSON file."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.utils
import pandas as pd

from graph.errors import StkgError, ValidationError
from ingest import budget
from ingest.budget import Limits
from ingest.contract import BY_NAME


@dataclass
class RawTable:
    """One table as read: `origin` prefixes messages, rows carry their spreadsheet row number."""

    name: str
    origin: str
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


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


def _text(value: Any) -> str:
    """A cell as text: empty for missing values, no '.0' on whole numbers from spreadsheets."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return str(value.date().isoformat()) if hasattr(value, "hour") else str(value.isoformat())
    return str(value).strip()


def _frame_rows(frame: pd.DataFrame, first_row: int) -> list[tuple[int, dict[str, str]]]:
    """Rows of a frame, numbered from `first_row`, with blank rows dropped."""
    out = []
    for i, rec in enumerate(frame.to_dict("records")):
        cells = {str(k).strip(): _text(v) for k, v in rec.items()}
        if any(cells.values()):
            out.append((first_row + i, cells))
    return out


def _read_csv(path: Path, data: Input) -> None:
    """One CSV file; its stem is the table name."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        data.problems.append(f"{path.name}:{line}:-: the file is not UTF-8 (byte {exc.start})")
        return
    if not text.strip():
        data.problems.append(f"{path.name}:1:-: the file is empty (no header row)")
        return
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        data.problems.append(f"{path.name}:1:-: cannot parse CSV: {exc}")
        return
    _add(data, path.stem, path.name, frame, 2)


def _add(data: Input, name: str, origin: str, frame: pd.DataFrame, first_row: int) -> None:
    """Register a table read as a frame."""
    if _known(data, name, origin):
        _count(data, origin, len(frame))
        columns = [str(c).strip() for c in frame.columns]
        data.tables[name] = RawTable(name, origin, columns, _frame_rows(frame, first_row))


def _known(data: Input, name: str, origin: str) -> bool:
    """True for a contract table not seen yet; otherwise warn (unknown) or report (twice)."""
    if name not in BY_NAME:
        data.warnings.append(f"{origin}:-:-: not a known table ({name!r}); ignored")
        return False
    if name in data.tables:
        data.problems.append(f"{origin}:-:-: table {name!r} given twice")
        return False
    return True


def _count(data: Input, origin: str, rows: int) -> None:
    """Add a table's rows to the ingest's total, refusing it past the row budget."""
    data.rows += rows
    budget.check_rows(origin, data.rows, data.limits.rows)


def _read_xlsx(path: Path, data: Input) -> None:
    """A workbook whose sheet names are table names, streamed sheet by sheet after its parts are checked."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    with budget.open_zip(path.name, io.BytesIO(raw)) as archive:
        budget.check_archive(path.name, archive, data.limits.unpacked)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except StkgError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad workbook
        data.problems.append(f"{path.name}:-:-: cannot read the workbook: {exc}")
        return
    try:
        for sheet in book.worksheets:
            name, origin = str(sheet.title).strip(), f"{path.name}#{sheet.title}"
            if not _known(data, name, origin):
                continue
            declared = (sheet.max_row or 1) - 1  # the sheet's used range, read before any row
            if data.rows + declared > data.limits.rows:
                budget.check_rows(f"{origin} (its used range)", data.rows + declared, data.limits.rows)
            values = sheet.iter_rows(values_only=True)
            header = [_text(h) for h in next(values, None) or ()]
            while header and not header[-1]:
                header.pop()
            data.tables[name] = RawTable(name, origin, header, _sheet_rows(data, origin, header, values))
    finally:
        book.close()


def _sheet_rows(
    data: Input, origin: str, header: list[str], values: Iterator[tuple[Any, ...]]
) -> list[tuple[int, dict[str, str]]]:
    """Non-blank rows of a sheet numbered as the spreadsheet shows them, counted against the row budget."""
    out = []
    for number, row in enumerate(values, 2):
        cells = [_text(v) for v in row]
        if not any(cells):
            continue
        extra = [i for i, v in enumerate(cells[len(header) :], len(header)) if v]
        if extra:
            column = openpyxl.utils.get_column_letter(extra[0] + 1)
            data.problems.append(f"{origin}:{number}:{column}: a value beyond the last header column")
        out.append((number, dict(zip(header, cells, strict=False))))
        _count(data, origin, 1)
    return out


def _read_json(path: Path, data: Input) -> None:
    """A JSON object {table: [row objects]}; rows are numbered from 1."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        data.problems.append(f"{path.name}:-:-: not valid UTF-8 JSON: {exc}")
        return
    except RecursionError as exc:
        raise ValidationError([f"{path.name}:-:-: JSON nested too deeply to be a table of rows"]) from exc
    if not isinstance(doc, dict):
        data.problems.append(f"{path.name}:-:-: expected an object {{table: [rows]}}")
        return
    for name, rows in doc.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            data.problems.append(f"{path.name}#{name}:-:-: expected a list of row objects")
            continue
        frame = pd.DataFrame(rows, dtype=object)
        cols = list(dict.fromkeys(k for r in rows for k in r))
        _add(data, name, f"{path.name}#{name}", frame.reindex(columns=cols), 1)


def read_tables(tables: dict[str, list[dict[str, Any]]], origin: str = "input") -> Input:
    """Tables given in memory (API, tests), read exactly like a JSON file."""
    data = Input(Path(origin))
    for name, rows in tables.items():
        cols = list(dict.fromkeys(k for r in rows for k in r))
        frame = pd.DataFrame(rows, dtype=object).reindex(columns=cols)
        _add(data, name, f"{origin}#{name}", frame, 1)
    return data


def read(path: Path, limits: Limits | None = None) -> Input:
    """Read a CSV directory, an .xlsx workbook or a .json file, within the budgets of `limits`."""
    data = Input(path, limits=limits or Limits())
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
