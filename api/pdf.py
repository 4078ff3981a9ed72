"""The disclosure report a reviewer files: the trace rendered to PDF by WeasyPrint, offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph.connection import Graph

HERE = Path(__file__).resolve().parent
_ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def runs(graph: Graph, ids: list[str]) -> list[dict[str, Any]]:
    """The ingest runs an answer rests on, oldest first."""
    return graph.read(
        "MATCH (r:IngestRun) WHERE r.id IN $ids RETURN r.id AS id, r.path AS path, r.finished AS finished "
        "ORDER BY r.finished",
        {"ids": ids},
    )


def html(graph: Graph, trace: dict[str, Any], made_by: str) -> str:
    """The report as one self-contained HTML document (its stylesheet inlined)."""
    from importlib.metadata import version

    return _ENV.get_template("disclose_report.html").render(
        trace=trace,
        runs=runs(graph, trace["runs"]),
        made_by=made_by,
        made_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=version("stkg"),
        css=(HERE / "static" / "report.css").read_text(encoding="utf-8"),
    )


def disclosure(graph: Graph, trace: dict[str, Any], made_by: str) -> bytes:
    """The PDF bytes; no URL is fetched (the fetcher refuses every one)."""
    import logging

    from weasyprint import HTML

    for name in ("weasyprint", "fontTools"):  # font-subsetting notices are not the user's business
        logging.getLogger(name).setLevel(logging.ERROR)

    def refuse(url: str) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing: {url}")

    return bytes(HTML(string=html(graph, trace, made_by), url_fetcher=refuse).write_pdf())
