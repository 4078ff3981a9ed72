"""Export the collaboration network to networkx and rank partners on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import networkx as nx

from graph.connection import Graph


def collaboration_network(graph: Graph, as_of: dt.date) -> nx.Graph:
    """Nations linked by shared active agreements; `weight` counts the agreements they share."""
    from queries.catalog import get

    net = nx.Graph()
    for row in get("collaboration-edges").run(graph, {"as_of": as_of}):
        net.add_edge(row["source"], row["target"], weight=row["weight"], distance=1 / row["weight"])
    names = graph.read(
        "MATCH (n:Nation) WHERE n.code IN $c RETURN n.code AS c, n.name AS n", {"c": list(net)}
    )
    nx.set_node_attributes(net, {r["c"]: r["n"] for r in names}, "name")
    return net


def partner_centrality(graph: Graph, as_of: dt.date) -> list[dict[str, Any]]:
    """Weighted degree, betweenness (shorter for stronger ties) and a modularity community per nation."""
    return centrality(collaboration_network(graph, as_of))


def centrality(net: nx.Graph) -> list[dict[str, Any]]:
    """Rank the nodes of a collaboration network (see partner_centrality)."""
    if net.number_of_nodes() == 0:
        return []
    between = nx.betweenness_centrality(net, weight="distance", normalized=True)
    communities = nx.community.greedy_modularity_communities(net, weight="weight")
    community = {n: i + 1 for i, members in enumerate(communities) for n in members}
    rows = [
        {
            "nation": n,
            "name": net.nodes[n].get("name", n),
            "partners": net.degree(n),
            "weighted_degree": net.degree(n, weight="weight"),
            "betweenness": round(between[n], 4),
            "community": community[n],
        }
        for n in net
    ]
    return sorted(rows, key=lambda r: (-r["weighted_degree"], -r["betweenness"], r["nation"]))
