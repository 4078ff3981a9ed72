"""Typed response shapes of the HTTP API; field names are those of DESIGN.md and the CLI."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    """Responses keep unknown fields out and document every field."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(Model):
    """The one error shape: what went wrong, for which field, and what to try."""

    code: str = Field(description="Machine-readable kind: not_found, invalid_parameter, forbidden...")
    message: str
    field: str | None = None
    suggestions: list[str] = []
    problems: list[str] = Field(default=[], description="Ingest problems as file:row:column: message")


class ErrorResponse(Model):
    """Every error response: `{"error": {...}}`."""

    error: ErrorBody


class Page(Model, Generic[T]):
    """One page of search results and how many matched in all."""

    total: int
    offset: int
    limit: int
    items: list[T]


class SearchHit(Model):
    """One entity found by the site search, with the field and text that matched."""

    kind: str
    key: str
    label: str
    match: Literal["id", "name", "phrase", "field", "words"] = Field(
        description="id: the exact key; name: the exact name or alias; phrase: the whole text in the key "
        "or name; field: the whole text in another field; words: every word somewhere"
    )
    field: str
    text: str


class SearchGroup(Model):
    """One kind's best hits, and how many matched in all."""

    total: int
    items: list[SearchHit]


class SearchAnswer(Model):
    """The site search: hits grouped by kind (only the kinds the caller may see), best first."""

    q: str
    groups: dict[str, SearchGroup]


class NationSummary(Model):
    code: str
    name: str | None
    region: str | None


class ForumSummary(Model):
    id: str
    name: str | None
    kind: str | None


class AgreementSummary(Model):
    id: str
    title: str | None
    type: str | None
    status: str | None
    start: str | None
    end: str | None


class TechnologySummary(Model):
    id: str
    name: str | None
    scheme: str | None
    priority: int | None


class RestrictionSummary(Model):
    id: str
    kind: str | None
    effect: str | None
    citation: str | None
    effective: str | None
    until: str | None


class ExemptionSummary(Model):
    id: str
    citation: str | None
    effective: str | None
    until: str | None


class Ref(Model):
    """A link to another entity."""

    id: str
    name: str | None = None


class Membership(Model):
    forum: str
    name: str | None
    role: str
    since: str | None
    until: str | None
    active: bool


class AgreementRef(Model):
    id: str
    title: str | None
    type: str | None
    status: str | None = None
    start: str | None = None
    end: str | None = None
    active: bool | None = None


class AgreementLink(Model):
    id: str
    title: str | None


class Partner(Model):
    nation: str
    name: str | None
    shared: int = Field(description="Active agreements the two nations are both party to")


class NationDetail(Model):
    code: str
    name: str | None
    region: str | None
    aliases: list[str] | None
    source: str | None
    memberships: list[Membership]
    agreements: list[AgreementRef]
    partners: list[Partner]
    gaps: list[CoverageGap] = Field(description="Priority technologies none of its active agreements cover")


class Member(Model):
    nation: str
    name: str | None
    role: str
    since: str | None
    until: str | None
    active: bool


class ForumDetail(Model):
    id: str
    name: str | None
    kind: str | None
    established: str | None
    source: str | None
    parent: list[Ref]
    children: list[Ref]
    members: list[Member]
    covers: list[Ref]
    agreements: list[AgreementRef]


class Party(Model):
    nation: str
    name: str | None
    contribution: str | None
    benefit: str | None


class AgreementDetail(Model):
    id: str
    title: str | None
    type: str | None
    status: str | None
    start: str | None
    end: str | None
    depth: int | None
    deliberate_redundancy: bool
    source: str | None
    active: bool
    parties: list[Party]
    technologies: list[Ref]
    parent: list[AgreementLink]
    children: list[AgreementLink]
    components: list[str]
    forums: list[Ref]


class Ancestor(Model):
    id: str
    name: str | None
    depth: int


class Mapping(Model):
    id: str
    name: str | None
    scheme: str | None


class TechnologyDetail(Model):
    id: str
    name: str | None
    scheme: str | None
    priority: int | None
    source: str | None
    ancestors: list[Ancestor]
    children: list[Ref]
    maps_to: list[Mapping]
    forums: list[Ref]
    agreements: list[AgreementRef]


