"""The engagement heatmap: technologies x nations coloured by strength, with the delta overlaid."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import matplotlib
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from graph.connection import Graph
from queries.engagement import delta, snapshot

matplotlib.use("Agg")  # files only, never a window
SHORTFALL, SURPLUS = "#c0392b", "#1e8449"
STRENGTH = ListedColormap(["#c6dbef", "#6baed6", "#08519c"])  # strength 1, 2, 3; white = unknown


@dataclass
class Grid:
    """What the picture shows: ordered labels, strength per cell, delta per cell."""

    technologies: list[str]
    nations: list[str]
    strength: dict[tuple[str, str], int]
    delta: dict[tuple[str, str], float]


def grid(graph: Graph, as_of: dt.date, component: str | None, limit: int = 40) -> Grid:
    """Rows by need priority, columns by regional priority (denied nations left out), both capped."""
    read = snapshot(graph, as_of)
    data = read.data
    needed: dict[str, int] = {}
    for need in data.needs:
        if component is None or need["component"] == component:
            needed[need["technology"]] = max(needed.get(need["technology"], 0), need["priority"])
    techs = sorted(needed, key=lambda t: (-needed[t], t))[:limit]
    rated = [f for code, f in data.factors.items() if code not in data.denied]
    nations = [f["nation"] for f in sorted(rated, key=lambda f: (-f["regional_priority"], f["nation"]))][
        :limit
    ]
    worst: dict[tuple[str, str], float] = {}
    for row in delta(graph, as_of, component, None, 0):
        key = (row["technology"], row["nation"])
        if abs(row["delta"]) > abs(worst.get(key, 0.0)):
            worst[key] = row["delta"]
    strength = {(t, n): s for (n, t), s in data.strengths.items()}
    return Grid(techs, nations, strength, worst)


def render(g: Grid, title: str, fmt: str, threshold: float = 0.2) -> bytes:
    """PNG or SVG bytes; SVG keeps its labels as text (searchable, and checked by the tests)."""
    rows, cols = max(len(g.technologies), 1), max(len(g.nations), 1)
    fig = Figure(figsize=(2.5 + 0.45 * cols, 1.8 + 0.4 * rows), dpi=100)
    ax = fig.subplots()
    cells = [[g.strength.get((t, n), 0) or float("nan") for n in g.nations] for t in g.technologies]
    image = ax.imshow(cells or [[float("nan")]], cmap=STRENGTH, vmin=0.5, vmax=3.5, aspect="auto")
    ax.set_facecolor("#ffffff")  # no strength known
    ax.set_xticks(range(len(g.nations)), g.nations, rotation=90)
    ax.set_yticks(range(len(g.technologies)), g.technologies)
    for (t, n), value in g.delta.items():
        if t in g.technologies and n in g.nations and abs(value) >= threshold:
            mark, colour = ("▼", SHORTFALL) if value < 0 else ("▲", SURPLUS)
            ax.text(g.nations.index(n), g.technologies.index(t), mark, ha="center", va="center", color=colour)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("nations (by regional priority)   ▼ shortfall   ▲ surplus   white: strength unknown")
    ax.set_ylabel("technologies (by need priority)")
    bar = fig.colorbar(image, ax=ax, ticks=[1, 2, 3], fraction=0.04)
    bar.set_label("foreign S&T strength")
    fig.tight_layout()
    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(out, format=fmt)
    return out.getvalue()


def heatmap(graph: Graph, as_of: dt.date, component: str | None, fmt: str = "svg") -> bytes:
    """The picture for one component (or all of them) as of a date."""
    who = component or "all components"
    return render(grid(graph, as_of, component), f"Engagement plan: {who}, as of {as_of}", fmt)
