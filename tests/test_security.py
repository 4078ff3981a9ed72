"""Server hardening, tried as an attacker and a careless user would: foreign hosts, cross-site writes,
sessions and CSRF, headers, keys, the audit trail, bounded memory, timeouts, inert exports, conflicts."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api import render
from api.app import create_app
from api.keys import add_key, read_entries
from graph.connection import Graph
from graph.errors import ConfigError, ConflictError
from graph.settings import Settings
from ingest import pipeline
from ingest.reader import read_tables
from tests.conftest import ROOT, run_stkg, stkg_env
from tests.fixtures import count, load
from tests.test_api import BASE, HEADERS, KEYS, world

ORIGIN = BASE  # what a browser on this server's own pages sends
EVIL = "http://127.0.0.1:8001"  # another port of the same host: another origin, the same site


@pytest.fixture(scope="module")
def loaded(engine_graph: Graph) -> Graph:
    world(engine_graph)
    return engine_graph


def settings_for(tmp: Path, **changes: Any) -> Settings:
    base = {"data_dir": tmp, "api_keys": None, "api_keys_file": None, "audit_log": None}
    return Settings.from_env().with_(**(base | changes))


@pytest.fixture(scope="module")
def local(loaded: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """No keys: local single-user mode."""
    with TestClient(create_app(settings_for(tmp_path_factory.mktemp("local")), loaded), base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def keyed(loaded: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for(tmp_path_factory.mktemp("keyed"), api_keys=KEYS, max_body_bytes=4096)
    with TestClient(create_app(settings, loaded), base_url=BASE) as c:
        yield c


def one_exemption() -> bytes:
    """What the audit's attacker planted: an exemption that lifts the CHN denial."""
    row = {"id": "PLANTED", "citation": "x", "nations": "CHN", "overrides": "DENY-CHN"}
    return json.dumps({"exemptions": [row]}).encode()


def post_upload(client: TestClient, headers: dict[str, str], dry_run: bool = True) -> Any:
    files = {"file": ("x.json", one_exemption(), "application/json")}
    return client.post("/api/v1/ingest", files=files, data={"dry_run": str(dry_run).lower()}, headers=headers)


# ---------------------------------------------------------------- host and origin
def test_a_foreign_host_name_is_refused_dns_rebinding(local: TestClient) -> None:
    wrong = local.get("/api/v1/nations", headers={"Host": "evil.example"})
    assert wrong.status_code == 421 and wrong.json()["error"]["code"] == "host_not_allowed"
    assert local.get("/api/v1/nations", headers={"Host": "localhost:8000"}).status_code == 200
    assert local.get("/api/v1/nations", headers={"Host": "[::1]:8000"}).status_code == 200


def test_allowed_hosts_setting_names_the_hosts(loaded: Graph, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, allowed_hosts="stkg.example.mil")
    with TestClient(create_app(settings, loaded), base_url="http://stkg.example.mil") as client:
        assert client.get("/api/v1/nations").status_code == 200
        assert client.get("/api/v1/nations", headers={"Host": "127.0.0.1"}).status_code == 421


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": EVIL, "Sec-Fetch-Site": "same-site", **HEADERS["admin"]},
    ],
)
def test_cross_site_writes_are_refused_and_the_graph_is_unchanged(
    local: TestClient, loaded: Graph, headers: dict[str, str]
) -> None:
    response = post_upload(local, headers, dry_run=False)
    assert response.status_code == 403 and response.json()["error"]["code"] == "cross_site"
    assert count(loaded, "(e:Exemption {id: 'PLANTED'})") == 0


