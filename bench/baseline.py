"""Plain-Python versions of the portfolio analyses over validated records, for benchmarks to compare against."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache
from typing import Any

from ingest.validate import Plan

Rec = dict[str, Any]


def _active(rec: Rec, day: dt.date, lo: str = "start", hi: str = "end") -> bool:
    """DESIGN.md's 'active as of' rule."""
    return (
        (rec.get("status") or "active") == "active"
        and (rec.get(lo) is None or rec[lo] <= day)
        and (rec.get(hi) is None or rec[hi] >= day)
    )


class Portfolio:
    """The tables of one input, indexed for the analyses."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.techs = {t["id"]: t for t in plan.records.get("technologies", [])}
        self.agreements = {a["id"]: a for a in plan.records.get("agreements", [])}
        self.forums = {f["id"]: f for f in plan.records.get("forums", [])}
        self.members: dict[str, list[Rec]] = defaultdict(list)
        for m in plan.records.get("memberships", []):
            self.members[m["forum"]].append(m)
        self.leads = {
            a["id"]: [a["lead_component"]] if a.get("lead_component") else []
            for a in self.agreements.values()
        }
        self.ancestors = cache(self._ancestors)

    def _ancestors(self, tid: str) -> frozenset[str]:
        """The technology and everything broader than it."""
        out = {tid}
        for parent in self.techs.get(tid, {}).get("broader") or []:
            out |= self.ancestors(parent)
        return frozenset(out)

    def parents(self, aid: str) -> set[str]:
        """Agreements this one is UNDER, transitively."""
        out, cur = set(), self.agreements[aid].get("parent")
        while cur and cur not in out:
            out.add(cur)
            cur = self.agreements.get(cur, {}).get("parent")
        return out

    def active(self, day: dt.date) -> list[Rec]:
        """Agreements active on the day."""
        return [a for a in self.agreements.values() if _active(a, day)]


def coverage_gaps(p: Portfolio, day: dt.date) -> list[Rec]:
    """Technologies with a priority covered by no active agreement."""
    covered = {anc for a in p.active(day) for t in a["technologies"] for anc in p.ancestors(t)}
    rows = [t for t in p.techs.values() if t.get("priority") is not None and t["id"] not in covered]
    return [
        {"technology": t["id"], "name": t["name"], "priority": t["priority"], "scheme": t.get("scheme")}
        for t in sorted(rows, key=lambda t: (-t["priority"], t["id"]))
    ]


def collaborations(p: Portfolio, day: dt.date) -> list[Rec]:
    """Nation x technology with their active agreements."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in p.active(day):
        for n in a["parties"]:
            for t in a["technologies"]:
                found[(n, t)].add(a["id"])
    rows = [
        {"nation": n, "technology": t, "agreements": sorted(ids), "count": len(ids)}
        for (n, t), ids in found.items()
    ]
    return sorted(rows, key=lambda r: (-r["count"], r["nation"], r["technology"]))


def duplicates(p: Portfolio, day: dt.date) -> list[Rec]:
    """Active pairs with nested parties and a common technology (or ancestor)."""
    live = [a for a in p.active(day) if not a.get("deliberate_redundancy")]
    by_tech: dict[str, list[Rec]] = defaultdict(list)
    for a in live:
        for t in a["technologies"]:
            by_tech[t].append(a)
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in live:
        for t in a["technologies"]:
            for anc in p.ancestors(t):
                for b in by_tech.get(anc, []):
                    if b["id"] != a["id"]:
                        pairs[tuple(sorted((a["id"], b["id"])))].add(t)  # type: ignore[index]
    rows = []
    for (x, y), techs in sorted(pairs.items()):
        px, py = set(p.agreements[x]["parties"]), set(p.agreements[y]["parties"])
        if not (px <= py or py <= px) or y in p.parents(x) or x in p.parents(y):
            continue
        lx, ly = p.leads[x], p.leads[y]
        rows.append(
            {
                "agreement_a": x,
                "agreement_b": y,
                "parties": sorted(px & py),
                "technologies": sorted(techs),
                "components": sorted(set(lx) | set(ly)),
                "cross_component": bool(lx and ly and set(lx) != set(ly)),
                "relation": "equal" if px == py else "nested",
                "same_type": p.agreements[x]["type"] == p.agreements[y]["type"],
            }
        )
    return rows


