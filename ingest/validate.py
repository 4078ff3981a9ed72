"""Validate every table before anything is written; collect all problems as file:row:column."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ingest.budget import MAX_CELL
from ingest.contract import BY_NAME, ORDER, Column, Table
from ingest.nation import Resolver, iso
from ingest.reader import Cell, Input, RawTable

TRUE = {"true", "yes", "1"}
FALSE = {"false", "no", "0"}

Record = dict[str, Any]


@dataclass
class Known:
    """Keys already in the graph, so references may point at data loaded earlier."""

    keys: dict[str, set[str]] = field(default_factory=dict)
    nations: list[tuple[str, str, list[str]]] = field(default_factory=list)
    broader: dict[str, set[str]] = field(default_factory=dict)
    parent: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Plan:
    """Validated, normalised records per table, plus every problem and warning found."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nation_names: dict[str, str] = field(default_factory=dict)


class _Checker:
    """Parses cells of one input against the contract, reporting into one Plan."""

    def __init__(self, plan: Plan, resolver: Resolver) -> None:
        self.plan = plan
        self.resolver = resolver

    def problem(self, where: str, message: str) -> None:
        """Record one problem."""
        self.plan.problems.append(f"{where}: {message}")

    def nation(self, where: str, text: str) -> str | None:
        """Resolve one nation cell, suggesting the nearest names when unknown."""
        code = self.resolver.resolve(text)
        fits = self.resolver.candidates(text)
        if fits:
            self.problem(
                where,
                f"ambiguous nation {text!r}: it fits {self.resolver.describe(fits)}; give the code",
            )
        elif code is None:
            near = self.resolver.suggest(text)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            self.problem(where, f"unknown nation {text!r}{hint}")
        return code

    def cell(self, where: str, col: Column, value: Cell) -> Any:
        """Parse a non-empty cell by its column type; None (with a problem) when it is bad."""
        kind = col.type
        if isinstance(value, list) and kind not in ("list", "nations"):
            self.problem(where, f"a list ({len(value)} values) where a single value belongs")
            return None
        if kind in ("list", "nations"):
            items = value if isinstance(value, list) else [p.strip() for p in value.split(";") if p.strip()]
            if kind == "list":
                return list(dict.fromkeys(items))
            codes = [self.nation(where, p) for p in items]
            return list(dict.fromkeys(c for c in codes if c)) if all(codes) else None
        text = str(value)
        if kind in ("date", "int", "number") and not text.isascii():
            self.problem(where, f"{text!r} has non-ASCII characters (digits must be 0-9)")
            return None
        if kind == "nation":
            return self.nation(where, text)
        if kind == "date":
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.problem(where, f"{text!r} is not a date (YYYY-MM-DD)")
                return None
        if kind == "bool":
            if text.lower() in TRUE | FALSE:
                return text.lower() in TRUE
            self.problem(where, f"{text!r} is not a boolean (true/false/yes/no/1/0)")
            return None
        if kind == "int":
            return self.integer(where, col, text)
        if kind == "number":
            return self.number(where, text)
        if kind == "enum" and text not in col.choices:
            lowered = {c.lower(): c for c in col.choices}
            if text.lower() in lowered:
                return lowered[text.lower()]
            self.problem(where, f"{text!r} is not one of {', '.join(col.choices)}")
            return None
        return text

    def number(self, where: str, text: str) -> float | None:
        """A finite number >= 0 (contribution and benefit values, one unit within an agreement)."""
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not text.isascii() or value != value or value in (float("inf"), float("-inf")):
            self.problem(where, f"{text!r} is not a number")
            return None
        if value < 0:
            self.problem(where, f"{text} is negative; values are 0 or more")
            return None
        return value

    def integer(self, where: str, col: Column, text: str) -> int | None:
        """Whole number within the column's range."""
        try:
            value = int(text)
        except ValueError:
            self.problem(where, f"{text!r} is not a whole number")
            return None
        if (col.lo is not None and value < col.lo) or (col.hi is not None and value > col.hi):
            self.problem(where, f"{value} is outside {col.lo}..{col.hi}")
            return None
        return value

    def table(self, raw: RawTable, spec: Table) -> list[Record]:
        """Check columns, then every cell of every row."""
        missing = [c.name for c in spec.columns if c.required and c.name not in raw.columns]
        for name in missing:
            self.problem(f"{raw.origin}:1:{name}", "required column is missing")
        for name in raw.columns:
            if name not in spec.names:
                self.unknown_column(raw, spec, name)
        records = []
        for row, cells in raw.rows:
            rec: Record = {"_row": row, "_source": f"{raw.origin}:{row}"}
            for col in spec.columns:
                rec[col.name] = self.value(f"{raw.origin}:{row}:{raw.label(col.name)}", col, cells, missing)
            records.append(rec)
        return records

    def unknown_column(self, raw: RawTable, spec: Table, name: str) -> None:
        """A column the contract lacks: a problem when it looks like a misspelt one, else a warning."""
        absent = [c for c in spec.names if c not in raw.columns]
        near = difflib.get_close_matches(name.lower().replace(" ", "_"), absent, n=1, cutoff=0.75)
        where = f"{raw.origin}:1:{raw.label(name)}"
        if near:
            self.problem(where, f"unknown column; did you mean {near[0]!r}? (its values would be lost)")
        else:
            self.plan.warnings.append(f"{where}: unknown column; ignored")

    def value(self, where: str, col: Column, cells: dict[str, Cell], missing: list[str]) -> Any:
        """One cell: required, size, then type."""
        text = cells.get(col.name, "")
        size = sum(map(len, text)) if isinstance(text, list) else len(text)
        if size > MAX_CELL:
            self.problem(where, f"cell has {size:,} characters; the limit is {MAX_CELL:,}")
            return None
        if not text:
            if col.required and col.name not in missing:
                self.problem(where, "required value is missing")
            return [] if col.type in ("list", "nations") else None
        return self.cell(where, col, text)


