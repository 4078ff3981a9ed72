"""Shared fixtures: one real embedded engine per test session (and Neo4j where Docker runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import schema
from graph.connection import Graph, connect
from graph.settings import Settings
from ingest.pipeline import ingest_path
from ingest.reference import SAMPLE_DIR, load_reference

ROOT = Path(__file__).resolve().parent.parent
# Apps made in this process share the session's engine with every test: none warms its home page unasked,
# except in tests/test_warmer.py, which asks for it (`stkg serve` in a subprocess keeps the default).
os.environ["STKG_WARM"] = "0"
NEO4J_IMAGE = "neo4j:5.26.0"


def docker_problem() -> str | None:
    """Why the Neo4j cases cannot run here, or None when a Docker engine answers."""
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no usable engine
        return f"no Docker engine answered ({type(exc).__name__}), so Neo4j cannot be started"
    return None


def _embedded(tmp: Path) -> Graph:
    """Connect to a fresh embedded engine in a temporary data directory."""
    settings = Settings.from_env().with_(data_dir=tmp, neo4j_uri=None)
    return connect(settings)


def _neo4j() -> Iterator[Graph]:
    """Start Neo4j 5 with testcontainers and connect through the same API."""
    from testcontainers.neo4j import Neo4jContainer

    with Neo4jContainer(NEO4J_IMAGE, password="stkg-test-pass") as box:
        settings = Settings.from_env().with_(
            neo4j_uri=box.get_connection_url(),
            neo4j_user="neo4j",
            neo4j_password="stkg-test-pass",
            neo4j_database="neo4j",
        )
        g = connect(settings)
        yield g
        g.close()


@pytest.fixture(scope="session", params=["arcadedb", "neo4j"])
def engine_graph(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graph]:
    """The graph of one engine for the whole session; Neo4j cases skip without Docker."""
    if request.param == "arcadedb":
        g = _embedded(tmp_path_factory.mktemp("engine"))
        schema.ensure_schema(g)
        yield g
        return
    problem = docker_problem()
    if problem:
        pytest.skip(problem)
    for g in _neo4j():
        schema.ensure_schema(g)
        yield g


@pytest.fixture
def graph(engine_graph: Graph) -> Graph:
    """An empty graph with the schema in place."""
    engine_graph.write("MATCH (n) DETACH DELETE n")
    return engine_graph


@pytest.fixture(scope="module")
def sample(engine_graph: Graph) -> Iterator[Graph]:
    """The reference data and the shipped sample portfolio, loaded once per test module."""
    engine_graph.write("MATCH (n) DETACH DELETE n")
    load_reference(engine_graph)
    ingest_path(engine_graph, SAMPLE_DIR)
    yield engine_graph


def stkg_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any STKG_ setting, pointed at one data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STKG_")}
    return {**env, "STKG_DATA_DIR": str(data_dir), **extra}


def run_stkg(
    *args: str,
    data_dir: Path,
    env: dict[str, str] | None = None,
    timeout: int = 120,
    input_text: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess on its own data directory."""
    full_env = stkg_env(data_dir, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input_text,
    )


_STATUS = {"code": 0}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remember the status so the process can end with it."""
    _STATUS["code"] = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the embedded engine and exit with pytest's status, skipping the JVM teardown."""
    from graph import engine

    if engine._Owned.server is not None:
        engine.exit_process(_STATUS["code"])
