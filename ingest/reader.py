"""Readers for the three input forms: a directory of CSV, an XLSX workbook, a JSON file."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

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
    """Register a table, or warn about a sheet or file that is not part of the contract."""
    if name not in BY_NAME:
        data.warnings.append(f"{origin}:-:-: not a known table ({name!r}); ignored")
        return
    if name in data.tables:
        data.problems.append(f"{origin}:-:-: table {name!r} given twice")
        return
    columns = [str(c).strip() for c in frame.columns]
    data.tables[name] = RawTable(name, origin, columns, _frame_rows(frame, first_row))


def _read_xlsx(path: Path, data: Input) -> None:
    """A workbook whose sheet names are table names."""
    data.checksums[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad workbook
        data.problems.append(f"{path.name}:-:-: cannot read the workbook: {exc}")
        return
    for sheet, frame in sheets.items():
        _add(data, str(sheet).strip(), f"{path.name}#{sheet}", frame, 2)


def _read_json(path: Path, data: Input) -> None:
    """A JSON object {table: [row objects]}; rows are numbered from 1."""
    raw = path.read_bytes()
    data.checksums[path.name] = hashlib.sha256(raw).hexdigest()
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        data.problems.append(f"{path.name}:-:-: not valid UTF-8 JSON: {exc}")
        return
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


def read(path: Path) -> Input:
    """Read a CSV directory, an .xlsx workbook or a .json file."""
    data = Input(path)
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
