"""Lists and search of every entity kind: one export per kind and graph version, shaped in memory.

Each kind's list export (queries/entity/<kind>-list.cypher) is read once per graph version and shared
(queries/snapshot.py); what depends on the date asked (active, counts of active links) is worked out
per request, so a list for any `as_of` costs no engine read once the export is held.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph.connection import Graph
from queries import snapshot
from queries.catalog import get

Row = dict[str, Any]


@dataclass(frozen=True)
class Listing:
    """One kind's list: key and label fields, columns shown, choice filters, fields search reads."""

    kind: str  # plural, as in URLs
    singular: str  # prefix of its list export
    key: str
    label: str
    columns: tuple[str, ...]
    choices: tuple[str, ...]  # fields offered as a filter with their values
    searched: tuple[str, ...]  # fields search matches besides key and label, in rank order
    dates: tuple[str, str] | None = None  # (from, until) fields of the active rule


LISTINGS = {
    x.kind: x
    for x in (
        Listing(
            "nations",
            "nation",
            "code",
            "name",
            ("code", "name", "region", "forums", "agreements"),
            ("region",),
            ("aliases",),
        ),
        Listing(
            "forums",
            "forum",
            "id",
            "name",
            ("id", "name", "kind", "parent", "members", "established"),
            ("kind",),
            ("source",),
        ),
        Listing(
            "agreements",
            "agreement",
            "id",
            "title",
            ("id", "title", "type", "status", "start", "end", "component", "parties", "technologies")
            + ("active",),
            ("type", "status", "component", "active"),
            ("technology_names", "technologies", "parties", "source"),
            ("start", "end"),
        ),
        Listing(
            "technologies",
            "technology",
            "id",
            "name",
            ("id", "name", "scheme", "priority", "broader", "agreements"),
            ("scheme", "priority"),
            ("scheme",),
        ),
        Listing(
            "restrictions",
            "restriction",
            "id",
            "citation",
            ("id", "kind", "effect", "citation", "effective", "until", "nations", "technologies", "active"),
            ("kind", "effect", "active"),
            ("kind", "source", "nations", "technologies"),
            ("effective", "until"),
        ),
        Listing(
            "exemptions",
            "exemption",
            "id",
            "citation",
            ("id", "citation", "effective", "until", "nations", "overrides", "active"),
            ("active",),
            ("source", "nations", "overrides"),
            ("effective", "until"),
        ),
    )
}


def base(graph: Graph, kind: str) -> list[Row]:
    """A kind's export at the graph's current version (shared: callers must not change the rows)."""
    name = f"{LISTINGS[kind].singular}-list"
    return snapshot.of(graph).memo(name, lambda: get(name).run(graph))  # type: ignore[no-any-return]


def rows(graph: Graph, kind: str, as_of: dt.date) -> list[Row]:
    """A kind's rows as of a date: each with `active` (dated kinds) and its counts of active links."""
    day = as_of.isoformat()
    found = [dict(r) for r in base(graph, kind)]
    dates = LISTINGS[kind].dates
    if dates is not None:
        for r in found:
            r["active"] = snapshot.active(r, day, *dates)
    DERIVED.get(kind, lambda *_: None)(graph, found, day)
    return found


def _nation_counts(graph: Graph, found: list[Row], day: str) -> None:
    """Each nation's active agreements and active forum memberships."""
    active = [a for a in base(graph, "agreements") if snapshot.active(a, day)]
    agreements = Counter(p for a in active for p in a["parties"])
    forums = Counter(m[0] for f in base(graph, "forums") for m in f["memberships"] if _member(m, day))
    for r in found:
        r["agreements"], r["forums"] = agreements[r["code"]], forums[r["code"]]


def _forum_counts(graph: Graph, found: list[Row], day: str) -> None:
    """Each forum's active members."""
    for r in found:
        r["members"] = sum(1 for m in r["memberships"] if _member(m, day))


def _technology_counts(graph: Graph, found: list[Row], day: str) -> None:
    """Each technology's active agreements covering it by name."""
    covered = Counter(
        t for a in base(graph, "agreements") if snapshot.active(a, day) for t in a["technologies"]
    )
    for r in found:
        r["agreements"] = covered[r["id"]]


def _member(membership: list[Any], day: str) -> bool:
    """An active membership: [nation, role, since, until] with since <= day <= until."""
    _, _, since, until = membership
    return (since is None or str(since) <= day) and (until is None or str(until) >= day)


DERIVED: dict[str, Callable[[Graph, list[Row], str], None]] = {
    "nations": _nation_counts,
    "forums": _forum_counts,
    "technologies": _technology_counts,
}


def choices(found: list[Row], field: str) -> list[str]:
    """The distinct values of a field (list fields by item), as a filter's options."""
    seen: set[str] = set()
    for r in found:
        value = r.get(field)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                seen.add(_text(v))
    return sorted(seen)


def _text(value: Any) -> str:
    """A value as a filter compares it (booleans as true/false)."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


# ---------------------------------------------------------------- search
#: Ranks, best first: the exact key; the exact name (or alias); the whole text in the key or name; the
#: whole text in another field (a citation, a covered technology's name); every word somewhere.
RANKS = ("id", "name", "phrase", "field", "words")


def fold(text: str) -> str:
    """Text compared without case or accents ("Türkiye" and "turkiye" are equal)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(q: str) -> list[str]:
    """The folded words of a search."""
    return [w for w in re.split(r"\s+", fold(q).strip()) if w]


