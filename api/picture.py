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
    keys = [(k.replace("_", " "), COLOURS[k]) if isinstance(k, str) else k for k in legend]
    js, css = _vis()
    return (
        _environment()
        .get_template("picture.html")
        .render(
            title=title,
            caption=caption,
            legend=keys,
            group_over=GROUP_OVER,
            more=more,
            more_href=more_href,
            grouped=any(n.get("group") == "members" for n in nodes),
            nodes=nodes,
            edges=edges,
            options=_with_keyboard(json.loads(options)),
            vis_js=js,
            vis_css=css,
        )
    )


def _node(
    net: Network, nid: str, label: str, kind: str, tip: str = "", size: int = 16, group: str | None = None
) -> None:
    """Add a node once, coloured by kind; ids are prefixed by kind so codes never collide."""
    if nid not in net.get_nodes():
        extra = {"group": group} if group else {}
        net.add_node(
            nid, label=label, color=COLOURS[kind], title=tip or label, size=size, shape="dot", **extra
        )


Drawing = tuple[Network, str, str, list[str]]


def nation_partners(graph: Graph, code: str, as_of: str | None) -> str:
    """A nation and its partners, as a picture."""
    return render(*nation_partners_drawing(graph, code, as_of))


def forum(graph: Graph, fid: str, as_of: str | None) -> str:
    """A forum's members, sub-forums and agreements, as a picture."""
    return render(*forum_drawing(graph, fid, as_of))


def agreement(graph: Graph, aid: str, as_of: str | None) -> str:
    """An agreement's neighbourhood, as a picture."""
    return render(*agreement_drawing(graph, aid, as_of))


def neighbours(graph: Graph, kind: str, key: str, as_of: str | None) -> dict[str, Any]:
    """The nodes and edges a picture adds when a node is clicked: the node's own picture's data."""
    drawings = {"nations": nation_partners_drawing, "forums": forum_drawing, "agreements": agreement_drawing}
    if kind not in drawings:
        raise NotFoundError(f"no neighbours of {kind!r} (only {', '.join(drawings)})")
    net = drawings[kind](graph, key, as_of)[0]
    nodes, edges, *_ = net.get_network_data()
    for n in nodes:
        n.pop("group", None)  # an expansion never joins the picture's member group
        if n.get("color") == COLOURS["focus"]:
            n["color"] = COLOURS[{"nations": "nation", "forums": "forum", "agreements": "agreement"}[kind]]
    return {"nodes": nodes, "edges": edges}


def nation_partners_drawing(graph: Graph, code: str, as_of: str | None) -> Drawing:
    """A nation and its partners, edges weighted by shared active agreements."""
    found = entity.detail(graph, "nations", code, as_of)
    net = _network()
    me = f"n:{found['code']}"
    _node(net, me, found["code"], "focus", found["name"] or found["code"], size=28)
    for p in entity.partners(graph, found["code"], as_of):
        _node(
            net, f"n:{p['nation']}", p["nation"], "nation", f"{p['name']}: {p['shared']} shared agreement(s)"
        )
        net.add_edge(me, f"n:{p['nation']}", value=p["shared"], title=f"{p['shared']} shared")
    caption = f"{found['name']} and the nations it shares active agreements with (edge width = agreements)."
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
        net.add_edge(f"n:{m['nation']}", me, title=m["role"], dashes=m["role"] != "member")
    for c in [*found["children"], *found["parent"]]:
        _node(net, f"f:{c['id']}", c["id"], "forum", c["name"] or c["id"])
        net.add_edge(f"f:{c['id']}", me, title="part of")
    for a in found["agreements"]:
        _node(net, f"a:{a['id']}", a["id"], "agreement" if a["active"] else "inactive", a["title"] or a["id"])
        net.add_edge(f"a:{a['id']}", me, title="under the auspices of")
    caption = f"{found['name']}: members (dashed: partner or observer), sub-forums and agreements."
    return (
        net,
        f"{found['id']} members and agreements",
        caption,
        ["focus", "nation", "forum", "agreement", "inactive"],
    )


def agreement_drawing(graph: Graph, aid: str, as_of: str | None) -> Drawing:
    """An agreement with its parties, technologies, parent, children, forums and lead components."""
    found = entity.detail(graph, "agreements", aid, as_of)
    net = _network()
    me = f"a:{found['id']}"
    _node(net, me, found["id"], "focus", found["title"] or found["id"], size=28)
    for p in found["parties"]:
        _node(net, f"n:{p['nation']}", p["nation"], "nation", p["name"] or p["nation"])
        net.add_edge(f"n:{p['nation']}", me, title="party to")
    for t in found["technologies"]:
        _node(net, f"t:{t['id']}", t["id"], "technology", t["name"] or t["id"])
        net.add_edge(me, f"t:{t['id']}", title="covers")
    for rel, items in (("under", found["parent"]), ("has under it", found["children"])):
        for a in items:
            _node(net, f"a:{a['id']}", a["id"], "agreement", a["title"] or a["id"])
            net.add_edge(me, f"a:{a['id']}", title=rel)
    for f in found["forums"]:
        _node(net, f"f:{f['id']}", f["id"], "forum", f["name"] or f["id"])
        net.add_edge(me, f"f:{f['id']}", title="under the auspices of")
    for c in found["components"]:
        _node(net, f"c:{c}", c, "component")
        net.add_edge(f"c:{c}", me, title="leads")
    caption = f"{found['title']}: its neighbourhood in the graph."
    legend = ["focus", "nation", "technology", "agreement", "forum", "component"]
    return net, f"{found['id']} neighbourhood", caption, legend


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
            net.add_edge(rid, nation, title="applies to")
        chain = list(r["chain"]) or ([r["attaches_to"]] if r["attaches_to"] else [])
        for lower, upper in zip([trace["technology"], *chain], chain, strict=False):
            if lower != upper:
                _node(net, f"t:{upper}", upper, "technology")
                net.add_edge(f"t:{lower}", f"t:{upper}", title="broader")
        if r["attaches_to"]:
            net.add_edge(rid, f"t:{r['attaches_to']}", title="applies to")
        for e in r["overridden_by"]:
            _node(net, f"e:{e}", e, "exemption")
            net.add_edge(f"e:{e}", rid, title="overrides", dashes=True)
            net.add_edge(f"e:{e}", nation, title="benefits", dashes=True)
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
            net.add_edge(f"n:{a}", f"n:{b}", value=w, title=f"{w} shared")
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
