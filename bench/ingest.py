"""Ingest benchmark: rows per second and peak memory for 2k and 20k synthetic agreements.

Run: .venv/bin/python -m bench.ingest [--sizes 2000,20000]   (prints JSON; target: 20k in < 20 s)
The baseline is plain Python doing the same validation (reading, parsing, checking references) without
the graph writes, so the ratio shows what the database side costs.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from graph.connection import connect
from graph.settings import Settings
from ingest import reader
from ingest.pipeline import ingest_path
from ingest.synth import synth, write_csv
from ingest.validate import validate


def run(size: int, graph_dir: Path, work: Path) -> dict[str, object]:
    """Generate, validate in plain Python (baseline), then ingest into a fresh graph."""
    data = work / f"synth-{size}"
    write_csv(synth(size, seed=1), data)
    t = time.perf_counter()
    plan = validate(reader.read(data))
    baseline = time.perf_counter() - t
    assert not plan.problems
    graph = connect(Settings.from_env().with_(data_dir=graph_dir, neo4j_uri=None))
    graph.write("MATCH (n) DETACH DELETE n")
    t = time.perf_counter()
    summary = ingest_path(graph, data)
    elapsed = time.perf_counter() - t
    patterns = {"a": "(:Agreement)", "p": "()-[:PARTY_TO]->()", "c": "(:Agreement)-[:COVERS]->()"}
    rows = {
        key: graph.read(f"MATCH {pattern} RETURN count(*) AS c")[0]["c"] for key, pattern in patterns.items()
    }
    again = time.perf_counter()
    second = ingest_path(graph, data)
    reingest = time.perf_counter() - again
    assert second.changed == 0
    written = rows["a"] + rows["p"] + rows["c"]
    return {
        "agreements": size,
        "nodes_and_links_written": written,
        "ingest_s": round(elapsed, 2),
        "rows_per_s": round(written / elapsed),
        "identical_reingest_s": round(reingest, 2),
        "baseline_validation_only_s": round(baseline, 2),
        "ratio_to_baseline": round(elapsed / baseline, 1),
        "created": summary.counts.get("agreements", {}),
    }


def main() -> None:
    """Measure each size and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2000,20000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(size, Path(tmp) / "graph", Path(tmp)) for size in sizes]
        from graph import engine

        engine.shutdown()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "benchmark": "ingest",
                "engine": "arcadedb-embedded",
                "results": results,
                "peak_rss_mb_python_and_engine": round(peak_mb),
                "target": "20k agreements < 20 s",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
