"""Conversion of driver values to plain Python for JSON, CSV and DataFrames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import neo4j.time


def plain(value: Any) -> Any:
    """Dates become ISO strings, nested lists and maps are converted, the rest passes through."""
    if isinstance(value, neo4j.time.Date | neo4j.time.DateTime):
        return value.iso_format()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "items") and hasattr(value, "labels"):  # a Node
        return plain(dict(value.items()))
    return value
