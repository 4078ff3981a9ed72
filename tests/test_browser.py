"""Drive Debian's chromium through Playwright against `stkg serve` on the sample data, offline."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT, stkg_env

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_problem() -> str | None:
    """Why the browser tests cannot run here (STKG_REQUIRE_BROWSER=1 turns that into a failure)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not Path(CHROMIUM).exists():
        return "Debian's chromium is not installed (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`stkg serve --port 0` on a fresh data directory; it loads the reference data and the sample."""
    yield from _serve(tmp_path_factory.mktemp("served"), {})


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same with API keys: pages need a sign-in, and writes a session's CSRF token."""
    keys = "adm:admin:admin-key-for-tests,view:viewer:viewer-key-for-tests"
    yield from _serve(tmp_path_factory.mktemp("keyed"), {"STKG_API_KEYS": keys})


def _serve(data: Path, env: dict[str, str]) -> Iterator[str]:
    """Start `stkg serve --port 0`, yield its URL, stop it with SIGTERM."""
    problem = _browser_problem()
    if problem:
        if os.environ.get("STKG_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", "0"],
        cwd=ROOT,
        env=stkg_env(data, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = None
    for line in proc.stdout:
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail(f"stkg serve did not start (exit {proc.wait()})")
    yield url
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) in (0, 143), "stkg serve did not stop cleanly on SIGTERM"


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page whose every request to another host is blocked and recorded."""
    context = browser.new_context(base_url=server)
    outside: list[str] = []

    def guard(route: Any) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()
    assert outside == [], f"requests left localhost: {outside}"


def picture_frame(page: Any) -> Any:
    """The frame of the page's picture."""
    return page.locator("iframe.picture").element_handle().content_frame()


