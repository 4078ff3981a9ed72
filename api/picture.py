"""Graph pictures drawn with pyvis, rendered as one self-contained HTML file (no CDN, works air-gapped)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pyvis.network import Network

from graph.connection import Graph
from graph.errors import NotFoundError
from queries import entity

TEMPLATES = Path(__file__).resolve().parent / "templates"
PYVIS_LIB = Path(pyvis.__file__).resolve().parent / "templates"

#: Colours by node kind and by restriction effect, shared with the legend.
COLOURS = {
    "nation": "#2f6fb0",
    "focus": "#d9822b",
    "forum": "#7b4fa0",
    "agreement": "#3c8d40",
    "technology": "#168a8a",
    "component": "#8a6d3b",
    "exemption": "#5a9e5a",
    "inactive": "#b0b0b0",
    "deny": "#c0392b",
    "license_required": "#e67e22",
    "review": "#d4ac0d",
}
#: How each relation is drawn (colour, dashed) and named in the legend, in legend order.
RELATIONS: dict[str, tuple[str, bool]] = {
    "party to": ("#2f6fb0", False),
    "member of": ("#2f6fb0", False),
    "partner or observer of": ("#2f6fb0", True),
    "shares active agreements with": ("#6b7a8a", False),
    "under the framework": ("#3c8d40", False),
    "under the auspices of": ("#7b4fa0", True),
    "part of": ("#7b4fa0", False),
    "covers": ("#168a8a", False),
    "narrower than": ("#555555", False),
    "maps to": ("#555555", True),
    "leads": ("#8a6d3b", False),
    "applies to": ("#c0392b", False),
    "overrides": ("#5a9e5a", True),
    "benefits": ("#5a9e5a", True),
}
#: What edge width means, for the relations drawn with a weight.
WIDTH = "the wider, the more"
#: vis-network settings for trees (taxonomy, agreement frameworks): levels top-down, settled by physics.
TREE = {
    "layout": {
        "hierarchical": {"enabled": True, "direction": "UD", "levelSeparation": 120, "nodeSpacing": 110}
    },
    "physics": {
        "solver": "hierarchicalRepulsion",
        "hierarchicalRepulsion": {"nodeDistance": 110, "avoidOverlap": 1},
        "stabilization": {"iterations": 400},
    },
    "edges": {"smooth": {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.4}},
}
#: A qualitative palette for networkx communities.
PALETTE = ("#2f6fb0", "#d9822b", "#3c8d40", "#c0392b", "#7b4fa0", "#8a6d3b", "#d35fb7", "#168a8a", "#7f7f7f")


def _network() -> Network:
    """A pyvis network holding nodes, edges and physics options."""
    net = Network(height="100%", width="100%", directed=False, cdn_resources="in_line")
    net.barnes_hut(gravity=-6000, spring_length=140)
    return net


@cache
def _environment() -> Environment:
    """Our templates, with autoescaping."""
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


@cache
def _vis() -> tuple[Markup, Markup]:
    """vis-network's script and stylesheet, read from pyvis's own copy to be inlined."""
    lib = PYVIS_LIB / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    return Markup(js), Markup((lib / "vis-network.css").read_text(encoding="utf-8"))


#: Arrow keys pan and +/- zoom once the picture has the focus (Tab reaches it), as the mouse does.
KEYBOARD = {"keyboard": {"enabled": True, "bindToWindow": False}, "hover": True}
#: A forum with more members than this draws them as one group node that opens on click.
GROUP_OVER = 12


def _with_keyboard(options: dict[str, Any]) -> dict[str, Any]:
    """pyvis's options with keyboard panning and zooming added to its interaction settings."""
    return options | {"interaction": options.get("interaction", {}) | KEYBOARD}


def _edge(net: Network, source: str, target: str, relation: str, title: str = "", **extra: Any) -> None:
    """Draw a relation in its colour and dash, named for the legend and the tooltip."""
    colour, dashed = RELATIONS[relation]
    net.add_edge(
        source,
        target,
        color={"color": colour, "highlight": colour, "hover": colour},
        dashes=dashed,
        title=title or relation,
        relation=relation,
        **extra,
    )