def partners(p: Portfolio, day: dt.date) -> list[Rec]:
    """Nation pairs with their common active agreements and those agreements' technologies."""
    found: dict[tuple[str, str], tuple[set[str], set[str]]] = {}
    for a in p.active(day):
        nations = sorted(set(a["parties"]))
        for i, x in enumerate(nations):
            for y in nations[i + 1 :]:
                ids, techs = found.setdefault((x, y), (set(), set()))
                ids.add(a["id"])
                techs.update(a["technologies"])
    return [
        {"nation_a": x, "nation_b": y, "technologies": sorted(t), "agreements": sorted(i), "count": len(i)}
        for (x, y), (i, t) in sorted(found.items())
    ]


def duplicate_clusters(p: Portfolio, day: dt.date) -> list[Rec]:
    """Connected components of the duplicate pairs, by networkx, ranked as DESIGN.md says."""
    import networkx as nx

    g = nx.Graph()
    techs: dict[str, set[str]] = defaultdict(set)
    for row in duplicates(p, day):
        a, b = row["agreement_a"], row["agreement_b"]
        g.add_edge(a, b)
        for t in row["technologies"]:
            techs[a if t in p.agreements[a]["technologies"] else b].add(t)
            if t in p.agreements[b]["technologies"]:
                techs[b].add(t)
    groups = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    rows = []
    for n, ids in enumerate(groups, 1):
        recs = [p.agreements[i] for i in ids]
        components = sorted({c for i in ids for c in p.leads[i]})
        rows.append(
            {
                "cluster": n,
                "agreements": ids,
                "titles": [r["title"] for r in recs],
                "size": len(ids),
                "parties": sorted({n for r in recs for n in r["parties"]}),
                "technologies": sorted({t for i in ids for t in techs[i]}),
                "components": components,
                "cross_component": len(components) > 1,
                "same_type": len({r["type"] for r in recs}) == 1,
            }
        )
    return rows


def _sub_forums(p: Portfolio, fid: str) -> set[str]:
    """The forum and every forum PART_OF it, transitively."""
    out = {fid}
    for f in p.forums.values():
        if f.get("parent") == fid:
            out |= _sub_forums(p, f["id"])
    return out


def exclusionary(p: Portfolio, day: dt.date) -> list[Rec]:
    """Three-plus-party agreements outside a covering forum, leaving members out."""
    rows = []
    forum_info = []
    for fid in p.forums:
        subs = _sub_forums(p, fid)
        covered = {t for s in subs for t in p.forums[s].get("covers") or []}
        members = {
            m["nation"]
            for m in p.members[fid]
            if (m.get("role") or "member") == "member" and _active(m, day, "since", "until")
        }
        forum_info.append((fid, subs, covered, members))
    for a in sorted(p.active(day), key=lambda a: a["id"]):
        parties = set(a["parties"])
        if len(parties) < 3:
            continue
        auspices = {x["forum"] for x in [a, *(p.agreements[q] for q in p.parents(a["id"]))] if x.get("forum")}
        for fid, subs, covered, members in sorted(forum_info):
            if auspices & subs or not parties <= members:
                continue
            techs = sorted(t for t in a["technologies"] if p.ancestors(t) & covered)
            if techs and members - parties:
                rows.append(
                    {
                        "agreement": a["id"],
                        "forum": fid,
                        "technologies": techs,
                        "parties": sorted(parties),
                        "excluded": sorted(members - parties),
                    }
                )
    return _folded(p, rows)


def _folded(p: Portfolio, rows: list[Rec]) -> list[Rec]:
    """Rows whose forum has a flagged sub-forum (same agreement, same excluded) go into the deepest one's `also`."""

    out = []
    for r in rows:
        twins = [o for o in rows if o["agreement"] == r["agreement"] and o["excluded"] == r["excluded"]]
        below = [o for o in twins if o is not r and o["forum"] in _sub_forums(p, r["forum"])]
        if not below:
            above = [o["forum"] for o in twins if o is not r and r["forum"] in _sub_forums(p, o["forum"])]
            out.append(r | {"also": sorted(above)})
    return out


def expiring(p: Portfolio, day: dt.date, within: int = 180) -> list[Rec]:
    """Active agreements ending in the window, with the gaps they would leave."""
    rows = []
    for a in p.active(day):
        if a.get("end") is None or a["end"] > day + dt.timedelta(days=within):
            continue
        after = a["end"] + dt.timedelta(days=1)
        others = {
            anc
            for b in p.active(after)
            if b["id"] != a["id"]
            for t in b["technologies"]
            for anc in p.ancestors(t)
        }
        mine = {anc for t in a["technologies"] for anc in p.ancestors(t)}
        gaps = sorted(t for t in mine if p.techs.get(t, {}).get("priority") is not None and t not in others)
        rows.append(
            {
                "agreement": a["id"],
                "title": a["title"],
                "end": a["end"].isoformat(),
                "days_left": (a["end"] - day).days,
                "parties": sorted(a["parties"]),
                "technologies": sorted(a["technologies"]),
                "would_be_gaps": gaps,
            }
        )
    return sorted(rows, key=lambda r: (r["end"], r["agreement"]))


