"""The HTTP API and pages over the real embedded engine: every endpoint, role boundaries, error shapes."""

from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.keys import Keyring, add_key, digest
from api.server import bind, loopback
from api.v1 import served
from graph.connection import Graph
from graph.errors import ConfigError
from graph.settings import Settings
from queries.analysis import analysis
from tests.fixtures import count, load, mark_dead

AS_OF = "2025-01-01"
#: Test clients address the server by a loopback name, as a browser on this machine would.
BASE = "http://127.0.0.1:8000"
KEYS = "v:viewer:view-key,p:planner:plan-key,s:security_reviewer:sec-key,a:admin:admin-key"
HEADERS = {
    role: {"X-API-Key": key}
    for role, key in [
        ("viewer", "view-key"),
        ("planner", "plan-key"),
        ("security_reviewer", "sec-key"),
        ("admin", "admin-key"),
    ]
}


def world(graph: Graph) -> None:
    """A small hand-built world: one alliance, a framework with a PA under it, an expired agreement."""
    graph.write("MATCH (n) DETACH DELETE n")
    load(
        graph,
        technologies=[
            {"id": "AI", "name": "Artificial Intelligence", "priority": 3},
            {"id": "ML", "name": "Machine learning", "broader": "AI", "priority": 2},
            {"id": "NLP", "name": "Language", "broader": "ML"},
            {"id": "QC", "name": "Quantum", "priority": 2},
            {"id": "ARMS", "name": "Defense articles"},
        ],
        components=[{"id": "ARMY", "name": "Army"}, {"id": "NAVY", "name": "Navy"}],
        forums=[{"id": "ALL", "name": "Alliance", "kind": "alliance", "covers": "AI"}],
        memberships=[
            {"forum": "ALL", "nation": n, "role": "member", "since": "2000-01-01"}
            for n in ("USA", "GBR", "FRA")
        ]
        + [{"forum": "ALL", "nation": "CAN", "role": "member", "since": "2000-01-01", "until": "2020-12-31"}],
        agreements=[
            {
                "id": "F1",
                "title": "US-UK framework",
                "type": "FRAMEWORK",
                "parties": "USA;GBR",
                "technologies": "AI",
                "start": "2010-01-01",
                "lead_component": "ARMY",
            },
            {
                "id": "P1",
                "title": "US-UK language PA",
                "type": "PA",
                "parties": "USA;GBR",
                "technologies": "NLP",
                "start": "2015-01-01",
                "parent": "F1",
                "lead_component": "NAVY",
            },
            {
                "id": "P2",
                "title": "US-UK-FR ML PA",
                "type": "PA",
                "parties": "USA;GBR;FRA",
                "technologies": "ML",
                "start": "2016-01-01",
                "end": "2025-03-01",
                "lead_component": "ARMY",
            },
            {
                "id": "OLD",
                "title": "Expired quantum",
                "type": "PA",
                "parties": "USA;FRA",
                "technologies": "QC",
                "start": "2000-01-01",
                "end": "2010-01-01",
            },
        ],
        restrictions=[
            {
                "id": "DENY-CHN",
                "kind": "ITAR_126_1",
                "effect": "deny",
                "citation": "22 CFR 126.1",
                "nations": "CHN",
            },
            {
                "id": "LIC",
                "kind": "USML",
                "effect": "license_required",
                "citation": "22 CFR 123.1",
                "technologies": "ARMS",
            },
        ],
        exemptions=[{"id": "EX-GBR", "citation": "22 CFR 126.17", "nations": "GBR", "overrides": "LIC"}],
    )


@pytest.fixture(scope="module")
def loaded(engine_graph: Graph) -> Graph:
    world(engine_graph)
    return engine_graph