def drawn_pixels(frame: Any) -> int:
    """How many pixels of the picture's canvas are not blank."""
    frame.wait_for_selector("body[data-drawn-nodes]")
    return int(
        frame.evaluate(
            """() => { const c = document.querySelector('canvas');
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                 let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
        )
    )


def test_home_search_nation_page_and_its_picture(page: Any) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text() == "Defense S&T cooperation"
    assert page.locator("section.finding h2").count() == 3
    shot(page, "home")
    page.fill("input[name=q]", "Australia")
    page.click("nav button[type=submit]")
    page.click("a[href='/nations/AUS']")
    assert page.locator("h1").inner_text().startswith("Australia")
    frame = picture_frame(page)
    assert drawn_pixels(frame) > 500
    assert int(frame.locator("body").get_attribute("data-drawn-nodes")) > 1
    frame.wait_for_function("() => document.body.dataset.settled === 'true'", timeout=60_000)
    shot(page, "nation-aus")


def test_disclosure_trace_form_shows_the_verdict(page: Any) -> None:
    page.goto("/disclose")
    page.fill("#disclose-form input[name=nation]", "China")
    page.fill("#disclose-form input[name=technology]", "MP-AI")
    page.click("#disclose-form button[type=submit]")
    assert page.locator("#verdict").inner_text() == "denied"
    assert "22 CFR 126.1" in page.locator("#reasons").inner_text()
    assert drawn_pixels(picture_frame(page)) > 100


def test_predraft_form(page: Any) -> None:
    page.goto("/predraft")
    page.fill("#predraft-form input[name=parties]", "USA, United Kingdom")
    page.fill("#predraft-form input[name=technologies]", "MP-AI")
    page.click("#predraft-form button[type=submit]")
    result = page.locator("#predraft-result")
    assert "Overlapping agreements" in result.inner_text()
    assert result.locator("a[href='/agreements/SMP-FW-GBR']").count() >= 1


def test_analysis_page_partner_network_and_docs_stay_local(page: Any) -> None:
    page.goto("/analyses/coverage-gaps")
    assert page.locator("table tbody tr").count() >= 1
    page.goto("/pictures/partners")
    assert drawn_pixels(page.main_frame) > 500
    page.goto("/docs")
    page.wait_for_selector(".opblock", timeout=30_000)


def test_engagement_page_shows_the_heatmap(page: Any) -> None:
    page.goto("/engagement?component=ARMY")
    page.wait_for_function("document.querySelector('img.heatmap').complete")
    assert page.evaluate("document.querySelector('img.heatmap').naturalWidth") > 300
    page.click("table a[href^='/engagement/nations/']")
    assert page.locator("h1").inner_text().startswith("Engagement plan: ")


#: Where the browser tests leave their screenshots (1400x1000), for a person to look at.
SHOTS = ROOT / "tests" / "screenshots"


def shot(page: Any, name: str) -> None:
    """A screenshot of the whole page, at the README tour's size."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    if page.evaluate("() => document.body.dataset.settled === 'true'"):  # a picture refits to the new size
        page.wait_for_function("() => document.body.dataset.fittedWidth === '1400'", timeout=10_000)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_disclosure_page_puts_exceptions_under_the_verdict_and_links_the_pdf(page: Any) -> None:
    page.goto("/disclose?nation=Australia&technology=USML-IV")
    assert page.locator("#verdict").inner_text().startswith("permitted except")
    assert "USML-EXCL-S1-23" in page.locator("#exceptions").inner_text()
    assert "compiled on 2025-11-07" in page.locator("#warnings").inner_text()
    shot(page, "disclose-aus-usml-iv")
    with page.expect_download() as download:
        page.click("#pdf")
    assert download.value.suggested_filename.endswith(".pdf")
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible() and not page.locator("#disclose-form").is_visible()


def test_whatif_page_groups_changes_by_nation(page: Any) -> None:
    page.goto("/whatif")
    page.fill("#whatif-form input[name=extend]", "ITAR-126.7")
    page.fill("#whatif-form input[name=to]", "CAN, NZL")
    page.fill("#whatif-form input[name=technologies]", "USML-IV; USML-EXCL-S1-16")
    page.click("#whatif-form button[type=submit]")
    assert page.locator("#whatif-count").inner_text().startswith("3 verdicts would change, for 2 nations")
    assert [h.inner_text() for h in page.locator("#whatif-result h2").all()] == ["CAN (1)", "NZL (2)"]
    shot(page, "whatif-aukus-can-nzl")
    page.fill("#whatif-form input[name=extend]", "ITAR-126.77")
    page.click("#whatif-form button[type=submit]")
    assert "ITAR-126.7" in page.content()  # the error suggests the exemption meant


ATTACK = """<!doctype html><title>attack</title><script>
const rows = {exemptions: [{id: "PLANTED", citation: "x", nations: "CHN", overrides: "ITAR-126.1-CHN"}]};
const form = new FormData();
form.append("file", new Blob([JSON.stringify(rows)], {type: "application/json"}), "x.json");
fetch("TARGET/api/v1/ingest", {method: "POST", body: form, mode: "no-cors", credentials: "include"})
  .then(() => { document.title = "sent"; }, (e) => { document.title = "failed " + e; });
</script>"""


@pytest.fixture
def attacker(server: str) -> Iterator[str]:
    """A page on another port of this host that POSTs an exemption to stkg (the audit's attack)."""
    import http.server
    import threading

    body = ATTACK.replace("TARGET", server).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


def test_a_page_on_another_port_cannot_write_to_the_graph(page: Any, server: str, attacker: str) -> None:
    import httpx

    seen: list[Any] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith("/api/v1/ingest") else None)
    page.goto(attacker)
    page.wait_for_function("document.title !== 'attack'")
    assert seen, "the attack page's POST never left the browser"  # it was sent; the server must refuse it
    assert httpx.get(f"{server}/api/v1/exemptions/PLANTED").status_code == 404
    trace = httpx.get(
        f"{server}/api/v1/analyses/disclosure-trace", params={"nation": "CHN", "technology": "MP-AI"}
    )
    assert trace.json()["verdict"] == "denied"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/nations/AUS",
        "/disclose?nation=CHN&technology=MP-AI",
        "/pictures/partners",
        "/docs",
        "/engagement?component=ARMY",
        "/whatif?extend=ITAR-126.7&to=CAN",
        "/review?from=2024-01-01",
        "/runs",
        "/watches",
        "/agreements?sort=-start",
        "/search?q=quantum",
        "/predraft?parties=USA,CHN&technologies=MP-AI",
    ],
)
def test_pages_work_under_the_content_security_policy(page: Any, url: str) -> None:
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator("iframe.picture").count():
        assert drawn_pixels(picture_frame(page)) > 100
    assert refused == []


