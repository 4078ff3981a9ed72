"""The CLI side of the web tool: pictures to files, API keys, and refusing an open server without keys."""

from __future__ import annotations

import json
from pathlib import Path

from api.keys import digest
from tests.conftest import run_stkg


def test_viz_writes_self_contained_pictures(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "agreements.json").write_text(
        json.dumps(
            {
                "technologies": [{"id": "AI", "name": "AI"}],
                "agreements": [
                    {
                        "id": "A1",
                        "title": "One",
                        "type": "PA",
                        "parties": "USA;GBR;FRA",
                        "technologies": "AI",
                    },
                    {"id": "A2", "title": "Two", "type": "PA", "parties": "USA;GBR", "technologies": "AI"},
                ],
            }
        )
    )
    assert run_stkg("ingest", str(tmp_path / "in" / "agreements.json"), data_dir=data).returncode == 0
    out = tmp_path / "gbr.html"
    done = run_stkg("viz", "nation", "UK", "--out", str(out), data_dir=data)
    assert done.returncode == 0, done.stderr
    html = out.read_text()
    assert "new vis.Network" in html and "<script src" not in html
    assert '"label": "USA"' in html and '"label": "FRA"' in html
    partners = tmp_path / "partners.html"
    assert run_stkg("viz", "partners", "--out", str(partners), data_dir=data).returncode == 0
    missing = run_stkg("viz", "agreement", "A3", "--out", str(tmp_path / "x.html"), data_dir=data)
    assert missing.returncode == 1 and "no agreement 'A3'" in missing.stderr and "A1" in missing.stderr


def test_apikey_add_keeps_only_the_hash(tmp_path: Path) -> None:
    added = run_stkg("apikey", "add", "alice", "planner", data_dir=tmp_path)
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip()
    stored = (tmp_path / "api-keys").read_text()
    assert stored == f"alice:planner:{digest(secret)}\n" and secret not in stored
    wrong = run_stkg("apikey", "add", "bob", "boss", data_dir=tmp_path)
    assert wrong.returncode == 2 and "boss" in wrong.stderr


def test_serve_refuses_a_public_address_without_keys(tmp_path: Path) -> None:
    refused = run_stkg("serve", "--host", "0.0.0.0", "--port", "0", data_dir=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: refusing to listen on 0.0.0.0 without API keys")


def test_queries_lists_the_analyses_and_all_adds_the_internal_exports(tmp_path: Path) -> None:
    public = json.loads(run_stkg("queries", "--format", "json", data_dir=tmp_path).stdout)
    everything = json.loads(run_stkg("queries", "--all", "--format", "json", data_dir=tmp_path).stdout)
    names = [q["name"] for q in public]
    assert names[:4] == ["coverage-gaps", "duplicates", "duplicate-clusters", "exclusionary-consortia"]
    assert {"partners", "equitability"} <= set(names) and "duplicate-facts" not in names
    assert {"duplicate-facts", "taxonomy"} <= {q["name"] for q in everything}
