"""Mapping files: a planner's own spreadsheet into the ingest contract, declared in YAML (in the
spirit of followthemoney's mappings), so errors still point at the user's file, row and column.

    tables:
      agreements:                     # a contract table
        source: Portfolio             # the sheet (xlsx), file stem (CSV directory) or JSON member
        columns:                      # contract column: the source's column name
          id: Agreement No.
          title: Title
        constants:                    # contract column: one value for every row
          source: Planner workbook, June 2025
        values:                       # contract column: {the source's value: the contract's value}
          status: {Active: active, Lapsed: expired}
        split: ","                    # list separator in this source (default ";")
        date_format: "%d/%m/%Y"       # how this source writes dates (default ISO YYYY-MM-DD)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.errors import ValidationError, did_you_mean
from ingest.contract import BY_NAME, Table
from ingest.reader import Cell, Input, RawTable

TABLE_KEYS = ("source", "columns", "constants", "values", "split", "date_format")


@dataclass
class TableMap:
    """How one contract table is drawn from one source table."""

    table: str
    source: str
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    split: str = ";"
    date_format: str | None = None
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict)  # columns.<col> -> its line in the mapping file


class _Loader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice (PyYAML keeps the last one silently)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"key {key!r} given twice (first on line {seen[key]})",
                problem_mark=key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _lines(node: yaml.Node, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """The line of every key path in the document, for error messages."""
    out: dict[tuple[str, ...], int] = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out |= _lines(v, (*path, str(k.value)))
            out[(*path, str(k.value))] = k.start_mark.line + 1
    return out


def load(path: Path) -> list[TableMap]:
    """Read and check a mapping file; every problem is `file:line:key: message`."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
        lines = _lines(yaml.compose(text, Loader=yaml.SafeLoader) or yaml.MappingNode("", []))
    except OSError as exc:
        raise ValidationError([f"{name}:-:-: cannot read the mapping file: {exc.strerror}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else "-"
        raise ValidationError([f"{name}:{line}:-: not valid YAML: {getattr(exc, 'problem', exc)}"]) from exc
    problems: list[str] = []
    maps = _tables(name, doc, lines, problems)
    if problems:
        raise ValidationError(problems)
    return maps


def _tables(name: str, doc: Any, lines: dict[tuple[str, ...], int], problems: list[str]) -> list[TableMap]:
    """The `tables:` section, each entry checked against the contract."""
    if not isinstance(doc, dict) or set(doc) != {"tables"} or not isinstance(doc["tables"], dict):
        problems.append(f"{name}:1:-: expected one top-level key, tables: {{contract table: how to read it}}")
        return []
    maps = []
    for table, spec in doc["tables"].items():
        where = f"{name}:{lines.get(('tables', str(table)), '-')}:tables.{table}"
        if table not in BY_NAME:
            problems.append(f"{where}: not a contract table{did_you_mean(str(table), BY_NAME)}")
            continue
        if not isinstance(spec, dict) or "source" not in spec:
            problems.append(f"{where}: needs at least source: (the sheet, file or member to read)")
            continue
        maps.append(_table(name, str(table), spec, lines, problems))
    return maps


def _table(
    name: str, table: str, spec: dict[str, Any], lines: dict[tuple[str, ...], int], problems: list[str]
) -> TableMap:
    """One table's entry: known keys, contract columns, text values."""
    contract = BY_NAME[table]

    def where(*keys: str) -> str:
        return f"{name}:{lines.get(('tables', table, *keys), '-')}:tables.{'.'.join((table, *keys))}"

    for key in spec:
        if key not in TABLE_KEYS:
            problems.append(f"{where(str(key))}: unknown key (keys: {', '.join(TABLE_KEYS)})")
    out = TableMap(table, str(spec["source"]), line=lines.get(("tables", table, "source"), 0))
    out.lines = {
        str(k[-1]): v for k, v in lines.items() if k[:3] == ("tables", table, "columns") and len(k) == 4
    }
    for key in ("columns", "constants", "values"):
        given = spec.get(key) or {}
        if not isinstance(given, dict):
            problems.append(f"{where(key)}: expected contract column: value pairs")
            continue
        for col, value in given.items():
            if col not in contract.names:
                hint = did_you_mean(str(col), contract.names, "columns")
                problems.append(f"{where(key, str(col))}: not a column of {table}{hint}")
            elif key == "values" and not isinstance(value, dict):
                problems.append(f"{where(key, str(col))}: expected {{source value: contract value}}")
            else:
                getattr(out, key)[col] = (
                    {str(a): _scalar(b) for a, b in value.items()} if key == "values" else _scalar(value)
                )
    _options(out, spec, where, problems)
    return out


def _options(out: TableMap, spec: dict[str, Any], where: Any, problems: list[str]) -> None:
    """split (one character) and date_format (a strptime pattern)."""
    split = spec.get("split", ";")
    if not isinstance(split, str) or len(split) != 1:
        problems.append(f"{where('split')}: expected one character, e.g. ','")
    else:
        out.split = split
    fmt = spec.get("date_format")
    if fmt is not None:
        if not isinstance(fmt, str) or "%" not in fmt:
            problems.append(f"{where('date_format')}: expected a strptime pattern such as '%d/%m/%Y'")
        else:
            out.date_format = fmt


def _scalar(value: Any) -> str:
    """A mapping value as the text a cell would hold (YAML reads yes/no and numbers as types)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def apply(data: Input, maps: list[TableMap], mapping_name: str) -> Input:
    """The contract tables the mapping draws from the sources read; problems point at the user's cells."""
    out = Input(data.path, checksums=dict(data.checksums), problems=list(data.problems), limits=data.limits)
    out.warnings = list(data.warnings)
    used: set[str] = set()
    for m in maps:
        raw = data.tables.get(m.source)
        if raw is None:
            hint = did_you_mean(m.source, data.tables, "found")
            out.problems.append(
                f"{mapping_name}:{m.line}:tables.{m.table}.source: no sheet or file {m.source!r}{hint}"
            )
            continue
        used.add(m.source)
        out.tables[m.table] = _drawn(m, raw, BY_NAME[m.table], out, mapping_name)
    for source, raw in data.tables.items():
        if source not in used:
            out.warnings.append(f"{raw.origin}:-:-: not used by the mapping; ignored")
    return out


def _drawn(m: TableMap, raw: RawTable, contract: Table, out: Input, mapping_name: str) -> RawTable:
    """One contract table from one source table: renamed, constant, value-mapped, split, dates parsed."""
    columns = dict(m.columns)
    for col in contract.names:  # a source column already named as the contract names it needs no entry
        if col not in columns and col not in m.constants and col in raw.columns:
            columns[col] = col
    problems = out.problems
    for col, source in columns.items():
        if source not in raw.columns:
            hint = did_you_mean(source, raw.columns, "columns")
            where = f"{mapping_name}:{m.lines.get(col, m.line)}:tables.{m.table}.columns.{col}"
            problems.append(f"{where}: no column {source!r} in {raw.origin}{hint}")
    unused = [c for c in raw.columns if c not in columns.values()]
    if unused:
        out.warnings.append(f"{raw.origin}:1:-: columns not used by the mapping: {', '.join(unused)}")
    labels = dict(columns) | {col: f"{col} (constant)" for col in m.constants}
    rows = []
    for number, cells in raw.rows:
        row: dict[str, Cell] = {col: m.constants[col] for col in m.constants}
        for col, source in columns.items():
            where = f"{raw.origin}:{number}:{source}"
            row[col] = _value(m, contract, col, cells.get(source, ""), where, problems)
        rows.append((number, row))
    return RawTable(m.table, raw.origin, [*columns, *m.constants], rows, labels)


def _value(m: TableMap, contract: Table, col: str, cell: Cell, where: str, problems: list[str]) -> Cell:
    """One cell through the value map, the list split and the date format."""
    kind = contract.column(col).type
    if isinstance(cell, list):
        return [m.values.get(col, {}).get(v, v) for v in cell]
    text = m.values.get(col, {}).get(cell, cell)
    if kind in ("list", "nations") and m.split != ";" and text:
        parts = [p.strip() for p in text.split(m.split) if p.strip()]
        return [m.values.get(col, {}).get(p, p) for p in parts]
    if kind == "date" and m.date_format and text and not _iso(text):
        try:
            return dt.datetime.strptime(text, m.date_format).date().isoformat()
        except ValueError:
            problems.append(f"{where}: {text!r} does not match the date format {m.date_format!r}")
            return ""
    return text


def _iso(text: str) -> bool:
    """True for an ISO date (spreadsheet date cells arrive so)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10
