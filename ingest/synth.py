"""Seeded generator of contract-conformant datasets for tests and benchmarks (`stkg synth`)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from ingest.contract import BY_NAME

#: Partner nations (ISO alpha-3) the generator draws from, besides the United States.
PARTNERS = [
    "GBR",
    "CAN",
    "AUS",
    "NZL",
    "FRA",
    "DEU",
    "ITA",
    "NLD",
    "NOR",
    "DNK",
    "BEL",
    "ESP",
    "PRT",
    "POL",
    "CZE",
    "SWE",
    "FIN",
    "EST",
    "LVA",
    "LTU",
    "ROU",
    "GRC",
    "TUR",
    "HUN",
    "SVK",
    "SVN",
    "HRV",
    "BGR",
    "ISL",
    "LUX",
    "ALB",
    "MNE",
    "MKD",
    "JPN",
    "KOR",
    "ISR",
    "SGP",
    "IND",
    "CHE",
    "AUT",
    "CHL",
    "BRA",
    "MEX",
    "ZAF",
    "EGY",
    "SAU",
    "ARE",
    "QAT",
    "VNM",
    "PHL",
    "IDN",
    "THA",
    "MYS",
    "UKR",
]
COMPONENTS = ("ARMY", "NAVY", "AF", "DARPA", "DTRA", "MDA", "OUSD-RE", "DISA")
TYPES = ("PA",) * 10 + ("IEA",) * 4 + ("ESEP",) * 2 + ("MOU", "LOI", "OTHER")


def _technologies(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """A three-level hierarchy: areas, sub-areas, topics (about `count` in all)."""
    areas = max(4, count // 25)
    rows: list[dict[str, Any]] = []
    for a in range(areas):
        rows.append(
            {
                "id": f"ST-{a:02d}",
                "name": f"Area {a}",
                "scheme": "SYNTH",
                "priority": rng.choice([1, 2, 3]),
            }
        )
    subs = [f"ST-{a:02d}.{s}" for a in range(areas) for s in range(4)]
    for sub in subs:
        rows.append(
            {
                "id": sub,
                "name": f"Sub-area {sub}",
                "scheme": "SYNTH",
                "broader": sub.split(".")[0],
                "priority": rng.choice(["", "", 1, 2, 3]),
            }
        )
    i = 0
    while len(rows) < count:
        parent = subs[i % len(subs)]
        rows.append(
            {
                "id": f"{parent}.{i // len(subs)}",
                "name": f"Topic {i}",
                "scheme": "SYNTH",
                "broader": parent,
                "priority": rng.choice(["", "", "", 1, 2, 3]),
            }
        )
        i += 1
    return rows


def _forums(
    rng: random.Random, count: int, techs: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Forums with members (some partners, some ended memberships) and covered technologies."""
    forums, members = [], []
    for f in range(count):
        fid = f"SF-{f:02d}"
        parent = f"SF-{rng.randrange(f):02d}" if f > 3 and rng.random() < 0.3 else ""
        forums.append(
            {
                "id": fid,
                "name": f"Synthetic forum {f}",
                "kind": rng.choice(["alliance", "multilateral", "group"]),
                "parent": parent,
                "covers": ";".join(rng.sample(techs, 3)),
                "established": "1990-01-01",
            }
        )
        for n in ["USA", *rng.sample(PARTNERS, rng.randint(2, 12))]:
            role = "member" if rng.random() < 0.85 else "partner"
            until = "2015-12-31" if rng.random() < 0.05 else ""
            members.append({"forum": fid, "nation": n, "role": role, "since": "1995-01-01", "until": until})
    return forums, members


def _agreement(
    rng: random.Random, i: int, techs: list[str], forums: list[str], frameworks: list[str]
) -> dict[str, Any]:
    """One agreement with a realistic party count, dates and status."""
    size = 1 if rng.random() < 0.6 else rng.randint(2, 4) if rng.random() < 0.75 else rng.randint(5, 9)
    start = dt.date(1995, 1, 1) + dt.timedelta(days=rng.randrange(11500))
    end = "" if rng.random() < 0.2 else (start + dt.timedelta(days=365 * rng.randint(3, 15))).isoformat()
    status = rng.choice(["active"] * 8 + ["proposed", "terminated"])
    row: dict[str, Any] = {
        "id": f"SA-{i:06d}",
        "title": f"Synthetic agreement {i}",
        "type": rng.choice(TYPES),
        "parties": ";".join(["USA", *rng.sample(PARTNERS, size)]),
        "technologies": ";".join(rng.sample(techs, rng.randint(1, 3))),
        "status": status,
        "start": start.isoformat(),
        "end": end,
        "lead_component": rng.choice(COMPONENTS),
        "depth": rng.randint(1, 5),
        "deliberate_redundancy": "true" if rng.random() < 0.03 else "",
        "forum": rng.choice(forums) if rng.random() < 0.1 else "",
        "parent": rng.choice(frameworks) if frameworks and rng.random() < 0.3 else "",
    }
    return row


