"""Browsing pages over the real embedded engine: lists, search, forms that keep their input, sign-in."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from graph.connection import Graph
from graph.settings import Settings
from queries import browse
from tests.test_api import AS_OF, BASE, KEYS, get, world


@pytest.fixture(scope="module")
def loaded(engine_graph: Graph) -> Graph:
    world(engine_graph)
    return engine_graph


def _client(graph: Graph, tmp: Path, keys: str | None) -> TestClient:
    """A test client over the app on this graph, with or without API keys."""
    settings = Settings.from_env().with_(data_dir=tmp, api_keys=keys, api_keys_file=None, audit_log=None)
    return TestClient(create_app(settings, graph), base_url=BASE)


@pytest.fixture(scope="module")
def local(loaded: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _client(loaded, tmp_path_factory.mktemp("web"), None) as client:
        yield client


@pytest.fixture(scope="module")
def keyed(loaded: Graph, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with _client(loaded, tmp_path_factory.mktemp("web-keyed"), KEYS) as client:
        yield client


def keys_in(html: str, kind: str) -> list[str]:
    """The keys of a list page's rows, in order."""
    table = html.split('id="list-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(rf'<td class="nowrap"><a href="/{kind}/([^"]+)">', table)


# ---------------------------------------------------------------- lists
def test_the_agreements_list_filters_sorts_and_pages(local: TestClient) -> None:
    every = get(local, f"/agreements?as_of={AS_OF}")
    assert keys_in(every, "agreements") == ["F1", "OLD", "P1", "P2"]
    active = get(local, f"/agreements?as_of={AS_OF}&active=true")
    assert keys_in(active, "agreements") == ["F1", "P1", "P2"]  # OLD ended in 2010: not listed
    assert keys_in(get(local, "/agreements?as_of=2026-01-01&active=true"), "agreements") == ["F1", "P1"]
    assert keys_in(get(local, "/agreements?type=FRAMEWORK"), "agreements") == ["F1"]
    assert keys_in(get(local, "/agreements?component=navy"), "agreements") == ["P1"]
    by_start = get(local, "/agreements?sort=-start")
    assert keys_in(by_start, "agreements") == ["P2", "P1", "F1", "OLD"]
    assert 'aria-sort="descending"' in by_start
    first = get(local, "/agreements?limit=2")
    assert keys_in(first, "agreements") == ["F1", "OLD"] and "Rows 1–2 of 4." in first
    assert 'href="?limit=2&amp;offset=2" rel="next"' in first
    second = get(local, "/agreements?limit=2&offset=2")
    assert keys_in(second, "agreements") == ["P1", "P2"] and 'rel="next"' not in second
    assert "No agreements match these filters" in get(local, "/agreements?type=LOI")


def test_every_list_page_counts_its_rows(local: TestClient) -> None:
    nations = get(local, f"/nations?as_of={AS_OF}&sort=-agreements")
    assert keys_in(nations, "nations")[:2] == ["GBR", "USA"]  # 3 active agreements each, then by code
    assert keys_in(get(local, f"/nations?as_of={AS_OF}&q=kingdom"), "nations") == ["GBR"]
    assert keys_in(get(local, "/forums"), "forums") == ["ALL"]
    assert keys_in(get(local, "/technologies?sort=-priority&limit=2"), "technologies") == ["AI", "ML"]
    restrictions = get(local, "/restrictions?effect=deny")
    assert keys_in(restrictions, "restrictions") == ["DENY-CHN"]
    assert keys_in(get(local, "/exemptions"), "exemptions") == ["EX-GBR"]


def test_list_counts_follow_the_date(loaded: Graph) -> None:
    forum = browse.rows(loaded, "forums", browse_day("2015-01-01"))[0]
    assert forum["members"] == 4  # CAN still a member
    assert browse.rows(loaded, "forums", browse_day(AS_OF))[0]["members"] == 3
    techs = {t["id"]: t["agreements"] for t in browse.rows(loaded, "technologies", browse_day(AS_OF))}
    assert techs == {"AI": 1, "ML": 1, "NLP": 1, "QC": 0, "ARMS": 0}  # by name only: AI's children not added


def browse_day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_a_bad_list_parameter_is_a_422_naming_it(local: TestClient) -> None:
    page = get(local, "/agreements?sort=colour", status=422)
    assert "sort: &#39;colour&#39; is not a field" in page and "title" in page
    assert "limit must be a whole number" in get(local, "/agreements?limit=many", status=422)


