"""Every .cypher file passes Neo4j's own parser and semantic analysis against the schema."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from graph import schema
from queries.catalog import all_files, entity_queries, parse, queries
from tests.conftest import ROOT

LINT = ROOT / "tools" / "cypher-lint"


def lint(items: list[dict[str, object]]) -> list[dict[str, object]]:
    """Run the npm lint over the given queries with the schema module's vocabulary."""
    if shutil.which("node") is None or not (LINT / "node_modules").exists():
        pytest.fail("the Cypher lint is not installed: run scripts/bootstrap.sh dev")
    payload = {
        "schema": {
            "labels": schema.labels(),
            "relationshipTypes": schema.relationship_types(),
            "propertyKeys": schema.property_keys(),
        },
        "queries": items,
    }
    out = subprocess.run(
        ["node", str(LINT / "lint.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return list(json.loads(out.stdout))


def test_every_cypher_file_passes_the_neo4j_lint() -> None:
    files = all_files()
    assert files, "no .cypher files found"
    items = []
    for path in files:
        q = parse(path)
        params = [p.name for p in q.params]
        items.append({"name": path.name, "text": q.text, "parameters": params})
        if q.packed is not None:  # the form actually sent (one collected row) must pass too
            items.append({"name": f"{path.name} (packed)", "text": q.packed, "parameters": params})
    problems = [
        f"{r['name']}:{d['line']}:{d['column']}: {d['severity']}: {d['message']}"
        for r in lint(items)
        for d in r["diagnostics"]  # type: ignore[attr-defined]
    ]
    assert problems == []


def test_lint_catches_unknown_schema_and_errors() -> None:
    """The lint itself must fail on a bad label, property, function and syntax."""
    bad = [
        {"name": "label", "text": "MATCH (n:Natoin) RETURN n", "parameters": []},
        {"name": "prop", "text": "MATCH (n:Nation) RETURN n.colour", "parameters": []},
        {"name": "fn", "text": "RETURN apoc.coll.sum([1])", "parameters": []},
        {"name": "syntax", "text": "MATCH (n:Nation RETURN n", "parameters": []},
        {"name": "param", "text": "RETURN $undeclared", "parameters": []},
    ]
    results = {r["name"]: r["diagnostics"] for r in lint(bad)}
    assert all(results[name] for name in results), results


def test_headers_declare_the_parameters_used() -> None:
    assert "nations" in queries() and "nation-detail" in entity_queries()
    for q in [*queries().values(), *entity_queries().values()]:
        assert q.purpose and q.returns