def filled_template(path: Path, technology: str) -> Path:
    """`stkg template`'s workbook with one new technology filled in."""
    import openpyxl

    from ingest.template import write_template

    write_template(path)
    book = openpyxl.load_workbook(path)
    book["technologies"].append([technology, f"Uploaded {technology}", "UPLOAD-TEST"])
    book.save(path)
    return path


def home_count(page: Any, label: str) -> int:
    page.goto("/")
    item = page.locator("ul.counts li", has_text=label).first
    return int(item.locator("b").inner_text())


def test_upload_page_previews_then_writes(page: Any, tmp_path: Path) -> None:
    before = home_count(page, "technologies")
    page.goto("/upload")
    page.set_input_files(
        "#upload-form input[name=file]", str(filled_template(tmp_path / "book.xlsx", "UP-T1"))
    )
    page.click("#upload-form button[type=submit]")
    row = page.locator("#upload-preview tr[data-table=technologies] td")
    assert [row.nth(i).inner_text() for i in range(3)] == ["technologies", "1", "0"]
    shot(page, "upload-preview")
    assert home_count(page, "technologies") == before  # the preview wrote nothing
    page.go_back()
    page.click("#confirm-form button[type=submit]")
    assert page.locator("#upload-done h2").inner_text().startswith("Written: 1 row changed")
    assert home_count(page, "technologies") == before + 1


def test_upload_confirm_refuses_when_the_graph_changed_since_the_preview(
    page: Any, server: str, tmp_path: Path
) -> None:
    import httpx

    page.goto("/upload")
    page.set_input_files(
        "#upload-form input[name=file]", str(filled_template(tmp_path / "book.xlsx", "UP-T2"))
    )
    page.click("#upload-form button[type=submit]")
    assert page.locator("#upload-preview tr[data-table=technologies] td").nth(1).inner_text() == "1"
    meanwhile = {"components": [{"id": "UP-MEANWHILE", "name": "Written between preview and confirm"}]}
    import json

    files = {"file": ("meanwhile.json", json.dumps(meanwhile).encode(), "application/json")}
    assert httpx.post(f"{server}/api/v1/ingest", files=files).status_code == 200
    page.click("#confirm-form button[type=submit]")
    assert "the graph changed since the preview" in page.locator("#upload-problems").inner_text()
    assert httpx.get(f"{server}/api/v1/technologies/UP-T2").status_code == 404


def test_signed_in_admin_uploads_through_the_session_and_signs_out(
    browser: Any, keyed_server: str, tmp_path: Path
) -> None:
    """Real browser, real cookie session: sign-in, a CSRF-protected multipart form, sign-out."""
    context = browser.new_context(base_url=keyed_server)
    page = context.new_page()
    page.goto("/upload")
    page.fill("input[name=key]", "admin-key-for-tests")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/upload")
    assert "stkg_session" in {c["name"] for c in context.cookies()}
    assert all("admin-key" not in c["value"] for c in context.cookies())
    page.set_input_files("#upload-form input[name=file]", str(filled_template(tmp_path / "b.xlsx", "UP-K1")))
    page.click("#upload-form button[type=submit]")
    page.click("#confirm-form button[type=submit]")
    assert page.locator("#upload-done h2").inner_text().startswith("Written: 1 row changed")
    page.click("nav form.who button")
    page.wait_for_url("**/login")
    page.goto("/upload")
    assert page.locator("input[name=key]").count() == 1  # signed out on the server
    context.close()


def _ingest(server: str, tables: dict[str, Any]) -> None:
    """Write through the API, as another user or a script would."""
    import json

    import httpx

    files = {"file": ("change.json", json.dumps(tables).encode(), "application/json")}
    assert httpx.post(f"{server}/api/v1/ingest", files=files, timeout=120).status_code == 200


def test_watch_this_then_an_ingest_shows_on_what_changed(page: Any, server: str) -> None:
    _ingest(server, {"technologies": [{"id": "UP-W1", "name": "Watched technology"}]})
    page.goto("/technologies/UP-W1")
    page.click("form.watch button.watch-this")
    assert "/watches?added=" in page.url
    assert "Added" in page.locator("section.watch-item", has_text="technology UP-W1").inner_text()
    _ingest(server, {"technologies": [{"id": "UP-W1", "name": "Renamed technology"}]})
    page.goto("/")
    assert "1 of your 1 watch changed" in page.locator("#watched").inner_text()
    page.goto("/watches")
    item = page.locator("section.watch-item", has_text="technology UP-W1")
    assert "name: Watched technology -> Renamed technology" in item.inner_text()
    shot(page, "watches")
    page.goto("/technologies/UP-W1")  # its history: added, then renamed, each linked to its run
    rows = page.locator("section.history tbody tr")
    assert [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())] == [
        "added",
        "updated",
    ]
    page.goto("/watches")  # looked at: nothing new since
    assert "No change since you last looked" in page.locator("section.watch-item").first.inner_text()


