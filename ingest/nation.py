"""Resolve nation names, alpha-2/alpha-3 codes and aliases to ISO 3166-1 alpha-3."""

from __future__ import annotations

import csv
import difflib
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pycountry

#: One spelling per row; a spelling listed for two codes ("Congo": COG and COD) is ambiguous.
ALIASES = Path(__file__).resolve().parent / "nation_aliases.csv"
#: Codes users need that ISO 3166-1 does not assign (user-assigned code in common use).
EXTRA = {"XKX": "Kosovo"}


@lru_cache(maxsize=2**16)
def _norm(text: str) -> str:
    """Case- and accent-insensitive form for matching names (cached: a portfolio repeats a few spellings
    hundreds of thousands of times)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@dataclass
class Resolver:
    """Maps every known spelling to a code; `names` holds the display name of each code."""

    lookup: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, name: str, spellings: list[str]) -> None:
        """Register a nation with its name and extra spellings."""
        self.names.setdefault(code, name)
        for s in [code, name, *spellings]:
            if s:
                self.lookup.setdefault(_norm(s), code)
        if _norm(code) in self.ambiguous:  # a code always resolves
            del self.ambiguous[_norm(code)]
        for s in [name, *spellings]:
            key = _norm(s) if s else ""
            if key in self.ambiguous and code not in self.ambiguous[key]:
                self.ambiguous[key].append(code)

    def mark_ambiguous(self, spelling: str, codes: list[str]) -> None:
        """A spelling that fits several nations: it never resolves, and errors list every code."""
        key = _norm(spelling)
        self.ambiguous[key] = sorted(set(self.ambiguous.get(key, [])) | set(codes))
        self.lookup.pop(key, None)

    def resolve(self, text: str) -> str | None:
        """The alpha-3 code for a spelling, or None (also for an ambiguous spelling)."""
        key = _norm(text)
        return None if key in self.ambiguous else self.lookup.get(key)

    def candidates(self, text: str) -> list[str]:
        """Every code an ambiguous spelling fits ("Korea": KOR, PRK); empty when it is not ambiguous."""
        return list(self.ambiguous.get(_norm(text), []))

    def describe(self, codes: list[str]) -> str:
        """Codes with their names, for an error message: "COD (Congo, The Democratic ...)"."""
        return ", ".join(f"{c} ({self.names.get(c, c)})" for c in codes)

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
        copy = Resolver(dict(self.lookup), dict(self.names), {k: list(v) for k, v in self.ambiguous.items()})
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
        rows = list(csv.DictReader(fh))
    codes: dict[str, list[str]] = {}
    for row in rows:
        codes.setdefault(_norm(row["alias"]), []).append(row["code"])
    for spelling, found in codes.items():
        if len(set(found)) > 1:
            r.mark_ambiguous(spelling, found)
        else:
            r.lookup.setdefault(spelling, found[0])
    return r


def resolve(text: str) -> str | None:
    """Resolve with the ISO table and aliases only."""
    return iso().resolve(text)