@dataclass(frozen=True)
class Hit:
    """One entity found: its key and label, how well it matched, and the field and text that matched."""

    kind: str
    key: str
    label: str
    rank: int
    field: str
    text: str

    def public(self) -> dict[str, Any]:
        """As the search API returns it."""
        return {
            "kind": self.kind,
            "key": self.key,
            "label": self.label,
            "match": RANKS[self.rank],
            "field": self.field,
            "text": self.text,
        }


def _fields(listing: Listing, row: Row) -> list[tuple[str, str, str]]:
    """(field, text, folded text) of everything search looks at in a row, key and label first."""
    key, label = str(row[listing.key]), str(row.get(listing.label) or "")
    fields = [(listing.key, key), (listing.label, label)] + [
        (f, str(v)) for f in listing.searched for v in _values(row.get(f))
    ]
    return [(f, text, fold(text)) for f, text in fields]


def _matched(listing: Listing, row: Row, folded: list[tuple[str, str, str]], wanted: list[str]) -> Hit | None:
    """The hit of a row whose fields (key, label, searched) hold every wanted word, or None."""
    if not wanted or not all(any(w in f for _, _, f in folded) for w in wanted):
        return None
    rank, field, text = _best(folded, " ".join(wanted), wanted, listing)
    return Hit(listing.kind, folded[0][1], folded[1][1], rank, field, text)


def _values(value: Any) -> list[Any]:
    """A field's values: a list's items, a scalar alone, nothing for None."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _best(
    folded: list[tuple[str, str, str]], phrase: str, wanted: list[str], listing: Listing
) -> tuple[int, str, str]:
    """(rank, field, text) of the best-matching field."""
    names = {listing.label, "aliases"}
    for field, text, f in folded:
        if field == listing.key and f == phrase:
            return 0, field, text
    for field, text, f in folded:
        if field in names and f == phrase:
            return 1, field, text
    for field, text, f in folded:
        if phrase in f:
            return (2 if field in names or field == listing.key else 3), field, text
    field, text, _ = max(folded, key=lambda x: sum(w in x[2] for w in wanted))
    return 4, field, text


def find(graph: Graph, kind: str, q: str, keep: set[str] | None = None) -> list[Hit]:
    """Every entity of a kind matching a search (only keys in `keep`, when given), best first, then by key."""
    listing, wanted = LISTINGS[kind], words(q)
    hits = []
    for row, folded in _index(graph, kind):
        if (keep is None or folded[0][1] in keep) and (hit := _matched(listing, row, folded, wanted)):
            hits.append(hit)
    return sorted(hits, key=lambda h: (h.rank, h.key))


def _index(graph: Graph, kind: str) -> list[tuple[Row, list[tuple[str, str, str]]]]:
    """Each row with its folded fields, folded once per graph version (folding is most of a search's cost)."""
    listing = LISTINGS[kind]

    def build() -> list[tuple[Row, list[tuple[str, str, str]]]]:
        return [(r, _fields(listing, r)) for r in base(graph, kind)]

    return snapshot.of(graph).memo(f"{kind}-search-index", build)  # type: ignore[no-any-return]


def spans(text: str, q: str) -> list[tuple[int, int]]:
    """Where the search's words occur in a text, ignoring case and accents, as (start, end) pairs."""
    folded, at = _folded_with_positions(text)
    found: list[tuple[int, int]] = []
    for w in words(q):
        for m in re.finditer(re.escape(w), folded):
            found.append((at[m.start()], at[m.end() - 1] + 1))
    return _merged(sorted(found))


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original it came from."""
    out: list[str] = []
    at: list[int] = []
    for i, c in enumerate(text):
        f = fold(c)
        out.append(f)
        at.extend([i] * len(f))
    return "".join(out), at


def _merged(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans joined."""
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def search(graph: Graph, q: str, kinds: tuple[str, ...], limit: int = 10) -> dict[str, Any]:
    """Every kind's best hits for a search, grouped by kind with each group's total."""
    groups = {}
    for kind in kinds:
        hits = find(graph, kind, q)
        groups[kind] = {"total": len(hits), "items": [h.public() for h in hits[:limit]]}
    return {"q": q, "groups": groups}


#: The kinds whose keys tables show with their name or title beside them.
NAMED = ("nations", "forums", "agreements", "technologies")
#: Where names come from instead of a kind's list export: agreement-rows holds every title, is shared with
#: the analyses and is patched after an ingest (queries/patch.py), while the agreement list export took
#: 1.2-1.6 s at 20k agreements, most of the home page's first answer after a write.
NAME_ROWS = {"agreements": "agreement-rows"}


def names(graph: Graph) -> dict[str, dict[str, str]]:
    """Each named kind's key -> name or title, so a table can say what an id is."""

    def build() -> dict[str, dict[str, str]]:
        out = {}
        for kind in NAMED:
            listing, export = LISTINGS[kind], NAME_ROWS.get(kind)
            found = snapshot.rows(graph, export) if export else base(graph, kind)
            out[kind] = {str(r[listing.key]): str(r.get(listing.label) or "") for r in found}
        return out

    return snapshot.of(graph).memo("names", build)  # type: ignore[no-any-return]
