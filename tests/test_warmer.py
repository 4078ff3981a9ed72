"""The server works the home page's answers out after every write, before anyone asks (api/warmer.py)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import warmer
from api.app import create_app
from api.cache import Answers, held_key
from api.pages import home_questions
from api.v1 import analysis_key
from api.warmer import Warmer
from graph.connection import Graph
from graph.settings import Settings
from queries.analysis import analysis
from tests.fixtures import load

BASE = "http://127.0.0.1:8000"
CLUSTERS = analysis_key("duplicate-clusters", {"as_of": None})
#: Long enough for a warm pass of the sample on a slow machine; a passing test returns far sooner.
WAIT_SECONDS = 60.0


def _settings(tmp: Path, warm: bool) -> Settings:
    base = {"data_dir": tmp, "api_keys": None, "api_keys_file": None, "audit_log": None, "warm": warm}
    return Settings.from_env().with_(**base)


def _until(done: Callable[[], bool], seconds: float = WAIT_SECONDS) -> bool:
    """Whether `done` came true within `seconds`, asked every 50 ms."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if done():
            return True
        time.sleep(0.05)
    return done()


def _held(answers: Answers, g: Graph, key: tuple[Any, ...]) -> tuple[bool, Any]:
    """(whether an answer is held for the graph's current version, that answer)."""
    return answers.peek(g, held_key(key))


def _home_held(answers: Answers, g: Graph) -> bool:
    """Whether every answer of the home page is held for the graph's current version."""
    return all(_held(answers, g, key)[0] for key, _ in home_questions(g))


def _duplicate_of_ml(graph: Graph, ident: str) -> None:
    """A new IEA on the sample's US-UK machine-learning PA's parties and technology: a duplicate."""
    row = {"id": ident, "title": ident, "type": "IEA", "parties": "USA;GBR", "technologies": "SMP-AI-ML"}
    load(graph, agreements=[row | {"status": "active", "start": "2020-01-01"}])


@pytest.fixture
def served(sample: Graph, tmp_path: Path) -> Iterator[tuple[TestClient, Answers]]:
    """The app on the sample, warming, once its start-up version is warmed."""
    if sample.engine != "arcadedb-embedded":
        pytest.skip("the warmer is engine-neutral; one engine is enough")
    with TestClient(create_app(_settings(tmp_path, warm=True), sample), base_url=BASE) as client:
        app = client.app.state  # type: ignore[attr-defined]
        assert _until(
            lambda: app.warmer.warmed == sample.version() and _held(app.answers, sample, CLUSTERS)[0]
        )
        yield client, app.answers
    assert not app.warmer._thread.is_alive()  # stopped with the server


def test_after_a_write_the_home_page_is_worked_out_before_anyone_asks(
    served: tuple[TestClient, Answers], sample: Graph
) -> None:
    client, answers = served
    _duplicate_of_ml(sample, "WARM-AFTER-WRITE")
    assert _until(lambda: _home_held(answers, sample))
    held = _held(answers, sample, CLUSTERS)[1]
    assert any("WARM-AFTER-WRITE" in row["agreements"] for row in held)  # the new version's answer
    assert held == analysis("duplicate-clusters").run(sample, {"as_of": None})
    kept = len(answers)
    assert client.get("/").status_code == 200
    assert len(answers) == kept  # the page found every one of its answers held: it worked nothing out


def test_another_processs_write_is_noticed_on_the_marker(
    served: tuple[TestClient, Answers], sample: Graph
) -> None:
    _, answers = served
    sample.marker.write_text(f"{time.time_ns()}\n", encoding="utf-8")  # what another stkg process does
    assert not _held(answers, sample, CLUSTERS)[0]  # the version changed: the old answer no longer serves
    assert _until(lambda: _home_held(answers, sample), warmer.WARM_POLL_SECONDS + WAIT_SECONDS)


