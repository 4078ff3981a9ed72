"""The shipped sample portfolio loads idempotently and every analysis has something to show."""

from __future__ import annotations

import pytest

from graph.connection import Graph
from ingest.pipeline import ingest_path
from ingest.reference import SAMPLE_DIR
from queries.analysis import analysis
from tests.fixtures import totals

AS_OF = "2026-11-23"


def test_second_ingest_changes_nothing(sample: Graph) -> None:
    before = totals(sample)
    summary = ingest_path(sample, SAMPLE_DIR)
    assert summary.changed == 0
    assert totals(sample) == before


@pytest.mark.parametrize(
    "name",
    [
        "coverage-gaps",
        "duplicates",
        "exclusionary-consortia",
        "collaborations",
        "expiring",
        "partner-centrality",
        "engagement-priorities",
        "engagement-delta",
    ],
)
def test_each_analysis_has_rows(sample: Graph, name: str) -> None:
    rows = analysis(name).run(sample, {"as_of": AS_OF})
    assert isinstance(rows, list) and rows


def test_sample_highlights(sample: Graph) -> None:
    gaps = [r["technology"] for r in analysis("coverage-gaps").run(sample, {"as_of": AS_OF})]  # type: ignore[index]
    assert gaps[:3] == ["MP-DE", "MP-BIO", "MP-SPACE"]
    dups = analysis("duplicates").run(sample, {"as_of": AS_OF})
    pairs = {(r["agreement_a"], r["agreement_b"]) for r in dups}  # type: ignore[index]
    assert ("SMP-PA-GBR-ML", "SMP-PA-GBR-ML2") in pairs
    assert not any("SMP-PA-GBR-ML3" in p for p in pairs)  # deliberately redundant
    assert ("SMP-FW-GBR", "SMP-PA-GBR-ML") not in pairs  # a PA under its framework
    expiring = analysis("expiring").run(sample, {"as_of": AS_OF})
    assert {"agreement": "SMP-PA-JPN-HYP", "gaps": ["MP-HYPER"]} in [
        {"agreement": r["agreement"], "gaps": r["would_be_gaps"]} for r in expiring
    ]  # type: ignore[index]


def test_sample_engagement_plan(sample: Graph) -> None:
    rows = analysis("engagement-priorities").run(sample, {"as_of": AS_OF})
    ranked = [r for r in rows if r["note"] is None]  # type: ignore[index]
    assert ranked[0]["rank"] == 1 and ranked[0]["score"] == max(r["score"] for r in ranked)
    skipped = {r["nation"] for r in rows if r["note"]}  # type: ignore[index]
    assert skipped == {"CHN", "RUS"}  # both under an ITAR 126.1 denial in the reference data
    kinds = {r["kind"] for r in analysis("engagement-delta").run(sample, {"as_of": AS_OF})}  # type: ignore[index]
    assert kinds == {"shortfall", "surplus"}


def test_sample_heatmap_rows_columns_and_pixels(sample: Graph) -> None:
    import csv
    import datetime as dt
    import io

    from matplotlib.image import imread

    from api.heatmap import grid, heatmap

    day = dt.date.fromisoformat(AS_OF)
    with (SAMPLE_DIR / "needs.csv").open() as fh:
        needed = {r["technology"] for r in csv.DictReader(fh) if r["component"] == "NAVY"}
    with (SAMPLE_DIR / "nation_factors.csv").open() as fh:
        rated = {r["nation"] for r in csv.DictReader(fh)} - {"CHN", "RUS"}  # denied: left out
    g = grid(sample, day, "NAVY")
    assert set(g.technologies) == needed and set(g.nations) == rated
    svg = heatmap(sample, day, "NAVY", "svg").decode()
    assert all(label in svg for label in [*needed, *rated])  # SVG text stays text
    assert "CHN" not in svg and "RUS" not in svg
    pixels = imread(io.BytesIO(heatmap(sample, day, "NAVY", "png")))
    assert pixels[..., :3].std() > 0.05  # not blank
