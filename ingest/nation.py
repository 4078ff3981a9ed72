"""Resolve nation names, alpha-2/alpha-3 codes and aliases to ISO 3166-1 alpha-3."""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry

ALIASES = Path(__file__).resolve().parent / "nation_aliases.csv"
#: Codes users need that ISO 3166-1 does not assign (user-assigned code in common use).
EXTRA = {"XKX": "Kosovo"}


def _norm(text: str) -> str:
    """Case- and accent-insensitive form for matching names."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass
class Resolver:
    """Maps every known spelling to a code; `names` holds the display name of each code."""

    lookup: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, code: str, name: str, spellings: list[str]) -> None:
        """Register a nation with its name and extra spellings."""
        self.names.setdefault(code, name)
        for s in [code, name, *spellings]:
            if s:
                self.lookup.setdefault(_norm(s), code)

    def resolve(self, text: str) -> str | None:
        """The alpha-3 code for a spelling, or None."""
        return self.lookup.get(_norm(text))

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """Nearest known nation names, for an error message."""
        by_norm = {_norm(name): name for name in self.names.values()}
        spellings = list(by_norm) + [k for k in self.lookup if len(k) > 3]
        close = difflib.get_close_matches(_norm(text), spellings, n=n * 2, cutoff=0.6)
        out: list[str] = []
        for c in close:
            name = by_norm.get(c) or self.names[self.lookup[c]]
            if name not in out:
                out.append(name)
        return out[:n]

    def extended(self, extra: list[tuple[str, str, list[str]]]) -> Resolver:
        """A copy that also knows nations from the input or the graph."""
        copy = Resolver(dict(self.lookup), dict(self.names))
        for code, name, aliases in extra:
            copy.add(code, name, aliases)
        return copy


@cache
def iso() -> Resolver:
    """The ISO 3166-1 resolver from pycountry plus the shipped alias table."""
    r = Resolver()
    for c in pycountry.countries:
        spellings = [c.alpha_2, getattr(c, "official_name", ""), getattr(c, "common_name", "")]
        r.add(c.alpha_3, getattr(c, "common_name", None) or c.name, [c.name, *spellings])
    for code, name in EXTRA.items():
        r.add(code, name, [])
    with ALIASES.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            r.lookup.setdefault(_norm(row["alias"]), row["code"])
    return r


def resolve(text: str) -> str | None:
    """Resolve with the ISO table and aliases only."""
    return iso().resolve(text)
