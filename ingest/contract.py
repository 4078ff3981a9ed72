"""The ingest contract of DESIGN.md, declared: tables, columns, types, enums and keys.

Where DESIGN.md is silent, every table also takes an optional `source` column (where the row
comes from), so reference rows keep their citation and as-of date. `review_by` (restrictions,
exemptions, memberships) is the day after which a fact must be checked again (DESIGN.md, second wave).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column: its name, type, whether it is required, and the allowed values of an enum."""

    name: str
    type: str = "str"  # str | int | number | date | bool | list | nation | nations | enum
    required: bool = False
    choices: tuple[str, ...] = ()
    lo: int | None = None
    hi: int | None = None


@dataclass(frozen=True)
class Table:
    """A table of the contract; `key` names the column(s) that identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        """Column names in contract order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column with this name."""
        return next(c for c in self.columns if c.name == name)


FORUM_KINDS = ("alliance", "multilateral", "bilateral", "group")
AGREEMENT_TYPES = ("FRAMEWORK", "MOU", "PA", "IEA", "ESEP", "LOI", "OTHER")
AGREEMENT_STATUSES = ("active", "proposed", "expired", "terminated")
ROLES = ("member", "partner", "observer")
RESTRICTION_KINDS = ("ITAR_126_1", "USML", "TAPP", "NDAA", "EAR", "POLICY")
EFFECTS = ("deny", "license_required", "review")

TABLES: tuple[Table, ...] = (
    Table(
        "nations",
        (
            Column("code", required=True),
            Column("name", required=True),
            Column("aliases", "list"),
            Column("region"),
            Column("source"),
        ),
        ("code",),
    ),
    Table(
        "components",
        (Column("id", required=True), Column("name", required=True), Column("source")),
        ("id",),
    ),
    Table(
        "technologies",
        (
            Column("id", required=True),
            Column("name", required=True),
            Column("scheme"),
            Column("broader", "list"),
            Column("maps_to", "list"),
            Column("priority", "int", lo=1, hi=3),
            Column("source"),
        ),
        ("id",),
    ),
    Table(
        "forums",
        (
            Column("id", required=True),
            Column("name", required=True),
            Column("kind", "enum", required=True, choices=FORUM_KINDS),
            Column("parent"),
            Column("covers", "list"),
            Column("established", "date"),
            Column("source"),
        ),
        ("id",),
    ),
    Table(
        "memberships",
        (
            Column("forum", required=True),
            Column("nation", "nation", required=True),
            Column("role", "enum", choices=ROLES),
            Column("since", "date"),
            Column("until", "date"),
            Column("review_by", "date"),
            Column("source"),
        ),
        ("forum", "nation", "role", "since"),
    ),
    Table(
        "agreements",
        (
            Column("id", required=True),
            Column("title", required=True),
            Column("type", "enum", required=True, choices=AGREEMENT_TYPES),
            Column("parties", "nations", required=True),
            Column("technologies", "list", required=True),
            Column("status", "enum", choices=AGREEMENT_STATUSES),
            Column("start", "date"),
            Column("end", "date"),
            Column("lead_component"),
            Column("forum"),
            Column("parent"),
            Column("depth", "int", lo=1, hi=5),
            Column("deliberate_redundancy", "bool"),
            Column("source"),
        ),
        ("id",),
    ),
    Table(
        "parties",
        (
            Column("agreement", required=True),
            Column("nation", "nation", required=True),
            Column("contribution"),
            Column("benefit"),
            Column("contribution_value", "number"),
            Column("benefit_value", "number"),
            Column("source"),
        ),
        ("agreement", "nation"),
    ),
    Table(
        "restrictions",
        (
            Column("id", required=True),
            Column("kind", "enum", required=True, choices=RESTRICTION_KINDS),
            Column("effect", "enum", required=True, choices=EFFECTS),
            Column("citation"),
            Column("nations", "nations"),
            Column("technologies", "list"),
            Column("effective", "date"),
            Column("until", "date"),
            Column("review_by", "date"),
            Column("source"),
        ),
        ("id",),
    ),
    Table(
        "exemptions",
        (
            Column("id", required=True),
            Column("citation", required=True),
            Column("nations", "nations", required=True),
            Column("overrides", "list", required=True),
            Column("excludes", "list"),
            Column("effective", "date"),
            Column("until", "date"),
            Column("review_by", "date"),
            Column("source"),
        ),
        ("id",),
    ),
    Table(
        "needs",
        (
            Column("component", required=True),
            Column("technology", required=True),
            Column("priority", "int", required=True, lo=1, hi=3),
            Column("programs", "int", required=True, lo=0, hi=3),
            Column("source"),
        ),
        ("component", "technology"),
    ),
    Table(
        "strengths",
        (
            Column("nation", "nation", required=True),
            Column("technology", required=True),
            Column("strength", "int", required=True, lo=1, hi=3),
            Column("source"),
        ),
        ("nation", "technology"),
    ),
    Table(
        "nation_factors",
        (
            Column("nation", "nation", required=True),
            Column("regional_priority", "int", required=True, lo=1, hi=3),
            Column("cooperative_potential", "int", required=True, lo=1, hi=3),
            Column("source"),
        ),
        ("nation",),
    ),
)
#: Engagement-planning tables (the Strategy's Framework): written by ingest/planning.py.
PLANNING = ("needs", "strengths", "nation_factors")
BY_NAME = {t.name: t for t in TABLES}
#: Order in which tables are validated and written, so references point backwards.
ORDER = tuple(t.name for t in TABLES)