def _planning(rng: random.Random, tech_ids: list[str], nations: int) -> dict[str, list[dict[str, Any]]]:
    """Needs of every component, and strengths and factors of `nations` ISO nations (engagement planning)."""
    import pycountry

    codes = sorted(c.alpha_3 for c in pycountry.countries if c.alpha_3 != "USA")[:nations]
    needs = [
        {"component": c, "technology": t, "priority": rng.randint(1, 3), "programs": rng.randint(0, 3)}
        for c in COMPONENTS
        for t in rng.sample(tech_ids, min(40, len(tech_ids)))
    ]
    strengths = [
        {"nation": n, "technology": t, "strength": rng.randint(1, 3)}
        for n in codes
        for t in tech_ids
        if rng.random() < 0.5
    ]
    factors = [
        {"nation": n, "regional_priority": rng.randint(1, 3), "cooperative_potential": rng.randint(1, 3)}
        for n in codes
    ]
    return {"needs": needs, "strengths": strengths, "nation_factors": factors}


def _values(rng: random.Random, agreements: list[dict[str, Any]], share: float) -> list[dict[str, Any]]:
    """Contribution and benefit values (0..10) of every party of a `share` of the agreements; one party in
    ten of those is left without a benefit value, so its agreement is unassessed."""
    rows = []
    for a in agreements:
        if rng.random() < share:
            for nation in a["parties"].split(";"):
                benefit = "" if rng.random() < 0.1 else rng.randint(0, 10)
                rows.append(
                    {"agreement": a["id"], "nation": nation, "contribution_value": rng.randint(0, 10)}
                    | {"benefit_value": benefit}
                )
    return rows


def synth(
    agreements: int,
    seed: int = 1,
    technologies: int = 300,
    forums: int = 30,
    plan_nations: int = 0,
    party_values: float = 0.0,
) -> dict[str, list[dict[str, Any]]]:
    """Generate the tables; the same seed gives the same data (planning tables when plan_nations > 0, a
    parties table with values for a `party_values` share of the agreements). Each option draws from its own
    random stream, so asking for it leaves the other tables as they were."""
    rng = random.Random(seed)
    tech_rows = _technologies(rng, technologies)
    tech_ids = [t["id"] for t in tech_rows]
    forum_rows, member_rows = _forums(rng, forums, tech_ids)
    forum_ids = [f["id"] for f in forum_rows]
    frameworks = [f"SA-FW-{k:04d}" for k in range(max(1, agreements // 100))]
    rows = [
        {
            "id": fid,
            "title": f"Synthetic framework {k}",
            "type": "FRAMEWORK",
            "parties": "USA;" + PARTNERS[k % len(PARTNERS)],
            "technologies": ";".join(rng.sample(tech_ids[:20], 3)),
            "status": "active",
            "start": "1995-01-01",
            "lead_component": "OUSD-RE",
            "depth": 1,
        }
        for k, fid in enumerate(frameworks)
    ]
    rows += [_agreement(rng, i, tech_ids, forum_ids, frameworks) for i in range(agreements)]
    components = [{"id": c, "name": c} for c in COMPONENTS]
    tables = {
        "components": components,
        "technologies": tech_rows,
        "forums": forum_rows,
        "memberships": member_rows,
        "agreements": rows,
    }
    if plan_nations:
        tables |= _planning(random.Random(seed + 1), tech_ids, plan_nations)
    if party_values:
        tables["parties"] = _values(random.Random(seed + 2), rows, party_values)
    return tables


def write_csv(tables: dict[str, list[dict[str, Any]]], out: Path) -> list[Path]:
    """Write one CSV per table with the contract's column order."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rows in tables.items():
        cols = [c for c in BY_NAME[name].names if any(c in r for r in rows)]
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
            writer.writeheader()
            writer.writerows({c: r.get(c, "") for c in cols} for r in rows)
        written.append(path)
    return written