class RestrictionDetail(Model):
    id: str
    kind: str | None
    effect: str | None
    citation: str | None
    effective: str | None
    until: str | None
    source: str | None
    nations: list[str]
    technologies: list[str]
    overridden_by: list[str]


class ExemptionDetail(Model):
    id: str
    citation: str | None
    effective: str | None
    until: str | None
    source: str | None
    nations: list[str]
    overrides: list[str]
    excludes: list[str]


# Analysis rows: one model per analysis, fields exactly the `returns` of its declaration.


class CoverageGap(Model):
    technology: str
    name: str | None
    priority: int
    scheme: str | None


class Duplicate(Model):
    agreement_a: str
    agreement_b: str
    parties: list[str]
    technologies: list[str]
    components: list[str]
    cross_component: bool
    relation: Literal["equal", "nested"] = Field(description="equal or nested party sets")
    same_type: bool = Field(description="both agreements of one type")


class DuplicateCluster(Model):
    cluster: int = Field(description="1.., by size descending then smallest id")
    agreements: list[str]
    titles: list[str | None] = Field(description="the agreements' titles, in the same order")
    size: int
    parties: list[str]
    technologies: list[str] = Field(description="union of the pairs' overlapping technologies")
    components: list[str]
    cross_component: bool
    same_type: bool


class ExclusionaryConsortium(Model):
    agreement: str
    forum: str
    technologies: list[str]
    parties: list[str]
    excluded: list[str]
    also: list[str] = Field(description="broader forums with the same excluded set this row stands for")


class Partnership(Model):
    nation_a: str
    nation_b: str = Field(description="nation_a < nation_b")
    technologies: list[str]
    agreements: list[str]
    count: int = Field(description="active agreements both are party to")


class Equitability(Model):
    agreement: str
    nation: str
    contribution_share: float | None = Field(description="its contribution / the agreement's total")
    benefit_share: float | None = Field(description="its benefit / the agreement's total")
    ratio: float | None = Field(description="benefit_share / contribution_share")
    verdict: Literal["equitable", "over_benefits", "under_benefits", "unassessed"]


class Collaboration(Model):
    nation: str
    technology: str
    agreements: list[str]
    count: int


class Expiring(Model):
    agreement: str
    title: str | None
    end: str
    days_left: int
    parties: list[str]
    technologies: list[str]
    would_be_gaps: list[str]


class Centrality(Model):
    nation: str
    name: str | None
    partners: int
    weighted_degree: float
    betweenness: float
    community: int


class EngagementPriority(Model):
    component: str | None
    nation: str
    technology: str | None
    score: float | None = Field(
        description="(priority / max(programs, 1)) x (regional x cooperative) x strength"
    )
    rank: int | None = Field(description="1 = highest; ties share a rank")
    priority: int | None
    programs: int | None
    regional_priority: int | None
    cooperative_potential: int | None
    strength: int | None
    note: str | None = Field(description="Why a nation was skipped (ITAR 126.1 denial)")


class EngagementDelta(Model):
    component: str | None = Field(description="None: engagement no component has a priority for")
    nation: str
    technology: str
    priority: float = Field(description="0..1: the score over the formula's maximum (81)")
    engagement: float = Field(description="0..1: summed agreement depth over the largest on that date")
    delta: float = Field(description="engagement - priority: negative = shortfall, positive = surplus")
    kind: str


class PortfolioChange(Model):
    kind: str = Field(description="agreement | membership | restriction | exemption")
    key: str = Field(description="the id; FORUM/NATION/ROLE for a membership")
    change: str = Field(description="started | ended, joined | left, in_force | lapsed")


class FindingChange(Model):
    analysis: str = Field(description="coverage-gaps | duplicates | exclusionary-consortia")
    key: str = Field(description="gaps: technology; duplicates: A|B; consortia: AGREEMENT|FORUM")
    change: str = Field(description="appeared | disappeared")


class NationRow(Model):
    code: str
    name: str | None
    region: str | None
    forums: int
    agreements: int


class Excluded(Model):
    """An exemption that does not cover the technology, and the excluded item that stops it."""

    exemption: str
    citation: str | None
    excluded: str
    name: str | None
    item_citation: str | None