def edge_legend(edges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The relations a picture draws, in legend order, with colour, dash and what width means."""
    present = {e.get("relation") for e in edges}
    weighted = {e.get("relation") for e in edges if "value" in e}
    return [
        {"name": name, "colour": colour, "dashed": dashed, "width": WIDTH if name in weighted else ""}
        for name, (colour, dashed) in RELATIONS.items()
        if name in present
    ]


def _options(options: dict[str, Any], tree: bool) -> dict[str, Any]:
    """pyvis's options, laid out as a tree when asked, with keyboard control added."""
    if tree:
        options = options | TREE | {"edges": options.get("edges", {}) | TREE["edges"]}
    return _with_keyboard(options)


def render(
    net: Network,
    title: str,
    caption: str,
    legend: list[str] | list[tuple[str, str]],
    more: int = 0,
    more_href: str = "?all=1",
) -> str:
    """The complete, self-contained HTML document for a picture."""
    nodes, edges, _, _, _, options = net.get_network_data()
    drawn = {n.get("color") for n in nodes}
    keys = [
        (k.replace("_", " "), COLOURS[k]) if isinstance(k, str) else k
        for k in legend
        if not isinstance(k, str) or COLOURS[k] in drawn  # only kinds this picture draws
    ]
    tree = any("level" in n for n in nodes)  # nodes placed in levels are drawn as a tree
    js, css = _vis()
    return (
        _environment()
        .get_template("picture.html")
        .render(
            title=title,
            caption=caption,
            legend=keys,
            edge_legend=edge_legend(edges),
            tree=tree,
            group_over=GROUP_OVER,
            more=more,
            more_href=more_href,
            grouped=any(n.get("group") == "members" for n in nodes),
            nodes=nodes,
            edges=edges,
            options=_options(json.loads(options), tree),
            vis_js=js,
            vis_css=css,
        )
    )


def _node(
    net: Network,
    nid: str,
    label: str,
    kind: str,
    tip: str = "",
    size: int = 16,
    group: str | None = None,
    level: int | None = None,
) -> None:
    """Add a node once, coloured by kind; ids are prefixed by kind so codes never collide. A level places
    the node in a tree, top (0) down."""
    if nid not in net.get_nodes():
        extra: dict[str, Any] = {"group": group} if group else {}
        extra |= {"level": level} if level is not None else {}
        net.add_node(
            nid, label=label, color=COLOURS[kind], title=tip or label, size=size, shape="dot", **extra
        )


Drawing = tuple[Network, str, str, list[str]]


#: Kinds whose nodes expand on click, and the colour their focus node takes once it joins another picture.
EXPANDS = {"nations": "nation", "forums": "forum", "agreements": "agreement", "technologies": "technology"}


def neighbours(graph: Graph, kind: str, key: str, as_of: str | None) -> dict[str, Any]:
    """The nodes and edges a picture adds when a node is clicked: the node's own picture's data."""
    if kind not in EXPANDS:
        raise NotFoundError(f"no neighbours of {kind!r} (only {', '.join(EXPANDS)})")
    net = DRAWINGS[kind](graph, key, as_of)[0]
    nodes, edges, *_ = net.get_network_data()
    for n in nodes:
        n.pop("group", None)  # an expansion never joins the picture's member group
        if n.get("color") == COLOURS["focus"]:
            n["color"] = COLOURS[EXPANDS[kind]]
    return {"nodes": nodes, "edges": edges}


def nation_partners_drawing(graph: Graph, code: str, as_of: str | None) -> Drawing:
    """A nation and its partners, edges weighted by shared active agreements."""
    found = entity.detail(graph, "nations", code, as_of)
    net = _network()
    me = f"n:{found['code']}"
    _node(net, me, found["code"], "focus", found["name"] or found["code"], size=28)
    for p in entity.partners(graph, found["code"], as_of):
        tip = f"{p['name']}: {p['shared']} shared agreement(s)"
        _node(net, f"n:{p['nation']}", p["nation"], "nation", tip)
        _edge(
            net,
            me,
            f"n:{p['nation']}",
            "shares active agreements with",
            f"{p['shared']} shared",
            value=p["shared"],
        )
    caption = f"{found['name']} and the nations it shares active agreements with."
    return net, f"{found['code']} partner network", caption, ["focus", "nation"]


def forum_drawing(graph: Graph, fid: str, as_of: str | None) -> Drawing:
    """A forum with its members (grey when no longer active), sub-forums and agreements."""
    found = entity.detail(graph, "forums", fid, as_of)
    net = _network()
    me = f"f:{found['id']}"
    _node(net, me, found["id"], "focus", found["name"] or found["id"], size=28)
    for m in found["members"]:
        kind = "nation" if m["active"] else "inactive"
        _node(net, f"n:{m['nation']}", m["nation"], kind, f"{m['name']} ({m['role']})", group="members")
        relation = "member of" if m["role"] == "member" else "partner or observer of"
        _edge(net, f"n:{m['nation']}", me, relation, f"{m['role']} of {found['id']}")
    for c in found["children"]:
        _node(net, f"f:{c['id']}", c["id"], "forum", c["name"] or c["id"])
        _edge(net, f"f:{c['id']}", me, "part of")
    for c in found["parent"]:
        _node(net, f"f:{c['id']}", c["id"], "forum", c["name"] or c["id"])
        _edge(net, me, f"f:{c['id']}", "part of")
    for a in found["agreements"]:
        _node(net, f"a:{a['id']}", a["id"], "agreement" if a["active"] else "inactive", a["title"] or a["id"])
        _edge(net, f"a:{a['id']}", me, "under the auspices of")
    caption = f"{found['name']}: members, sub-forums and agreements."
    return (
        net,
        f"{found['id']} members and agreements",
        caption,
        ["focus", "nation", "forum", "agreement", "inactive"],
    )


def agreement_drawing(graph: Graph, aid: str, as_of: str | None) -> Drawing:
    """An agreement as a tree: what it sits under above it (forums, its framework, lead components), what
    sits under it and its parties below, the technologies it covers at the bottom."""
    found = entity.detail(graph, "agreements", aid, as_of)
    net = _network()
    me = f"a:{found['id']}"
    _node(net, me, found["id"], "focus", found["title"] or found["id"], size=28, level=1)
    for f in found["forums"]:
        _node(net, f"f:{f['id']}", f["id"], "forum", f["name"] or f["id"], level=0)
        _edge(net, me, f"f:{f['id']}", "under the auspices of")
    for a in found["parent"]:
        _node(net, f"a:{a['id']}", a["id"], "agreement", a["title"] or a["id"], level=0)
        _edge(net, me, f"a:{a['id']}", "under the framework")
    for c in found["components"]:
        _node(net, f"c:{c}", c, "component", level=0)
        _edge(net, f"c:{c}", me, "leads")
    for a in found["children"]:
        _node(net, f"a:{a['id']}", a["id"], "agreement", a["title"] or a["id"], level=2)
        _edge(net, f"a:{a['id']}", me, "under the framework")
    for p in found["parties"]:
        _node(net, f"n:{p['nation']}", p["nation"], "nation", p["name"] or p["nation"], level=2)
        _edge(net, f"n:{p['nation']}", me, "party to")
    for t in found["technologies"]:
        _node(net, f"t:{t['id']}", t["id"], "technology", t["name"] or t["id"], level=3)
        _edge(net, me, f"t:{t['id']}", "covers")
    caption = f"{found['title']}: above it, what it sits under; below, its parties and what it covers."
    legend = ["focus", "nation", "technology", "agreement", "forum", "component"]
    return net, f"{found['id']} neighbourhood", caption, legend


def technology_drawing(graph: Graph, tid: str, as_of: str | None) -> Drawing:
    """A technology in its taxonomy: every broader technology above it (the taxonomy is a DAG, so each is
    placed by its longest path), its narrower technologies below, its mappings in other schemes beside it."""
    from queries.browse import base

    found = entity.detail(graph, "technologies", tid, as_of)
    broader = {r["id"]: r["broader"] or [] for r in base(graph, "technologies")}
    depth: dict[str, int] = {}
    for a in found["ancestors"]:
        depth[a["id"]] = max(depth.get(a["id"], 0), a["depth"])
    top, names = max(depth.values(), default=0), {a["id"]: a["name"] for a in found["ancestors"]}
    net = _network()
    _node(net, f"t:{found['id']}", found["id"], "focus", found["name"] or found["id"], size=28, level=top)
    for aid, d in depth.items():
        _node(net, f"t:{aid}", aid, "technology", names[aid] or aid, level=top - d)
    for lower in [found["id"], *depth]:
        for upper in broader.get(lower, []):
            if upper in depth:
                _edge(net, f"t:{lower}", f"t:{upper}", "narrower than")
    for c in found["children"]:
        _node(net, f"t:{c['id']}", c["id"], "technology", c["name"] or c["id"], level=top + 1)
        _edge(net, f"t:{c['id']}", f"t:{found['id']}", "narrower than")
    for m in found["maps_to"]:
        _node(net, f"t:{m['id']}", m["id"], "technology", f"{m['name']} ({m['scheme']})", level=top)
        _edge(net, f"t:{found['id']}", f"t:{m['id']}", "maps to")
    n = len({a["id"] for a in found["agreements"]})
    caption = f"{found['name']} ({found['scheme'] or 'no scheme'}): broader above, narrower below; "
    caption += f"{n} active agreement(s) cover it or a narrower technology."
    return net, f"{found['id']} in its taxonomy", caption, ["focus", "technology"]


DRAWINGS = {
    "nations": nation_partners_drawing,
    "forums": forum_drawing,
    "agreements": agreement_drawing,
    "technologies": technology_drawing,
}


def drawn(graph: Graph, kind: str, key: str, as_of: str | None) -> str:
    """An entity's picture as a document: a nation's partners, a forum's members and agreements, an
    agreement's tree, a technology's place in its taxonomy."""
    if kind not in DRAWINGS:
        raise NotFoundError(f"no picture of {kind!r} (pictures: {', '.join(DRAWINGS)})")
    return render(*DRAWINGS[kind](graph, key, as_of))


def disclosure(graph: Graph, trace: dict[str, Any]) -> str:
    """The path of a disclosure trace: nation, technology and its ancestors, restrictions, exemptions."""
    net = _network()
    nation, tech = f"n:{trace['nation']}", f"t:{trace['technology']}"
    _node(net, nation, trace["nation"], "nation", size=24)
    _node(net, tech, trace["technology"], "focus", size=24)
    for r in trace["reasons"]:
        rid = f"r:{r['restriction']}"
        label = r["restriction"] + ("" if r["applies"] else " (overridden)")
        _node(net, rid, label, r["effect"] if r["applies"] else "inactive", f"{r['effect']}: {r['citation']}")
        if r["scope"] in ("nation", "pair"):
            _edge(net, rid, nation, "applies to")
        chain = list(r["chain"]) or ([r["attaches_to"]] if r["attaches_to"] else [])
        for lower, upper in zip([trace["technology"], *chain], chain, strict=False):
            if lower != upper:
                _node(net, f"t:{upper}", upper, "technology")
                _edge(net, f"t:{lower}", f"t:{upper}", "narrower than")
        if r["attaches_to"]:
            _edge(net, rid, f"t:{r['attaches_to']}", "applies to")
        for e in r["overridden_by"]:
            _node(net, f"e:{e}", e, "exemption")
            _edge(net, f"e:{e}", rid, "overrides")
            _edge(net, f"e:{e}", nation, "benefits")
    caption = trace["summary"]
    legend = ["nation", "focus", "technology", "deny", "license_required", "review", "exemption", "inactive"]
    return render(net, f"Disclosure of {trace['technology']} to {trace['nation']}", caption, legend)


#: Nations the partner network draws before its "show all" link (the most connected first).
PARTNER_LIMIT = 40


def partner_network(graph: Graph, as_of: str | None, everyone: bool = False) -> str:
    """The most connected nations with active agreements (all on request), coloured by community, sized by
    weighted degree, with each community named by its most connected members in the legend."""
    from graph.network import centrality, collaboration_network
    from queries.param import as_of as day

    links = collaboration_network(graph, day(as_of))
    rows = sorted(centrality(links), key=lambda r: (-r["weighted_degree"], r["nation"]))
    if not rows:
        raise NotFoundError("no active agreements as of this date, so there is no partner network")
    shown = rows if everyone else rows[:PARTNER_LIMIT]
    keep = {r["nation"] for r in shown}
    net = _network()
    top = max(r["weighted_degree"] for r in rows) or 1
    for r in shown:
        tip = f"{r['name']}: {r['partners']} partners, betweenness {r['betweenness']}"
        tip += f", community {r['community']}"
        size = 10 + 30 * r["weighted_degree"] / top
        net.add_node(
            f"n:{r['nation']}", label=r["nation"], color=_community(r), title=tip, size=size, shape="dot"
        )
    for a, b, w in links.edges(data="weight"):
        if a in keep and b in keep:
            _edge(net, f"n:{a}", f"n:{b}", "shares active agreements with", f"{w} shared", value=w)
    more = "" if len(shown) == len(rows) else f" The {len(shown)} most connected of {len(rows)} nations."
    caption = "Nations linked by shared active agreements; colour = community, size = weighted degree." + more
    everything = "?" + urlencode({"all": "1"} | ({"as_of": as_of} if as_of else {}))
    return render(net, "Partner network", caption, _communities(shown), len(rows) - len(shown), everything)


def _community(row: dict[str, Any]) -> str:
    """A community's colour."""
    return PALETTE[(row["community"] - 1) % len(PALETTE)]


def _communities(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Legend entries naming each community by its three most connected members (rows come sorted)."""
    members: dict[int, list[str]] = {}
    for r in rows:
        members.setdefault(r["community"], []).append(r["nation"])
    return [
        (f"{', '.join(m[:3])}{' +' + str(len(m) - 3) if len(m) > 3 else ''}", _community({"community": c}))
        for c, m in sorted(members.items())
    ]
