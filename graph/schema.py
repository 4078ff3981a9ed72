"""The graph model of DESIGN.md, declared once: labels, keys, properties, relationship types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph import journal

if TYPE_CHECKING:
    from graph.connection import Graph

#: Properties every ingested node and relationship carries (provenance).
PROVENANCE = ("source", "run_id")
#: Digest of what an ingested row manages, kept on its node so re-ingest compares cheaply.
FINGERPRINT = "fingerprint"


@dataclass(frozen=True)
class NodeType:
    """A node label with its unique key and the properties stkg writes."""

    label: str
    key: str
    properties: tuple[str, ...]


@dataclass(frozen=True)
class RelType:
    """A relationship type with its allowed endpoints and properties."""

    type: str
    start: tuple[str, ...]
    end: tuple[str, ...]
    properties: tuple[str, ...] = ()


NATION = NodeType("Nation", "code", ("code", "name", "aliases", "region", "alpha2"))
FORUM = NodeType("Forum", "id", ("id", "name", "kind", "established"))
TECHNOLOGY = NodeType("Technology", "id", ("id", "name", "scheme", "priority"))
AGREEMENT = NodeType(
    "Agreement",
    "id",
    ("id", "title", "type", "status", "start", "end", "depth", "deliberate_redundancy"),
)
COMPONENT = NodeType("Component", "id", ("id", "name"))
RESTRICTION = NodeType(
    "Restriction", "id", ("id", "kind", "effect", "citation", "effective", "until", "review_by")
)
EXEMPTION = NodeType("Exemption", "id", ("id", "citation", "effective", "until", "review_by"))
NATION_FACTORS = NodeType("NationFactors", "nation", ("nation", "regional_priority", "cooperative_potential"))
INGEST_RUN = NodeType(
    "IngestRun",
    "id",
    ("id", "path", "started", "finished", "checksums", "counts", "warnings", "tables", "compiled"),
)
#: What one ingest run changed in one entity, or the keys of up to 1,000 it added (ingest/history.py);
#: properties and relationships are JSON.
CHANGE = NodeType(
    "Change", "id", ("id", "run_id", "table", "key", "keys", "change", "properties", "relationships")
)

NODE_TYPES: tuple[NodeType, ...] = (
    NATION,
    FORUM,
    TECHNOLOGY,
    AGREEMENT,
    COMPONENT,
    RESTRICTION,
    EXEMPTION,
    NATION_FACTORS,
    INGEST_RUN,
    CHANGE,
)
NODES = {n.label: n for n in NODE_TYPES}

PART_OF = RelType("PART_OF", ("Forum",), ("Forum",))
MEMBER_OF = RelType("MEMBER_OF", ("Nation",), ("Forum",), ("role", "since", "until", "review_by"))
FORUM_COVERS = RelType("COVERS", ("Forum", "Agreement"), ("Technology",))
BROADER = RelType("BROADER", ("Technology",), ("Technology",))
MAPS_TO = RelType("MAPS_TO", ("Technology",), ("Technology",))
PARTY_TO = RelType(
    "PARTY_TO",
    ("Nation",),
    ("Agreement",),
    ("contribution", "benefit", "contribution_value", "benefit_value"),
)
UNDER = RelType("UNDER", ("Agreement",), ("Agreement",))
UNDER_AUSPICES_OF = RelType("UNDER_AUSPICES_OF", ("Agreement",), ("Forum",))
LEADS = RelType("LEADS", ("Component",), ("Agreement",))
APPLIES_TO = RelType("APPLIES_TO", ("Restriction",), ("Nation", "Technology"))
BENEFITS = RelType("BENEFITS", ("Exemption",), ("Nation",))
OVERRIDES = RelType("OVERRIDES", ("Exemption",), ("Restriction",))
EXCLUDES = RelType("EXCLUDES", ("Exemption",), ("Technology",))
NEEDS = RelType("NEEDS", ("Component",), ("Technology",), ("priority", "programs"))
STRENGTH_IN = RelType("STRENGTH_IN", ("Nation",), ("Technology",), ("strength",))
RATES = RelType("RATES", ("NationFactors",), ("Nation",))

REL_TYPES: tuple[RelType, ...] = (
    PART_OF,
    MEMBER_OF,
    FORUM_COVERS,
    BROADER,
    MAPS_TO,
    PARTY_TO,
    UNDER,
    UNDER_AUSPICES_OF,
    LEADS,
    APPLIES_TO,
    BENEFITS,
    OVERRIDES,
    EXCLUDES,
    NEEDS,
    STRENGTH_IN,
    RATES,
)

#: (label, property) pairs the analyses filter on, indexed beyond the unique keys.
INDEXES: tuple[tuple[str, str], ...] = (
    ("Agreement", "status"),
    ("Technology", "scheme"),
    ("Nation", "alpha2"),
    ("Change", "run_id"),
    ("Change", "key"),
)


def labels() -> list[str]:
    """Every node label of the model, sorted."""
    return sorted(NODES)


def relationship_types() -> list[str]:
    """Every relationship type of the model, sorted and unique."""
    return sorted({r.type for r in REL_TYPES})


def property_keys() -> list[str]:
    """Every property name the model writes on nodes or relationships."""
    keys: set[str] = {*PROVENANCE, FINGERPRINT}
    for node in NODE_TYPES:
        keys.update(node.properties)
    for rel in REL_TYPES:
        keys.update(rel.properties)
    return sorted(keys)


def constraint_statements() -> list[str]:
    """Idempotent DDL for the unique keys and indexes; names come from this module only."""
    stmts = [
        f"CREATE CONSTRAINT {n.label.lower()}_{n.key} IF NOT EXISTS "
        f"FOR (n:{n.label}) REQUIRE n.{n.key} IS UNIQUE"
        for n in NODE_TYPES
    ]
    stmts += [
        f"CREATE INDEX {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})"
        for label, prop in INDEXES
    ]
    return stmts


def label(name: str) -> str:
    """Return a label known to the schema, so no user text ever becomes a label."""
    if name not in NODES:
        raise KeyError(f"unknown label {name!r}")
    return name


def ensure_schema(graph: Graph) -> None:
    """Create the unique constraints and indexes; safe to run any number of times."""
    for stmt in constraint_statements():
        graph.write(stmt, entry=journal.SCHEMA)  # the write log tells a snapshot no data changed


def counts(graph: Graph) -> dict[str, dict[str, int]]:
    """Count nodes per label and relationships per type, for `stkg status`."""
    nodes = {lbl: int(graph.read(f"MATCH (n:{lbl}) RETURN count(n) AS c")[0]["c"]) for lbl in labels()}
    rels = {
        t: int(graph.read(f"MATCH ()-[r:{t}]->() RETURN count(r) AS c")[0]["c"]) for t in relationship_types()
    }
    return {"nodes": nodes, "relationships": rels}
