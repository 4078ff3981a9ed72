"""Startup benchmark: cold start to first query result, and a query against a running server.

Run: .venv/bin/python -m bench.startup   (prints JSON; targets: cold < 3 s, warm < 50 ms)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.process import clean_env

ROOT = Path(__file__).resolve().parent.parent


def cold_start(data_dir: Path) -> tuple[float, float]:
    """Seconds until a new process prints its first query result, and until it has exited."""
    env = clean_env(data_dir)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "cypher", "RETURN 1 AS x", "--format", "json"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    result = time.perf_counter() - started
    rest = proc.stdout.read()
    proc.wait(timeout=120)
    assert proc.returncode == 0 and json.loads(first + rest) == [{"x": 1}]
    return result, time.perf_counter() - started


def warm_queries(data_dir: Path, runs: int = 50) -> list[float]:
    """Latency of a query against an engine already running in this process."""
    from graph.connection import connect
    from graph.settings import Settings

    graph = connect(Settings.from_env().with_(data_dir=data_dir, neo4j_uri=None))
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        graph.read("MATCH (n:Nation) RETURN count(n) AS c")
        times.append(time.perf_counter() - t)
    graph.close()
    return times


HOLDER = "from graph.connection import connect; import sys, time; connect(); print('up', flush=True); sys.stdin.read()"


def attached_starts(data_dir: Path, runs: int = 3) -> list[float]:
    """Cold start of a CLI process when another process already runs the engine (it attaches)."""
    env = clean_env(data_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "up"
    times = [cold_start(data_dir)[0] for _ in range(runs)]
    holder.stdin.close()
    holder.wait(timeout=120)
    return times


def _import_time() -> float:
    """Seconds a new interpreter spends importing the CLI (the engine's start is the rest)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import api.cli"], cwd=ROOT, check=True)
    return time.perf_counter() - started


def main() -> None:
    """Measure and print JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        first = cold_start(data_dir)[0]  # creates the database
        runs = [cold_start(data_dir) for _ in range(3)]
        colds, exits = [r[0] for r in runs], [r[1] for r in runs]
        attached = attached_starts(data_dir)
        warm = warm_queries(data_dir)
        from graph import engine

        engine.shutdown()
    result = {
        "benchmark": "startup",
        "first_run_with_database_creation_s": round(first, 3),
        "cold_start_to_first_result_s": {
            "median": round(statistics.median(colds), 3),
            "runs": [round(c, 3) for c in colds],
        },
        "start_to_first_result_attached_to_running_engine_s": {
            "median": round(statistics.median(attached), 3)
        },
        "cold_start_to_process_exit_s": {"median": round(statistics.median(exits), 3)},
        "python_import_s": round(_import_time(), 3),
        "warm_query_ms": {
            "median": round(statistics.median(warm) * 1000, 2),
            "p95": round(sorted(warm)[int(len(warm) * 0.95)] * 1000, 2),
        },
        "targets": {"cold_start_s": 3.0, "warm_query_ms": 50.0},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