def _duplicates(checker: _Checker, origin: str, spec: Table, records: list[Record]) -> None:
    """Report rows whose key repeats an earlier row's."""
    seen: dict[tuple[Any, ...], int] = {}
    for rec in records:
        key = tuple(rec.get(k) for k in spec.key)
        if any(k is None for k in key[:1]):
            continue
        if key in seen:
            label = "/".join(str(k) for k in key if k is not None)
            checker.problem(
                f"{origin}:{rec['_row']}:{spec.key[0]}",
                f"duplicate {label!r} (first at row {seen[key]})",
            )
        else:
            seen[key] = rec["_row"]


def _one_membership(checker: _Checker, origin: str, records: list[Record]) -> None:
    """The graph holds one membership per forum and nation: a second row would silently replace the first."""
    seen: dict[tuple[Any, Any], int] = {}
    for rec in records:
        pair = (rec.get("forum"), rec.get("nation"))
        if None in pair:
            continue
        if pair in seen:
            checker.problem(
                f"{origin}:{rec['_row']}:nation",
                f"{pair[1]} already has a membership of {pair[0]} at row {seen[pair]}; give one row per "
                "forum and nation (with its latest role and dates)",
            )
        else:
            seen[pair] = rec["_row"]


def _factors(checker: _Checker, plan: Plan, origin: str, records: list[Record]) -> list[Record]:
    """One rating per nation: a repeat must agree (the Strategy asks for one cooperative potential)."""
    first: dict[str, Record] = {}
    for rec in records:
        code = rec.get("nation")
        if code is None:
            continue
        if code not in first:
            first[code] = rec
            continue
        for col in ("cooperative_potential", "regional_priority"):
            if rec.get(col) is not None and first[code].get(col) is not None and rec[col] != first[code][col]:
                earlier = first[code]
                checker.problem(
                    f"{origin}:{rec['_row']}:{col}",
                    f"{col} {rec[col]} for {code} conflicts with {earlier[col]} at row {earlier['_row']}"
                    " (one value per nation, the same for every component)",
                )
        plan.warnings.append(
            f"{origin}:{rec['_row']}:nation: {code} repeats row {first[code]['_row']}; kept once"
        )
    return list(first.values()) + [r for r in records if r.get("nation") is None]


def _date_order(checker: _Checker, origin: str, records: list[Record]) -> None:
    """end >= start, until >= since, until >= effective."""
    for rec in records:
        for lo, hi in (("start", "end"), ("since", "until"), ("effective", "until")):
            if rec.get(lo) and rec.get(hi) and rec[hi] < rec[lo]:
                checker.problem(f"{origin}:{rec['_row']}:{hi}", f"{hi} {rec[hi]} is before {lo} {rec[lo]}")


