"""The shipped reference data matches shared/reference/FACTS.md."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.connection import Graph
from ingest.reference import load_reference
from queries.analysis import analysis


@pytest.fixture(scope="module")
def ref(engine_graph: Graph) -> Iterator[Graph]:
    engine_graph.write("MATCH (n) DETACH DELETE n")
    load_reference(engine_graph)
    yield engine_graph


def members(graph: Graph, forum: str, as_of: str, role: str = "member") -> set[str]:
    rows = graph.read(
        "MATCH (n:Nation)-[m:MEMBER_OF]->(:Forum {id: $f}) WHERE m.role = $role "
        "AND (m.since IS NULL OR m.since <= date($d)) AND (m.until IS NULL OR m.until >= date($d)) "
        "RETURN n.code AS c",
        {"f": forum, "d": as_of, "role": role},
    )
    return {r["c"] for r in rows}


def verdict(graph: Graph, nation: str, tech: str, as_of: str) -> str:
    result = analysis("disclosure-trace").run(graph, {"nation": nation, "technology": tech, "as_of": as_of})
    assert isinstance(result, dict)
    return str(result["verdict"])


def test_nato_membership_over_time(ref: Graph) -> None:
    assert len(members(ref, "NATO", "2024-06-01")) == 32
    assert len(members(ref, "NATO", "2022-01-01")) == 30
    assert "SWE" not in members(ref, "NATO", "2024-03-06") and "SWE" in members(ref, "NATO", "2024-03-07")


def test_ttcp_and_sto_partners(ref: Graph) -> None:
    assert "NZL" not in members(ref, "TTCP", "1968-12-31") and "NZL" in members(ref, "TTCP", "1969-06-01")
    assert members(ref, "NATO-STO", "2025-06-01", role="partner") == {"AUS", "JPN", "KOR", "CHE", "UKR"}


def test_every_iso_nation_and_the_taxonomy(ref: Graph) -> None:
    assert ref.read("MATCH (n:Nation) RETURN count(n) AS c")[0]["c"] >= 249
    schemes = ref.read("MATCH (t:Technology) RETURN t.scheme AS s, count(t) AS c ORDER BY s")
    assert {r["s"]: r["c"] for r in schemes} == {
        "AUKUS-P2": 8,
        "CTA-2022": 14,
        "MP-2020": 11,
        "USML": 21,
        "USML-EXCL": 129,  # Supplement No. 1: 98 rows; Supplement No. 2: 31 rows
    }


def test_itar_126_1_dates(ref: Graph) -> None:
    assert verdict(ref, "CYP", "MP-AI", "2026-01-01") == "permitted"
    assert verdict(ref, "KHM", "MP-AI", "2024-01-01") == "denied"
    assert verdict(ref, "KHM", "MP-AI", "2026-01-01") == "permitted"
    assert verdict(ref, "CHN", "MP-QUANTUM", "2026-01-01") == "denied"


def test_china_denied_citing_126_1_and_australia_permitted(ref: Graph) -> None:
    result = analysis("disclosure-trace").run(
        ref, {"nation": "China", "technology": "USML-XI", "as_of": "2026-01-01"}
    )
    assert isinstance(result, dict) and result["verdict"] == "denied"
    assert any("22 CFR 126.1" in r["citation"] for r in result["reasons"] if r["applies"])
    assert verdict(ref, "AUS", "MP-AI", "2026-01-01") == "permitted"
    assert verdict(ref, "AUS", "USML-VIII", "2026-01-01") == "permitted"  # 126.16 / 126.7
    assert verdict(ref, "JPN", "USML-VIII", "2026-01-01") == "license_required"


def test_unconfirmed_facts_are_marked(ref: Graph) -> None:
    rows = ref.read("MATCH (:Nation {code: 'CAN'})-[m:MEMBER_OF]->(:Forum {id: 'NTIB'}) RETURN m.source AS s")
    assert "UNCONFIRMED" in rows[0]["s"]
    assert (
        "UNCONFIRMED" in ref.read("MATCH (r:Restriction {id: 'ITAR-126.1-CHN'}) RETURN r.source AS s")[0]["s"]
    )


def trace(graph: Graph, nation: str, tech: str, as_of: str = "2026-01-15") -> dict[str, Any]:
    result = analysis("disclosure-trace").run(graph, {"nation": nation, "technology": tech, "as_of": as_of})
    assert isinstance(result, dict)
    return result


def test_australia_on_category_iv_is_permitted_except_the_excluded_items(ref: Graph) -> None:
    result = trace(ref, "AUS", "USML-IV")
    assert result["verdict"] == "permitted"
    # Items excluded from one of the two exemptions (torpedoes: 126.16 only) stay permitted under the
    # other; these five are excluded from both, so a licence is required.
    assert [(e["technology"], e["verdict"]) for e in result["exceptions"]] == [
        ("USML-EXCL-S1-02", "license_required"),  # MTCR Annex articles (within the ETL's MT entry)
        ("USML-EXCL-S1-23", "license_required"),  # MANPADS (Supp. No. 1, Note 6; within the ETL entry)
        ("USML-EXCL-S1-26", "license_required"),  # anti-personnel landmines
        ("USML-EXCL-S1-27", "license_required"),  # cluster munitions
        ("USML-EXCL-S2-02", "license_required"),  # anti-tamper items (ETL; Supp. No. 1 through Cat. XVII)
    ]
    assert result["headline"] == "permitted except 5 narrower items (license required: 5)"
    assert "MANPADS" in result["exceptions"][1]["name"]


def test_australia_on_manpads_needs_a_licence_citing_both_supplements(ref: Graph) -> None:
    result = trace(ref, "AUS", "USML-EXCL-S1-23")
    assert result["verdict"] == "license_required"
    [reason] = result["reasons"]
    assert (reason["restriction"], reason["attaches_to"], reason["chain"], reason["applies"]) == (
        "ITAR-USML-LICENSE",
        "USML-IV",
        ["USML-EXCL-S1-23", "USML-IV"],
        True,
    )
    assert [(x["exemption"], x["excluded"], x["item_citation"]) for x in reason["excluded_from"]] == [
        ("ITAR-126.16", "USML-EXCL-S1-23", "22 CFR Part 126 Supplement No. 1, USML IV, ref IV"),
        (
            "ITAR-126.7",
            "USML-EXCL-S2-06",
            "22 CFR Part 126 Supplement No. 2 (AUKUS Excluded Technology List), USML IV, "
            "ref IV(a)(3), (9), (10), (11), (b)(2), (h)(5), (i)",
        ),
    ]
    source = ref.read("MATCH (t:Technology {id: 'USML-EXCL-S1-23'}) RETURN t.source AS s")[0]["s"]
    assert "UNCONFIRMED" in source


def test_canada_on_a_supplement_1_item_excluded_from_126_5(ref: Graph) -> None:
    result = trace(ref, "CAN", "USML-EXCL-S1-16")  # Cat. I: all firearms (126.5 only)
    assert result["verdict"] == "license_required"
    assert [x["exemption"] for x in result["reasons"][0]["excluded_from"]] == ["ITAR-126.5"]
    assert trace(ref, "AUS", "USML-EXCL-S1-16")["verdict"] == "permitted"  # not excluded from 126.16 / 126.7


def test_united_kingdom_on_category_xvii(ref: Graph) -> None:
    # Supplement No. 1, Note 1: Category XVII cannot use the UK treaty exemption (126.17).
    before_aukus = trace(ref, "GBR", "USML-XVII", "2024-08-31")
    assert before_aukus["verdict"] == "license_required"
    assert before_aukus["reasons"][0]["excluded_from"][0]["exemption"] == "ITAR-126.17"
    # From 2024-09-01 the AUKUS exemption (126.7) covers it: Supplement No. 2 lists no Category XVII
    # entry, and Note 1 to 126.7(b) provides for classified transfers. stkg says so, with the condition.
    result = trace(ref, "GBR", "USML-XVII")
    assert result["verdict"] == "permitted"
    assert result["reasons"][0]["overridden_by"] == ["ITAR-126.7"]
    assert [x["exemption"] for x in result["reasons"][0]["excluded_from"]] == ["ITAR-126.17"]
    assert "conditions" in result["summary"]


def test_china_is_denied_on_everything(ref: Graph) -> None:
    for tech in ("USML-IV", "USML-EXCL-S1-23", "MP-AI", "CTA-QUANTUM"):
        assert trace(ref, "CHN", tech)["verdict"] == "denied"


def test_cyprus_after_its_suspension_lapsed_is_denied_with_a_warning(ref: Graph) -> None:
    assert trace(ref, "CYP", "MP-AI", "2026-03-01")["verdict"] == "permitted"
    result = trace(ref, "CYP", "MP-AI", "2026-11-28")
    assert result["verdict"] == "denied"
    assert result["warnings"][0].startswith("restriction ITAR-126.1-CYP was due for review on 2026-09-30")
    assert result["warnings"][1].startswith("The shipped reference data was compiled on 2025-11-07")
    assert result["reference_compiled"] == "2025-11-07"


def test_whatif_extending_aukus_to_canada_and_new_zealand(ref: Graph) -> None:
    rows = analysis("disclosure-whatif").run(
        ref,
        {
            "as_of": "2026-01-15",
            "extend": "ITAR-126.7",
            "to": "CAN;NZL",
            "technologies": "USML-IV;USML-EXCL-S2-06;USML-EXCL-S1-16",
        },
    )
    assert isinstance(rows, list)
    # Not reported: CAN on USML-IV (already permitted under 126.5) and both on the ETL's MANPADS entry
    # (USML-EXCL-S2-06), which the AUKUS exemption excludes.
    assert [(r["nation"], r["technology"], r["before"], r["after"]) for r in rows] == [
        ("CAN", "USML-EXCL-S1-16", "license_required", "permitted"),
        ("NZL", "USML-EXCL-S1-16", "license_required", "permitted"),
        ("NZL", "USML-IV", "license_required", "permitted"),
    ]
    assert (
        rows[0]["reason"]
        == "ITAR-USML-LICENSE (license_required) overridden by ITAR-126.7 extended to CAN, NZL"
    )


def _pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (Debian's poppler-utils) is missing; .ci/run installs it")
        pytest.skip("pdftotext (Debian's poppler-utils) is not installed")
    return found


def test_the_pdf_report_has_the_verdict_every_citation_and_the_date(ref: Graph, tmp_path: Path) -> None:
    from api import pdf

    tool = _pdftotext()
    result = trace(ref, "AUS", "USML-IV", "2026-11-28")
    out = tmp_path / "report.pdf"
    out.write_bytes(pdf.disclosure(ref, result, "reviewer-1 (security_reviewer)"))
    text = subprocess.run([tool, str(out), "-"], capture_output=True, text=True, check=True).stdout
    # Table cells wrap lines anywhere, and pdftotext drops a hyphen that ends a line ("US-|Australia").
    squeezed = "".join(text.split()).replace("-", "")

    def has(fragment: str) -> bool:
        return "".join(fragment.split()).replace("-", "") in squeezed

    assert has("permitted except 5 narrower items (license required: 5)")
    assert has("As of") and has("2026-11-28") and has("reviewer-1 (security_reviewer)")
    citations = {r["citation"] for r in result["reasons"]}
    citations |= {c for r in result["reasons"] for c in r["exemption_citations"]}
    citations |= {r["citation"] for e in result["exceptions"] for r in e["reasons"]}
    citations |= {
        x["item_citation"] for e in result["exceptions"] for r in e["reasons"] for x in r["excluded_from"]
    }
    assert len(citations) >= 6
    assert [c for c in citations if not has(c)] == []
    assert all(has(e["technology"]) for e in result["exceptions"])
    assert all(has(w) for w in result["warnings"]) and has("2025-11-07")  # the compiled date
    assert all(has(run) for run in result["runs"])


PAIRS_NATIONS = ("AUS", "GBR", "CAN", "CHN", "CYP", "JPN", "NZL", "USA")
PAIRS_TECHS = (
    "USML-IV",
    "USML-XVII",
    "USML-EXCL-S1-02",
    "USML-EXCL-S1-16",
    "USML-EXCL-S1-23",
    "USML-EXCL-S2-02",
    "USML-EXCL-S2-06",
    "MP-AI",
)


@pytest.mark.parametrize("as_of", ["2024-06-01", "2026-11-28"])
def test_the_cypher_rule_and_the_evaluator_agree(ref: Graph, as_of: str) -> None:
    """disclosure-restrictions.cypher states the rule in Cypher; queries/rules.py must give the same answer."""
    from queries.catalog import get
    from queries.rules import rules
    from queries.rules import verdict as cypher_verdict

    day = dt.date.fromisoformat(as_of)
    evaluator = rules(ref, day)
    for nation in PAIRS_NATIONS:
        for tech in PAIRS_TECHS:
            rows = get("disclosure-restrictions").run(
                ref, {"as_of": day, "nation": nation, "technology": tech}
            )
            rows = [] if nation == "USA" else rows
            cypher = {(r["restriction"], not r["exemptions"], tuple(sorted(r["exemptions"]))) for r in rows}
            mine = evaluator.reasons(nation, tech)
            assert {(r["restriction"], r["applies"], tuple(r["overridden_by"])) for r in mine} == cypher, (
                nation,
                tech,
            )
            applied = [{"effect": r["effect"], "applies": not r["exemptions"]} for r in rows]
            assert evaluator.decide(nation, tech) == cypher_verdict(applied), (nation, tech)
