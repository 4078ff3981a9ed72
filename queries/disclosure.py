"""Disclosure trace, what-if and pre-draft check: Cypher reads the facts, queries/rules.py decides."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from graph.connection import Graph
from graph.errors import NotFoundError, ParameterError
from queries.catalog import get
from queries.rules import DISCLOSER, SEVERITY, VERDICTS, Fact, Rules, facts, public, rank, verdict

#: An answer for a date this long after the reference data's compiled date warns that later changes
#: to the law are not known (DESIGN.md, second wave).
STALE_AFTER_DAYS = 180


def check_nation(graph: Graph, code: str) -> str:
    """The nation must exist in the graph; otherwise an error with the nearest names."""
    rows = graph.read("MATCH (n:Nation {code: $c}) RETURN n.name AS name", {"c": code})
    if not rows:
        from ingest.nation import iso

        if code in iso().names:  # a real nation, but the reference data is not loaded
            raise NotFoundError(
                f"nation {code!r} is not in the graph; run `stkg init` to load the ISO nations"
            )
        raise NotFoundError(f"unknown nation {code!r}", iso().suggest(code))
    return str(rows[0]["name"])


def headline(result: str, exceptions: list[Fact]) -> str:
    """The verdict as a person reads it: "permitted except 9 narrower items (license required: 9)"."""
    if not exceptions:
        return result.replace("_", " ")
    counts = Counter(e["verdict"] for e in exceptions)
    parts = ", ".join(f"{v.replace('_', ' ')}: {counts[v]}" for v in VERDICTS if counts[v])
    items = "item" if len(exceptions) == 1 else "items"
    return f"{result.replace('_', ' ')} except {len(exceptions)} narrower {items} ({parts})"


def _summary(nation: str, tid: str, result: str, reasons: list[Fact]) -> str:
    """One sentence that says why, naming the rule or the exemption."""
    if nation == DISCLOSER:
        return "The United States is the disclosing nation: no export restriction applies."
    live = [r for r in reasons if r["applies"]]
    if result != "permitted":
        worst = next(r for r in live if SEVERITY[r["effect"]] == result)
        where = (
            f"attached to {worst['attaches_to']}"
            if worst["attaches_to"]
            else f"applies to {nation} for every technology"
        )
        refused = "; ".join(
            f"{x['exemption']} does not cover it ({x['excluded']} is excluded)"
            for x in worst["excluded_from"]
        )
        return f"{result}: {worst['citation']} ({worst['restriction']}, {where})" + (
            f"; {refused}." if refused else "."
        )
    if reasons:
        used = sorted({e for r in reasons for e in r["overridden_by"]})
        return (
            f"permitted: every applicable restriction is overridden by {', '.join(used)}; "
            "the exemption's own conditions (eligible parties, end use) still apply."
        )
    return f"permitted: no restriction in force applies to {nation} for {tid} or its broader technologies."


def warnings(day: dt.date, reasons: list[Fact], compiled: dt.date | None) -> list[str]:
    """Sentences naming each fact the answer relies on whose review date has passed, then staleness."""
    out: list[str] = []
    rows = [("restriction", r["restriction"], r["review_by"]) for r in reasons]
    rows += [("exemption", e["id"], e["review_by"]) for r in reasons for e in r.get("_exemptions", [])]
    for kind, key, review_by in rows:
        if review_by and review_by < day.isoformat():
            text = (
                f"{kind} {key} was due for review on {review_by}, before {day.isoformat()}: "
                "check that it still holds (and ingest the renewal or the change) "
                "before relying on this answer."
            )
            if text not in out:
                out.append(text)
    if compiled is not None and (day - compiled).days > STALE_AFTER_DAYS:
        out.append(
            f"The shipped reference data was compiled on {compiled.isoformat()}, "
            f"{(day - compiled).days} days before {day.isoformat()}: "
            f"changes to the law after {compiled.isoformat()} are not known to stkg."
        )
    return out


def _compiled(graph: Graph) -> dt.date | None:
    """The reference data's compiled date, when it is loaded."""
    from ingest.pipeline import reference_compiled

    return reference_compiled(graph)


def _runs(rules: Rules, tid: str, reasons: list[Fact]) -> list[str]:
    """The ingest runs whose rows the answer rests on: restrictions, exemptions, technologies."""
    found = {r["run_id"] for r in reasons}
    found |= {e["run_id"] for r in reasons for e in r.get("_exemptions", [])}
    found |= {(rules.tech_rows.get(t) or {}).get("run_id") for r in reasons for t in r["chain"]}
    found.add((rules.tech_rows.get(tid) or {}).get("run_id"))
    return sorted(r for r in found if r)


