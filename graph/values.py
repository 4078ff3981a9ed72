"""Conversion of driver values to plain Python for JSON, CSV and DataFrames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j.graph
import neo4j.time

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTERS = ("=", "+", "-", "@", "\t", "\r")
#: Types that pass through unchanged; checked by exact type first because most values are these.
SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """Dates become ISO strings, nodes their properties, nested lists and maps are converted."""
    kind = type(value)
    if kind in SCALARS:
        return value
    if kind is list or kind is tuple:
        return [v if type(v) in SCALARS else plain(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in SCALARS else plain(v) for k, v in value.items()}
    return _other(value)


def _other(value: Any) -> Any:
    """The rarer driver types, in the shapes the driver's own Record.data() gives them."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.iso_format()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, neo4j.graph.Node):
        return plain(dict(value.items()))
    if isinstance(value, neo4j.graph.Relationship):
        return [plain(value.start_node), value.type, plain(value.end_node)]
    if isinstance(value, neo4j.graph.Path):
        out = [plain(value.start_node)]
        for rel, node in zip(value.relationships, value.nodes[1:], strict=True):
            out += [rel.type, plain(node)]
        return out
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def escaped(text: str) -> str:
    """CSV text a spreadsheet shows as text: a leading apostrophe when it starts like a formula."""
    return "'" + text if text.startswith(FORMULA_STARTERS) else text


def values_only(sheet: Any) -> None:
    """A worksheet's text that looks like a formula stays text, never a live formula; dates show as dates."""
    for line in sheet.iter_rows():
        for cell in line:
            if cell.data_type == "f":
                cell.data_type = "s"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
