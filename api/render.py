"""Render result rows as a table, JSON, CSV or XLSX; CSV and XLSX cells never carry live formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from graph.values import escaped, plain, values_only


def _cell(value: Any) -> str:
    """One table or CSV cell: lists joined with ';' as in the ingest format."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def inert(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text: text starting like a formula gets a leading apostrophe."""
    text = _cell(value)
    if isinstance(plain(value), int | float) and not isinstance(value, bool):
        return text  # a number, negative or not, is not a formula
    return escaped(text)


def xlsx_value(value: Any) -> Any:
    """A workbook cell keeping its type: numbers, booleans and dates as such, everything else as text."""
    value = plain(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return _cell(value)


def columns(rows: list[dict[str, Any]]) -> list[str]:
    """Columns in first-seen order across all rows."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def table(rows: list[dict[str, Any]], cols: list[str] | None = None) -> str:
    """A fixed-width text table, with a row count so an empty answer is explicit."""
    cols = cols or columns(rows)
    if not cols:
        return "(0 rows)"
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [min(60, max([len(c)] + [len(row[i]) for row in cells])) for i, c in enumerate(cols)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*cols), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*(v if len(v) <= 60 else v[:57] + "..." for v in row)) for row in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def to_csv(rows: list[dict[str, Any]], cols: list[str] | None = None) -> str:
    """CSV with a header row; list cells joined with ';'."""
    cols = cols or columns(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; a "\n" terminator leaves CR in cells unquoted
    writer.writerow(cols)
    for row in rows:
        writer.writerow([inert(row.get(c)) for c in cols])
    return buf.getvalue()


def to_json(data: Any) -> str:
    """Indented JSON with dates as ISO strings."""
    return json.dumps(plain(data), indent=2, ensure_ascii=False, sort_keys=False)


def to_xlsx(rows: list[dict[str, Any]] | dict[str, Any], path: Path, cols: list[str] | None = None) -> None:
    """Rows on one sheet named 'result'; one object (a pre-draft check, a trace) as a sheet per section."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    parts = sections(rows) if isinstance(rows, dict) else {"result": rows}
    for name, part in parts.items():
        ws = wb.create_sheet(name[:31])
        heads = (cols if name == "result" and cols else None) or columns(part)
        ws.append(heads)
        for row in part:
            ws.append([xlsx_value(row.get(c)) for c in heads])
        values_only(ws)
    wb.save(path)


def sections(obj: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """One object as tables: its plain fields (lists of values joined) as one 'answer' row, and each
    list of objects as a section of rows."""

    def rows(v: Any) -> bool:
        return isinstance(v, list) and any(isinstance(i, dict) for i in v)

    out: dict[str, list[dict[str, Any]]] = {"answer": [{k: v for k, v in obj.items() if not rows(v)}]}
    out |= {k: v for k, v in obj.items() if rows(v)}
    return out


def flat_csv(obj: dict[str, Any]) -> str:
    """One object as a single CSV: a `section` column, then every section's fields."""
    rows = [{"section": name, **row} for name, part in sections(obj).items() for row in part]
    return to_csv(rows)


def section_tables(obj: dict[str, Any]) -> str:
    """One object as text: its scalar fields as lines, then each section as a titled table."""
    parts = sections(obj)
    lines = [f"{k}: {_cell(v)}" for k, v in parts.pop("answer")[0].items()]
    for name, part in parts.items():
        lines += ["", f"{name} ({len(part)})", table(part) if part else "(none)"]
    return "\n".join(lines)


def render(data: Any, fmt: str, cols: list[str] | None = None) -> str:
    """Render rows (a list) or one object (a dict, as sections) in a text format."""
    if fmt == "json":
        return to_json(data)
    if isinstance(data, dict):
        return flat_csv(data) if fmt == "csv" else section_tables(data)
    if fmt == "csv":
        return to_csv(data, cols)
    return table(data, cols)