def test_lists_of_restrictions_need_disclose(keyed: TestClient) -> None:
    viewer = {"X-API-Key": "view-key"}
    assert keyed.get("/restrictions", headers=viewer).status_code == 403
    assert keyed.get("/agreements", headers=viewer).status_code == 200


def test_a_held_page_is_never_shown_to_another_viewer(keyed: TestClient) -> None:
    """List and search pages are rendered once and reused: the nav and hits differ by role."""
    for url in ("/nations", "/search?q=22 CFR"):
        assert 'href="/restrictions"' in get(keyed, url, "admin")
        viewer = get(keyed, url, "viewer")
        assert 'href="/restrictions"' not in viewer and "(viewer)" in viewer
        assert "(security_reviewer)" in get(keyed, url, "security_reviewer")
    assert "/restrictions/" not in get(keyed, "/search?q=22 CFR", "viewer")


# ---------------------------------------------------------------- search
def test_search_ranks_exact_id_then_name_then_words(loaded: Graph) -> None:
    assert [h.key for h in browse.find(loaded, "agreements", "p1")] == ["P1"]
    ml = browse.find(loaded, "technologies", "machine learning")
    assert [(h.key, h.rank) for h in ml] == [("ML", 1)]
    assert [(h.key, h.field) for h in browse.find(loaded, "agreements", "quantum")] == [("OLD", "title")]
    # "language" is P1's title and NLP's name: P1 via its title, and the agreements covering NLP by name
    assert [(h.key, h.field) for h in browse.find(loaded, "agreements", "language")] == [("P1", "title")]
    assert [h.key for h in browse.find(loaded, "restrictions", "itar")] == ["DENY-CHN"]
    assert [h.key for h in browse.find(loaded, "restrictions", "126.1")] == ["DENY-CHN"]
    # the whole text in a title ranks before the whole text in another field, then words anywhere
    ranked = [(h.key, h.rank) for h in browse.find(loaded, "agreements", "us-uk")]
    assert ranked == [("F1", 2), ("P1", 2), ("P2", 2)]
    assert [(h.key, h.rank) for h in browse.find(loaded, "restrictions", "itar")] == [("DENY-CHN", 3)]
    assert [(h.key, h.rank) for h in browse.find(loaded, "agreements", "framework army")] == []
    assert [(h.key, h.rank) for h in browse.find(loaded, "agreements", "framework us-uk")] == [("F1", 4)]
    assert browse.find(loaded, "agreements", "US-UK nothing") == []  # every word must match


def test_search_ignores_case_and_accents(loaded: Graph) -> None:
    assert browse.fold("Türkiye") == browse.fold("TURKIYE") == "turkiye"
    assert browse.spans("Türkiye (Turkey)", "turk") == [(0, 4), (9, 13)]
    assert [h.key for h in browse.find(loaded, "nations", "Royaume Uni")] == []
    assert [h.key for h in browse.find(loaded, "technologies", "Défense")] == ["ARMS"]


def test_the_search_page_groups_and_highlights(local: TestClient) -> None:
    found = get(local, "/search?q=quantum")
    assert '<section class="results" id="results-agreements">' in found
    assert "Expired <mark>quantum</mark>" in found.replace("Quantum", "quantum")
    assert 'id="results-technologies"' in found and 'id="results-nations"' not in found
    assert "<mark>ITAR</mark>_126_1" in get(local, "/search?q=itar")
    assert "Nothing matches" in get(local, "/search?q=zzzz")
    escaped = get(local, "/search?q=%3Cscript%3E")
    assert "<script>" not in escaped.split("<main>", 1)[1]


def test_the_search_api_returns_groups(local: TestClient, keyed: TestClient) -> None:
    answer = get(local, "/api/v1/search?q=us-uk")
    assert answer["q"] == "us-uk"
    items = answer["groups"]["agreements"]["items"]
    assert [i["key"] for i in items] == ["F1", "P1", "P2"]
    assert items[0] == {
        "kind": "agreements",
        "key": "F1",
        "label": "US-UK framework",
        "match": "phrase",
        "field": "title",
        "text": "US-UK framework",
    }
    viewer = keyed.get("/api/v1/search?q=22 CFR", headers={"X-API-Key": "view-key"}).json()
    assert "restrictions" not in viewer["groups"]  # a viewer does not see restrictions, even by search
    reviewer = keyed.get("/api/v1/search?q=22 CFR", headers={"X-API-Key": "sec-key"}).json()
    assert reviewer["groups"]["restrictions"]["total"] == 2
    assert get(local, "/api/v1/search?q=", status=422)["error"]["code"] == "invalid_parameter"


