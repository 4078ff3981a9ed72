"""Paging, sorting and filtering of any row-returning analysis (API and CLI alike)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from graph.errors import ParameterError

#: Query parameters that shape the rows rather than ask the analysis.
NAMES = ("limit", "offset", "sort", "filter", "envelope")


@dataclass(frozen=True)
class Paging:
    """What to keep of an answer: rows matching every filter, in sort order, from offset, at most limit."""

    limit: int | None = None
    offset: int = 0
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    filters: tuple[tuple[str, str], ...] = ()
    envelope: bool = False
    columns: tuple[str, ...] = field(default=(), compare=False)

    @property
    def idle(self) -> bool:
        """True when every row is returned as computed."""
        return self.limit is None and not self.offset and not self.sort and not self.filters

    def apply(self, rows: Sequence[Mapping[str, Any]]) -> tuple[int, list[Mapping[str, Any]]]:
        """(rows matching the filters, the page of them)."""
        kept = [r for r in rows if all(_matches(r.get(f), v) for f, v in self.filters)]
        for name, descending in reversed(self.sort):  # least significant first: sorts are stable
            kept.sort(key=_by(name), reverse=descending)
            kept.sort(key=_missing(name))  # missing values last either way
        end = None if self.limit is None else self.offset + self.limit
        return len(kept), kept[self.offset : end]


def parse(
    columns: Sequence[str],
    limit: Any = None,
    offset: Any = None,
    sort: Any = None,
    filters: Sequence[str] = (),
    envelope: Any = None,
) -> Paging:
    """Paging from request or command-line values; a field the analysis does not return is an error."""
    cols = tuple(columns)
    return Paging(
        limit=_count("limit", limit) if limit not in (None, "") else None,
        offset=_count("offset", offset) if offset not in (None, "") else 0,
        sort=tuple(_sort_field(cols, s) for s in str(sort or "").split(",") if s.strip()),
        filters=tuple(_filter(cols, f) for f in filters if f),
        envelope=str(envelope or "").lower() in ("1", "true", "yes"),
        columns=cols,
    )


def _count(name: str, value: Any) -> int:
    """A whole number >= 0."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit():
        raise ParameterError(f"{name} must be a whole number, 0 or more (got {value!r})", field=name)
    return int(text)


def _field(columns: tuple[str, ...], name: str, param: str) -> str:
    """A returned field, or an error naming the nearest ones."""
    if name not in columns:
        near = difflib.get_close_matches(name, columns, n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else f" (fields: {', '.join(columns)})"
        raise ParameterError(f"{param}: {name!r} is not a field of this analysis{hint}", field=param)
    return name


def _sort_field(columns: tuple[str, ...], text: str) -> tuple[str, bool]:
    """`field` ascending or `-field` descending."""
    text = text.strip()
    return _field(columns, text.lstrip("-"), "sort"), text.startswith("-")


def _filter(columns: tuple[str, ...], text: str) -> tuple[str, str]:
    """`field:value`: equal to the value, or (a list field) holding it."""
    name, sep, value = text.partition(":")
    if not sep:
        raise ParameterError(f"filter: expected field:value, got {text!r}", field="filter")
    return _field(columns, name.strip(), "filter"), value.strip()


def _matches(value: Any, wanted: str) -> bool:
    """A scalar equal to the text (case-insensitive; true/false for booleans), or a list holding it."""
    if isinstance(value, list):
        return any(_matches(v, wanted) for v in value)
    if isinstance(value, bool):
        return ("true" if value else "false") == wanted.lower()
    return value is not None and str(value).casefold() == wanted.casefold()


def _by(name: str) -> Callable[[Mapping[str, Any]], Any]:
    """Sort key of one field."""
    return lambda row: _key(row.get(name))


def _missing(name: str) -> Callable[[Mapping[str, Any]], bool]:
    """True for rows without the field, so they sort last."""
    return lambda row: row.get(name) is None


def _key(value: Any) -> Any:
    """Sortable form: numbers as numbers, lists by their joined text, the rest as text."""
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | float):
        return (0, value, "")
    if isinstance(value, list):
        return (1, 0, ";".join(map(str, value)))
    return (1, 0, "" if value is None else str(value))


def links(
    items: Sequence[tuple[str, str]], offset: int, limit: int, total: int, count: int
) -> dict[str, Any]:
    """Where a page of rows sits, with links to sort by a column, to the pages around it and to drop each
    filter, keeping every other choice of the address (repeated filters included)."""
    keep = [(k, v) for k, v in items if k not in ("offset", "sort") and v]
    sort = next((v for k, v in items if k == "sort" and v), "")

    def at(pairs: list[tuple[str, str]], **more: Any) -> str:
        return "?" + urlencode(pairs + [(k, str(v)) for k, v in more.items() if v not in (None, "")])

    return {
        "first": offset + 1 if count else 0,
        "last": offset + count,
        "sort": sort,
        "by": lambda c: at(keep, sort=("-" + c) if sort == c else c),
        "previous": at(keep, offset=max(offset - limit, 0), sort=sort) if offset > 0 else None,
        "next": at(keep, offset=offset + limit, sort=sort) if offset + count < total else None,
        "filters": [
            {
                "field": v.partition(":")[0],
                "value": v.partition(":")[2],
                "remove": at(keep[:i] + keep[i + 1 :], sort=sort),
            }
            for i, (k, v) in enumerate(keep)
            if k == "filter"
        ],
    }