def _trace(rules: Rules, nation: str, tid: str, compiled: dt.date | None) -> dict[str, Any]:
    """Verdict, exceptions, reasons and warnings for one pair on the rules' day."""
    reasons = rules.reasons(nation, tid)
    result = verdict(reasons)
    exceptions = rules.exceptions(nation, tid, result)
    relied = reasons + [r for e in exceptions for r in e["reasons"]]  # an exception's applying reasons
    return {
        "verdict": result,
        "headline": headline(result, exceptions),
        "summary": _summary(nation, tid, result, reasons),
        "reasons": [public(r) for r in reasons],
        "exceptions": exceptions,
        "warnings": warnings(dt.date.fromisoformat(rules.day), relied, compiled),
        "runs": _runs(rules, tid, relied),
    }


def disclosure_trace(graph: Graph, as_of: dt.date, nation: str, technology: str) -> dict[str, Any]:
    """May `technology` be disclosed to `nation` on `as_of`, and why, with the narrower exceptions."""
    check_nation(graph, nation)
    rules = facts(graph).on(as_of)
    compiled = _compiled(graph)
    params = {"as_of": as_of, "nation": nation, "technology": technology}
    return {
        "nation": nation,
        "technology": technology,
        "name": rules.names.get(technology, technology),
        "as_of": as_of.isoformat(),
        **_trace(rules, nation, technology, compiled),
        "agreements": get("nation-technology-agreements").run(graph, params),
        "reference_compiled": compiled.isoformat() if compiled else None,
    }


def _scope_nations(graph: Graph, rules: Rules, to: list[str], lift: list[str]) -> list[str]:
    """DESIGN.md's default scope: `to`, else the nations the lifted restrictions name, else all foreign."""
    if to:
        return to
    named = sorted({n for r in rules.restrictions if r["id"] in lift for n in r["nations"]})
    if named:
        return named
    rows = graph.read("MATCH (n:Nation) WHERE n.code <> $us RETURN n.code AS c ORDER BY c", {"us": DISCLOSER})
    return [r["c"] for r in rows]


def _affected(rules: Rules, extend: str | None, lift: list[str], scope: list[str]) -> list[str]:
    """Technologies whose verdict could change: under the restrictions lifted or the exemption overrides."""
    touched = set(lift)
    touched |= {rid for e in rules.exemptions if e["id"] == extend for rid in e["overrides"]}
    roots = [t for r in rules.restrictions if r["id"] in touched for t in r["technologies"]]
    if any(not r["technologies"] for r in rules.restrictions if r["id"] in touched):
        return list(scope)
    found = {t for root in roots for t in [root, *rules.narrower(root)]}
    return [t for t in scope if t in found]


def _why(before: list[Fact], after: list[Fact], extend: str | None, to: list[str], lift: list[str]) -> str:
    """Which restrictions stop applying, and why: lifted, or overridden by the extended exemption."""
    still = {r["restriction"] for r in after if r["applies"]}
    gone = [r for r in before if r["applies"] and r["restriction"] not in still]
    parts = []
    for r in gone:
        how = "lifted" if r["restriction"] in lift else f"overridden by {extend} extended to {', '.join(to)}"
        parts.append(f"{r['restriction']} ({r['effect']}) {how}")
    return "; ".join(parts)


