"""Ingest benchmark: first load, identical re-ingest and peak memory per portfolio size, at default settings.

Run: .venv/bin/python -m bench.ingest [--sizes 20000,200000] [--unwind]   (prints JSON)
Each size runs in its own process (fresh engine, default heap), so its peak RSS (Python and the in-process
JVM together) is its own. The baseline is plain Python doing the same validation (reading, parsing,
checking references) without the graph writes, in the same run. `--unwind` turns the bulk path off
(STKG_BULK_ROWS=0), to compare it with the UNWIND-over-Bolt path.
Targets (issue #18, 2-core machine): 20k first load >= 40,000 rows/s; 200k first load < 60 s, identical
re-ingest < 20 s, peak RSS < 3 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.process import clean_env

TARGETS = {
    20000: {"rows_per_s": 40000},
    200000: {"ingest_s": 60, "identical_reingest_s": 20, "peak_rss_mb": 3000},
}


def measure(size: int, work: Path) -> dict[str, object]:
    """In this process: generate, validate in plain Python (baseline), ingest, ingest again."""
    from graph import engine
    from graph.connection import connect
    from graph.settings import Settings
    from ingest import reader
    from ingest.pipeline import ingest_path
    from ingest.synth import synth, write_csv
    from ingest.validate import validate

    data = work / f"synth-{size}"
    write_csv(synth(size, seed=1), data)
    t = time.perf_counter()
    plan = validate(reader.read(data))
    baseline = time.perf_counter() - t
    assert not plan.problems
    graph = connect(Settings.from_env())
    t = time.perf_counter()
    summary = ingest_path(graph, data)
    elapsed = time.perf_counter() - t
    patterns = {"a": "(:Agreement)", "p": "()-[:PARTY_TO]->()", "c": "(:Agreement)-[:COVERS]->()"}
    rows = {k: graph.read(f"MATCH {p} RETURN count(*) AS c")[0]["c"] for k, p in patterns.items()}
    t = time.perf_counter()
    assert ingest_path(graph, data).changed == 0
    reingest = time.perf_counter() - t
    written = rows["a"] + rows["p"] + rows["c"]
    engine.shutdown()
    return {
        "agreements": size,
        "heap": graph.settings.heap,
        "bulk_rows": graph.settings.bulk_rows,
        "agreements_parties_covers_written": written,
        "ingest_s": round(elapsed, 2),
        "rows_per_s": round(written / elapsed),
        "identical_reingest_s": round(reingest, 2),
        "baseline_validation_only_s": round(baseline, 2),
        "ratio_to_baseline": round(elapsed / baseline, 1),
        "created": summary.counts.get("agreements", {}),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def judged(result: dict[str, object]) -> dict[str, object]:
    """The result with each target of its size and whether it was met."""
    size = int(str(result["agreements"]))
    checks = {}
    for name, target in TARGETS.get(size, {}).items():
        value = float(str(result[name]))
        checks[name] = {"target": target, "met": value >= target if name == "rows_per_s" else value < target}
    return {**result, "targets": checks}


def main() -> None:
    """Measure each size in its own process and print JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--unwind", action="store_true", help="turn the bulk path off (STKG_BULK_ROWS=0)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process: one size
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args.one, Path(tmp))))
        return
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            env = clean_env(Path(tmp) / "graph", **({"STKG_BULK_ROWS": "0"} if args.unwind else {}))
            child = subprocess.run(
                [sys.executable, "-m", "bench.ingest", "--one", str(size)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                results.append({"agreements": size, "failed": child.stderr.strip().splitlines()[-3:]})
                continue
            results.append(judged(json.loads(child.stdout.strip().splitlines()[-1])))
    print(json.dumps({"benchmark": "ingest", "engine": "arcadedb-embedded", "results": results}, indent=2))


if __name__ == "__main__":
    main()