def test_same_origin_and_non_browser_writes_pass(local: TestClient, loaded: Graph) -> None:
    assert post_upload(local, {"Origin": ORIGIN, "Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert post_upload(local, {}).status_code == 200  # curl and scripts send no Origin
    assert count(loaded, "(e:Exemption {id: 'PLANTED'})") == 0  # both were dry runs
    assert local.get("/api/v1/nations", headers={"Origin": EVIL}).status_code == 200  # reads change nothing


# ---------------------------------------------------------------- sessions and CSRF
def sign_in(client: TestClient, key: str) -> str:
    client.cookies.clear()
    ok = client.post(
        "/login", data={"key": key, "next": "/"}, headers={"Origin": ORIGIN}, follow_redirects=False
    )
    assert ok.status_code == 303, ok.text
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def test_a_cookie_session_needs_its_csrf_token_to_change_anything(keyed: TestClient) -> None:
    token = sign_in(keyed, "admin-key")
    query = {"query": "RETURN 1 AS one", "params": {}}
    assert keyed.post("/api/v1/cypher", json=query).status_code == 403
    assert keyed.post("/api/v1/cypher", json=query, headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert keyed.post("/api/v1/cypher", json=query, headers={"X-CSRF-Token": token}).json() == {
        "rows": [{"one": 1}]
    }
    keyed.cookies.clear()
    assert keyed.post("/api/v1/cypher", json=query, headers=HEADERS["admin"]).status_code == 200


def test_sessions_expire(loaded: Graph, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, api_keys=KEYS, session_seconds=2)
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        login = {"key": "view-key", "next": "/"}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        assert client.get("/api/v1/nations/GBR").status_code == 200
        time.sleep(2.2)
        assert client.get("/api/v1/nations/GBR").status_code == 401


# ---------------------------------------------------------------- headers
def test_every_answer_carries_the_security_headers(local: TestClient) -> None:
    for url in ("/", "/api/v1/nations", "/no-such-page", "/static/stkg.css", "/forums/ALL"):
        h = local.get(url).headers
        policy = h["content-security-policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin", url
    assert local.get("/api/v1/nations").headers["cache-control"] == "no-store"
    assert "no-store" not in local.get("/static/stkg.css").headers.get("cache-control", "")


def test_pictures_allow_their_own_inline_code_by_hash_and_only_our_frames(local: TestClient) -> None:
    response = local.get("/pictures/forums/ALL")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and policy.count("'sha256-") >= 3
    markup = re.sub(r"<script[^>]*>.*?</script>", "", response.text, flags=re.S)
    assert "unsafe-inline" not in policy and 'style="' not in markup  # no inline style attributes


# ---------------------------------------------------------------- keys
@pytest.fixture
def keyfile(loaded: Graph, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    path = tmp_path / "api-keys"
    settings = settings_for(tmp_path, api_keys_file=str(path))
    path.write_text("")
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        yield client, path


def test_keys_added_revoked_and_rotated_take_effect_without_restart(keyfile: tuple[TestClient, Path]) -> None:
    client, path = keyfile
    alice = add_key(path, "alice", "viewer")
    assert client.get("/api/v1/nations", headers={"X-API-Key": alice}).status_code == 200
    with pytest.raises(ConfigError, match="already exists"):
        add_key(path, "alice", "planner")
    assert [(e.key_id, e.role) for e in read_entries(path)] == [("alice", "viewer")]
    sign_in(client, alice)
    assert client.get("/forums/ALL").status_code == 200
    new = run_stkg("apikey", "rotate", "alice", data_dir=path.parent, env={"STKG_API_KEYS_FILE": str(path)})
    assert new.returncode == 0, new.stderr
    rotated = new.stdout.strip()
    assert client.get("/api/v1/nations", headers={"X-API-Key": alice}).status_code == 401
    assert client.get("/api/v1/nations", headers={"X-API-Key": rotated}).status_code == 200
    assert client.get("/forums/ALL").status_code == 401  # the old key's browser session ended with it
    listed = run_stkg("apikey", "list", data_dir=path.parent, env={"STKG_API_KEYS_FILE": str(path)})
    assert "alice" in listed.stdout and "viewer" in listed.stdout and rotated not in listed.stdout
    gone = run_stkg("apikey", "revoke", "alice", data_dir=path.parent, env={"STKG_API_KEYS_FILE": str(path)})
    assert gone.returncode == 0, gone.stderr
    assert client.get("/api/v1/nations", headers={"X-API-Key": rotated}).status_code == 200  # no keys: local
    add_key(path, "bob", "viewer")
    assert client.get("/api/v1/nations", headers={"X-API-Key": rotated}).status_code == 401
    again = run_stkg(
        "apikey", "add", "bob", "admin", data_dir=path.parent, env={"STKG_API_KEYS_FILE": str(path)}
    )
    assert again.returncode != 0 and "already exists" in again.stderr


# ---------------------------------------------------------------- audit
def test_the_audit_log_says_who_read_what(loaded: Graph, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, api_keys=KEYS, max_body_bytes=4096)
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        client.get("/api/v1/nations/GBR?as_of=2025-01-01", headers=HEADERS["viewer"])
        client.get(
            "/api/v1/analyses/disclosure-trace?nation=CHN&technology=ML", headers=HEADERS["security_reviewer"]
        )
        client.post("/api/v1/cypher", json={"query": "RETURN 2 AS two"}, headers=HEADERS["admin"])
        client.post("/api/v1/cypher", content=b"x" * 10_000, headers=HEADERS["planner"])
    lines = [json.loads(x) for x in settings.audit_path.read_text().splitlines()]
    nation, trace, cypher, big = lines[-4:]
    assert (nation["key_id"], nation["role"], nation["params"]) == (
        "v",
        "viewer",
        {"key": "GBR", "as_of": "2025-01-01"},
    )
    assert nation["bytes"] > 100 and nation["status"] == 200 and nation["ms"] >= 0
    assert trace["params"] == {"nation": "CHN", "technology": "ML"} and trace["key_id"] == "s"
    assert cypher["cypher_sha256"] == hashlib.sha256(b"RETURN 2 AS two").hexdigest()
    assert "RETURN 2" not in json.dumps(cypher)
    assert (big["status"], big["key_id"], big["role"]) == (413, "p", "planner")
    shown = run_stkg("audit", "--key", "s", "--since", "2000-01-01", data_dir=tmp_path)
    assert shown.returncode == 0 and "disclosure-trace" in shown.stdout and "nation=CHN" in shown.stdout
    assert "/api/v1/nations" not in shown.stdout
    assert "no audit records" in run_stkg("audit", "--since", "2999-01-01", data_dir=tmp_path).stdout


# ---------------------------------------------------------------- roles, field by field
def test_viewers_never_see_server_paths(keyed: TestClient) -> None:
    admin = keyed.get("/api/v1/runs", headers=HEADERS["admin"]).json()
    viewer = keyed.get("/api/v1/runs", headers=HEADERS["viewer"]).json()
    assert admin and [r["id"] for r in admin] == [r["id"] for r in viewer]
    assert all("/" not in (r["path"] or "") for r in viewer)
    assert [r["path"].rsplit("/", 1)[-1] for r in admin] == [r["path"] for r in viewer]


def test_what_a_planner_sees_of_restrictions_in_the_predraft_check(keyed: TestClient) -> None:
    url = "/api/v1/analyses/predraft-check?parties=USA,CHN&technologies=ML"
    flags = keyed.get(url, headers=HEADERS["planner"]).json()["disclosure"]
    assert set(flags[0]) == {
        "nation",
        "technology",
        "verdict",
        "headline",
        "restrictions",
        "summary",
        "exceptions",
    }
    assert set(flags[0]["exceptions"][0] if flags[0]["exceptions"] else {}) <= {
        "technology",
        "name",
        "verdict",
    }
    assert flags[0]["restrictions"] == ["DENY-CHN"]  # ids only: the restriction itself is the reviewer's
    assert keyed.get("/api/v1/restrictions/DENY-CHN", headers=HEADERS["planner"]).status_code == 403


# ---------------------------------------------------------------- memory
def test_the_answer_cache_stays_within_its_byte_budget(loaded: Graph, tmp_path: Path) -> None:
    budget = 200_000
    with TestClient(create_app(settings_for(tmp_path, cache_bytes=budget), loaded), base_url=BASE) as client:
        answers = client.app.state.answers  # type: ignore[attr-defined]
        for day in range(500):
            as_of = f"{2000 + day // 365:04d}-{1 + day % 365 // 31:02d}-{1 + day % 28:02d}"
            assert client.get(f"/api/v1/analyses/duplicates?as_of={as_of}").status_code == 200
            assert answers.held <= budget
        assert 0 < len(answers) < 500


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def cell_bomb(mib: int, name: str = "technologies.csv", head: bytes = b"id,name\nT1,") -> bytes:
    """A small zip holding one cell of `mib` MiB."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as f,
    ):
        f.write(head)
        for _ in range(mib):
            f.write(b"A" * (1 << 20))
        f.write(b"\n" if name.endswith(".csv") else b"</t></si></sst>")
    return buffer.getvalue()


def patched(data: bytes, find: bytes, offset: int, value: int, central: bool = True) -> bytes:
    """Set one byte of a zip's local header (and the central directory entry) to forge a flag or method."""
    raw = bytearray(data)
    raw[offset] = value if offset == 8 else raw[offset] | value
    if central:
        c = raw.find(b"PK\x01\x02")
        raw[c + offset + 2] = value if offset == 8 else raw[c + offset + 2] | value
    return bytes(raw)


def truncated_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "nations"  # type: ignore[union-attr]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()[:2000]


NATIONS = b"code,name\nZZZ,Zed\n"
MALFORMED = {
    "bad-crc.zip": (
        422,
        zip_of({"nations.csv": NATIONS}, zipfile.ZIP_STORED).replace(b"ZZZ,Zed", b"QZZ,Zed"),
    ),
    "encrypted.zip": (422, patched(zip_of({"nations.csv": NATIONS}, zipfile.ZIP_STORED), b"", 6, 1)),
    "deflate64.zip": (422, patched(zip_of({"nations.csv": NATIONS}, zipfile.ZIP_STORED), b"", 8, 9)),
    "a" * 300 + ".json": (422, b"{}"),
    "deep.json": (422, b"[" * 100_000 + b"]" * 100_000),
    "truncated.xlsx": (422, truncated_xlsx()),
    "not-a-zip.zip": (422, b"PK\x03\x04 nothing else"),
    "cell.zip": (422, cell_bomb(1)),
    "bomb.zip": (413, cell_bomb(3)),
    "bomb.xlsx": (413, cell_bomb(3, "xl/sharedStrings.xml", b"<sst><si><t>")),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_every_malformed_upload_is_a_4xx_with_a_message(loaded: Graph, tmp_path: Path, name: str) -> None:
    status, content = MALFORMED[name]
    before = count(loaded)
    settings = settings_for(tmp_path, max_unpacked_bytes=2 * 1024 * 1024)
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        response = client.post("/api/v1/ingest", files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["message"] and (status == 413 or error["problems"]), error
    assert count(loaded) == before


def test_a_row_budget_refuses_before_writing(loaded: Graph, tmp_path: Path) -> None:
    rows = [{"id": f"T{i}", "name": f"T {i}"} for i in range(11)]
    settings = settings_for(tmp_path, max_rows=10)
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        files = {"file": ("t.json", json.dumps({"technologies": rows}).encode(), "application/json")}
        response = client.post("/api/v1/ingest", files=files)
    assert response.status_code == 413 and "STKG_MAX_ROWS" in response.json()["error"]["message"]
    assert count(loaded, "(t:Technology {id: 'T10'})") == 0


def peak_rss_mib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024  # type: ignore[union-attr]


def test_upload_bombs_leave_the_server_under_1_gib(tmp_path: Path) -> None:
    """The audit's bombs against a real `stkg serve` at default settings, its peak RSS measured."""
    import httpx

    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0", "--no-sample"],
        cwd=ROOT,
        env=stkg_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = next(m.group(1) for line in proc.stdout if (m := re.search(r"serving (http://\S+?)/", line)))
        bombs = {
            "bomb.zip": cell_bomb(896),
            "bomb.xlsx": cell_bomb(896, "xl/sharedStrings.xml", b"<sst><si><t>"),
            "cell.zip": cell_bomb(150),
            "deep.json": b"[" * 100_000 + b"]" * 100_000,
        }
        for name, content in bombs.items():
            response = httpx.post(f"{url}/api/v1/ingest", files={"file": (name, content)}, timeout=120)
            assert response.status_code in (413, 422), (name, response.text)
        assert peak_rss_mib(proc.pid) < 1024
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# ---------------------------------------------------------------- timeouts
TIMEOUT_SCRIPT = """
import time
from graph.connection import connect
from graph.errors import QueryTimeoutError
from graph.settings import Settings
g = connect(Settings.from_env())
g.write("UNWIND range(1, 3000) AS i CREATE (:Technology {id: 'T' + toString(i)})")
started = time.monotonic()
try:
    g.read("MATCH (a:Technology), (b:Technology), (c:Technology) WHERE a.id + b.id + c.id = 'x' RETURN a.id")
    print("finished")
except QueryTimeoutError as exc:
    print("cancelled", round(time.monotonic() - started, 2), exc.http_status, exc)
started = time.monotonic()
g.read("RETURN 1 AS one")
print("next", round(time.monotonic() - started, 2))
"""


def test_a_cartesian_query_is_cancelled_in_the_embedded_engine(tmp_path: Path) -> None:
    env = stkg_env(tmp_path, STKG_QUERY_TIMEOUT="2")
    done = subprocess.run(
        [sys.executable, "-c", TIMEOUT_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()[-2:]
    word, seconds, status, *message = first.split()
    assert word == "cancelled" and float(seconds) < 4 and status == "504", first
    assert "STKG_QUERY_TIMEOUT" in " ".join(message)
    assert float(second.split()[1]) < 1  # the engine is free again: the query was stopped, not abandoned


# ---------------------------------------------------------------- exports
STARTERS = ['=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_that_start_like_formulas_are_inert() -> None:
    rows = [{"text": s, "n": -5, "f": -1.5} for s in STARTERS]
    parsed = list(csv.reader(io.StringIO(render.to_csv(rows), newline="")))
    assert [r[0] for r in parsed[1:]] == ["'" + s for s in STARTERS]
    assert {r[1] for r in parsed[1:]} == {"-5"} and {r[2] for r in parsed[1:]} == {
        "-1.5"
    }  # numbers stay numbers


def test_xlsx_cells_are_values_never_formulas_and_keep_their_types(tmp_path: Path) -> None:
    rows = [{"text": s, "n": 3, "ok": True, "day": "2025-01-31", "list": ["A", "B"]} for s in STARTERS]
    render.to_xlsx(rows, tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = list(sheet.iter_rows(min_row=2))  # type: ignore[union-attr]
    assert [c[0].value for c in cells] == [s.replace("\r", "\n") for s in STARTERS]  # openpyxl reads CR as LF
    assert {c[0].data_type for c in cells} == {"s"}
    first = cells[0]
    assert (first[1].value, first[2].value, first[4].value) == (3, True, "A;B")
    assert first[3].value.date().isoformat() == "2025-01-31" and first[3].number_format == "yyyy-mm-dd"


def test_the_api_csv_of_an_analysis_is_inert(local: TestClient, loaded: Graph) -> None:
    agreement = {"id": "FX", "title": STARTERS[0], "type": "PA", "parties": "USA;GBR", "technologies": "QC"}
    load(loaded, agreements=[agreement | {"start": "2020-01-01", "end": "2025-03-01"}])
    try:
        text = local.get("/api/v1/analyses/expiring?as_of=2025-01-01&format=csv").text
        assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    finally:
        loaded.write("MATCH (a:Agreement {id: 'FX'}) DETACH DELETE a")


# ---------------------------------------------------------------- concurrent ingests
def test_a_lost_write_conflict_is_retried_then_named(loaded: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pipeline._ingest_once
    attempts: list[int] = []

    def competing(graph: Graph, data: Any, dry_run: bool, progress: Any, expect: Any = None) -> Any:
        attempts.append(1)
        if len(attempts) == 1:  # another ingest commits while this one writes
            real(graph, read_tables({"components": [{"id": "RIVAL", "name": "Rival"}]}), False, None)
            raise ConflictError("Neo.TransientError.Transaction.DeadlockDetected")
        return real(graph, data, dry_run, progress, expect)

    monkeypatch.setattr(pipeline, "_ingest_once", competing)
    summary = load(loaded, components=[{"id": "MINE", "name": "Mine"}])
    assert len(attempts) == 2 and summary.changed == 1
    assert count(loaded, "(c:Component {id: 'MINE'})") == 1

    def always(graph: Graph, data: Any, dry_run: bool, progress: Any, expect: Any = None) -> Any:
        real(graph, read_tables({"components": [{"id": f"R{time.time_ns()}", "name": "R"}]}), False, None)
        raise ConflictError("Neo.TransientError.Transaction.DeadlockDetected")

    monkeypatch.setattr(pipeline, "_ingest_once", always)
    with pytest.raises(ConflictError, match=r"another ingest was writing \(run run-\S+\); try again") as lost:
        load(loaded, components=[{"id": "LATE", "name": "Late"}])
    assert lost.value.http_status == 409
    assert count(loaded, "(c:Component {id: 'LATE'})") == 0
    loaded.write("MATCH (c:Component) WHERE c.id STARTS WITH 'R' OR c.id = 'MINE' DETACH DELETE c")


def test_a_keys_file_broken_while_serving_fails_closed_without_naming_its_path(
    keyfile: tuple[TestClient, Path],
) -> None:
    client, path = keyfile
    alice = add_key(path, "alice", "viewer")
    assert client.get("/api/v1/nations", headers={"X-API-Key": alice}).status_code == 200
    path.write_text(path.read_text() + "broken line\n")
    refused = client.get("/api/v1/nations", headers={"X-API-Key": alice})
    assert refused.status_code == 500 and str(path) not in refused.text and "malformed" in refused.text
    assert client.get("/api/v1/nations").status_code in (401, 500)  # never local mode's open door
    path.write_text(path.read_text().replace("broken line\n", ""))
    assert client.get("/api/v1/nations", headers={"X-API-Key": alice}).status_code == 200
