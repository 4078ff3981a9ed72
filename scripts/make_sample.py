"""Regenerate ingest/sample/: an ILLUSTRATIVE portfolio of about 150 agreements (seeded, reproducible).

Run: .venv/bin/python scripts/make_sample.py
Every row says ILLUSTRATIVE in its source column: these are not real agreements.
"""

from __future__ import annotations

import random
from pathlib import Path

from ingest.synth import write_csv

OUT = Path(__file__).resolve().parent.parent / "ingest" / "sample"
SRC = "ILLUSTRATIVE sample portfolio (not real agreements)"
PARTNERS = [
    "GBR",
    "AUS",
    "CAN",
    "NZL",
    "FRA",
    "DEU",
    "ITA",
    "NLD",
    "NOR",
    "JPN",
    "KOR",
    "ISR",
    "SGP",
    "IND",
    "SWE",
    "FIN",
    "POL",
    "ESP",
]
COMPONENTS = ["ARMY", "NAVY", "AF", "DARPA", "DTRA", "MDA", "OUSD-RE", "DISA"]
NARROW = [
    ("SMP-AI-ML", "Machine learning for ISR", "MP-AI"),
    ("SMP-AI-NLP", "Language technologies", "MP-AI"),
    ("SMP-AUT-UUV", "Autonomous undersea vehicles", "MP-AUTONOMY"),
    ("SMP-QC-SENS", "Quantum sensing", "MP-QUANTUM"),
    ("SMP-QC-COMP", "Quantum computing", "MP-QUANTUM"),
    ("SMP-HYP-TPS", "Thermal protection materials", "MP-HYPER"),
    ("SMP-CYB-DEF", "Cyber defence of weapon systems", "MP-CYBER"),
    ("SMP-MIC-RAD", "Radiation-hardened microelectronics", "MP-MICRO"),
]
PRIORITIES = {
    "MP-AI": 3,
    "MP-AUTONOMY": 3,
    "MP-QUANTUM": 3,
    "MP-HYPER": 3,
    "MP-DE": 3,
    "MP-5G": 2,
    "MP-BIO": 2,
    "MP-CYBER": 2,
    "MP-FNC3": 2,
    "MP-MICRO": 2,
    "MP-SPACE": 1,
}
NAMES = {
    "MP-AI": "Artificial Intelligence",
    "MP-AUTONOMY": "Autonomy",
    "MP-BIO": "Biotechnology",
    "MP-CYBER": "Cyber",
    "MP-DE": "Directed Energy",
    "MP-FNC3": "Fully Networked Command, Control, and Communications (FNC3)",
    "MP-HYPER": "Hypersonics",
    "MP-MICRO": "Microelectronics",
    "MP-QUANTUM": "Quantum Science",
    "MP-SPACE": "Space",
    "MP-5G": "5G",
}


def agreement(
    id_: str, title: str, type_: str, parties: str, techs: str, start: str, **extra: str
) -> dict[str, str]:
    """One illustrative agreement row."""
    return {
        "id": id_,
        "title": title,
        "type": type_,
        "parties": parties,
        "technologies": techs,
        "status": "active",
        "start": start,
        "source": SRC,
        **extra,
    }


def highlights() -> list[dict[str, str]]:
    """Hand-placed cases so every analysis has something to show."""
    return [
        agreement(
            "SMP-FW-GBR",
            "US-UK RDT&E framework MOU",
            "FRAMEWORK",
            "USA;GBR",
            "MP-AI;MP-AUTONOMY;MP-QUANTUM;MP-CYBER",
            "2012-05-01",
            lead_component="OUSD-RE",
            depth="2",
        ),
        agreement(
            "SMP-PA-GBR-ML",
            "US-UK machine learning for ISR PA",
            "PA",
            "USA;GBR",
            "SMP-AI-ML",
            "2021-03-01",
            parent="SMP-FW-GBR",
            lead_component="ARMY",
            depth="5",
        ),
        agreement(
            "SMP-PA-GBR-ML2",
            "US-UK ML exploitation PA",
            "PA",
            "USA;GBR",
            "SMP-AI-ML",
            "2022-07-01",
            lead_component="NAVY",
            depth="4",
        ),
        agreement(
            "SMP-PA-GBR-ML3",
            "US-UK ML red-team PA (deliberately redundant)",
            "PA",
            "USA;GBR",
            "SMP-AI-ML",
            "2023-01-01",
            lead_component="AF",
            depth="4",
            deliberate_redundancy="true",
        ),
        agreement(
            "SMP-IEA-TRI-QC",
            "Trilateral quantum sensing IEA",
            "IEA",
            "USA;GBR;CAN",
            "SMP-QC-SENS",
            "2022-01-01",
            lead_component="NAVY",
            depth="2",
        ),
        agreement(
            "SMP-PA-QUAD-AI",
            "Four-nation AI test and evaluation PA",
            "PA",
            "USA;GBR;FRA;DEU",
            "SMP-AI-NLP",
            "2023-05-01",
            lead_component="OUSD-RE",
            depth="5",
        ),
        agreement(
            "SMP-AUKUS-QC",
            "AUKUS quantum PA",
            "PA",
            "USA;GBR;AUS",
            "AUKUS-QUANTUM",
            "2023-03-01",
            forum="AUKUS-P2",
            lead_component="OUSD-RE",
            depth="4",
        ),
        agreement(
            "SMP-PA-JPN-HYP",
            "US-Japan hypersonic materials PA",
            "PA",
            "USA;JPN",
            "SMP-HYP-TPS",
            "2019-06-01",
            end="2027-01-31",
            lead_component="AF",
            depth="5",
        ),
        agreement(
            "SMP-PA-SPACE-OLD",
            "US-France space situational awareness PA (expired)",
            "PA",
            "USA;FRA",
            "MP-SPACE",
            "2010-01-01",
            end="2020-12-31",
            status="expired",
            lead_component="AF",
            depth="4",
        ),
        agreement(
            "SMP-PA-KOR-UUV",
            "US-Korea autonomous undersea vehicles PA",
            "PA",
            "USA;KOR",
            "SMP-AUT-UUV",
            "2020-09-01",
            end="2027-03-31",
            lead_component="NAVY",
            depth="5",
        ),
        agreement(
            "SMP-PROP-VNM",
            "Proposed US-Viet Nam dialogue",
            "LOI",
            "USA;VNM",
            "MP-5G",
            "",
            status="proposed",
            depth="1",
        ),
        agreement(
            "SMP-ESEP-ISR",
            "ESEP exchange with Israel",
            "ESEP",
            "USA;ISR",
            "SMP-CYB-DEF",
            "2018-01-01",
            lead_component="AF",
            depth="3",
        ),
    ]