@pytest.fixture(scope="module")
def local(loaded: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """No keys configured: local single-user mode, every request acts as admin."""
    tmp = tmp_path_factory.mktemp("local")
    settings = Settings.from_env().with_(data_dir=tmp, api_keys=None, api_keys_file=None, audit_log=None)
    with TestClient(create_app(settings, loaded), base_url=BASE) as client:
        yield client


@pytest.fixture(scope="module")
def keyed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("keyed")
    return Settings.from_env().with_(
        data_dir=tmp,
        api_keys=KEYS,
        api_keys_file=None,
        audit_log=None,
        max_body_bytes=4096,
        max_upload_bytes=200_000,
    )


@pytest.fixture(scope="module")
def keyed(loaded: Graph, keyed_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(keyed_settings, loaded), base_url=BASE) as client:
        yield client


def external_refs(html: str) -> list[str]:
    """Anything a browser would fetch from another host: src/href attributes and CSS url()."""
    return re.findall(
        r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"' >]+|url\(\s*["']?(?:https?:)?//[^)]+""", html
    )


def get(client: TestClient, url: str, role: str | None = "admin", status: int = 200) -> Any:
    response = client.get(url, headers=HEADERS.get(role or "", {}))
    assert response.status_code == status, response.text
    ctype = response.headers["content-type"]
    return response.json() if ctype.startswith("application/json") else response.text


# ---------------------------------------------------------------- service
def test_health_and_version_need_no_key_and_only_admins_see_the_engine_address(keyed: TestClient) -> None:
    assert get(keyed, "/healthz", None) == {"status": "ok", "engine": "arcadedb-embedded", "uri": None}
    assert get(keyed, "/healthz", "viewer")["uri"] is None
    assert get(keyed, "/healthz", "admin")["uri"] == keyed.app.state.graph.uri  # type: ignore[attr-defined]
    assert get(keyed, "/version", None)["engine"] == "arcadedb-embedded"


def test_docs_are_served_from_local_assets_and_need_a_key(keyed: TestClient) -> None:
    get(keyed, "/docs", None, 401)
    get(keyed, "/openapi.json", None, 401)
    html = get(keyed, "/docs", "viewer")
    assert "/static/docs/swagger-ui-bundle.js" in html and external_refs(html) == []
    policy = keyed.get("/docs", headers=HEADERS["viewer"]).headers["content-security-policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy  # its one inline script, by hash
    assert get(keyed, "/static/docs/swagger-ui-bundle.js", None)
    assert get(keyed, "/openapi.json", "viewer")["info"]["title"] == "stkg"


# ---------------------------------------------------------------- entities
def test_search_with_pagination(local: TestClient) -> None:
    page = get(local, "/api/v1/nations?q=united")
    assert [i["code"] for i in page["items"]] == ["GBR", "USA"] and page["total"] == 2
    page = get(local, "/api/v1/nations?q=united&offset=1&limit=1")
    assert page == {
        "total": 2,
        "offset": 1,
        "limit": 1,
        "items": [{"code": "USA", "name": "United States", "region": None}],
    }
    assert [i["id"] for i in get(local, "/api/v1/agreements?q=us-uk")["items"]] == ["F1", "P1", "P2"]
    assert [i["id"] for i in get(local, "/api/v1/technologies?q=LEARN")["items"]] == ["ML"]
    assert [i["id"] for i in get(local, "/api/v1/forums")["items"]] == ["ALL"]
    assert [i["id"] for i in get(local, "/api/v1/restrictions")["items"]] == ["DENY-CHN", "LIC"]
    assert [i["id"] for i in get(local, "/api/v1/exemptions?q=126.17")["items"]] == ["EX-GBR"]
    assert get(local, "/api/v1/technologies?q=nothing-like-this")["items"] == []


def test_nation_detail(local: TestClient) -> None:
    n = get(local, f"/api/v1/nations/UK?as_of={AS_OF}")
    assert n["code"] == "GBR"
    assert [(m["forum"], m["role"], m["active"]) for m in n["memberships"]] == [("ALL", "member", True)]
    assert [(a["id"], a["active"]) for a in n["agreements"]] == [("F1", True), ("P1", True), ("P2", True)]
    assert n["partners"] == [
        {"nation": "USA", "name": "United States", "shared": 3},
        {"nation": "FRA", "name": "France", "shared": 1},
    ]
    assert [g["technology"] for g in n["gaps"]] == ["QC"]
    later = get(local, "/api/v1/nations/GBR?as_of=2026-01-01")  # P2 ended on 2025-03-01
    assert [p["nation"] for p in later["partners"]] == ["USA"]
    assert [(a["id"], a["active"]) for a in later["agreements"]][2] == ("P2", False)


def test_forum_agreement_technology_restriction_exemption_details(local: TestClient) -> None:
    f = get(local, f"/api/v1/forums/ALL?as_of={AS_OF}")
    assert [(m["nation"], m["active"]) for m in f["members"]] == [
        ("CAN", False),
        ("FRA", True),
        ("GBR", True),
        ("USA", True),
    ]
    assert f["covers"] == [{"id": "AI", "name": "Artificial Intelligence"}]
    a = get(local, f"/api/v1/agreements/P1?as_of={AS_OF}")
    assert [p["nation"] for p in a["parties"]] == ["GBR", "USA"]
    assert a["parent"] == [{"id": "F1", "title": "US-UK framework"}]
    assert a["technologies"] == [{"id": "NLP", "name": "Language"}] and a["components"] == ["NAVY"]
    assert [c["id"] for c in get(local, "/api/v1/agreements/F1")["children"]] == ["P1"]
    t = get(local, f"/api/v1/technologies/NLP?as_of={AS_OF}")
    assert [(x["id"], x["depth"]) for x in t["ancestors"]] == [("ML", 1), ("AI", 2)]
    assert [x["id"] for x in t["forums"]] == ["ALL"]  # through its ancestor AI
    assert [x["id"] for x in get(local, f"/api/v1/technologies/AI?as_of={AS_OF}")["agreements"]] == [
        "F1",
        "P1",
        "P2",
    ]
    assert [x["id"] for x in get(local, "/api/v1/technologies/QC")["agreements"]] == []  # only an expired one
    r = get(local, "/api/v1/restrictions/LIC")
    assert (r["technologies"], r["nations"], r["overridden_by"]) == (["ARMS"], [], ["EX-GBR"])
    e = get(local, "/api/v1/exemptions/EX-GBR")
    assert (e["nations"], e["overrides"], e["excludes"]) == (["GBR"], ["LIC"], [])


def test_unknown_ids_are_404_with_suggestions(local: TestClient) -> None:
    body = get(local, "/api/v1/agreements/P3", status=404)
    assert body["error"]["code"] == "not_found" and "P1" in body["error"]["suggestions"]
    body = get(local, "/api/v1/nations/Atlantis", status=404)
    assert body["error"]["message"] == "unknown nation 'Atlantis'"
    assert get(local, "/api/v1/nope", status=404)["error"]["code"] == "not_found"
    assert get(local, "/api/v1/analyses/nope", status=404)["error"]["code"] == "not_found"


@pytest.mark.parametrize(("name", "codes"), [("Congo", ["COD", "COG"]), ("Korea", ["KOR", "PRK"])])
def test_ambiguous_names_are_422_with_every_candidate(local: TestClient, name: str, codes: list[str]) -> None:
    for url, field in [
        (f"/api/v1/analyses/disclosure-trace?nation={name}&technology=ARMS", "nation"),
        (f"/api/v1/nations/{name}", "code"),
        (f"/api/v1/analyses/predraft-check?parties=USA,{name}&technologies=ML", "parties"),
    ]:
        error = get(local, url, status=422)["error"]
        assert (error["code"], error["field"], error["suggestions"]) == ("ambiguous", field, codes), url
    page = local.get(f"/disclose?nation={name}&technology=ARMS")
    assert page.status_code == 422 and all(c in page.text for c in codes)


def test_bad_parameters_are_422_naming_the_field(local: TestClient) -> None:
    for url, field in [
        ("/api/v1/analyses/coverage-gaps?as_of=2025-13-01", "as_of"),
        ("/api/v1/analyses/expiring?within_days=soon", "within_days"),
        ("/api/v1/analyses/expiring?within_dayz=30", "within_dayz"),
        ("/api/v1/nations?limit=0", "limit"),
        ("/api/v1/forums/ALL?as_of=yesterday", "as_of"),
        ("/api/v1/analyses/disclosure-trace?nation=GBR", "technology"),
    ]:
        error = get(local, url, status=422)["error"]
        assert (error["code"], error["field"]) == ("invalid_parameter", field), url


# ---------------------------------------------------------------- analyses
def test_every_analysis_endpoint_matches_the_cli_answer(local: TestClient, loaded: Graph) -> None:
    params = {
        "disclosure-trace": {"nation": "GBR", "technology": "ARMS"},
        "predraft-check": {"parties": "USA,GBR", "technologies": "ML"},
        "disclosure-whatif": {"extend": "EX-GBR", "to": "FRA"},
    }
    window = {"from": "2000-01-01", "to": AS_OF}  # the analyses between two dates take no as_of
    listed = get(local, "/api/v1/analyses")
    assert [a["name"] for a in listed] == list(served())
    for name in served():
        given = (
            window
            if name in ("portfolio-changes", "findings-delta")
            else {"as_of": AS_OF, **params.get(name, {})}
        )
        query = "&".join(f"{k}={v}" for k, v in given.items())
        assert get(local, f"/api/v1/analyses/{name}?{query}") == json.loads(
            json.dumps(analysis(name).run(loaded, given))
        ), name


def test_analysis_rows_by_hand(local: TestClient) -> None:
    assert get(local, f"/api/v1/analyses/coverage-gaps?as_of={AS_OF}") == [
        {"technology": "QC", "name": "Quantum", "priority": 2, "scheme": None}
    ]
    dups = get(local, f"/api/v1/analyses/duplicates?as_of={AS_OF}")
    # P1 is under F1, so not its duplicate; P1 (NLP) and P2 (ML, broader) have nested parties
    assert [(d["agreement_a"], d["agreement_b"], d["cross_component"]) for d in dups] == [
        ("F1", "P2", False),
        ("P1", "P2", True),
    ]
    trace = get(local, f"/api/v1/analyses/disclosure-trace?nation=GBR&technology=ARMS&as_of={AS_OF}")
    assert trace["verdict"] == "permitted" and trace["reasons"][0]["overridden_by"] == ["EX-GBR"]
    trace = get(local, f"/api/v1/analyses/disclosure-trace?nation=FRA&technology=ARMS&as_of={AS_OF}")
    assert trace["verdict"] == "license_required"


def test_csv_output(local: TestClient) -> None:
    response = local.get(f"/api/v1/analyses/duplicates?as_of={AS_OF}&format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "agreement_a,agreement_b,parties,technologies,components,cross_component,relation,same_type",
        "F1,P2,GBR;USA,ML,ARMY,false,nested,false",
        "P1,P2,GBR;USA,NLP,ARMY;NAVY,true,nested,true",
    ]
    nations = local.get("/api/v1/nations?q=united&format=csv").text.splitlines()
    assert nations == ["code,name,region", "GBR,United Kingdom,", "USA,United States,"]
    page = local.get("/api/v1/nations?q=united&format=csv&limit=1")
    assert page.headers["x-total-count"] == "2" and len(page.text.splitlines()) == 2  # all matches, one sent


# ---------------------------------------------------------------- roles
def test_keys_are_required_and_checked(keyed: TestClient) -> None:
    assert get(keyed, "/api/v1/nations", None, 401)["error"]["code"] == "unauthenticated"
    response = keyed.get("/api/v1/nations", headers={"X-API-Key": "guess"})
    assert response.status_code == 401 and response.json()["error"]["message"] == "the API key is not valid"
    assert keyed.get("/api/v1/nations", headers={"Authorization": "Bearer view-key"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/api/v1/nations/GBR", {"viewer", "planner", "security_reviewer", "admin"}),
        (
            f"/api/v1/analyses/coverage-gaps?as_of={AS_OF}",
            {"viewer", "planner", "security_reviewer", "admin"},
        ),
        (
            "/api/v1/analyses/predraft-check?parties=USA,GBR&technologies=ML",
            {"planner", "security_reviewer", "admin"},
        ),
        ("/api/v1/analyses/disclosure-trace?nation=GBR&technology=ML", {"security_reviewer", "admin"}),
        ("/api/v1/analyses/disclosure-whatif?lift=LIC", {"security_reviewer", "admin"}),
        ("/whatif", {"security_reviewer", "admin"}),
        ("/disclose.pdf?nation=GBR&technology=ML", {"security_reviewer", "admin"}),
        ("/api/v1/runs", {"viewer", "planner", "security_reviewer", "admin"}),
        ("/docs", {"viewer", "planner", "security_reviewer", "admin"}),
        ("/upload", {"admin"}),
        (f"/api/v1/analyses/equitability?as_of={AS_OF}", {"viewer", "planner", "security_reviewer", "admin"}),
        ("/nations/GBR/with/USA", {"viewer", "planner", "security_reviewer", "admin"}),
        ("/api/v1/restrictions", {"security_reviewer", "admin"}),
        ("/api/v1/restrictions/LIC", {"security_reviewer", "admin"}),
        ("/api/v1/exemptions/EX-GBR", {"security_reviewer", "admin"}),
        ("/disclose", {"security_reviewer", "admin"}),
        ("/restrictions/LIC", {"security_reviewer", "admin"}),
        ("/predraft", {"planner", "security_reviewer", "admin"}),
    ],
)
def test_role_boundaries(keyed: TestClient, url: str, allowed: set[str]) -> None:
    for role in HEADERS:
        status = keyed.get(url, headers=HEADERS[role]).status_code
        assert status == (200 if role in allowed else 403), (role, url, status)


def test_forbidden_is_one_json_shape(keyed: TestClient) -> None:
    error = get(keyed, "/api/v1/analyses/disclosure-trace?nation=GBR&technology=ML", "viewer", 403)["error"]
    assert error["code"] == "forbidden" and "security_reviewer or admin" in error["message"]


def test_audit_log_records_key_id_route_and_status_but_never_the_key(
    keyed: TestClient, keyed_settings: Settings
) -> None:
    get(keyed, "/api/v1/nations/GBR", "viewer")
    get(keyed, "/api/v1/restrictions", "viewer", 403)
    get(keyed, "/api/v1/forums", None, 401)
    lines = [json.loads(x) for x in keyed_settings.audit_path.read_text().splitlines()]
    seen = [(x["key_id"], x["route"], x["status"]) for x in lines[-3:]]
    assert seen == [
        ("v", "/api/v1/nations/{key}", 200),
        ("v", "/api/v1/restrictions", 403),
        (None, "/api/v1/forums", 401),
    ]
    text = keyed_settings.audit_path.read_text()
    assert not any(secret in text for secret in ("view-key", "admin-key", "sec-key", "plan-key"))


# ---------------------------------------------------------------- ingest and cypher over HTTP
def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def upload(client: TestClient, name: str, content: bytes, role: str = "admin", dry_run: bool = False) -> Any:
    return client.post(
        "/api/v1/ingest",
        files={"file": (name, content, "application/octet-stream")},
        data={"dry_run": "true" if dry_run else "false"},
        headers=HEADERS[role],
    )


def test_ingest_upload_needs_admin_and_validates_like_the_cli(keyed: TestClient, loaded: Graph) -> None:
    good = zipped({"data/technologies.csv": "id,name\nHYP,Hypersonics\n"})
    assert upload(keyed, "new.zip", good, role="security_reviewer").status_code == 403
    bad = zipped({"technologies.csv": "id,name,priority\nHYP,Hypersonics,9\n,No id,\n"})
    response = upload(keyed, "bad.zip", bad)
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert any(p.startswith("technologies.csv:2:priority:") for p in problems), problems
    assert any(p.startswith("technologies.csv:3:id:") for p in problems), problems
    assert count(loaded, "(t:Technology {id: 'HYP'})") == 0
    dry = upload(keyed, "new.zip", good, dry_run=True)
    assert dry.status_code == 200 and dry.json()["dry_run"] is True
    assert count(loaded, "(t:Technology {id: 'HYP'})") == 0
    assert get(keyed, "/api/v1/technologies?q=hyper")["total"] == 0  # now cached
    done = upload(keyed, "new.zip", good)
    assert done.status_code == 200 and done.json()["changes"]["technologies"]["created"] == 1
    assert count(loaded, "(t:Technology {id: 'HYP'})") == 1
    assert get(keyed, "/api/v1/technologies?q=hyper")["total"] == 1  # the write invalidated the cache
    loaded.write("MATCH (t:Technology {id: 'HYP'}) DETACH DELETE t")


def test_xlsx_upload_and_runs(keyed: TestClient, loaded: Graph) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "technologies"
    sheet.append(["id", "name", "broader"])
    sheet.append(["XL", "From a workbook", "AI"])
    buffer = io.BytesIO()
    book.save(buffer)
    done = upload(keyed, "mine.xlsx", buffer.getvalue())
    assert done.status_code == 200 and done.json()["changes"]["technologies"]["created"] == 1
    runs = get(keyed, "/api/v1/runs", "viewer")
    assert runs[0]["path"] == "upload:mine.xlsx"  # newest first
    assert [a["id"] for a in get(keyed, "/api/v1/technologies/XL", "viewer")["ancestors"]] == ["AI"]
    loaded.write("MATCH (t:Technology {id: 'XL'}) DETACH DELETE t")


def test_ingest_refuses_junk_and_oversized_uploads(keyed: TestClient) -> None:
    assert (
        upload(keyed, "x.zip", b"not a zip")
        .json()["error"]["problems"][0]
        .startswith("x.zip:-:-: not a valid zip")
    )
    assert upload(keyed, "x.exe", b"MZ").status_code == 422
    assert upload(keyed, "big.json", b"[" + b" " * 300_000 + b"]").status_code == 413


def test_cypher_endpoint_is_admin_only_and_read_only(keyed: TestClient, loaded: Graph) -> None:
    body = {"query": "MATCH (t:Technology {id: $id}) RETURN t.name AS name", "params": {"id": "ML"}}
    assert keyed.post("/api/v1/cypher", json=body, headers=HEADERS["security_reviewer"]).status_code == 403
    assert keyed.post("/api/v1/cypher", json=body, headers=HEADERS["admin"]).json() == {
        "rows": [{"name": "Machine learning"}]
    }
    write = {"query": "CREATE (t:Technology {id: 'EVIL'}) RETURN t"}
    response = keyed.post("/api/v1/cypher", json=write, headers=HEADERS["admin"])
    assert response.status_code == 403 and response.json()["error"]["code"] == "read_only"
    assert count(loaded, "(t:Technology {id: 'EVIL'})") == 0
    big_int = keyed.post(
        "/api/v1/cypher", json={"query": "RETURN $n AS n", "params": {"n": 2**63}}, headers=HEADERS["admin"]
    )
    assert (
        big_int.status_code == 422 and "cannot be sent" in big_int.json()["error"]["message"]
    )  # found by the fuzz test
    huge = {"query": "RETURN 1", "params": {"pad": "x" * 10_000}}
    assert keyed.post("/api/v1/cypher", json=huge, headers=HEADERS["admin"]).status_code == 413


# ---------------------------------------------------------------- pages and pictures
def test_pages_render_with_data(local: TestClient) -> None:
    home = get(local, f"/?as_of={AS_OF}")
    assert "coverage-gaps" in home and "duplicate-clusters" in home and "exclusionary-consortia" in home
    assert '<a href="/technologies/QC" title="Quantum">QC</a>' in home  # its name has a column
    assert '<a href="/nations/GBR">GBR</a>' in get(local, "/search?q=kingdom")
    nation = get(local, f"/nations/GBR?as_of={AS_OF}")
    assert 'src="/pictures/nations/GBR?as_of=2025-01-01"' in nation and "Machine learning" not in nation
    assert "Alliance" in get(local, "/forums/ALL") and "US-UK framework" in get(local, "/agreements/P1")
    assert "Machine learning" in get(local, "/technologies/NLP")
    analysis_page = get(local, f"/analyses/duplicates?as_of={AS_OF}")
    assert (
        "/api/v1/analyses/duplicates?as_of=2025-01-01&amp;format=csv" in analysis_page
        and "F1" in analysis_page
    )
    assert 'id="verdict">license required<' in get(
        local, f"/disclose?nation=France&technology=ARMS&as_of={AS_OF}"
    )
    assert "US-UK framework" in get(local, f"/predraft?parties=USA,GBR&technologies=NLP&as_of={AS_OF}")
    missing = local.get("/agreements/P3")
    assert missing.status_code == 404 and "Did you mean" in missing.text


@pytest.mark.parametrize(
    "url",
    [
        "/pictures/nations/GBR",
        "/pictures/forums/ALL",
        "/pictures/agreements/P1",
        "/pictures/partners",
        "/pictures/disclosure?nation=FRA&technology=NLP",
    ],
)
def test_pictures_are_self_contained(local: TestClient, url: str) -> None:
    html = get(local, url + ("&" if "?" in url else "?") + f"as_of={AS_OF}")
    assert "new vis.Network" in html and "<script src" not in html and "<link" not in html
    assert external_refs(html) == []


def test_pages_ask_for_a_key_and_the_login_cookie_works(keyed: TestClient) -> None:
    keyed.cookies.clear()
    first = keyed.get("/")
    assert first.status_code == 401 and 'name="key"' in first.text
    wrong = keyed.post("/login", data={"key": "nope", "next": "/"}, follow_redirects=False)
    assert wrong.status_code == 401
    ok = keyed.post("/login", data={"key": "view-key", "next": "/forums/ALL"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/forums/ALL"
    assert (
        "httponly" in ok.headers["set-cookie"].lower()
        and "samesite=strict" in ok.headers["set-cookie"].lower()
    )
    sid = keyed.cookies.get("stkg_session")
    assert sid and "view-key" not in ok.headers["set-cookie"]  # a random session id, never the key
    assert keyed.get("/forums/ALL").status_code == 200
    assert keyed.get("/disclose").status_code == 403
    page = keyed.get("/forums/ALL").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    assert keyed.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    out = keyed.post("/logout", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert out.status_code == 303
    keyed.cookies.set("stkg_session", sid)  # the old id is dead on the server, not only in this browser
    assert keyed.get("/forums/ALL").status_code == 401
    keyed.cookies.clear()


# ---------------------------------------------------------------- keys and binding
def test_keys_file_is_hashed_and_malformed_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    secret = add_key(path, "alice", "planner")
    assert secret not in path.read_text() and digest(secret) in path.read_text()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    ring = Keyring.load(Settings.from_env().with_(api_keys_file=str(path), api_keys=None))
    assert ring.identify(secret).role == "planner"
    path.write_text("alice:planner:abc\n")
    with pytest.raises(ConfigError, match=r"keys:1: the third field must be a SHA-256"):
        Keyring.load(Settings.from_env().with_(api_keys_file=str(path), api_keys=None))
    with pytest.raises(ConfigError, match="unknown role 'boss'"):
        Keyring.load(Settings.from_env().with_(api_keys_file=None, api_keys="x:boss:y", data_dir=tmp_path))


def test_no_keys_means_loopback_only(tmp_path: Path) -> None:
    assert loopback("127.0.0.1") and loopback("::1") and not loopback("0.0.0.0")
    open_settings = Settings.from_env().with_(
        data_dir=tmp_path, api_keys=None, api_keys_file=None, host="0.0.0.0", port=0
    )
    with pytest.raises(ConfigError, match="refusing to listen on 0.0.0.0 without API keys"):
        bind(open_settings)
    sock, note = bind(open_settings.with_(api_keys="a:admin:k"))
    sock.close()
    assert "API keys required" in note


def test_engagement_pages_and_heatmap(local: TestClient, loaded: Graph) -> None:
    from tests.test_engagement import FACTORS, NEEDS, STRENGTHS

    load(
        loaded,
        components=[{"id": "NAVY", "name": "Navy"}],
        technologies=[{"id": "HYP", "name": "Hypersonics"}],
    )
    load(loaded, needs=NEEDS, strengths=STRENGTHS, nation_factors=FACTORS)
    try:
        plan = get(local, f"/engagement?as_of={AS_OF}")
        assert 'src="/pictures/heatmap.svg?as_of=2025-01-01"' in plan and "shortfall" in plan
        assert '<a href="/engagement/nations/JPN">JPN</a>' in plan
        japan = get(local, f"/engagement/nations/Japan?as_of={AS_OF}")
        assert "Engagement plan: Japan" in japan and "HYP" in japan
        response = local.get(f"/pictures/heatmap.svg?component=ARMY&as_of={AS_OF}")
        assert response.headers["content-type"] == "image/svg+xml" and "GBR" in response.text
        assert local.get(f"/pictures/heatmap.png?as_of={AS_OF}").content[:4] == b"\x89PNG"
        assert local.get("/pictures/heatmap.gif").status_code == 404
        ranked = get(local, f"/api/v1/analyses/engagement-priorities?nation=JPN&as_of={AS_OF}")
        assert [r["rank"] for r in ranked] == [1, 2, 3]
    finally:
        world(loaded)


def test_an_unknown_entity_parameter_is_a_404_with_suggestions_in_api_and_pages(local: TestClient) -> None:
    error = get(local, "/api/v1/analyses/collaborations?component=ARMI", status=404)["error"]
    assert error["message"] == "unknown component 'ARMI'" and "ARMY" in error["suggestions"]
    error = get(local, "/api/v1/analyses/coverage-gaps?nation=QQQ", status=404)["error"]
    assert "no such nation in the graph" in error["message"]
    page = get(local, "/analyses/collaborations?component=ARMI", status=404)
    assert "unknown component" in page and "ARMY" in page


def test_the_pair_page_shows_what_two_nations_share(local: TestClient) -> None:
    nation = get(local, f"/nations/GBR?as_of={AS_OF}")
    assert f'href="/nations/GBR/with/USA?as_of={AS_OF}"' in nation
    pair = get(local, f"/nations/GBR/with/USA?as_of={AS_OF}")
    assert (
        "3 active agreements in common" in pair
        and '<a href="/agreements/P2" title="US-UK-FR ML PA">P2</a>' in pair
    )
    assert '<a href="/forums/ALL" title="Alliance">ALL</a>' in pair
    assert "No active agreement in common" in get(local, f"/nations/GBR/with/CAN?as_of={AS_OF}")
    assert "Atlantis" in get(local, "/nations/GBR/with/Atlantis", status=404)


def test_every_row_answer_pages_sorts_and_filters(local: TestClient) -> None:
    url = f"/api/v1/analyses/duplicates?as_of={AS_OF}"
    whole = local.get(url)
    assert whole.headers["x-total-count"] == "2" and len(whole.json()) == 2
    page = local.get(url + "&sort=-agreement_a&limit=1")
    assert page.headers["x-total-count"] == "2" and [r["agreement_a"] for r in page.json()] == ["P1"]
    assert [r["agreement_a"] for r in local.get(url + "&sort=agreement_a&offset=1").json()] == ["P1"]
    boxed = local.get(url + "&filter=cross_component:true&envelope=true").json()
    assert (boxed["total"], boxed["offset"], boxed["limit"]) == (1, 0, None)
    assert [r["agreement_a"] for r in boxed["items"]] == ["P1"]
    assert local.get(url + "&filter=components:NAVY").headers["x-total-count"] == "1"  # lists: holding it
    csv = local.get(url + "&format=csv&limit=1&sort=agreement_a")
    assert csv.headers["x-total-count"] == "2" and len(csv.text.splitlines()) == 2
    wrong = local.get(url + "&sort=-agreement")
    assert wrong.status_code == 422 and "agreement_a" in wrong.json()["error"]["message"]
    assert local.get(url + "&limit=-1").status_code == 422
    assert local.get(url + "&filter=nofield").status_code == 422


def test_while_a_bulk_load_runs_questions_get_503_loading_with_retry_after(
    local: TestClient, loaded: Graph
) -> None:
    from graph import loading

    loading.begin(loaded.settings.data_dir, "run-busy")
    try:
        answer = local.get("/api/v1/nations/GBR?as_of=1999-01-02")
        shown = local.get("/nations/GBR?as_of=1999-01-02", headers={"Accept": "text/html"})
        health = local.get("/healthz").json()
    finally:
        loading.end(loaded.settings.data_dir)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert (
        answer.json()["error"]["code"] == "loading"
        and "run-busy is loading" in answer.json()["error"]["message"]
    )
    assert (
        shown.status_code == 503
        and shown.headers["Retry-After"] == "5"
        and "run-busy is loading" in shown.text
    )
    assert local.get("/api/v1/nations/GBR?as_of=1999-01-02").status_code == 200
    assert health == {"status": "loading", "engine": "arcadedb-embedded", "uri": loaded.uri}  # busy, not down
    mark_dead(loaded.settings.data_dir, "run-dead")
    try:
        interrupted = local.get("/healthz")
    finally:
        loading.end(loaded.settings.data_dir)
    assert (
        interrupted.status_code == 503
        and "run-dead was interrupted" in interrupted.json()["error"]["message"]
    )


def test_an_upload_takes_the_bulk_path_from_a_server_worker_thread(
    keyed: TestClient, loaded: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import pipeline

    threads: list[str] = []
    real_load = pipeline.load

    def spy(*args: Any) -> None:
        threads.append(threading.current_thread().name)
        real_load(*args)

    monkeypatch.setattr(pipeline, "load", spy)
    kept = loaded.settings
    loaded.settings = kept.with_(bulk_rows=1)
    try:
        done = upload(
            keyed,
            "bulk.zip",
            zipped({"technologies.csv": "id,name,broader\nBK1,Bulk one,AI\nBK2,Bulk two,BK1\n"}),
        )
    finally:
        loaded.settings = kept
    assert done.status_code == 200 and done.json()["changes"]["technologies"]["created"] == 2
    assert threads and threads[0] != threading.main_thread().name  # the JVM call ran in a worker thread
    found = get(keyed, "/api/v1/technologies/BK2", "viewer")
    assert [a["id"] for a in found["ancestors"]] == ["BK1", "AI"]
    loaded.write("MATCH (t:Technology) WHERE t.id IN ['BK1', 'BK2'] DETACH DELETE t")
