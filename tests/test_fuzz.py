"""Fuzz the HTTP API from its own OpenAPI schema: whatever schemathesis sends, never a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from graph.connection import Graph
from graph.settings import Settings
from tests.test_api import world

EXAMPLES = 12  # per operation: bounded so the suite stays quick


def test_no_server_errors_on_any_operation(engine_graph: Graph, tmp_path: Path) -> None:
    world(engine_graph)
    config = Settings.from_env().with_(
        data_dir=tmp_path, api_keys=None, api_keys_file=None, audit_log=None, allowed_hosts="testserver"
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(config, engine_graph))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    failures: list[str] = []
    calls: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case: Any) -> None:
            response = case.call()
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: {response.status_code} {response.text[:200]}"
                )

        fuzz()
    assert failures == []
    assert len(calls) >= 2 * len(operations) and 200 in calls and 422 in calls
    if engine_graph.read("MATCH (t:Technology {id: 'AI'}) RETURN count(t) AS c")[0]["c"] != 1:
        pytest.fail("fuzzing changed the fixture graph")