class Reason(Model):
    restriction: str
    kind: str | None
    effect: str
    citation: str | None
    scope: str
    attaches_to: str | None
    chain: list[str]
    overridden_by: list[str]
    exemption_citations: list[str]
    excluded_from: list[Excluded] = Field(
        description="exemptions that would override it but exclude this technology or an ancestor"
    )
    applies: bool
    review_by: str | None
    source: str | None
    run_id: str | None


class DisclosureException(Model):
    """A narrower technology whose verdict is more severe than the asked one's."""

    technology: str
    name: str | None
    verdict: str
    reasons: list[Reason]


class DisclosureTrace(Model):
    nation: str
    technology: str
    name: str | None
    as_of: str
    verdict: str = Field(description="denied, license_required, review or permitted")
    headline: str = Field(description='the verdict as read: "permitted except 4 narrower items (...)"')
    summary: str
    reasons: list[Reason]
    exceptions: list[DisclosureException]
    warnings: list[str] = Field(description="facts past their review date; reference data staleness")
    runs: list[str] = Field(description="ingest runs whose rows the answer rests on")
    agreements: list[dict[str, Any]]
    reference_compiled: str | None = Field(description="the shipped reference data's compiled date")


class Overlap(Model):
    model_config = ConfigDict(extra="allow")
    agreement: str
    title: str | None
    type: str | None
    parties: list[str]
    technologies: list[str]


class PredraftCheck(Model):
    parties: list[str]
    technologies: list[str]
    as_of: str
    overlapping_agreements: list[Overlap]
    candidate_frameworks: list[Overlap]
    forums: list[dict[str, Any]]
    exclusion_warnings: list[dict[str, Any]]
    disclosure: list[dict[str, Any]] = Field(description="one verdict per foreign party and technology")
    warnings: list[str]


class WhatIf(Model):
    """One disclosure verdict that would change under the hypothesis."""

    nation: str
    technology: str
    name: str | None
    before: str
    after: str
    reason: str = Field(description="the restrictions that stop applying, and why")


class AnalysisInfo(Model):
    """What `stkg queries` lists."""

    name: str
    purpose: str
    params: list[dict[str, Any]]
    returns: list[str]
    single: bool


class Health(Model):
    status: str
    engine: str
    uri: str | None = Field(None, description="the engine's address; admins only")


class Version(Model):
    version: str
    engine: str


class IngestResult(Model):
    dry_run: bool
    summary: str
    changes: dict[str, Any]
    watches_changed: int = Field(0, description="the caller's watches whose answers this ingest changed")


class WatchRequest(Model):
    name: str = Field(min_length=1, max_length=200)
    analysis: str = Field(max_length=100, description="an analysis name, or `entity` (params: kind, key)")
    params: dict[str, str] = Field({}, description="as the analysis takes them; without as_of, the check day")


class WatchInfo(Model):
    id: str
    name: str
    analysis: str
    params: dict[str, str]
    created: str
    checked: str
    changes: list[dict[str, Any]] = Field(
        description="each check that found a change: at, and appeared "
        "/ disappeared rows, fields before / after, or error"
    )
    pending: int = Field(description="changes since the owner last looked at the What changed page")


class CypherRequest(Model):
    query: str = Field(max_length=20000)
    params: dict[str, Any] = {}


#: The row model of each analysis served as a table; single-object analyses have their own model.
ROWS: dict[str, type[Model]] = {
    "coverage-gaps": CoverageGap,
    "duplicates": Duplicate,
    "duplicate-clusters": DuplicateCluster,
    "partners": Partnership,
    "equitability": Equitability,
    "exclusionary-consortia": ExclusionaryConsortium,
    "collaborations": Collaboration,
    "expiring": Expiring,
    "partner-centrality": Centrality,
    "engagement-priorities": EngagementPriority,
    "engagement-delta": EngagementDelta,
    "nations": NationRow,
    "disclosure-whatif": WhatIf,
    "portfolio-changes": PortfolioChange,
    "findings-delta": FindingChange,
}
SINGLE: dict[str, type[Model]] = {"disclosure-trace": DisclosureTrace, "predraft-check": PredraftCheck}

NationDetail.model_rebuild()
