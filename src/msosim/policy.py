"""The funders' schema, today's funding landscape, the policy levers scenarios compare, and the overlay that applies
them to the configuration once, when a scenario loads (the model reads the overlay, never the policy section)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from .schema_base import FIELDS, Share, Strict


class FunderConfig(Strict):
    """A funding programme (or a family of them, one per Land)."""

    level: Literal["federal", "land", "foundation", "municipal"] = Field("federal", description="who funds")
    per_land: bool = Field(False, description="one copy per Land, budget split by the Laender's migrant populations, applicants from that Land only")
    budget: float = Field(0.0, ge=0, le=1e10, description="budget at national scale [EUR/year]")
    mode: Literal["project", "institutional", "mixed"] = Field("project", description="time-limited projects, core funding, or both")
    institutional_share: Share = Field(0.5, description="share of the budget for institutional funding when mode is 'mixed'")
    project_years: float = Field(3.0, gt=0, le=20, description="duration of a project grant [years]; BMFSFJ/BAMF: 1-3")
    institutional_years: float = Field(8.0, gt=0, le=50, description="duration of an institutional grant before renewal [years]; prior")
    renewal_probability: Share = Field(0.9, description="probability an institutional grant is renewed when it ends and the MSO is active")
    max_award: float = Field(100000.0, gt=0, le=1e8, description="largest award [EUR/year]; BAMF structural funding: 100-110k")
    min_award: float = Field(5000.0, gt=0, le=1e8, description="smallest award [EUR/year]")
    staff_share: Share = Field(0.7, description="share of a project's cost that pays staff (0 for micro-grants)")
    cofunding_share: Share = Field(0.1, description="share of the project cost the MSO pays itself")
    application_hours: float = Field(80.0, ge=0, le=5000, description="hours to prepare an application for an MSO with staff [h]; Gluckman 2012: 10-35% of award")
    eligibility: Literal["any", "requires_staff", "volunteer_only", "federation_member"] = Field("any", description="who may apply")
    fields: list[Literal[FIELDS]] = Field(default_factory=list, description="activity fields the programme funds: an MSO fits the call if it is active in one of them (empty: any field) [-]; the programme's aims (issue 15)")
    selection: Literal["score", "need", "lottery"] = Field("score", description="how applications are ranked")
    call_month: int = Field(1, ge=1, le=12, description="month of the year's first call, 1 = January [month]")
    calls_per_year: int = Field(1, ge=1, le=12, description="calls a year, spread evenly from call_month; each awards at most its share (1/calls_per_year) of the yearly budget in new grants; one for yearly programmes (KOMM-AN NRW, BAMF, Demokratie leben!), 12 for rolling applications decided monthly (Aktion Mensch) [1/year]")
    start_lag_months: int = Field(3, ge=0, le=24, description="months from call to project start")
    professionalisation_gain: Share = Field(0.05, description="professionalisation a grantee gains per grant (training, routines) [-]")
    policy_scope: bool = Field(True, description="policy levers (funding mode, duration, co-funding) apply to this funder")
    role: Literal["programme", "micro_grants", "structure_programme"] = Field(
        "programme", description="which policy budget sets this funder's budget: its own (programme), policy.micro_grants_budget or policy.professionalisation_budget")


# Federal programmes fund integration and participation, not the culture of origin or the arts as such (§ 45
# AufenthG integration projects; BMFSFJ youth, family and democracy programmes): the fields they take.
INTEGRATION_FIELDS = ["exchange", "children_youth", "education", "refugee_support", "counselling", "women",
                      "parents_family"]


def default_funders() -> dict[str, FunderConfig]:
    """Today's funding landscape: federal, Land and foundation project funding (assumed budgets)."""
    return {
        "federal_projects": FunderConfig(level="federal", budget=40e6, project_years=3, max_award=130000,
                                         min_award=60000, application_hours=120, eligibility="requires_staff",
                                         cofunding_share=0.1, call_month=1, fields=INTEGRATION_FIELDS),
        "federal_integration": FunderConfig(level="federal", budget=60e6, project_years=2, max_award=90000,
                                            min_award=25000, application_hours=90, eligibility="any",
                                            cofunding_share=0.1, call_month=5, fields=INTEGRATION_FIELDS),
        "land_programmes": FunderConfig(level="land", per_land=True, budget=170e6, project_years=1,
                                        max_award=60000, min_award=5000, application_hours=40,
                                        cofunding_share=0.1, call_month=10),
        "foundations": FunderConfig(level="foundation", budget=30e6, project_years=2, max_award=50000,
                                    min_award=5000, application_hours=50, selection="score",
                                    cofunding_share=0.0, call_month=3, calls_per_year=12),
        "structure_programme": FunderConfig(level="federal", budget=2.2e6, project_years=3, max_award=110000,
                                            min_award=80000, application_hours=100, eligibility="federation_member",
                                            professionalisation_gain=0.3, call_month=7, policy_scope=False,
                                            role="structure_programme"),
        "micro_grants": FunderConfig(level="land", per_land=True, budget=0.0, project_years=1, max_award=2500,
                                     min_award=500, staff_share=0.0, application_hours=4, cofunding_share=0.0,
                                     selection="lottery", call_month=2, calls_per_year=12, start_lag_months=1,
                                     professionalisation_gain=0.02, policy_scope=False, role="micro_grants"),
    }