# ---------------------------------------------------------------- forms
def test_a_bad_form_value_stays_in_the_form_with_the_error_beside_it(local: TestClient) -> None:
    page = get(local, "/disclose?nation=Atlantis&technology=ML", status=404)
    assert (
        'name="nation" id="disclose-nation" data-picker="nations" value="Atlantis"' in page
        and 'aria-invalid="true" aria-describedby="error-nation"' in page
    )
    assert 'id="error-nation"' in page and 'id="disclose-form"' in page
    page = get(local, "/predraft?parties=USA,GBR&technologies=MLL", status=404)
    assert 'value="MLL"' in page and 'id="error-technologies"' in page and "<b>ML</b>" in page
    page = get(local, "/analyses/coverage-gaps?as_of=2025-13-01", status=422)
    assert 'value="2025-13-01"' in page and 'id="error-as_of"' in page


def test_every_listed_analysis_has_a_page(local: TestClient) -> None:
    listed = re.findall(r'<dt><a href="([^"]+)">', get(local, "/analyses"))
    assert "/predraft" in listed and "/disclose" in listed and "/whatif" in listed
    for href in listed:
        assert local.get(href).status_code == 200, href
    moved = local.get("/analyses/predraft-check?parties=USA", follow_redirects=False)
    assert moved.status_code == 307 and moved.headers["location"] == "/predraft?parties=USA"
    missing = get(local, "/analyses/duplicatez", status=404)
    assert "duplicates" in missing


def test_the_predraft_result_puts_the_most_blocking_verdict_first(local: TestClient) -> None:
    page = get(local, "/predraft?parties=GBR,CHN,FRA&technologies=ARMS")
    summary = page.split('id="predraft-summary"', 1)[1].split("</p>", 1)[0]
    assert summary.index("CHN") < summary.index("FRA")
    table = page.split("<h2>Disclosure</h2>", 1)[1].split("</table>", 1)[0]
    nations = re.findall(r'href="/nations/([A-Z]{3})"', table)
    assert nations == ["CHN", "FRA", "GBR"]  # denied, licence required, permitted by exemption


def test_sign_in_returns_to_the_page_asked_for_with_its_query(keyed: TestClient) -> None:
    keyed.cookies.clear()
    asked = keyed.get("/agreements?type=PA&sort=-start")
    assert asked.status_code == 401
    assert 'name="next" value="/agreements?type=PA&amp;sort=-start"' in asked.text
    done = keyed.post(
        "/login", data={"key": "view-key", "next": "/agreements?type=PA&sort=-start"}, follow_redirects=False
    )
    assert done.headers["location"] == "/agreements?type=PA&sort=-start"
    keyed.cookies.clear()


def test_the_favicon_is_served(local: TestClient) -> None:
    icon = local.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/static/favicon.svg"' in get(local, "/")


def test_entity_tables_leave_missing_values_empty_and_do_not_repeat_names(local: TestClient) -> None:
    html = get(local, "/nations/GBR")
    assert "None" not in html  # GBR's membership of ALL has no end date: an empty cell
    memberships = html.split("<h2>Memberships</h2>", 1)[1].split("</table>", 1)[0]
    assert '<a href="/forums/ALL" title="Alliance">ALL</a>' in memberships  # the name has its own column
    assert 'class="local"' in memberships  # sorted and filtered in the browser (table.js)
    technology = get(local, "/agreements/P1").split("<h2>Technologies</h2>", 1)[1].split("</table>", 1)[0]
    assert "NLP" in technology


def test_analysis_tables_sort_and_page_on_the_server(local: TestClient) -> None:
    ranked = get(local, f"/analyses/partner-centrality?as_of={AS_OF}&sort=nation")
    nations = re.findall(r'<td><a href="/nations/([A-Z]{3})"', ranked.split("<tbody>", 1)[1])
    assert nations == sorted(nations) and len(nations) == 3
    assert f'href="?as_of={AS_OF}&amp;sort=-nation"' in ranked  # clicking again reverses
    first = get(local, f"/analyses/partner-centrality?as_of={AS_OF}&sort=-nation&limit=2")
    assert "3 row(s); rows 1–2 shown" in first and 'rel="next"' in first
    assert re.findall(r'<td><a href="/nations/([A-Z]{3})"', first.split("<tbody>", 1)[1]) == ["USA", "GBR"]
    bad = get(local, "/analyses/partner-centrality?sort=colour", status=422)
    assert "colour" in bad and 'id="form-error"' in bad