def portfolio_changes(p: Portfolio, extra: Plan, start: dt.date, end: dt.date) -> list[Rec]:
    """What is active at one date and not the other: agreements, memberships, restrictions, exemptions
    (of the portfolio and of `extra`, the reference data loaded beside it)."""
    words = {"agreement": ("started", "ended"), "membership": ("joined", "left")}
    words |= {"restriction": ("in_force", "lapsed"), "exemption": ("in_force", "lapsed")}
    dated: list[tuple[str, str, Rec, str, str]] = [
        ("agreement", a["id"], a, "start", "end") for a in p.agreements.values()
    ]
    for plan in (p.plan, extra):
        for m in plan.records.get("memberships", []):
            key = f"{m['forum']}/{m['nation']}/{m.get('role') or 'member'}"
            dated.append(("membership", key, m, "since", "until"))
        for kind in ("restriction", "exemption"):
            dated += [(kind, r["id"], r, "effective", "until") for r in plan.records.get(f"{kind}s", [])]
    rows = []
    for kind, key, rec, lo, hi in dated:
        was, now = _active(rec, start, lo, hi), _active(rec, end, lo, hi)
        if was != now:
            rows.append({"kind": kind, "key": key, "change": words[kind][0 if now else 1]})
    return sorted(rows, key=lambda r: (r["kind"], r["key"]))


def findings_delta(p: Portfolio, start: dt.date, end: dt.date) -> list[Rec]:
    """Gaps, duplicate pairs and consortia found at one date and not the other."""
    keys = {
        "coverage-gaps": lambda day: {r["technology"] for r in coverage_gaps(p, day)},
        "duplicates": lambda day: {f"{r['agreement_a']}|{r['agreement_b']}" for r in duplicates(p, day)},
        "exclusionary-consortia": lambda day: {
            f"{r['agreement']}|{r['forum']}" for r in exclusionary(p, day)
        },
    }
    rows = []
    for name, found in keys.items():
        before, after = found(start), found(end)
        rows += [{"analysis": name, "key": k, "change": "appeared"} for k in after - before]
        rows += [{"analysis": name, "key": k, "change": "disappeared"} for k in before - after]
    return sorted(rows, key=lambda r: (r["analysis"], r["key"]))


def equitability(p: Portfolio, day: dt.date, tolerance: float = 0.25) -> list[Rec]:
    """Each party's contribution and benefit shares of each active agreement, and whether they match."""
    values = {(r["agreement"], r["nation"]): r for r in p.plan.records.get("parties", [])}
    nations: dict[str, set[str]] = defaultdict(set)
    for a in p.agreements.values():
        nations[a["id"]].update(a["parties"])
    for agreement, nation in values:
        nations[agreement].add(nation)
    rows = []
    for a in sorted(p.active(day), key=lambda a: a["id"]):
        parties = sorted(nations[a["id"]])
        given = [values.get((a["id"], n), {}) for n in parties]
        c = [g.get("contribution_value") for g in given]
        b = [g.get("benefit_value") for g in given]
        if None in c or None in b or sum(c) == 0 or sum(b) == 0:
            rows += [_share(a["id"], n, None, None, None, "unassessed") for n in parties]
            continue
        for n, cv, bv in zip(parties, c, b, strict=True):
            cs, bs = cv / sum(c), bv / sum(b)
            ratio = bs / cs if cs else None
            if ratio is None:
                verdict = "over_benefits" if bs > 0 else "equitable"
            elif ratio > 1 + tolerance:
                verdict = "over_benefits"
            else:
                verdict = "under_benefits" if ratio < 1 / (1 + tolerance) else "equitable"
            rows.append(_share(a["id"], n, cs, bs, ratio, verdict))
    return rows


def _share(
    agreement: str, nation: str, cs: float | None, bs: float | None, ratio: float | None, verdict: str
) -> Rec:
    """One equitability row, rounded to four places."""

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 4)

    return {
        "agreement": agreement,
        "nation": nation,
        "contribution_share": r(cs),
        "benefit_share": r(bs),
        "ratio": r(ratio),
        "verdict": verdict,
    }


ANALYSES = {
    "coverage-gaps": coverage_gaps,
    "collaborations": collaborations,
    "duplicates": duplicates,
    "duplicate-clusters": duplicate_clusters,
    "partners": partners,
    "exclusionary-consortia": exclusionary,
    "equitability": equitability,
    "expiring": expiring,
}
