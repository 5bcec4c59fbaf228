"""The scenario schema (pydantic v2) and YAML loading with clear, one-line errors.

Every parameter is defined once here (the funders and the policy levers in policy.py, the section base
in schema_base.py, all importable from here), with its default, bounds, unit and description; the
docs, the dashboard's sliders and the experiment key paths are generated from this schema.
Every rate is per year; the model converts it to a per-step probability.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from .loading import check_extends, did_you_mean, load_mapping, printable, schema_keys, shown, usable_path
from .policy import FunderConfig, PolicyConfig, PolicyOverlay, apply_policy, default_funders, funder_after_policy
from .schema_base import Share, Strict


class PopulationConfig(Strict):
    """The initial synthetic population (CALIBRATION.md)."""

    scale: Literal["national", "land", "district"] = Field(
        "national", description="national (all Laender), one Land, or one district")
    land: Literal["BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"] = Field(
        "NW", description="Land code used when scale is 'land' or 'district' (data/laender.csv)")
    geography_seed: int = Field(1, ge=0, le=2**31 - 1,
                                description="seed of the synthetic geography (district sizes), the same in every replication [-]")
    n_msos: int = Field(13400, ge=1, le=5_000_000,
                        description="MSOs at start, national total [count]; seed article: 12,400-14,300")
    n_districts: int = Field(401, ge=1, le=2000,
                             description="districts (Kreise) at national scale [count]; Destatis: 401")
    share_volunteer_only: Share = Field(0.41, description="volunteer-only MSOs at start; SVR 2020")
    share_permanent_staff: Share = Field(0.37, description="MSOs with permanent paid staff at start; SVR 2020")
    members_median: float = Field(40.0, gt=0, le=10000,
                                  description="median members per MSO [persons]; SVR 2020: most < 100")
    members_sigma: float = Field(0.75, gt=0, le=3, description="log-sd of members [-]; prior")
    active_share: Share = Field(0.25, description="share of members who volunteer actively at start; prior")
    staff_fte_median: float = Field(0.6, gt=0, le=50,
                                     description="median paid staff of a permanently staffed MSO [FTE]; prior")
    federation_share: Share = Field(0.3, description="share of MSOs in an umbrella federation at start; prior")
    founding_members_median: float = Field(11.0, ge=7, le=1000,
                                           description="median members of a newly founded MSO [persons]; prior (an e.V. needs 7 to register)")
    mean_age_years: float = Field(14.0, gt=0, le=80, description="mean age of MSOs at start [years]; prior")
    initial: Literal["tables", "spinup"] = Field(
        "spinup", description="where the initial MSOs come from: drawn from today's tables, or the survivors of a spin-up of the model itself (the scenario without its policy and events, run for spinup_years from the tables, cached) [-]; issue 15, Grimm et al. 2020 (ODD: initialisation)")
    spinup_years: int = Field(10, ge=1, le=100, description="calm years the spin-up runs before the start, when initial is 'spinup' [years]; prior (the stock and the cohort's ages settle within a decade)")
    age_size_correlation: float = Field(0.8, ge=0, lt=1, description="rank correlation (Gaussian copula) between an initial MSO's age and its size (log members, paid staff), so the young ones are the small ones [-]; prior (direction: Bruederl & Schuessler 1990, Hannan & Freeman 1989: older organisations are larger)")

    @model_validator(mode="after")
    def _shares_fit(self) -> "PopulationConfig":
        if self.share_volunteer_only + self.share_permanent_staff > 1.0:
            raise ValueError("share_volunteer_only + share_permanent_staff must be at most 1")
        return self


class VolunteerConfig(Strict):
    """Volunteer hours, burnout, quitting and joining."""

    sustainable_hours: float = Field(14.0, gt=0, le=200,
                                     description="load per volunteer above which burnout grows [h/month]; prior")
    max_hours: float = Field(30.0, gt=0, le=300,
                             description="most hours a volunteer works in a month under pressure [h/month]; prior")
    burnout_gain: float = Field(1.0, ge=0, le=10,
                                description="speed at which burnout rises towards the level its load sets [1/year]; Allen & Mueller 2013 (direction)")
    burnout_recovery: float = Field(0.8, ge=0, le=10,
                                    description="speed at which burnout falls towards the level its load sets [1/year]; prior")
    burnout_at_sustainable_load: float = Field(0.2, gt=0, lt=1,
                                               description="burnout level a load at the sustainable hours settles at [-]; prior (the initial population's mean, Beta(2, 8)); shape after the Job Demands-Resources model (Bakker & Demerouti 2007)")
    burnout_steepness: float = Field(2.0, ge=0.5, le=10,
                                     description="how sharply the burnout level rises with the load ratio r: the level is r^k / (r^k + 1 / burnout_at_sustainable_load - 1) [-]; prior")
    dropout_rate: Share = Field(0.25, description="yearly probability a rested volunteer stops; CNCS 2007: about 1 in 3")
    burnout_quit_factor: float = Field(1.5, ge=0, le=20,
                                       description="extra dropout at full burnout, relative [-]; Scherer et al. 2016 (direction)")
    staff_retention: Share = Field(0.3, description="share by which paid staff (up to one FTE, in proportion below it) lower the yearly dropout of an MSO's volunteers: paid staff supervise, train and recognise them [-]; Hager & Brudney 2004 (Urban Institute: volunteer management practices raise retention, and charities with paid staff adopt more of them; direction), size a prior")
    join_rate: Share = Field(0.12, description="yearly probability an inactive member becomes active; prior")
    density_curvature: float = Field(3.0, ge=0, le=100,
                                     description="curvature of joining in log density: joining is exp(-c * ln(x / x_ref)^2) of its rate at the reference density x_ref (the initial national MSOs per 10,000 migrants), lower where legitimation is lacking (fewer MSOs) and where MSOs compete for members (more) [-]; Hannan & Freeman 1989, Hannan & Carroll 1992 (log-quadratic density dependence); size a prior")
    visibility_weight: Share = Field(0.5, description="how much joining depends on the share of its community's requests an MSO meets (visibility) [-]; prior")
    embedding_effect: float = Field(0.2, ge=0, le=5, description="extra joining for MSOs cooperating with their municipality or in a federation, each [-]; prior")
    member_growth_rate: float = Field(0.25, ge=0, le=5, description="yearly growth of members while their community's base has room, times the share of the base still free [1/year]; prior (set with member_exit_rate so that members settle where the initial population starts, about 68% of the base)")
    member_exit_rate: Share = Field(0.08, description="yearly probability an inactive member leaves (moves away, loses interest, dies) [1/year]; prior")
    community_reach: Share = Field(0.05, description="share of a district's migrants of an origin group who can be members of that group's MSOs in the district: the base the MSOs compete for (at the start about 3.4% are) [-]; prior (ZfT for BMFSFJ: two thirds of Turkish-origin residents take part in associations of any kind, 10% beyond membership)")


class FinanceConfig(Strict):
    """Income and spending of an MSO."""

    fee_per_member: float = Field(36.0, ge=0, le=10000, description="membership fee [EUR/member/year]; prior")
    donations_median: float = Field(4000.0, ge=0, le=1e7, description="median own income besides fees: donations, course fees, room rents [EUR/year]; prior")
    earned_income_per_fte: float = Field(8000.0, ge=0, le=1e6, description="course fees and service charges a paid position brings in [EUR/FTE/year]; prior")
    staff_cost_per_fte: float = Field(55000.0, gt=0, le=500000, description="employer cost of one FTE [EUR/year]; TVoeD E9, prior")
    base_costs_volunteer: float = Field(800.0, ge=0, le=1e6, description="fixed running costs of any association: insurance, bank, register [EUR/year]; prior")
    office_costs: float = Field(5000.0, ge=0, le=1e6, description="office rent and running costs per paid position [EUR/FTE/year]; prior")
    overhead_needed: Share = Field(0.2, description="overhead a project needs, share of its cost; Gregory & Howard 2009: 20-25%")
    overhead_allowed: Share = Field(0.15, description="overhead funders allow, share of project cost; Gregory & Howard 2009: 10-15%")
    cofunding_in_kind: Share = Field(0.7, description="share of co-funding an MSO may give as volunteer hours instead of cash [-]; German grant law (unbare Eigenleistung), prior")
    in_kind_hour_value: float = Field(15.0, gt=0, le=1000, description="value credited for one volunteer hour of in-kind co-funding [EUR/h]; prior")
    own_position_cost: float = Field(8100.0, ge=0, le=1e6, description="yearly cost of a paid position an MSO funds from its own income (a minijob: 520 EUR a month, § 8 Abs. 1a SGB IV, plus about 30% employer lump sums); an MSO whose free own income covers it and its office share employs one; 0: none [EUR/year]; SVR 2020: 41% of MSOs purely volunteer, 37% with employees")
    reserve_months_to_keep_staff: float = Field(6.0, ge=0, le=120,
                                                description="months of a position's cost an MSO must hold in reserve to keep it after its grant ends [months]; prior")
    insolvency_months: int = Field(6, ge=1, le=120,
                                   description="consecutive months with negative reserves before dissolution [months]; prior (Multikulturelles Forum 2020: most small MSOs survive 1-2 months without income)")
    financing_horizon: float = Field(1.0, ge=0, le=5,
                                     description="share of a new project's duration over which an MSO must be able to carry its own share of all its grants (co-funding, office, overhead beyond what funders allow) from reserves and free own income before it applies; 1 = the whole project, 0 = no check [-]; VV zu § 44 BHO/LHO Nr. 1.2: no grant without secured total financing")
    operating_reserve_months: float = Field(6.0, ge=0, le=60,
                                            description="running costs (staff, office, basic costs) an MSO may keep as operating reserve [months]; AEAO zu § 62 Abs. 1 Nr. 1 AO (Betriebsmittelruecklage; the length is a prior)")
    free_reserve_share: Share = Field(0.1, description="share of last year's income an MSO may keep as free reserve besides the operating reserve [-]; § 62 Abs. 1 Nr. 3 AO: 10% of the funds to be used promptly")
    spending_rate: Share = Field(0.5, description="yearly share of the money above the allowed reserves that an MSO spends on its purposes (activities, rooms, material) [-]; § 55 Abs. 1 Nr. 5 AO: within the two years after the year of receipt")
    vacancy_months: float = Field(1.25, ge=0, le=24,
                                  description="mean months a position a new grant pays stays vacant before it is filled [months]; IAB-Stellenerhebung 2022: actual start 38 days after the wanted start for positions needing a vocational or academic degree (31 days for all hires)")
    material_hours_share: Share = Field(0.5, description="share of a grant's non-staff money spent on freelance help [-]; prior")
    honorarium_per_hour: float = Field(25.0, gt=0, le=1000,
                                       description="cost of one hour of freelance help bought from project money [EUR/h]; prior")


class ServiceConfig(Strict):
    """Local demand for MSO services and its delivery."""

    demand_hours_per_migrant: float = Field(1.5, ge=0, le=100,
                                            description="yearly demand for MSO service hours per migrant resident [h/year]; prior")
    newcomer_hours: float = Field(6.0, ge=0, le=1000,
                                  description="yearly extra demand per newly arrived person while their need lasts [h/year]; prior")
    newcomer_decay_years: float = Field(2.0, gt=0, le=50,
                                        description="mean time a newcomer's extra demand lasts [years]; prior")
    overcommitment: float = Field(1.25, ge=0.1, le=10,
                                  description="how far beyond its sustainable hours an MSO accepts its community's requests [-]; prior")
    staff_service_hours: float = Field(110.0, ge=0, le=200,
                                       description="service hours one FTE delivers per month after admin [h/month]; prior")
    staff_admin_hours: float = Field(30.0, ge=0, le=200, description="hours one FTE has for applications, reporting and admin [h/month]; prior")
    admin_hours_per_grant: float = Field(8.0, ge=0, le=500,
                                         description="reporting and accounting hours per active grant [h/month]; prior")


class MunicipalityConfig(Strict):
    """Municipalities: openness, budget, delegation, cooperation with MSOs."""

    openness_mean: Share = Field(0.5, description="mean openness towards MSOs, 0 sceptical .. 1 protective; prior")
    openness_sd: float = Field(0.15, ge=0, le=1, description="spread of openness across districts [-]; prior")
    budget_per_migrant: float = Field(3.0, ge=0, le=1000,
                                      description="municipal money for MSO tasks [EUR/migrant resident/year]; prior")
    delegation_rate: float = Field(1.0, ge=0, le=100,
                                   description="tasks delegated per year to a cooperating MSO at normal demand [tasks/year]; prior")
    task_hours: float = Field(40.0, gt=0, le=10000, description="hours of one delegated task [h]; prior")
    task_months: int = Field(3, ge=1, le=60, description="months over which a task's hours fall [months]; prior")
    task_payment_per_hour: float = Field(30.0, ge=0, le=1000, description="payment for a funded task [EUR/h]; prior")
    delegation_funded_share: Share = Field(0.5, description="share of delegated tasks that come with money; seed article (instrumentalisation)")
    cooperation_rate: Share = Field(0.15, description="base yearly probability a non-cooperating MSO starts cooperating, scaled by openness, trust, experience, dialogue and burden; prior")
    cooperation_end_rate: Share = Field(0.1, description="yearly probability a cooperation ends at zero trust; prior")
    trust_rate: float = Field(0.5, ge=0, le=20, description="speed at which trust moves to its signal [1/year]; prior")
    unfunded_trust_penalty: float = Field(0.5, ge=0, le=5,
                                          description="trust lost per unit of unfunded-task share (feeling instrumentalised) [-]; seed article")
    admin_burden: Share = Field(0.2, description="paperwork a municipality adds to cooperation, as a share of task hours; also lowers the odds of starting to cooperate [-]; seed article (barrier)")
    openness_rate: float = Field(0.2, ge=0, le=20, description="speed at which openness follows MSO service coverage [1/year]; prior")
    experience_gain: float = Field(1.0, ge=0, le=100,
                                   description="experience gained per newcomer per 100 residents [-]; seed article (enabler)")
    power_asymmetry: Share = Field(0.3, description="how much a volunteer-only MSO's cooperation odds are lower than a staffed one's; seed article")


class CooperationConfig(Strict):
    """Ties among MSOs and federation membership."""

    tie_rate: float = Field(0.3, ge=0, le=50, description="new ties an MSO forms per year with MSOs in its district [ties/year]; prior")
    tie_break_rate: Share = Field(0.1, description="yearly probability a tie breaks; prior")
    federation_join_rate: Share = Field(0.02, description="yearly probability a non-member joins a federation; prior")
    federation_leave_rate: Share = Field(0.047, description="yearly probability a member leaves its federation; prior, set so that joining and leaving balance at the start share (0.02 * 0.7 / 0.3)")
    dialogue_trust_gain: float = Field(0.3, ge=0, le=5,
                                       description="extra trust signal where the municipality runs dialogue formats [-]; seed article (enabler)")
    dialogue_tie_factor: float = Field(2.0, ge=0, le=20,
                                       description="tie formation multiplier where dialogue formats run [-]; seed article (enabler)")


class ApplicationConfig(Strict):
    """Deciding to apply and scoring applications."""

    apply_rate: Share = Field(0.9, description="probability an eligible MSO with ample capacity applies to a call; prior")
    independent_share: Share = Field(0.14, description="share of volunteer-only MSOs (at the start and at founding) that seek no public money to stay independent [-]; BIM 2018 (Karakayali et al. for the Bertelsmann Stiftung): 37% of initiatives applied for no funding in five years, 38% of those to stay independent (0.37 * 0.38)")
    volunteer_hours_factor: float = Field(1.6, ge=1, le=10,
                                          description="application hours multiplier for volunteer-only MSOs [-]; BIM 2018: 70% name the effort")
    preparation_months: float = Field(3.0, gt=0, le=24, description="months over which an application is prepared, so free hours add up [months]; prior")
    discouragement: Share = Field(0.15, description="drop in apply probability per recent rejection; prior")
    information_gap: Share = Field(0.5, description="chance a volunteer-only MSO without support, federation or ties does not learn of a call [-]; BIM 2018: 50% of small initiatives name a lack of information")
    federation_information: Share = Field(0.0, description="share of the information gap a federation membership closes [-]; prior (direction: umbrella federations pass on calls, seed article); 0 by default until recalibration (with 0.5 the less-bureaucracy direction failed)")
    tie_information: Share = Field(0.0, description="share of the remaining information gap each tie to another MSO closes [-]; prior (direction: networks spread information about funding); 0 by default until recalibration")
    score_noise: float = Field(0.5, ge=0, le=10, description="reviewer noise in scores [-]; prior")
    track_memory_years: float = Field(3.0, ge=0.25, le=100, description="mean years an award counts in the track record, which fades exponentially [years]; VgV § 46 (3) 1: public bodies ask for references from the last three years")
    track_weight: float = Field(0.6, ge=0, le=10, description="weight of track record in score-based selection [-]; SVR 2020 (direction)")
    staff_weight: float = Field(1.0, ge=0, le=10, description="weight of paid staff in score-based selection [-]; SVR 2020 (direction)")
    federation_weight: float = Field(0.4, ge=0, le=10, description="weight of federation membership in score-based selection [-]; Friedrichs et al. 2023")
    professionalisation_weight: float = Field(0.8, ge=0, le=10, description="weight of professionalisation in score-based selection [-]; prior")


class RefugeeSurge(Strict):
    kind: Literal["refugee_surge"]
    start: float = Field(..., ge=1900, le=2200, description="year the surge starts")
    newcomers: list[float] = Field(default_factory=lambda: [890000.0, 280000.0],
                                   description="national arrivals in each year of the surge [persons]; BAMF/BMI 2015, 2016")
    volunteer_join_factor: float = Field(1.5, ge=0, le=20, description="joining multiplier during the surge (civic mobilisation) [-]")
    founding_factor: float = Field(1.5, ge=0, le=20, description="founding multiplier during the surge [-]")


class Pandemic(Strict):
    kind: Literal["pandemic"]
    start: float = Field(..., ge=1900, le=2200, description="year the pandemic starts")
    duration_years: float = Field(1.5, gt=0, le=20, description="how long it lasts [years]")
    volunteer_hours_factor: float = Field(0.7, ge=0, le=5, description="volunteer hours multiplier [-]; prior")
    income_factor: float = Field(0.75, ge=0, le=5, description="fees and donations multiplier [-]; Multikulturelles Forum 2020 (direction; emergency aid softened it)")
    join_factor: float = Field(0.5, ge=0, le=5, description="volunteer joining multiplier [-]; prior")
    staff_cost_factor: float = Field(1.0, ge=0, le=2, description="staff cost multiplier while it lasts: paid hours on short-time work, the wages refunded by the Federal Employment Agency [-]; Kurzarbeitergeld (§ 95 SGB III, eased for 2020-21; open to non-profit employers, but positions paid by running grants were mostly not eligible, hence 1 = none by default)")
    delegation_factor: float = Field(2.0, ge=0, le=20, description="delegated state tasks multiplier [-]; seed article")
    shortfall_cover: Share = Field(1.0, description="share of the earned income a grant's paid staff lose while it lasts (income_factor) that the funder makes up [-]; Fehlbedarfsfinanzierung (VV Nr. 2.2.2 zu § 44 BHO): the grant covers what own means cannot, and funders accepted Corona shortfalls and cost increases of running projects (Kulturstiftung Thüringen 2020; Diakonie RWL 2020)")


class Polarisation(Strict):
    kind: Literal["polarisation"]
    start: float = Field(..., ge=1900, le=2200, description="year of the polarising event (7 Oct 2023)")
    tie_break_probability: Share = Field(0.5, description="probability a tie between conflicting groups breaks [-]")
    federation_leave_probability: Share = Field(0.2, description="probability a member of a conflicting group leaves its federation [-]")
    trust_shock: Share = Field(0.1, description="trust lost (and burnout gained) by MSOs of conflicting groups [-]; prior")


class Austerity(Strict):
    kind: Literal["austerity"]
    start: float = Field(..., ge=1900, le=2200, description="year the cuts start")
    duration_years: float = Field(100.0, gt=0, le=1000, description="how long they last [years]")
    budget_cut: Share = Field(0.3, description="share of funder and municipal budgets cut, and of the delegated tasks municipalities pay for [-]")
    delegation_factor: float = Field(1.5, ge=0, le=20, description="delegated state tasks multiplier while the cuts last [-]; seed article (empty public coffers: MSOs take over state tasks)")
    demand_factor: float = Field(1.2, ge=0, le=20, description="demand for MSO services multiplier while the cuts last (public services cut, people turn to MSOs) [-]; assumption after the seed article (rising expectations, overload)")


Event = Annotated[RefugeeSurge | Pandemic | Polarisation | Austerity, Field(discriminator="kind")]


class Scenario(Strict):
    """A whole scenario: population, behaviour, funders, policy levers and events."""

    name: str = Field("scenario", description="short name shown in tables and reports")
    description: str = Field("", description="one paragraph for humans")
    description_de: str = Field("", description="the same paragraph in German (reports and the dashboard in German); empty: the English one")
    start_year: int = Field(2014, ge=1900, le=2200, description="calendar year of the first step")
    years: float = Field(10.0, gt=0, le=200, description="default run length [years]")
    steps_per_year: int = Field(12, ge=1, le=365, description="steps per simulated year (12 = monthly)")
    population: PopulationConfig = Field(default_factory=PopulationConfig)
    volunteers: VolunteerConfig = Field(default_factory=VolunteerConfig)
    finance: FinanceConfig = Field(default_factory=FinanceConfig)
    services: ServiceConfig = Field(default_factory=ServiceConfig)
    municipality: MunicipalityConfig = Field(default_factory=MunicipalityConfig)
    cooperation: CooperationConfig = Field(default_factory=CooperationConfig)
    applications: ApplicationConfig = Field(default_factory=ApplicationConfig)
    funders: dict[str, FunderConfig] = Field(default_factory=default_funders)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    events: list[Event] = Field(default_factory=list)
    founding_rate: Share = Field(0.015, description="new MSOs per year as a share of the stock; ZiviZ 2022: about 1.5%")
    founding_density_exponent: float = Field(2.0, ge=0, le=20, description="how strongly foundings fall as the stock exceeds today's (and rise below it): foundings = founding_rate x stock x (today's stock / stock)^k [-]; Hannan & Freeman 1989, Carroll & Hannan 2000 (direction: competition lowers founding rates at high density); size a prior")
    background_dissolution_rate: Share = Field(0.003, description="yearly dissolution from causes not modelled (leaders move away, loss of purpose); exhaustion and mergers are their own causes; prior")
    burnout_dissolution_rate: Share = Field(0.1, description="yearly dissolution probability of an MSO whose volunteers are fully burnt out; it scales with burnout squared (exhaustion of the leadership) [-]; prior (direction: board members who cannot be replaced are the most named reason associations end, ZiviZ-Survey 2017)")
    merger_rate: Share = Field(0.02, description="yearly probability that a small MSO (volunteers below twice the core) with a tie to a larger MSO of the same origin group in its district merges into it [-]; prior")
    secured_dissolution_factor: Share = Field(0.25, description="multiplier on the background dissolution rate for MSOs with secured means (a running or awarded grant, or reserves covering their operating reserve) [-]; Tuckman & Chang 1991, Hager 2001 (direction: equity and secured revenue lower the risk of closure; size a prior)")
    min_active_volunteers: int = Field(3, ge=1, le=100, description="active core an association needs (board) [persons]; BGB board practice")
    volunteer_grace_months: int = Field(12, ge=1, le=120, description="months below the core before an MSO dissolves [months]; prior")

    _overlay: PolicyOverlay = PrivateAttr()

    @model_validator(mode="after")
    def _apply_policy(self) -> "Scenario":
        self._overlay = apply_policy(self.policy, self.funders, self.municipality.delegation_funded_share)
        return self

    @property
    def overlay(self) -> PolicyOverlay:
        """The configuration after the policy levers, applied once when the scenario validated (the model reads this)."""
        return self._overlay

    def content_hash(self) -> str:
        """A stable hash of the resolved scenario content (name and descriptions excluded)."""
        data = self.model_dump(mode="json", exclude=set(OWN_KEYS))
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def world_hash(self) -> str:
        """The hash of everything but the policy levers (and name and descriptions): scenarios with the same one run
        in one batch (msosim.batch), each world with its own levers, which reach the model only through `overlay`."""
        return world_hash(self.model_dump(mode="json"))


def world_hash(data: dict) -> str:
    """`Scenario.world_hash` of a scenario's JSON form (a run spec's scenario_json, read without validating it)."""
    kept = {key: value for key, value in data.items() if key not in OWN_KEYS and key != "policy"}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()[:16]


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names file, key, value and what is allowed."""


