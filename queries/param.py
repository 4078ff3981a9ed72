"""Typed query parameters declared in .cypher headers, converted from CLI/HTTP text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.errors import AmbiguousError, NotFoundError, ParameterError


def _date(text: Any) -> dt.date:
    """ISO date, 'today' or 'a year ago' (the same day last year; 28 February for 29 February)."""
    if isinstance(text, dt.date):
        return text
    word = str(text).strip().lower()
    if word == "today":
        return dt.date.today()
    if word == "a year ago":
        today = dt.date.today()
        return today.replace(year=today.year - 1, day=min(today.day, 28 if today.month == 2 else 31))
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise ParameterError(f"{text!r} is not a date (YYYY-MM-DD)") from exc


def date_of(text: Any) -> dt.date:
    """A date parameter's value: ISO, 'today' or 'a year ago'."""
    return _date(text)


def as_of(value: Any) -> dt.date:
    """An `as_of` value from a caller: empty means today; errors name the field."""
    try:
        return _date(value if value not in (None, "") else "today")
    except ParameterError as exc:
        raise ParameterError(f"parameter as_of: {exc}", field="as_of") from exc


def _int(text: Any) -> int:
    """Whole number."""
    try:
        return int(str(text).strip())
    except ValueError as exc:
        raise ParameterError(f"{text!r} is not a whole number") from exc


def _number(text: Any) -> float:
    """A finite number >= 0, named in the error when it is not."""
    try:
        value = float(str(text).strip())
    except ValueError as exc:
        raise ParameterError(f"{text!r} is not a number") from exc
    if not value >= 0 or value == float("inf"):
        raise ParameterError(f"{text!r} must be a finite number, 0 or more")
    return value


def _bool(text: Any) -> bool:
    """true/false/yes/no/1/0, as in the ingest format."""
    if isinstance(text, bool):
        return text
    value = str(text).strip().lower()
    if value in {"true", "yes", "1"}:
        return True
    if value in {"false", "no", "0"}:
        return False
    raise ParameterError(f"{text!r} is not a boolean (true/false)")


def _list(text: Any) -> list[str]:
    """A ';'- or ','-separated list, like ingest list cells."""
    if isinstance(text, list | tuple):
        return [str(t).strip() for t in text if str(t).strip()]
    return [p.strip() for p in str(text).replace(",", ";").split(";") if p.strip()]


def _nation(text: Any) -> str:
    """A nation by alpha-3, alpha-2, name or alias; unknown names are an error with suggestions."""
    from ingest.nation import iso

    fits = iso().candidates(str(text))
    if fits:
        raise AmbiguousError(
            f"ambiguous nation {text!r}: it fits {iso().describe(fits)}; give the code", fits
        )
    code = iso().resolve(str(text))
    if code is None:
        if str(text).isalpha() and len(str(text)) == 3 and str(text).isupper():
            return str(text)  # a user-defined code, checked against the graph by the caller
        raise NotFoundError(f"unknown nation {text!r}", iso().suggest(str(text)))
    return code


def _nations(text: Any) -> list[str]:
    """A list of nations, each resolved like a single one."""
    return [_nation(t) for t in _list(text)]


def _str(text: Any) -> str:
    """Plain text, stripped."""
    return str(text).strip()


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "date": _date,
    "int": _int,
    "number": _number,
    "bool": _bool,
    "string": _str,
    "nation": _nation,
    "technology": _str,
    "component": _str,
    "list": _list,
    "nations": _nations,
    "technologies": _list,
}


@dataclass(frozen=True)
class Param:
    """One declared parameter: its name, type, default, and whether the caller must give it."""

    name: str
    type: str
    default: str | None
    required: bool

    def convert(self, raw: Any) -> Any:
        """Convert a raw value, naming the parameter in any error."""
        try:
            return CONVERTERS[self.type](raw)
        except AmbiguousError as exc:
            raise AmbiguousError(f"parameter {self.name}: {exc}", exc.suggestions, self.name) from exc
        except NotFoundError as exc:
            raise NotFoundError(str(exc), exc.suggestions, exc.field or self.name) from exc
        except ParameterError as exc:
            raise ParameterError(f"parameter {self.name}: {exc}", field=self.name) from exc

    def default_value(self) -> Any:
        """The value used when the caller gives none."""
        if self.required:
            raise ParameterError(f"parameter {self.name} is required", field=self.name)
        if self.default is None or self.default == "null":
            return None
        return self.convert(self.default)


def parse_decls(text: str) -> tuple[Param, ...]:
    """Parse a header's `params:` text: declarations separated by ';', or 'none'."""
    return tuple(parse_decl(d) for d in text.split(";") if d.strip() and d.strip() != "none")


def parse_decl(decl: str) -> Param:
    """Parse `name: type`, `name: type = default` or `name: type?` (optional, null)."""
    name, _, rest = decl.partition(":")
    type_, eq, default = rest.partition("=")
    type_ = type_.strip()
    optional = type_.endswith("?")
    type_ = type_.rstrip("?")
    if type_ not in CONVERTERS:
        raise ValueError(f"unknown parameter type {type_!r} in {decl!r}")
    required = not eq and not optional
    return Param(name.strip(), type_, default.strip() if eq else None, required)


def bind(name: str, params: tuple[Param, ...], raw: dict[str, Any]) -> dict[str, Any]:
    """Convert caller values to typed parameters; unknown names are an error."""
    known = {p.name for p in params}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ParameterError(
            f"{name} has no parameter {', '.join(unknown)} (it takes: {', '.join(sorted(known)) or 'none'})",
            field=unknown[0],
        )
    return {
        p.name: p.convert(raw[p.name]) if raw.get(p.name) not in (None, "") else p.default_value()
        for p in params
    }