def test_review_page_defaults_to_the_last_year_and_keeps_a_bad_window(page: Any) -> None:
    page.goto("/review")
    assert page.locator("#to").input_value() == dt.date.today().isoformat()
    page.fill("#from", "2020-01-01")
    page.click("#review-form button[type=submit]")
    assert page.locator("#portfolio-changes").inner_text().startswith("Portfolio changes:")
    shot(page, "review")
    page.goto("/review?from=2030-01-01&to=2020-01-01")
    assert "after" in page.locator("#review-error").inner_text()
    assert page.locator("#from").input_value() == "2030-01-01"  # the input stays


def _sample_quantum_agreements() -> set[str]:
    """The sample's agreements that cover a technology named "quantum", read from its CSV files."""
    sample = ROOT / "ingest" / "sample"
    with (sample / "technologies.csv").open(encoding="utf-8") as f:
        quantum = {r["id"] for r in csv.DictReader(f) if "quantum" in r["name"].lower()}
    with (sample / "agreements.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {
        r["id"]
        for r in rows
        if "quantum" in r["title"].lower() or quantum & {t.strip() for t in r["technologies"].split(";")}
    }


def test_search_finds_quantum_agreements_and_itar_restrictions(page: Any) -> None:
    page.goto("/")
    page.fill("nav input[name=q]", "quantum")
    page.click("nav button[type=submit]")
    heading = page.locator("#results-agreements h2").inner_text()
    expected = _sample_quantum_agreements()
    assert heading == f"Agreements ({len(expected)})" and len(expected) >= 30
    assert page.locator("#results-agreements mark").count() >= 10
    shot(page, "search-quantum")
    page.click("#results-agreements .more a")
    keys = page.eval_on_selector_all(
        "#list-table tbody tr td:first-child a", "as => as.map(a => a.textContent)"
    )
    assert len(keys) == min(50, len(expected)) and set(keys) <= expected
    page.goto("/search?q=ITAR")
    restrictions = page.locator("#results-restrictions li").all_inner_texts()
    assert restrictions and all("ITAR" in r for r in restrictions)


def test_list_pages_sort_and_filter(page: Any) -> None:
    page.goto("/agreements")
    page.select_option("#f-type", "PA")
    page.select_option("#f-active", "true")
    page.click("#list-filters button[type=submit]")
    types = page.eval_on_selector_all(
        "#list-table tbody tr td:nth-child(3)", "ts => ts.map(t => t.textContent)"
    )
    assert types and set(types) == {"PA"}
    page.click("#list-table th >> text=start")
    page.click("#list-table th >> text=start")  # again: newest first
    starts = page.eval_on_selector_all(
        "#list-table tbody tr td:nth-child(5)", "ts => ts.map(t => t.textContent)"
    )
    assert starts == sorted(starts, reverse=True) and "sort=-start" in page.url and "type=PA" in page.url
    shot(page, "agreements-list")
    for kind in ("nations", "forums", "technologies", "restrictions", "exemptions"):
        page.goto(f"/{kind}")
        assert page.locator("#list-table tbody tr").count() >= 1, kind
        shot(page, f"{kind}-list")
    page.goto("/nations?sort=-agreements")
    counts = page.eval_on_selector_all(
        "#list-table tbody tr td:nth-child(5)", "ts => ts.map(t => +t.textContent)"
    )
    assert counts and counts == sorted(counts, reverse=True)


