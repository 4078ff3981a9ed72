"""The shipped reference data matches shared/reference/FACTS.md."""

from __future__ import annotations

from collections.abc import Iterator

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
