"""Carry a snapshot across ingest runs: re-read only the agreements they changed, keep what they cannot reach.

A snapshot patched wrongly would answer from a graph that does not exist, so a patch is taken only when the
write log (graph/journal.py) accounts for every write since the old snapshot, each one an ingest run
whose IngestRun node is committed and whose change records name tables of TABLES: the agreements (their
rows and the relationships they own: parties, technologies, framework, lead components), whose changed rows
are read again, and every other table, whose kept values are dropped to be read again. Anything else, a log
that was started again or cannot be read, a write of any other kind, too many changed agreements, or the
Neo4j engine (other machines' writes never reach this machine's log), reads everything again. The flat
reads, agreement-facts, the lists grouped per agreement and each agreement's duplicates facts are patched;
a date's pairing index is patched from the old one when asked (queries/pairing.py); the other values of a
date are built again from the patched reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graph import schema
from graph.connection import Graph
from queries import portfolio

Row = dict[str, Any]
#: The flat reads a patch rebuilds: held key -> (the query reading the changed agreements' rows, where a
#: row holds its agreement's id: a column name for rows read as dicts, a position for rows read as lists).
FLAT: dict[str, tuple[str, str | int]] = {
    "agreement-rows": ("agreement-rows-of", "id"),
    "party-links:values": ("party-links-of", 0),
    "cover-links:values": ("cover-links-of", 0),
    "lead-links:values": ("lead-links-of", 0),
    "under-links:values": ("under-links-of", 0),
    "party-values:values": ("party-values-of", 0),
}
#: agreement-facts, patched like a flat read, but for the changed agreements and every agreement under
#: them too (found by the second query): an agreement's `auspices` are the forums its frameworks work under.
FACTS = ("agreement-facts", "agreement-facts-of", "agreements-under")
#: The duplicates' facts of every agreement a date has asked for, by id (queries/duplication.py): each
#: depends on its own rows, the taxonomy and the agreements above it only.
OBJECTS = "duplicate-facts:objects"
#: The duplicates' facts of the snapshot before, handed to one that reads everything: each is moved to OBJECTS
#: only once it equals what the full read gives (queries/duplication.py). Not in KEPT: never carried.
UNCHECKED = "duplicate-facts:unchecked"
#: Held values read from no agreement (forums, restrictions, exemptions, the taxonomy, the planning
#: tables and the engagement scores worked out from them), kept as they are. Every other held value
#: (names, search indexes, values built from the flat reads) is worked out again.
KEPT = frozenset(
    {
        "forum-facts",
        "restriction-facts",
        "exemption-facts",
        "engagement-inputs",
        "engagement-scores",
        "engagement-ranked",
        "taxonomy",
        "lineage",
        "priorities",
    }
)
#: Values of a date handed to the patched snapshot, for its build of the same date to patch (the pairing
#: index of the duplicates, queries/duplication.py): each is checked against the new facts agreement by
#: agreement, so it need not trust the change records.
DATED = frozenset({"duplicate-pairing"})
#: The held values read from the engagement framework's inputs (needs, strengths, nation factors with the
#: nations' names), and worked out from them.
ENGAGEMENT = frozenset({"engagement-inputs", "engagement-scores", "engagement-ranked"})
#: Every table an ingest run can change, with the kept values (KEPT) its rows are read into, dropped to be
#: read again on first use (memberships are recorded as their forums' relationships, as parties are as their
#: agreements'). Ingest deletes no node an agreement read returns, and those reads return other tables'
#: nodes by key only, so no table but the agreements' changes an agreement's rows: those are read again for
#: the changed agreements only. The duplicates' facts carried hold each technology's ancestors;
#: queries/duplication.py keeps one only while they equal the taxonomy's, so a technologies run that moves
#: a technology rebuilds the facts it reaches.
TABLES: dict[str, frozenset[str]] = {
    "agreements": frozenset(),
    "restrictions": frozenset({"restriction-facts"}),
    "exemptions": frozenset({"exemption-facts"}),
    "technologies": frozenset({"taxonomy", "lineage", "priorities"}),
    "forums": frozenset({"forum-facts"}),
    # nation-factors reads the nations' names: no answer shows them today, but one that did must not be stale
    "nations": ENGAGEMENT,
    "components": frozenset(),
    "needs": ENGAGEMENT,
    "strengths": ENGAGEMENT,
    "nation_factors": ENGAGEMENT,
}
#: Changed agreements past which a patch would cost about what reading everything does.
MOST = 2000


@dataclass(frozen=True)
class Changed:
    """What some ingest runs changed: the agreements (ids) and the held values to read again (stale)."""

    ids: set[str]
    stale: frozenset[str] = frozenset()


def changed(graph: Graph, run_ids: list[str]) -> Changed | None:
    """What these runs changed; None when a run is unfinished, changed a table outside TABLES, or changed
    more than MOST agreements."""
    done = graph.read(
        f"MATCH (r:{schema.INGEST_RUN.label}) WHERE r.id IN $runs RETURN count(r) AS n", {"runs": run_ids}
    )
    if done[0]["n"] != len(set(run_ids)):
        return None
    found = graph.read(
        f"MATCH (c:{schema.CHANGE.label}) WHERE c.run_id IN $runs "
        "RETURN c.table AS table, c.key AS key, c.keys AS keys",
        {"runs": run_ids},
    )
    if any(r["table"] not in TABLES for r in found):
        return None
    agreements = [r for r in found if r["table"] == "agreements"]
    ids = {r["key"] for r in agreements if r["key"] is not None}
    ids.update(k for r in agreements for k in r["keys"] or ())
    stale = frozenset().union(*(TABLES[r["table"]] for r in found))
    return Changed(ids, stale) if len(ids) <= MOST else None


def patched(held: list[Any], fresh: list[Any], at: str | int, ids: set[str]) -> list[Any]:
    """A flat read with the changed agreements' rows replaced by `fresh` (read now): a new list, sharing the
    unchanged rows with the old snapshot; the held list itself when no agreement changed (a run of another
    table), since neither snapshot changes it."""
    if not ids and not fresh:
        return held
    return [r for r in held if r[at] not in ids] + fresh


#: A patch's read: (query, the agreements' ids, where a row holds its id) -> the rows, read like the
#: held value they patch.
Reader = Callable[[str, list[str], str | int], list[Any]]


def carry(
    held: dict[str, Any], ids: set[str], read: Reader, stale: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The values a new snapshot starts with: the kept ones not `stale`; each flat read the old one held, and
    the lists grouped from it, patched with `read`; agreement-facts and the duplicates' facts without the
    changed agreements and those under them."""
    out = {key: held[key] for key in KEPT - stale if key in held}
    fresh: dict[str, list[Any]] = {}
    for key, (query, at) in FLAT.items():
        if key in held:
            fresh[key] = read(query, sorted(ids), at) if ids else []
            out[key] = patched(held[key], fresh[key], at, ids)
    out |= _regrouped(held, ids, fresh)
    if not {FACTS[0], OBJECTS} & held.keys():
        return out
    reached = ids | {r["id"] for r in read(FACTS[2], sorted(ids), "id")} if ids else set()
    if len(reached) > MOST:
        return out
    if FACTS[0] in held:
        fresh_facts = read(FACTS[1], sorted(reached), "id") if reached else []
        out[FACTS[0]] = patched(held[FACTS[0]], fresh_facts, "id", reached)
    if OBJECTS in held:
        out[OBJECTS] = {k: f for k, f in held[OBJECTS].items() if k not in reached}
    return out


def _regrouped(held: dict[str, Any], ids: set[str], fresh: dict[str, list[Any]]) -> dict[str, Any]:
    """Each list grouped per agreement from a link table (portfolio.Tables.listed) that the old snapshot
    held, with the changed agreements' lists grouped again from their rows read now."""
    out = {}
    for table, column in portfolio.LISTS.values():
        key, source = f"{table}:{column}", f"{table}:values"
        if key in held and source in fresh:
            kept = {k: v for k, v in held[key].items() if k not in ids}
            out[key] = portfolio.group(table, column, fresh[source], kept)
    return out