#: axe-core from npm (scripts/bootstrap.sh installs it), injected into each page: no CDN, no download.
AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
#: Every kind of page a user reaches, each with an answer on it where it has a form.
ACCESSIBLE = [
    "/",
    "/agreements",
    "/nations",
    "/forums",
    "/technologies",
    "/restrictions",
    "/exemptions",
    "/search?q=quantum",
    "/nations/AUS",
    "/nations/GBR",
    "/forums/NATO",
    "/agreements/SMP-FW-GBR",
    "/technologies/MP-AI",
    "/nations/GBR/with/USA",
    "/analyses",
    "/analyses/duplicate-clusters",
    "/analyses/expiring",
    "/analyses/partner-centrality?filter=nation:GBR",
    "/pictures/technologies/USML-EXCL-S1-02",
    "/pictures/agreements/SMP-001",
    "/pictures/partners",
    "/predraft?parties=USA,CHN&technologies=MP-AI",
    "/disclose?nation=AUS&technology=USML-IV",
    "/whatif?extend=ITAR-126.7&to=CAN",
    "/engagement?component=ARMY",
    "/review",
    "/runs",
    "/watches",
    "/upload",
    "/disclose?nation=Atlantis&technology=MP-AI",
]


@pytest.fixture(scope="module")
def axe_page(browser: Any, server: str) -> Iterator[Any]:
    """A page that may inject axe-core despite the CSP (the check's own script, not the site's)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/bootstrap.sh dev (npm ci in tools/axe)")
    context = browser.new_context(base_url=server, bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def serious_violations(pg: Any) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, with up to 3 places each."""
    pg.add_script_tag(path=str(AXE))
    return pg.evaluate(  # type: ignore[no-any-return]
        """async () => (await axe.run(document, {iframes: false, resultTypes: ['violations']}))
             .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`)"""
    )


@pytest.mark.parametrize("url", ACCESSIBLE)
def test_axe_finds_no_serious_or_critical_violation(axe_page: Any, url: str) -> None:
    axe_page.goto(url)
    found = serious_violations(axe_page)
    assert found == [], f"{url}: {found}"


def _slug(url: str) -> str:
    """A file name for a page's screenshot."""
    return "page-" + (re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "home")


@pytest.mark.parametrize("url", ACCESSIBLE)
def test_every_page_is_photographed_for_the_tour(page: Any, url: str) -> None:
    """Each page at 1400x1000 in tests/screenshots/ (the README's tour links them), after its pictures settle."""
    response = page.goto(url)
    assert response is not None and response.status in (200, 404)  # the Atlantis form error is a 404
    if page.locator("iframe.picture").count():
        frame = picture_frame(page)
        frame.wait_for_function("() => document.body.dataset.settled === 'true'", timeout=60_000)
    shot(page, _slug(url))
    assert (SHOTS / f"{_slug(url)}.png").stat().st_size > 10_000


#: An A4 page's printable width at 96 px per inch (210 mm less 15 mm margins each side).
PRINT_WIDTH = 680


@pytest.mark.parametrize("url", ACCESSIBLE)
def test_every_page_prints_the_answer_only_within_the_page_width(axe_page: Any, url: str) -> None:
    """Print media: no navigation, forms or pagers; nothing wider than the paper; a PDF that has a page."""
    axe_page.set_viewport_size({"width": PRINT_WIDTH, "height": 1000})
    axe_page.goto(url)
    axe_page.emulate_media(media="print")
    try:
        shown = axe_page.evaluate(
            """() => [...document.querySelectorAll('nav, form, .pager, .hint, .table-filter')]
                       .filter(e => e.offsetParent !== null && getComputedStyle(e).display !== 'none')
                       .map(e => e.tagName + '.' + e.className)"""
        )
        assert shown == [], f"{url}: printed {shown}"
        wide = axe_page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= PRINT_WIDTH + 1, f"{url}: {wide} px wide in print"
        assert axe_page.pdf(format="A4", margin={"left": "15mm", "right": "15mm"})[:5] == b"%PDF-"
    finally:
        axe_page.emulate_media(media="screen")
        axe_page.set_viewport_size({"width": 1280, "height": 900})


def test_axe_does_report_a_violation(axe_page: Any) -> None:
    """The check can fail: an unlabelled input and a low-contrast line added to a page are found."""
    axe_page.goto("/analyses")
    axe_page.evaluate(
        """() => { const i = document.createElement('input'); document.querySelector('main').append(i);
                   const p = document.createElement('p'); p.textContent = 'faint';
                   p.style.color = '#eeeeee'; p.style.background = '#ffffff';
                   document.querySelector('main').append(p); }"""
    )
    found = " ".join(serious_violations(axe_page))
    assert "label (critical)" in found and "color-contrast (serious)" in found


def _tab_to(pg: Any, selector: str, most: int = 80) -> None:
    """Press Tab until the element is focused (fails when the keyboard cannot reach it)."""
    for _ in range(most):
        pg.keyboard.press("Tab")
        if pg.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


