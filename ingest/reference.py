"""The reference data stkg ships (ingest/reference/, from shared FACTS.md) plus ISO nations."""

from __future__ import annotations

from pathlib import Path

import pycountry

from graph.connection import Graph
from ingest import reader
from ingest.pipeline import Summary, ingest_input
from ingest.reader import Input

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
#: First line: the date the shipped facts were last checked against their sources.
COMPILED_FILE = REFERENCE_DIR / "COMPILED"


def compiled() -> str:
    """The shipped reference data's compiled date (ISO), as recorded beside it."""
    return COMPILED_FILE.read_text(encoding="utf-8").split()[0]


def _version() -> str:
    """The pycountry release the ISO rows come from, for their source."""
    from importlib.metadata import version

    return version("pycountry")


def nation_rows() -> list[dict[str, str]]:
    """Every ISO 3166-1 nation, with alpha-2 and official names as aliases."""
    source = f"ISO 3166-1 via pycountry {_version()}; as of that release"
    rows = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        aliases = [a for a in (c.alpha_2, c.name, getattr(c, "official_name", "")) if a and a != name]
        rows.append({"code": c.alpha_3, "name": name, "aliases": ";".join(aliases), "source": source})
    rows.append(
        {
            "code": "XKX",
            "name": "Kosovo",
            "aliases": "",
            "source": "user-assigned code in common use",
        }
    )
    return rows


def reference_input() -> Input:
    """The shipped tables with the ISO nations table added."""
    data = reader.read(REFERENCE_DIR)
    nations = reader.read_tables({"nations": nation_rows()}, "iso-3166-1")
    data.tables["nations"] = nations.tables["nations"]
    data.compiled = compiled()
    return data


def load_reference(graph: Graph) -> Summary:
    """Load (or refresh) the reference data; unchanged rows are left untouched."""
    return ingest_input(graph, reference_input())