def test_with_warming_off_nothing_is_worked_out_unasked(sample: Graph, tmp_path: Path) -> None:
    if sample.engine != "arcadedb-embedded":
        pytest.skip("the warmer is engine-neutral; one engine is enough")
    with TestClient(create_app(_settings(tmp_path, warm=False), sample), base_url=BASE) as client:
        answers = client.app.state.answers  # type: ignore[attr-defined]
        assert client.app.state.warmer is None  # type: ignore[attr-defined]
        _duplicate_of_ml(sample, "WARM-OFF")
        time.sleep(warmer.WARM_POLL_SECONDS + 1)
        assert len(answers) == 0
        client.get("/")
        assert _held(answers, sample, CLUSTERS)[0]  # asked, then held


def test_a_burst_of_writes_is_warmed_once_and_a_failure_does_not_stop_warming(
    sample: Graph, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[tuple[int, int]] = []
    failing = [True]

    def compute() -> str:
        calls.append(sample.version())
        if failing[0]:
            raise RuntimeError("boom")
        return "answer"

    caplog.set_level(logging.WARNING, logger="stkg.api")
    answers = Answers(300)
    warm = Warmer(sample, answers, lambda: [(("probe",), compute)])
    warm.start()
    try:
        assert _until(lambda: len(calls) == 1 and warm.warmed == sample.version())  # the start-up version
        failing[0] = False
        for _ in range(5):
            sample._changed()  # five writes inside the settling time
        assert _until(lambda: answers.peek(sample, held_key(("probe",)))[0])
        assert len(calls) == 2  # once for the start, once for the burst's last version
        assert calls[-1] == sample.version()
    finally:
        warm.stop()
    assert "warming the home page failed" in caplog.text  # the first pass's failure, logged, not fatal
    assert not warm._thread.is_alive()


def test_the_warmer_asks_the_questions_the_home_page_asks(sample: Graph) -> None:
    keys = [key for key, _ in home_questions(sample)]
    assert keys == [
        ("names",),
        *(
            analysis_key(name, {"as_of": None})
            for name in ("coverage-gaps", "duplicate-clusters", "exclusionary-consortia")
        ),
        ("counts", None),
        ("compiled",),
    ]


def test_one_question_at_one_version_is_worked_out_once_while_others_wait(sample: Graph) -> None:
    answers, started, release = Answers(300), threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> list[int]:
        calls.append(1)
        started.set()
        release.wait(WAIT_SECONDS)
        return [len(calls)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(answers.get, sample, ("q",), slow)
        assert started.wait(WAIT_SECONDS)
        later = [pool.submit(answers.get, sample, ("q",), slow) for _ in range(3)]
        time.sleep(0.2)
        assert not any(f.done() for f in later)  # waiting for the first, not computing their own
        release.set()
        assert first.result() == [1] and all(f.result() is first.result() for f in later)
    assert len(calls) == 1
    sample._changed()
    assert answers.get(sample, ("q",), slow) == [2]  # a new version: worked out again


def test_a_failed_computation_fails_its_waiters_and_is_not_kept(sample: Graph) -> None:
    answers, started, release = Answers(300), threading.Event(), threading.Event()

    def failing() -> None:
        started.set()
        release.wait(WAIT_SECONDS)
        raise RuntimeError("engine went away")

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(answers.get, sample, ("f",), failing)
        assert started.wait(WAIT_SECONDS)
        later = pool.submit(answers.get, sample, ("f",), lambda: "never asked")
        time.sleep(0.2)
        release.set()
        for f in (first, later):
            with pytest.raises(RuntimeError, match="went away"):
                f.result()
    assert answers.get(sample, ("f",), lambda: "asked again") == "asked again"


def test_with_the_cache_off_every_asker_computes_its_own(sample: Graph) -> None:
    answers, both, calls = Answers(0), threading.Barrier(2, timeout=WAIT_SECONDS), []

    def meet() -> int:
        calls.append(1)
        both.wait()  # returns only when the two askers compute at the same time
        return len(calls)

    with ThreadPoolExecutor(max_workers=2) as pool:
        found = [pool.submit(answers.get, sample, ("n",), meet) for _ in range(2)]
        assert sorted(f.result() for f in found) == [2, 2]
    assert len(answers) == 0
