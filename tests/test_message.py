"""Bolt messages stay under the server's limit: parameters are measured, split, or refused before sending."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from graph import message
from graph.connection import Graph
from graph.errors import TooLargeError
from ingest.pipeline import ingest_path
from ingest.synth import synth, write_csv
from tests.fixtures import count, totals


def test_weight_bounds_what_packstream_sends() -> None:
    assert message.weight("abc") == 5  # 'abc': PackStream sends a marker and 3 bytes
    assert message.weight("é" * 10) == 22  # UTF-8 bytes, not characters
    row = {"id": "SMP-001", "parties": ["USA", "GBR"], "depth": 2, "end": None}
    assert message.weight(row) >= 4 + sum(len(k) + 1 for k in row) + 8 + 1 + 6 + 6 + 1 + 1


def test_batches_split_by_rows_and_by_bytes_in_order() -> None:
    items = ["a" * 10] * 7
    assert [len(b) for b in message.batches(items, 3, 10_000)] == [3, 3, 1]
    per = message.weight("a" * 10)
    assert per == 12
    assert [len(b) for b in message.batches(items, 100, 2 * per)] == [2, 2, 2, 1]
    assert [len(b) for b in message.batches(["x" * 50, "y"], 100, 10)] == [1, 1]  # an item over budget alone
    assert [x for b in message.batches(list("abcdefg"), 2, 100) for x in b] == list("abcdefg")


def test_a_batch_no_message_can_carry_is_refused() -> None:
    big = ["x" * (message.LIMIT // 2)] * 3
    with pytest.raises(TooLargeError, match="STKG_BATCH_BYTES"):
        list(message.batches(big, 10, 10 * message.LIMIT))


def test_a_query_over_the_limit_is_refused_at_once_not_hung(graph: Graph) -> None:
    """Measured: 17 MiB hung the driver in RESET until killed; now it never leaves the process."""
    started = time.monotonic()
    with pytest.raises(TooLargeError, match="Bolt message"):
        graph.read("RETURN size($s) AS n", {"s": "x" * (16 * 1024 * 1024)})
    assert time.monotonic() - started < 5
    assert graph.read("RETURN size($s) AS n", {"s": "x" * (1024 * 1024)}) == [{"n": 1024 * 1024}]


def test_tiny_byte_batches_write_the_same_graph(graph: Graph, tmp_path: Path) -> None:
    """Batches cut by bytes (here a few rows each) write exactly what one batch per table writes."""
    data = tmp_path / "synth"
    write_csv(synth(120, seed=3), data)
    graph.write("MATCH (n) DETACH DELETE n")
    ingest_path(graph, data)
    whole = totals(graph), count(graph, "()-[:PARTY_TO]->()")
    graph.write("MATCH (n) DETACH DELETE n")
    tiny = dataclasses.replace(graph, settings=graph.settings.with_(batch_bytes=2_000))
    ingest_path(tiny, data)
    assert (totals(graph), count(graph, "()-[:PARTY_TO]->()")) == whole
    assert whole[0][0] > 120
