"""Coverage gaps worked out on the snapshot, for the answers that ask them at many dates.

findings-delta asks the gaps at two dates, and the expiring page at up to 40; coverage-gaps.cypher (the
analysis, and the definition) costs a query each time. Here a date costs a pass over the agreements
already read for the graph version. tests/test_analyses.py and tests/test_portfolio.py require the
Cypher's technologies (on the gaps fixture, the sample and the 600-agreement portfolio, at five dates).
"""

from __future__ import annotations

import datetime as dt

from graph.connection import Graph
from queries import snapshot
from queries.taxonomy import lineage, priorities


def gaps(graph: Graph, day: dt.date) -> frozenset[str]:
    """The technologies with a priority that no agreement active on `day` covers, directly or through a
    narrower technology (coverage-gaps.cypher's rule, every nation); once per graph version and date."""
    return snapshot.of(graph).dated("coverage-gaps", day, lambda: _gaps(graph, day))  # type: ignore[no-any-return]


def _gaps(graph: Graph, day: dt.date) -> frozenset[str]:
    """gaps(), worked out."""
    tables = snapshot.of(graph).tables(graph, ("cover-links",))
    covered, up = tables.listed("technologies"), lineage(graph)
    named: set[str] = set()  # the technologies active agreements name: a few hundred, against 60,000 names
    for agreement in tables.agreements:
        if snapshot.active(agreement, day):
            named.update(covered.get(agreement["id"], ()))
    reached = set().union(*(up.get(technology, {technology}) for technology in named))
    return frozenset(priorities(graph) - reached)