def test_keyboard_alone_searches_filters_and_sorts(page: Any) -> None:
    page.goto("/")
    _tab_to(page, "nav input[name=q]")
    page.keyboard.type("quantum")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=quantum")
    page.goto("/agreements")
    _tab_to(page, "#f-type")
    page.keyboard.press("ArrowDown")  # "any" -> the first type
    _tab_to(page, "#list-filters button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/agreements?*type=*")
    _tab_to(page, "#list-table th:nth-child(5) a")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=start*")
    assert "type=" in page.url


#: Pictures checked for legible labels and nodes inside the canvas once the layout settles.
PICTURES = [
    "/pictures/nations/AUS",
    "/pictures/forums/NATO",
    "/pictures/agreements/SMP-FW-GBR",
    "/pictures/technologies/USML-EXCL-S1-02",
    "/pictures/partners",
]


def settled(pg: Any, url: str) -> None:
    """Open a picture and wait for its layout to settle and be fitted."""
    pg.goto(url)
    pg.wait_for_function("() => document.body.dataset.settled === 'true'", timeout=60_000)


@pytest.mark.parametrize("url", PICTURES)
def test_picture_labels_are_legible_and_nodes_inside_the_canvas(page: Any, url: str) -> None:
    settled(page, url)
    found = page.evaluate(
        """() => { const net = window.stkgNetwork, c = document.querySelector('#picture canvas');
                   const w = c.clientWidth, h = c.clientHeight, scale = net.getScale();
                   const ids = net.body.nodeIndices;
                   const outside = ids.filter(id => { const p = net.canvasToDOM(net.getPosition(id));
                                                      return p.x < 0 || p.y < 0 || p.x > w || p.y > h; });
                   const fonts = ids.map(id => net.body.nodes[id].options.font.size * scale);
                   return {count: ids.length, outside: outside, smallest: Math.min(...fonts)}; }"""
    )
    assert found["count"] > 1 and found["outside"] == [], found
    assert found["smallest"] >= 11, found
    assert page.locator("nav.picture-nav").is_visible()  # a picture opened on its own has the navigation
    shot(page, "picture-" + url.removeprefix("/pictures/").replace("/", "-"))


def _heights(page: Any) -> dict[str, float]:
    """Each node's vertical position on the canvas (smaller is higher)."""
    return page.evaluate(
        "() => Object.fromEntries(window.stkgNetwork.body.nodeIndices"
        ".map(id => [id, window.stkgNetwork.getPosition(id).y]))"
    )


def test_trees_are_drawn_top_down(page: Any) -> None:
    """A technology's broader technologies sit above it and its narrower ones below; an agreement's
    framework and forums above it, its parties and technologies below."""
    settled(page, "/pictures/technologies/USML-EXCL-S1-02")
    y = _heights(page)
    me = y["t:USML-EXCL-S1-02"]
    assert y["t:USML-EXCL-S2-01"] < me and y["t:USML-IV"] < me  # two of its 22 broader technologies
    upward = page.evaluate(
        "() => window.stkgNetwork.body.data.edges.get().filter(e => e.relation === 'narrower than')"
        ".map(e => [e.from, e.to])"
    )
    assert len(upward) >= 22 and all(y[lower] > y[upper] for lower, upper in upward)  # every edge goes up
    settled(page, "/pictures/agreements/SMP-001")
    y = _heights(page)
    above = [k for k in y if k.startswith(("f:", "c:"))]
    below = [k for k in y if k.startswith(("n:", "t:"))]
    assert above and below
    assert all(y[k] < y["a:SMP-001"] for k in above) and all(y[k] > y["a:SMP-001"] for k in below)
    assert "party to" in page.locator("#edge-legend").inner_text()
    shot(page, "picture-tree-agreement")


def test_a_forum_draws_its_members_as_one_group_that_opens(page: Any) -> None:
    settled(page, "/pictures/forums/NATO")
    assert page.evaluate("window.stkgNetwork.isCluster('group:members')")
    assert "members" in page.evaluate("window.stkgNetwork.body.nodes['group:members'].options.label")
    page.evaluate("window.stkgNetwork.openCluster('group:members')")
    assert not page.evaluate("window.stkgNetwork.isCluster('group:members')")