def filler(rng: random.Random, count: int) -> list[dict[str, str]]:
    """Ordinary bilateral and small multilateral agreements across partners and technologies."""
    techs = (
        list(PRIORITIES)
        + [n[0] for n in NARROW]
        + ["USML-VIII", "USML-XI", "USML-XII", "CTA-ADVMAT", "CTA-HMI"]
    )
    gaps = (
        "MP-DE",
        "MP-BIO",
        "MP-SPACE",
        "MP-HYPER",
        "SMP-HYP-TPS",
    )  # gaps, or gaps once SMP-PA-JPN-HYP ends
    techs = [t for t in techs if t not in gaps]
    rows = []
    for i in range(count):
        partners = rng.sample(PARTNERS, 1 if rng.random() < 0.7 else rng.randint(2, 3))
        start = f"{rng.randint(2008, 2025)}-{rng.randint(1, 12):02d}-01"
        end = (
            "" if rng.random() < 0.3 else f"{int(start[:4]) + rng.randint(3, 10)}-{rng.randint(1, 12):02d}-28"
        )
        type_ = rng.choice(["PA"] * 6 + ["IEA"] * 3 + ["ESEP", "MOU"])
        rows.append(
            agreement(
                f"SMP-{i:03d}",
                f"Illustrative {type_} {i:03d}",
                type_,
                ";".join(["USA", *partners]),
                ";".join(rng.sample(techs, rng.randint(1, 2))),
                start,
                end=end,
                lead_component=rng.choice(COMPONENTS),
                depth=str(rng.randint(1, 5)),
            )
        )
    return rows


PLAN_SRC = "ILLUSTRATIVE planning inputs (not real assessments)"


def planning(rng: random.Random) -> dict[str, list[dict[str, str]]]:
    """Needs of four components, partner strengths and nation factors, for the engagement analyses."""
    needs = [
        {
            "component": c,
            "technology": t,
            "priority": str(rng.randint(1, 3)),
            "programs": str(rng.randint(0, 3)),
            "source": PLAN_SRC,
        }
        for c in ("ARMY", "NAVY", "AF", "DARPA")
        for t in sorted(rng.sample(sorted(PRIORITIES), 6))
    ]
    rated = [*PARTNERS, "CHN", "RUS"]  # two denied nations show how the analyses skip them
    strengths = [
        {"nation": n, "technology": t, "strength": str(rng.randint(1, 3)), "source": PLAN_SRC}
        for n in rated
        for t in sorted(PRIORITIES)
        if rng.random() < 0.7
    ]
    factors = [
        {
            "nation": n,
            "regional_priority": str(rng.randint(1, 3)),
            "cooperative_potential": "1" if n in ("CHN", "RUS") else str(rng.randint(1, 3)),
            "source": PLAN_SRC,
        }
        for n in rated
    ]
    return {"needs": needs, "strengths": strengths, "nation_factors": factors}


def shares(rng: random.Random, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Illustrative contribution and benefit values for every 5th agreement's parties (equitability);
    the first one lacks a benefit value, to show an agreement that cannot be assessed."""
    out = []
    for n, row in enumerate(rows[::5]):
        for i, nation in enumerate(row["parties"].split(";")):
            benefit = "" if n == 0 and i == 0 else str(rng.randint(1, 10))
            out.append(
                {
                    "agreement": row["id"],
                    "nation": nation,
                    "contribution_value": str(rng.randint(0 if i else 1, 10)),
                    "benefit_value": benefit,
                    "source": SRC + "; contribution and benefit values illustrative",
                }
            )
    return out


def main() -> None:
    """Write the sample tables."""
    rng = random.Random(2026)
    techs = [
        {
            "id": t,
            "name": NAMES[t],
            "scheme": "MP-2020",
            "priority": str(p),
            "source": SRC + "; priorities illustrative",
        }
        for t, p in PRIORITIES.items()
    ]
    techs += [{"id": i, "name": n, "scheme": "SAMPLE", "broader": b, "source": SRC} for i, n, b in NARROW]
    rows = highlights() + filler(rng, 138)
    for r in rows:
        if r.get("end") and r["end"] < r["start"]:
            r["end"] = ""
    tables = {"technologies": techs, "agreements": rows, "parties": shares(random.Random(11), rows)}
    write_csv({**tables, **planning(random.Random(7))}, OUT)


if __name__ == "__main__":
    main()