def disclosure_whatif(graph: Graph, as_of: dt.date, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdicts that change if `extend` also benefited `to` and the `lift` restrictions were gone."""
    extend, to, lift = p.get("extend"), p.get("to") or [], p.get("lift") or []
    rules = facts(graph).on(as_of)
    _check_whatif(graph, rules, extend, to, lift)
    after = rules.what_if(extend, to, lift)
    nations = p.get("nations") or _scope_nations(graph, rules, to, lift)
    scope = p.get("technologies") or sorted(rules.names)
    affected = _affected(rules, extend, lift, scope)
    rows = []
    for nation in nations:
        for tid in affected:
            b, a = rules.reasons(nation, tid), after.reasons(nation, tid)
            vb, va = verdict(b), verdict(a)
            if vb != va:
                rows.append(
                    {
                        "nation": nation,
                        "technology": tid,
                        "name": rules.names.get(tid, tid),
                        "before": vb,
                        "after": va,
                        "reason": _why(b, a, extend, to, lift),
                    }
                )
    rows.sort(key=lambda r: (r["nation"], r["technology"]))
    return rows


def _check_whatif(graph: Graph, rules: Rules, extend: str | None, to: list[str], lift: list[str]) -> None:
    """The exemption and restrictions must exist (and be in force); an extension needs nations."""
    if not extend and not lift:
        raise ParameterError("disclosure-whatif needs extend (with to) or lift, or both", field="extend")
    if extend and not to:
        raise ParameterError("parameter to: the nations to extend the exemption to are required", field="to")
    if to and not extend:
        raise ParameterError("parameter extend: to names nations but no exemption to extend", field="extend")
    in_force = {e["id"] for e in rules.exemptions}
    if extend and extend not in in_force:
        known = [r["k"] for r in graph.read("MATCH (e:Exemption) RETURN e.id AS k")]
        state = "is not in force on that date" if extend in known else "is not an exemption"
        raise NotFoundError(f"{extend!r} {state}", _close(extend, sorted(in_force)))
    live = {r["id"] for r in rules.restrictions}
    for rid in lift:
        if rid not in live:
            raise NotFoundError(
                f"{rid!r} is not a restriction in force on that date", _close(rid, sorted(live))
            )
    for code in to:
        check_nation(graph, code)


def _close(text: str, known: list[str]) -> list[str]:
    """Close ids for an error message."""
    import difflib

    return difflib.get_close_matches(text, known, n=3, cutoff=0.5)


def _jaccard(a: list[str], b: list[str]) -> float:
    """Overlap of two sets, 0..1."""
    union = set(a) | set(b)
    return round(len(set(a) & set(b)) / len(union), 3) if union else 0.0


def predraft_check(
    graph: Graph, as_of: dt.date, parties: list[str], technologies: list[str]
) -> dict[str, Any]:
    """What already exists for these partners on these technologies, and what may be disclosed."""
    for code in parties:
        check_nation(graph, code)
    params = {"as_of": as_of, "parties": parties, "technologies": technologies}
    foreign = [p for p in parties if p != DISCLOSER]
    overlaps = [
        {
            **row,
            "party_overlap": _jaccard(parties, row["parties"]),
            "technology_overlap": round(len(row["technologies"]) / len(technologies), 3),
        }
        for row in get("predraft-overlaps").run(graph, params)
        if not foreign or set(row["parties"]) & set(foreign)
    ]
    overlaps.sort(key=lambda r: (-r["party_overlap"], -r["technology_overlap"], r["agreement"]))
    forums = get("predraft-forums").run(graph, {"as_of": as_of, "technologies": technologies})
    rules, compiled = facts(graph).on(as_of), _compiled(graph)
    flags = [_flag(rules, n, t, compiled) for n in foreign for t in technologies]
    flags.sort(key=lambda d: (rank(d["verdict"]), d["nation"], d["technology"]))
    return {
        "parties": parties,
        "technologies": technologies,
        "as_of": as_of.isoformat(),
        "overlapping_agreements": overlaps,
        "candidate_frameworks": get("predraft-frameworks").run(graph, params),
        "forums": [
            _forum(f)
            for f in forums
            if set(parties) <= set(f["members"]) and len(f["covered"]) == len(technologies)
        ],
        "exclusion_warnings": _exclusion(graph, forums, parties),
        "disclosure": [{k: v for k, v in d.items() if k != "warnings"} for d in flags],
        "warnings": list(dict.fromkeys(w for d in flags for w in d["warnings"])),
    }


def _forum(row: dict[str, Any]) -> dict[str, Any]:
    """A forum under which the work could go."""
    return {
        "forum": row["forum"],
        "name": row["name"],
        "kind": row["kind"],
        "technologies": row["covered"],
    }


def _exclusion(graph: Graph, forums: list[dict[str, Any]], parties: list[str]) -> list[dict[str, Any]]:
    """Forums covering the technologies, all parties members, whose other members would be left out."""
    out = []
    for f in forums:
        left = sorted(set(f["members"]) - set(parties))
        if len(parties) >= 3 and set(parties) <= set(f["members"]) and left:
            names_of = {
                r["c"]: r["n"]
                for r in graph.read(
                    "MATCH (n:Nation) WHERE n.code IN $codes RETURN n.code AS c, n.name AS n",
                    {"codes": left},
                )
            }
            out.append(
                {
                    "forum": f["forum"],
                    "name": f["name"],
                    "technologies": f["covered"],
                    "left_out": left,
                    "left_out_names": [names_of.get(c, c) for c in left],
                }
            )
    return out


def _flag(rules: Rules, nation: str, technology: str, compiled: dt.date | None) -> dict[str, Any]:
    """The disclosure verdict for one party and technology, with its exceptions and restrictions."""
    t = _trace(rules, nation, technology, compiled)
    return {
        "nation": nation,
        "technology": technology,
        "verdict": t["verdict"],
        "headline": t["headline"],
        "restrictions": [r["restriction"] for r in t["reasons"] if r["applies"]],
        "summary": t["summary"],
        "exceptions": [{k: e[k] for k in ("technology", "name", "verdict")} for e in t["exceptions"]],
        "warnings": t["warnings"],
    }
