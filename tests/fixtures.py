"""Helpers to build small hand-made graphs through the real ingest pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from graph import loading
from graph.connection import Graph
from ingest.pipeline import Summary, ingest_input
from ingest.reader import read_tables


def load(graph: Graph, **tables: list[dict[str, Any]]) -> Summary:
    """Ingest in-memory tables exactly as a JSON file would be ingested."""
    return ingest_input(graph, read_tables(tables, "fixture"))


def count(graph: Graph, pattern: str = "(n)") -> int:
    """Count matches of a fixed pattern written by the test itself."""
    return int(graph.read(f"MATCH {pattern} RETURN count(*) AS c")[0]["c"])


def totals(graph: Graph) -> tuple[int, int]:
    """Data nodes (ingest runs and their change records aside) and all relationships, to compare graph states."""
    return count(graph, "(n) WHERE NOT n:IngestRun AND NOT n:Change"), count(graph, "()-[r]->()")


def mark_dead(data_dir: Path, run_id: str) -> None:
    """A loading marker left by a process that died (its pid is one no process holds any more)."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    marker = {"run_id": run_id, "pid": int(dead.stdout), "started": ""}
    (data_dir / loading.FILE).write_text(json.dumps(marker))
