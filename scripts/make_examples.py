"""Regenerate ingest/examples/: a messy planner's workbook, the mapping that reads it, and the same
data in the ingest contract (the test loads both and requires the same graph)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "ingest" / "examples"
SOURCE = "Example planner workbook (illustrative, not real agreements)"
TECH = [
    ("EX-AI", "Artificial intelligence (example)", ""),
    ("EX-AI-ML", "Machine learning (example)", "EX-AI"),
    ("EX-QS", "Quantum sensing (example)", ""),
]
ORGS = [("EX-ARMY", "Example Army lab"), ("EX-NAVY", "Example Navy lab")]
#: id, title, instrument, partners, tech, status, signed (d/m/Y text), expires (a real date), lead, overlap
DEALS = [
    (
        "EX-001",
        "US-UK ML exchange",
        "Information Exchange",
        "USA, United Kingdom",
        "EX-AI-ML",
        "Active",
        "01/03/2019",
        dt.date(2027, 2, 28),
        "EX-ARMY",
        "N",
    ),
    (
        "EX-002",
        "US-UK-AU quantum sensing",
        "Project Arrangement",
        "USA, UK, Australia",
        "EX-QS",
        "Active",
        "15/06/2021",
        None,
        "EX-NAVY",
        "N",
    ),
    (
        "EX-003",
        "US-JP AI framework",
        "Memorandum of Understanding",
        "USA, Japan",
        "EX-AI, EX-QS",
        "Lapsed",
        "02/01/2012",
        dt.date(2022, 1, 1),
        "EX-ARMY",
        "Y",
    ),
]
INSTRUMENT = {
    "Information Exchange": "IEA",
    "Project Arrangement": "PA",
    "Memorandum of Understanding": "MOU",
}
NATION = {"USA": "USA", "United Kingdom": "GBR", "UK": "GBR", "Australia": "AUS", "Japan": "JPN"}


def workbook() -> None:
    """The planner's own layout: other sheet and column names, labels for values, d/m/Y dates."""
    book = Workbook()
    deals = book.active
    deals.title = "Portfolio 2025"
    deals.append(
        [
            "Agreement No.",
            "Title",
            "Instrument",
            "Partners",
            "Tech areas",
            "Status",
            "Signed",
            "Expires",
            "Lead org",
            "Intended overlap?",
            "Desk officer",
        ]
    )
    for row in DEALS:
        deals.append([*row, "J. Smith"])
    for cell in deals["H"][1:]:
        cell.number_format = "dd/mm/yyyy"
    tech = book.create_sheet("Tech list")
    tech.append(["Code", "Technology", "Parent code"])
    for row in TECH:
        tech.append(list(row))
    orgs = book.create_sheet("Orgs")
    orgs.append(["Org code", "Org name"])
    for row in ORGS:
        orgs.append(list(row))
    notes = book.create_sheet("Notes")
    notes.append(["Updated monthly by the outreach office."])
    book.save(OUT / "planner-portfolio.xlsx")


def contract() -> None:
    """The same data as contract CSV files."""
    folder = OUT / "contract"
    folder.mkdir(parents=True, exist_ok=True)
    rows = {
        "technologies": (["id", "name", "broader", "source"], [[*t, SOURCE] for t in TECH]),
        "components": (["id", "name", "source"], [[*o, SOURCE] for o in ORGS]),
        "agreements": (
            [
                "id",
                "title",
                "type",
                "parties",
                "technologies",
                "status",
                "start",
                "end",
                "lead_component",
                "deliberate_redundancy",
                "source",
            ],
            [
                [
                    d[0],
                    d[1],
                    INSTRUMENT[d[2]],
                    ";".join(NATION[p.strip()] for p in d[3].split(",")),
                    ";".join(p.strip() for p in d[4].split(",")),
                    "active" if d[5] == "Active" else "expired",
                    dt.datetime.strptime(d[6], "%d/%m/%Y").date().isoformat(),
                    d[7].isoformat() if d[7] else "",
                    d[8],
                    "true" if d[9] == "Y" else "false",
                    SOURCE,
                ]
                for d in DEALS
            ],
        ),
    }
    for table, (header, body) in rows.items():
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(body)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    workbook()
    contract()
    print(f"wrote {OUT}")