def _deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


# What a file says about itself: never inherited through `extends` (a child named by its parent would show
# as the parent in a comparison; its parent's description would describe another policy).
OWN_KEYS = ("name", "description", "description_de")


def read_yaml(path: Path, chain: tuple[Path, ...]) -> dict:
    """A scenario file as a dict, its `extends` chain merged in (the one loader, bounded chain, allowed folders)."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: key 'extends': value '{path}' makes a cycle ({cycle}); allowed: a chain without cycles")
    if chain:
        check_extends(chain[-1], path, chain, ScenarioError)
    if not usable_path(path, f"{chain[-1]}: key 'extends'" if chain else "the scenario file", ScenarioError).is_file():
        where = f"{chain[-1]}: key 'extends': value '{path}'" if chain else f"{path}"
        raise ScenarioError(f"{where}: file not found; allowed: an existing YAML scenario file")
    data = load_mapping(path, "scenario", ScenarioError)
    data.pop("metadata", None)  # file metadata (e.g. data/calibrated.yaml's provenance): never part of the scenario
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: key 'extends': value {shown(parent)}; allowed: a path to another scenario file")
    parent_path = (path.parent / usable_path(parent, f"{path}: key 'extends'", ScenarioError)).resolve()
    inherited = {key: value for key, value in read_yaml(parent_path, (*chain, path)).items() if key not in OWN_KEYS}
    return _deep_merge(inherited, data)


def _format_error(source: str, error: dict) -> str:
    key = printable(".".join(str(part) for part in error["loc"] if not str(part).startswith(("function-", "tagged-union"))))
    value = error.get("input")
    value_text = "(missing)" if error["type"] == "missing" else shown(value)
    allowed = error["msg"]
    if error["type"] == "extra_forbidden":
        allowed = "no such key; see docs/scenarios.md for the keys" + did_you_mean(key.split(".")[-1], schema_keys(Scenario, error["loc"][:-1]))
    return f"{source}: key '{key or '(top level)'}': value {value_text}: allowed: {allowed}"


def with_default_funders(data: dict) -> dict:
    """Funders given in a file are merged onto the default funders; `name: null` removes one."""
    funders = data.get("funders")
    if not isinstance(funders, dict):
        return data
    defaults = {name: config.model_dump() for name, config in default_funders().items()}
    merged = _deep_merge(defaults, {name: value for name, value in funders.items() if value is not None})
    for name, value in funders.items():
        if value is None:
            merged.pop(name, None)
    return {**data, "funders": merged}


def validate_scenario(data: dict, source: str = "<scenario>") -> Scenario:
    """Validate a resolved mapping into a Scenario, or raise ScenarioError naming the first problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_error(source, exc.errors()[0])) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a YAML scenario file (following `extends`) and apply dotted-key overrides."""
    path = Path(path).resolve()
    data = read_yaml(path, ())
    data.setdefault("name", path.stem)
    data = with_default_funders(data)
    for dotted, value in (overrides or {}).items():
        data = set_dotted(data, dotted, value)
    return validate_scenario(data, str(path))


def set_dotted(data: dict, dotted: str, value: Any) -> dict:
    """Return a copy of a nested mapping with the dotted key set (creating sections as needed)."""
    data = copy.deepcopy(data)
    node = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ScenarioError(f"override: key '{dotted}': '{part}' is not a section; allowed: a dotted key into the schema")
    node[parts[-1]] = value
    return data


def with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """A new validated Scenario with dotted-key overrides applied."""
    data = scenario.model_dump(mode="python")
    for dotted, value in overrides.items():
        data = set_dotted(data, dotted, value)
    return validate_scenario(data, f"overrides of '{scenario.name}'")
