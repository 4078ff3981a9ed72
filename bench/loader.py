"""The engine's floor: ArcadeDB's bulk loader alone writing bench.ingest's agreements, parties and covers,
with nothing of stkg around it (no reading, validation, change log or run marker).

Run: .venv/bin/python -m bench.loader [--size 20000]   (prints JSON)
Shapes: `as_stkg_writes` (unique keys and the status index, `source` and `run_id` on every node and
relationship, as ingest's bulk path writes them), each of those two costs alone, and `bare` (no index, no
relationship properties: the shape of issue #18's 65,000 rows/s). The first is measured once in a JVM that
has just started (as `stkg ingest` meets it), then every shape as the better of two runs after a warm-up (as
a running server's engine is), each in a fresh database. It says how far any ingest on this engine can go:
stkg's whole first load cannot be faster than its writes alone.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from typing import Any

from ingest.synth import synth

SHAPES: dict[str, dict[str, bool]] = {
    "as_stkg_writes": {"indexes": True, "rel_props": True},
    "without_indexes": {"indexes": False, "rel_props": True},
    "without_relationship_properties": {"indexes": True, "rel_props": False},
    "bare": {"indexes": False, "rel_props": False},
}


def _schema(db: Any, indexes: bool) -> None:
    """The types (and, as stkg declares them, the unique keys and the status index)."""
    for label, key in (("Nation", "code"), ("Technology", "id"), ("Agreement", "id")):
        db.command("sql", f"CREATE VERTEX TYPE {label}")
        if indexes:
            db.command("sql", f"CREATE PROPERTY {label}.{key} STRING")
            db.command("sql", f"CREATE INDEX ON {label} ({key}) UNIQUE")
    if indexes:
        db.command("sql", "CREATE PROPERTY Agreement.status STRING")
        db.command("sql", "CREATE INDEX ON Agreement (status) NOTUNIQUE")
    for rel in ("PARTY_TO", "COVERS"):
        db.command("sql", f"CREATE EDGE TYPE {rel}")


def _agreement(row: dict[str, Any], line: int) -> dict[str, Any]:
    """An agreement node's properties as ingest writes them (dates as text: the loader's fast path)."""
    keep = ("id", "title", "type", "status", "start", "end", "depth")
    props = {k: row[k] for k in keep if row.get(k) not in (None, "")}
    rnd = random.Random(line)
    return props | {
        "source": f"agreements.csv:{line}",
        "run_id": "bench",
        "fingerprint": f"{rnd.getrandbits(128):x}",
    }


def shape(tables: dict[str, list[dict[str, Any]]], indexes: bool, rel_props: bool) -> dict[str, Any]:
    """Seconds and rows per second for one shape, in a fresh embedded database."""
    import arcadedb_embedded as adb

    with tempfile.TemporaryDirectory() as tmp:
        db = adb.create_database(f"{tmp}/db")
        _schema(db, indexes)
        batch = db.graph_batch(use_wal=True)
        codes = sorted({c for a in tables["agreements"] for c in a["parties"].split(";") if c})
        nations = dict(zip(codes, batch.create_vertices("Nation", [{"code": c} for c in codes]), strict=True))
        techs = [t["id"] for t in tables["technologies"]]
        tech = dict(zip(techs, batch.create_vertices("Technology", [{"id": t} for t in techs]), strict=True))
        rows = [_agreement(a, i + 2) for i, a in enumerate(tables["agreements"])]
        started = time.perf_counter()
        made = batch.create_vertices("Agreement", rows)
        nodes_s = time.perf_counter() - started
        parties = [
            (nations[c], rid)
            for a, rid in zip(tables["agreements"], made, strict=True)
            for c in a["parties"].split(";")
            if c
        ]
        covers = [
            (rid, tech[t])
            for a, rid in zip(tables["agreements"], made, strict=True)
            for t in a["technologies"].split(";")
            if t
        ]
        for rel, pairs in (("PARTY_TO", parties), ("COVERS", covers)):
            props = [{"source": "agreements.csv", "run_id": "bench"} for _ in pairs] if rel_props else None
            batch.new_edges([a for a, _ in pairs], rel, [b for _, b in pairs], props)
        batch.close()
        elapsed = time.perf_counter() - started
        db.close()
    written = len(rows) + len(parties) + len(covers)
    return {
        "rows": written,
        "nodes_s": round(nodes_s, 2),
        "relationships_s": round(elapsed - nodes_s, 2),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(written / elapsed),
    }


def main() -> None:
    """Measure every shape on one seeded portfolio and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000)
    size = parser.parse_args().size
    tables = synth(size, seed=1)  # bench.ingest's portfolio
    fresh = shape(tables, **SHAPES["as_stkg_writes"])  # what `stkg ingest` meets: a JVM that just started
    shape(synth(2000, seed=2), True, True)  # warms the JVM up, as a running server's engine is
    found = {
        name: min((shape(tables, **flags) for _ in range(2)), key=lambda r: r["seconds"])
        for name, flags in SHAPES.items()
    }
    found = {"as_stkg_writes_in_a_fresh_jvm": fresh, **found}
    print(
        json.dumps(
            {"benchmark": "loader", "engine": "arcadedb-embedded", "agreements": size, "shapes": found},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