def _check_refs(checker: _Checker, plan: Plan, known: Known, origins: dict[str, str]) -> None:
    """Every reference must point at a row of the input or a node already in the graph."""
    keys = {
        "Technology": _keys(plan, "technologies", "id", known, "Technology"),
        "Forum": _keys(plan, "forums", "id", known, "Forum"),
        "Agreement": _keys(plan, "agreements", "id", known, "Agreement"),
        "Component": _keys(plan, "components", "id", known, "Component"),
        "Restriction": _keys(plan, "restrictions", "id", known, "Restriction"),
    }
    refs = (
        ("technologies", "broader", "Technology"),
        ("technologies", "maps_to", "Technology"),
        ("forums", "parent", "Forum"),
        ("forums", "covers", "Technology"),
        ("memberships", "forum", "Forum"),
        ("agreements", "technologies", "Technology"),
        ("agreements", "lead_component", "Component"),
        ("agreements", "forum", "Forum"),
        ("agreements", "parent", "Agreement"),
        ("parties", "agreement", "Agreement"),
        ("restrictions", "technologies", "Technology"),
        ("exemptions", "overrides", "Restriction"),
        ("exemptions", "excludes", "Technology"),
        ("needs", "component", "Component"),
        ("needs", "technology", "Technology"),
        ("strengths", "technology", "Technology"),
    )
    for table, column, label in refs:
        for rec in plan.records.get(table, []):
            values = rec.get(column)
            for value in values if isinstance(values, list) else [values] if values else []:
                if value not in keys[label]:
                    where = f"{origins[table]}:{rec['_row']}:{column}"
                    checker.problem(
                        where, f"{label.lower()} {value!r} is neither in the input nor in the graph"
                    )


def _keys(plan: Plan, table: str, column: str, known: Known, label: str) -> set[str]:
    """Keys of a label from the input and the graph together."""
    return {r[column] for r in plan.records.get(table, []) if r.get(column)} | known.keys.get(label, set())


def _cycles(checker: _Checker, plan: Plan, known: Known, origins: dict[str, str]) -> None:
    """No technology may be its own ancestor; no agreement its own parent."""
    for table, column, existing in (
        ("technologies", "broader", known.broader),
        ("agreements", "parent", known.parent),
    ):
        recs = plan.records.get(table, [])
        edges = {k: set(v) for k, v in existing.items()}
        for rec in recs:
            value = rec.get(column)
            edges[rec["id"]] = set(value if isinstance(value, list) else [value] if value else [])
        for rec in recs:
            if rec.get("id") and _reaches(edges, rec["id"]):
                checker.problem(
                    f"{origins[table]}:{rec['_row']}:{column}",
                    f"{rec['id']!r} is its own ancestor through {column!r} (a cycle)",
                )


def _reaches(edges: dict[str, set[str]], start: str) -> bool:
    """True when following edges from `start` comes back to it."""
    stack, seen = list(edges.get(start, ())), set()
    while stack:
        node = stack.pop()
        if node == start:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


def _input_nations(data: Input) -> Iterable[tuple[str, str, list[str]]]:
    """Nations defined by the input itself, so its own codes and aliases resolve."""
    raw = data.tables.get("nations")
    for _, cells in raw.rows if raw else []:
        code = str(cells.get("code", "")).strip().upper()
        if code:
            given = cells.get("aliases", "")
            aliases = given if isinstance(given, list) else [a.strip() for a in given.split(";") if a.strip()]
            yield code, str(cells.get("name", "")) or code, aliases


def validate(data: Input, known: Known | None = None) -> Plan:
    """Check all tables at once and return the plan; `plan.problems` empty means safe to write."""
    known = known or Known()
    plan = Plan(problems=list(data.problems), warnings=list(data.warnings))
    resolver = iso().extended([*known.nations, *_input_nations(data)])
    checker = _Checker(plan, resolver)
    origins = {name: data.tables[name].origin if name in data.tables else name for name in ORDER}
    for name in ORDER:
        if name in data.tables:
            records = checker.table(data.tables[name], BY_NAME[name])
            if name == "nations":
                for rec in records:
                    rec["code"] = (rec["code"] or "").upper() or None
            plan.records[name] = records
            if name == "nation_factors":
                records[:] = _factors(checker, plan, origins[name], records)
                continue
            _duplicates(checker, origins[name], BY_NAME[name], records)
            _date_order(checker, origins[name], records)
            if name == "memberships":
                _one_membership(checker, origins[name], records)
    _check_refs(checker, plan, known, origins)
    _cycles(checker, plan, known, origins)
    plan.nation_names = resolver.names
    return plan