def test_clicking_a_node_adds_its_neighbours(page: Any) -> None:
    settled(page, "/pictures/agreements/SMP-FW-GBR")
    before = page.evaluate("window.stkgNodes.length")
    point = page.evaluate(
        """() => { const net = window.stkgNetwork, id = 'n:GBR';
                   const p = net.canvasToDOM(net.getPosition(id)), r = document.querySelector('#picture canvas')
                   .getBoundingClientRect(); return {x: r.left + p.x, y: r.top + p.y}; }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("n => window.stkgNodes.length > n", arg=before, timeout=30_000)
    assert page.evaluate("window.stkgNodes.get('n:USA') !== null")  # GBR's partners joined the picture


def test_the_partner_network_names_communities_and_shows_more(page: Any) -> None:
    settled(page, "/pictures/partners")
    legend = page.locator("#node-legend span").all_inner_texts()
    assert legend and all(re.match(r"^[A-Z]{3}", t) for t in legend)
    shown = page.evaluate("window.stkgNodes.length")
    if page.locator("#show-more").count():
        page.click("#show-more")
        page.wait_for_function("() => document.body.dataset.settled === 'true'", timeout=60_000)
        assert page.evaluate("window.stkgNodes.length") > shown


def test_pickers_suggest_nations_and_technologies_from_the_search_api(page: Any) -> None:
    page.goto("/disclose")
    page.type("#disclose-nation", "austral")
    page.wait_for_function("() => document.body.dataset.pickerReady !== undefined")
    values = page.eval_on_selector_all("#disclose-nation-options option", "os => os.map(o => o.value)")
    assert "AUS" in values and "AUT" not in values
    page.goto("/predraft")
    page.type("#predraft-parties", "USA, united k")
    page.wait_for_function("() => document.body.dataset.pickerReady !== undefined")
    values = page.eval_on_selector_all("#predraft-parties-options option", "os => os.map(o => o.value)")
    assert values == ["USA, GBR"]  # only the last item is completed
    page.goto("/predraft")
    page.type("#predraft-technologies", "quantum")
    page.wait_for_function("() => document.body.dataset.pickerReady !== undefined")
    values = page.eval_on_selector_all("#predraft-technologies-options option", "os => os.map(o => o.value)")
    assert "MP-QUANTUM" in values


def test_a_picture_zooms_and_pans_from_the_keyboard(page: Any) -> None:
    settled(page, "/pictures/nations/AUS")
    _tab_to(page, "#picture .vis-network")
    before = page.evaluate("window.stkgNetwork.getScale()")
    page.keyboard.down("Equal")  # "=" / "+" zooms in while held, one step per animation frame
    page.wait_for_timeout(400)
    page.keyboard.up("Equal")
    page.wait_for_function("s => window.stkgNetwork.getScale() > s", arg=before)
    centre = page.evaluate("window.stkgNetwork.getViewPosition().x")
    page.keyboard.down("ArrowLeft")
    page.wait_for_timeout(300)
    page.keyboard.up("ArrowLeft")
    assert page.evaluate("window.stkgNetwork.getViewPosition().x") != centre


def test_entity_page_tables_sort_and_filter_in_the_browser(page: Any) -> None:
    page.goto("/nations/GBR")
    table = page.locator("h2:has-text('Agreements') + p.table-filter + table.local")
    ids = table.locator("tbody tr td:first-child")
    count = ids.count()
    assert count > 10
    heading = table.locator("th", has=page.locator("button", has_text="id"))
    heading.locator("button").focus()
    page.keyboard.press("Enter")  # the column headings are buttons: the keyboard sorts too
    assert heading.get_attribute("aria-sort") == "ascending"
    ascending = ids.all_inner_texts()
    assert ascending == sorted(ascending, key=str.lower)
    page.keyboard.press("Enter")
    assert heading.get_attribute("aria-sort") == "descending"
    assert ids.all_inner_texts() == ascending[::-1]
    page.fill("h2:has-text('Agreements') + p.table-filter input", "framework")
    shown = table.locator("tbody tr:not([hidden])")
    assert 0 < shown.count() < count
    assert all("framework" in t.lower() for t in shown.all_inner_texts())
    assert page.locator("h2:has-text('Agreements') + p.table-filter .table-count").inner_text() == (
        f"{shown.count()} of {count} rows"
    )
    shot(page, "nation-gbr-table-filtered")