class PolicyConfig(Strict):
    """The policy levers scenarios compare; applied to the funders and municipalities once, when the scenario loads."""

    funding_mode: Literal["as_configured", "project", "institutional", "mixed"] = Field(
        "as_configured", description="funding mode of the funders in policy scope")
    institutional_share: Share = Field(0.5, description="share of each in-scope budget paid as institutional funding when the mode is 'mixed'")
    project_years: float | None = Field(None, gt=0, le=20, description="project duration of in-scope funders [years]; empty keeps each funder's")
    cofunding_share: Share | None = Field(None, description="co-funding share of in-scope funders; empty keeps each funder's")
    application_hours_factor: float = Field(1.0, ge=0, le=10, description="multiplier on every funder's application hours (less bureaucracy < 1) [-]")
    application_support: Share = Field(0.0, description="share of application hours that support services take off volunteer-only MSOs [-]")
    budget_factor: float = Field(1.0, ge=0, le=1000, description="multiplier on every funder's budget [-]")
    micro_grants_budget: float = Field(0.0, ge=0, le=1e10, description="budget of low-threshold micro-grants for volunteer work, national [EUR/year]")
    professionalisation_budget: float | None = Field(None, ge=0, le=1e10, description="budget of the structure-building programme, national [EUR/year]; empty keeps the funder's")
    dialogue_formats: Share = Field(0.1, description="share of municipalities that run moderated dialogue formats [-]")
    delegation_funded_share: Share | None = Field(None, description="share of delegated tasks that come with money; empty keeps the municipal setting")


def funder_after_policy(config: FunderConfig, policy: PolicyConfig) -> FunderConfig:
    """A funder's settings after the policy levers: scaled hours and budget, its role's budget, the in-scope levers."""
    changes: dict = {"application_hours": config.application_hours * policy.application_hours_factor,
                     "budget": config.budget * policy.budget_factor}
    if config.role == "micro_grants":
        changes["budget"] = policy.micro_grants_budget * policy.budget_factor
    if config.role == "structure_programme" and policy.professionalisation_budget is not None:
        changes["budget"] = policy.professionalisation_budget * policy.budget_factor
    if config.policy_scope:
        if policy.funding_mode != "as_configured":
            changes["mode"] = policy.funding_mode
            changes["institutional_share"] = policy.institutional_share
        if policy.project_years is not None:
            changes["project_years"] = policy.project_years
        if policy.cofunding_share is not None:
            changes["cofunding_share"] = policy.cofunding_share
    return config.model_copy(update=changes)


@dataclass(frozen=True)
class PolicyOverlay:
    """The configuration after the policy levers: every value the model reads that a lever sets."""

    funders: dict[str, FunderConfig]   # each funder after funder_after_policy
    application_support: float        # share of application hours and of the information gap support takes off volunteer-only MSOs
    dialogue_formats: float            # share of municipalities that run dialogue formats
    delegation_funded_share: float     # share of delegated tasks that come with money: the policy's, else the municipal setting


def apply_policy(policy: PolicyConfig, funders: dict[str, FunderConfig], delegation_funded_share: float) -> PolicyOverlay:
    """The policy levers applied to the funders and the municipal setting (once, when a scenario validates)."""
    chosen = policy.delegation_funded_share
    return PolicyOverlay(funders={name: funder_after_policy(config, policy) for name, config in funders.items()},
                         application_support=policy.application_support, dialogue_formats=policy.dialogue_formats,
                         delegation_funded_share=delegation_funded_share if chosen is None else chosen)