def test_analysis_rows_filter_from_a_form_and_keep_every_filter(local: TestClient) -> None:
    url = f"/analyses/partner-centrality?as_of={AS_OF}"
    sent = local.get(url + "&where=nation&equals=GBR&offset=2", follow_redirects=False)
    assert sent.status_code == 303  # the form's field and value become the API's filter=field:value
    assert sent.headers["location"] == f"/analyses/partner-centrality?as_of={AS_OF}&filter=nation%3AGBR"
    one = get(local, sent.headers["location"])
    assert re.findall(r'<td><a href="/nations/([A-Z]{3})"', one.split("<tbody>", 1)[1]) == ["GBR"]
    assert f'nation = GBR <a href="?as_of={AS_OF}"' in one  # its chip removes it
    both = get(local, url + "&filter=nation:GBR&filter=nation:USA&sort=nation")
    assert "0 row(s)" in both or "Nothing found" in both  # filters combine: no nation is both
    assert f'href="?as_of={AS_OF}&amp;filter=nation%3AUSA&amp;sort=nation"' in both  # drop one, keep the rest
    assert 'id="row-filter"' in both and "<option>partners</option>" in both


def test_show_all_keeps_the_date_asked(local: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import picture

    monkeypatch.setattr(picture, "PARTNER_LIMIT", 1)
    html = get(local, f"/pictures/partners?as_of={AS_OF}")
    assert f'href="?all=1&amp;as_of={AS_OF}" id="show-more"' in html
    everyone = get(local, f"/pictures/partners?all=1&as_of={AS_OF}")
    assert 'id="show-more"' not in everyone


# ---------------------------------------------------------------- pictures
def _levels(drawing: tuple[Any, ...]) -> dict[str, int | None]:
    nodes, *_ = drawing[0].get_network_data()
    return {n["id"]: n.get("level") for n in nodes}


def test_trees_carry_levels_and_networks_do_not(loaded: Graph) -> None:
    from api import picture

    tech = picture.technology_drawing(loaded, "ML", None)
    assert _levels(tech) == {"t:AI": 0, "t:ML": 1, "t:NLP": 2}  # broader above, narrower below
    _, edges, *_ = tech[0].get_network_data()
    assert sorted((e["from"], e["to"], e["relation"]) for e in edges) == [
        ("t:ML", "t:AI", "narrower than"),
        ("t:NLP", "t:ML", "narrower than"),
    ]
    pa = picture.agreement_drawing(loaded, "P1", None)
    assert _levels(pa) == {"a:P1": 1, "a:F1": 0, "c:NAVY": 0, "n:USA": 2, "n:GBR": 2, "t:NLP": 3}
    assert set(_levels(picture.nation_partners_drawing(loaded, "GBR", None)).values()) == {None}


def test_the_line_legend_names_only_what_is_drawn(loaded: Graph) -> None:
    from api import picture

    _, edges, *_ = picture.agreement_drawing(loaded, "P1", None)[0].get_network_data()
    legend = picture.edge_legend(edges)
    assert [e["name"] for e in legend] == ["party to", "under the framework", "covers", "leads"]
    assert not any(e["width"] for e in legend)
    _, edges, *_ = picture.nation_partners_drawing(loaded, "GBR", None)[0].get_network_data()
    assert picture.edge_legend(edges) == [
        {
            "name": "shares active agreements with",
            "colour": "#6b7a8a",
            "dashed": False,
            "width": picture.WIDTH,
        }
    ]


def test_a_technology_has_a_taxonomy_picture_that_expands(local: TestClient) -> None:
    assert 'src="/pictures/technologies/ML"' in get(local, "/technologies/ML")
    html = get(local, "/pictures/technologies/ML")
    assert '"hierarchical": {"direction": "UD", "enabled": true' in html.replace("\n", "")
    assert 'id="edge-legend"' in html and "narrower than" in html
    more = get(local, "/pictures/neighbours/technologies/NLP")
    assert {n["id"] for n in more["nodes"]} == {"t:NLP", "t:ML", "t:AI"}
