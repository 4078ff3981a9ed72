"""How each table becomes nodes and the relationships each row owns (declarative)."""

from __future__ import annotations

from dataclasses import dataclass

from graph import schema


@dataclass(frozen=True)
class Owned:
    """Relationships a row owns: replaced as a set whenever the row changes."""

    type: str
    other: str  # label at the other end
    column: str  # column listing the other ends' keys
    outgoing: bool = True  # (owner)-[:T]->(other) when True, (other)-[:T]->(owner) otherwise
    props: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeTable:
    """A table whose rows are nodes of one label."""

    table: str
    label: str
    key: str
    props: tuple[str, ...]
    owned: tuple[Owned, ...] = ()


NODE_TABLES: tuple[NodeTable, ...] = (
    NodeTable("nations", schema.NATION.label, "code", ("name", "aliases", "region")),
    NodeTable("components", schema.COMPONENT.label, "id", ("name",)),
    NodeTable(
        "technologies",
        schema.TECHNOLOGY.label,
        "id",
        ("name", "scheme", "priority"),
        (
            Owned(schema.BROADER.type, "Technology", "broader"),
            Owned(schema.MAPS_TO.type, "Technology", "maps_to"),
        ),
    ),
    NodeTable(
        "forums",
        schema.FORUM.label,
        "id",
        ("name", "kind", "established"),
        (
            Owned(schema.PART_OF.type, "Forum", "parent"),
            Owned(schema.FORUM_COVERS.type, "Technology", "covers"),
            Owned(schema.MEMBER_OF.type, "Nation", "members", False, ("role", "since", "until", "review_by")),
        ),
    ),
    NodeTable(
        "agreements",
        schema.AGREEMENT.label,
        "id",
        ("title", "type", "status", "start", "end", "depth", "deliberate_redundancy"),
        (
            Owned(
                schema.PARTY_TO.type,
                "Nation",
                "parties",
                False,
                ("contribution", "benefit", "contribution_value", "benefit_value"),
            ),
            Owned(schema.FORUM_COVERS.type, "Technology", "technologies"),
            Owned(schema.UNDER.type, "Agreement", "parent"),
            Owned(schema.UNDER_AUSPICES_OF.type, "Forum", "forum"),
            Owned(schema.LEADS.type, "Component", "lead_component", False),
        ),
    ),
    NodeTable(
        "restrictions",
        schema.RESTRICTION.label,
        "id",
        ("kind", "effect", "citation", "effective", "until", "review_by"),
        (
            Owned(schema.APPLIES_TO.type, "Nation", "nations"),
            Owned(schema.APPLIES_TO.type, "Technology", "technologies"),
        ),
    ),
    NodeTable(
        "exemptions",
        schema.EXEMPTION.label,
        "id",
        ("citation", "effective", "until", "review_by"),
        (
            Owned(schema.BENEFITS.type, "Nation", "nations"),
            Owned(schema.OVERRIDES.type, "Restriction", "overrides"),
            Owned(schema.EXCLUDES.type, "Technology", "excludes"),
        ),
    ),
)
BY_TABLE = {t.table: t for t in NODE_TABLES}
KEYS = {t.label: t.key for t in NODE_TABLES}
#: Tables of relationship rows only, folded into the owning node's relationship set.
REL_TABLES = {
    "memberships": ("forums", "forum", "members"),
    "parties": ("agreements", "agreement", "parties"),
}
