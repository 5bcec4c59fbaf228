"""Build the initial synthetic population (districts and MSOs) from the calibration data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from . import kernels
from .scenario import Scenario
from .state import FIELDS, Table, mso_table
from .submodels.draws import chosen

DISTRICT_COLUMNS = {
    "land": "int16", "population": "float64", "migrants": "float64", "newcomers": "float64",
    "openness_base": "float64", "openness": "float64", "experience": "float64",
    "budget_year": "float64", "budget_left": "float64", "dialogue": "bool",
    "demand_hours": "float64", "delivered_hours": "float64", "paid_total": "float64",
    "alive_msos": "int64",
}


def read_data(name: str) -> pd.DataFrame:
    """A calibration table shipped in msosim/data (each has a source column); a fresh copy each call."""
    return _read_data(name).copy()


@lru_cache(maxsize=1)
def national_population() -> float:
    """Germany's population (the sum of the Länder's in laender.csv), read once per process."""
    return float(_read_data("laender.csv")["population_m"].sum() * 1e6)


@lru_cache(maxsize=None)
def _read_data(name: str) -> pd.DataFrame:
    with resources.files("msosim.data").joinpath(name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, keep_default_na=False)


@lru_cache(maxsize=None)
def _field_table() -> tuple[np.ndarray, np.ndarray]:
    table = _read_data("activity_fields.csv")
    assert list(table["field"]) == list(FIELDS)
    return table["share"].to_numpy(dtype=float), table["staffed_affinity"].to_numpy(dtype=float)


@lru_cache(maxsize=None)
def _group_shares() -> np.ndarray:
    share = _read_data("origin_groups.csv")["share"].to_numpy(dtype=float)
    return share / share.sum()


def group_shares() -> np.ndarray:
    """The origin groups' shares of the migrant population (origin_groups.csv, normalised)."""
    return _group_shares()


@dataclass
class Landscape:
    """The places of a run: districts, the Laender they belong to, and how the run is scaled."""

    districts: Table
    land_codes: list[str]
    land_mso_share: np.ndarray   # share of the run's MSOs in each Land (sums to 1 over present Laender)
    scale_factor: float          # run's MSOs / national MSOs; scales national budgets
    n_msos: int


def _land_district_counts(laender: pd.DataFrame, n_districts: int) -> np.ndarray:
    counts = laender["districts"].to_numpy(dtype=float)
    scaled = np.maximum(1, np.round(counts * n_districts / counts.sum())).astype(int)
    return scaled


_GEOGRAPHY: dict[str, tuple] = {}  # the places of a population section (its JSON), made once per process


def _geography(cfg) -> tuple:
    """The places a population section sets, the same for every replication (drawn from its `geography_seed`):
    Land codes, each district's Land, population and migrants, the districts kept at its scale and their share of
    the national migrants. Made once per process per section and kept read-only (a world's build copies them)."""
    key = cfg.model_dump_json()
    if key not in _GEOGRAPHY:
        if len(_GEOGRAPHY) >= 64:  # a sweep over population parameters: keep the memory bounded
            _GEOGRAPHY.clear()
        _GEOGRAPHY[key] = _places(cfg)
    return _GEOGRAPHY[key]


def _places(cfg) -> tuple:
    laender = read_data("laender.csv")
    codes = list(laender["code"])
    if cfg.scale != "national" and cfg.land not in codes:
        raise ValueError(f"population.land {cfg.land!r} is not a Land code; allowed: {', '.join(codes)}")
    counts = _land_district_counts(laender, cfg.n_districts)
    land_of = np.repeat(np.arange(len(codes)), counts)
    geography = np.random.default_rng(cfg.geography_seed)  # places stay the same across replications
    pop_weight = geography.lognormal(0.0, 0.55, size=land_of.size)
    mig_factor = geography.lognormal(0.0, 0.35, size=land_of.size)
    population = np.zeros(land_of.size)
    migrants = np.zeros(land_of.size)
    for land, row in laender.iterrows():
        mask = land_of == land
        population[mask] = row["population_m"] * 1e6 * pop_weight[mask] / pop_weight[mask].sum()
        raw = population[mask] * mig_factor[mask]
        migrants[mask] = row["migrant_population_m"] * 1e6 * raw / raw.sum()
    national_migrants = migrants.sum()
    if cfg.scale == "national":
        keep = np.arange(land_of.size)
    elif cfg.scale == "land":
        keep = np.flatnonzero(land_of == codes.index(cfg.land))
    else:
        in_land = np.flatnonzero(land_of == codes.index(cfg.land))
        keep = in_land[[int(np.argmax(migrants[in_land]))]]
    scale_factor = float(migrants[keep].sum() / national_migrants)
    for array in (land_of, population, migrants, keep):
        array.flags.writeable = False
    return tuple(codes), land_of, population, migrants, keep, scale_factor


def build_landscape(scenario: Scenario, rng: np.random.Generator) -> Landscape:
    """Districts with population, migrants and openness; restricted to one Land or district by scale."""
    codes, land_of, population, migrants, keep, scale_factor = _geography(scenario.population)
    districts = Table(DISTRICT_COLUMNS, keep.size)
    openness = np.clip(rng.normal(scenario.municipality.openness_mean, scenario.municipality.openness_sd, keep.size), 0.02, 0.98)
    dialogue = rng.random(keep.size) < scenario.overlay.dialogue_formats
    districts.append(keep.size, land=land_of[keep], population=population[keep], migrants=migrants[keep],
                     openness_base=openness, openness=openness, dialogue=dialogue)
    land_migrants = np.bincount(land_of[keep], weights=migrants[keep], minlength=len(codes))
    n_msos = max(1, int(round(scenario.population.n_msos * scale_factor)))
    return Landscape(districts, list(codes), land_migrants / land_migrants.sum(), scale_factor, n_msos)


def _draw_fields(rng: np.random.Generator, staffed: np.ndarray) -> np.ndarray:
    """Activity fields with the SVR shares as marginals, tilted towards staffed MSOs in social work."""
    return rng.random((staffed.size, len(FIELDS))) < _field_probabilities(staffed.astype(float) - staffed.mean())


def _field_probabilities(centred: np.ndarray) -> np.ndarray:
    """Each MSO's probability of each field: the SVR share, tilted by its centred staffed indicator."""
    share, affinity = _field_table()
    p = affinity[None, :] * centred[:, None]
    p += 1.0
    p *= share[None, :]
    return np.clip(p, 0.0, 1.0, out=p)


@lru_cache(maxsize=None)
def _unstaffed_field_probabilities() -> np.ndarray:
    """`_field_probabilities` of an MSO in a cohort without staff (centred indicator 0), as one row."""
    p = _field_probabilities(np.zeros(1))
    p.flags.writeable = False
    return p


def draw_groups(rng: np.random.Generator, count: int) -> np.ndarray:
    return groups_of(rng.random(count))


def groups_of(uniforms: np.ndarray) -> np.ndarray:
    """`draw_groups`' origin groups for its uniforms drawn already (one per MSO)."""
    return chosen(_group_shares(), uniforms).astype(np.int16)


@lru_cache(maxsize=None)
def conflict_pairs() -> np.ndarray:
    """A boolean matrix: group i and group j are on opposite sides of a conflict line (seed article); made once per
    process, read-only."""
    groups = _read_data("origin_groups.csv")
    names = list(groups["group"])
    matrix = np.zeros((len(names), len(names)), dtype=bool)
    for i, other in enumerate(groups["conflict_with"]):
        if other:
            matrix[i, names.index(other)] = matrix[names.index(other), i] = True
    matrix.flags.writeable = False
    return matrix


def older_when_larger(rng: np.random.Generator, ages: np.ndarray, size: np.ndarray, correlation: float) -> np.ndarray:
    """The same ages, handed out so that their ranks follow a size score with a Gaussian-copula correlation
    (older organisations are larger: liability of newness, Bruederl & Schuessler 1990); 0 leaves them as drawn."""
    if correlation <= 0 or ages.size < 2:
        return ages
    score = (size - size.mean()) / max(size.std(), 1e-12)
    latent = correlation * score + np.sqrt(1.0 - correlation**2) * rng.standard_normal(ages.size)
    placed = np.empty_like(ages)
    placed[np.argsort(latent, kind="stable")] = np.sort(ages)
    return placed


def build_msos(scenario: Scenario, landscape: Landscape, rng: np.random.Generator) -> tuple[Table, np.ndarray]:
    """The initial MSOs; returns the table and a mask of those with permanent staff."""
    cfg, fin = scenario.population, scenario.finance
    districts = landscape.districts
    n = landscape.n_msos
    weights = districts.view("migrants") / districts.view("migrants").sum()
    district = np.repeat(np.arange(districts.n), rng.multinomial(n, weights))
    u = rng.random(n)
    volunteer_only = u < cfg.share_volunteer_only
    permanent = (u >= cfg.share_volunteer_only) & (u < cfg.share_volunteer_only + cfg.share_permanent_staff)
    occasional = ~volunteer_only & ~permanent
    size_factor = np.where(permanent, 1.3, np.where(volunteer_only, 0.8, 1.0))
    members = np.maximum(12, np.round(rng.lognormal(np.log(cfg.members_median), cfg.members_sigma, n) * size_factor)).astype(np.int64)
    volunteers = np.maximum(scenario.min_active_volunteers, rng.binomial(members, cfg.active_share))
    volunteers = np.minimum(volunteers, members)
    staff = np.zeros(n)
    staff[permanent] = np.clip(rng.lognormal(np.log(cfg.staff_fte_median), 0.6, permanent.sum()), 0.25, 20.0)
    staff[occasional] = rng.uniform(0.1, 0.4, occasional.sum())
    yearly_costs = fin.base_costs_volunteer + staff * (fin.office_costs + fin.staff_cost_per_fte)
    reserves = yearly_costs / 12.0 * rng.uniform(0.5, 3.0, n)
    staffed = staff > 0
    fed_weight = np.where(staffed, 1.4, 0.45)
    federation = rng.random(n) < np.clip(cfg.federation_share * fed_weight / fed_weight.mean(), 0, 1)
    fields = _draw_fields(rng, staffed)
    f = {name: fields[:, i] for i, name in enumerate(FIELDS)}
    functions = np.column_stack([
        rng.random(n) < 0.5 + 0.3 * (f["culture_of_origin"] | f["arts_culture"]),
        rng.random(n) < 0.3 + 0.5 * (f["counselling"] | f["education"] | f["refugee_support"]),
        rng.random(n) < 0.2 + 0.5 * (f["counselling"] | f["refugee_support"]),
        rng.random(n) < 0.25 + 0.25 * federation,
    ])
    age_years = older_when_larger(rng, np.minimum(rng.exponential(cfg.mean_age_years, n), 70.0),
                                  np.log(members) + staffed, cfg.age_size_correlation)
    openness = districts.view("openness")[district]
    msos = mso_table(int(n * 1.3) + 64)
    msos.append(
        n, alive=True, initial=True, district=district, land=districts.view("land")[district],
        group=draw_groups(rng, n), founded_step=-np.round(age_years * scenario.steps_per_year).astype(np.int32),
        died_step=-1, death_cause=0, members=members, volunteers=volunteers,
        burnout=rng.beta(2.0, 8.0, n), staff_fte=staff, reserves=reserves,
        donations_base=rng.lognormal(np.log(scenario.finance.donations_median), 0.7, n) * np.where(staffed, 1.2, 0.8),
        track_record=rng.poisson(np.where(permanent, 3.0, np.where(occasional, 1.0, 0.2))),
        professionalisation=np.where(permanent, rng.beta(5, 3, n), np.where(occasional, rng.beta(3, 4, n), rng.beta(1.5, 6, n))),
        trust=np.clip(openness + rng.normal(0, 0.15, n), 0, 1),
        coop_municipality=rng.random(n) < 0.25 + 0.3 * staffed, federation=federation,
        last_grant_start=-10_000, fields=fields, functions=functions,
        independent=~staffed & (rng.random(n) < scenario.applications.independent_share),
        information=rng.random(n),
    )
    return msos, permanent


_NEW_FUNCTION_SHARES = np.array([[0.7], [0.4], [0.3], [0.2]])  # homemaking, services, bridging, advocacy


def new_msos(scenario: Scenario, districts: Table, district: np.ndarray, rng: np.random.Generator) -> dict:
    """Column values for newly founded MSOs: small, volunteer-only, few reserves (liability of newness)."""
    return new_msos_by_world(scenario, districts, [(rng, district)])


def founding_by_numpy(rng: np.random.Generator, members: np.ndarray, fields: int, donation: float) -> list:
    """What a world draws for its new MSOs after their members, by its Generator's own calls in their order
    (kernels/distributions.founding_draws draws the same for many worlds at once)."""
    n = members.size
    return [rng.binomial(members, 0.4), rng.random((n, fields)), rng.random((4, n)), rng.random(n),
            rng.beta(1.5, 10.0, n), rng.uniform(200.0, 2000.0, n), rng.lognormal(donation, 0.7, n),
            rng.beta(1.2, 8.0, n), rng.normal(0, 0.15, n), rng.random(n), rng.random(n)]


def new_msos_by_world(scenario: Scenario, districts: Table, worlds: list[tuple[np.random.Generator, np.ndarray]],
                      table: np.ndarray | None = None) -> dict:
    """`new_msos` for the MSOs several worlds found in one step (a batch; one world: new_msos): per world its
    Generator and its new MSOs' districts; the rows one world after the other. Each world draws on its Generator
    what it draws alone, call for call in the same order (numpy's draws of a world do not depend on another's); the
    arithmetic, row by row, is then done once over all worlds' rows (the same operations on the same numbers), not
    once per world. With `table` (the worlds' bit generators, a row per world: Streams on the kernels) every world's
    draws are made in two compiled calls (kernels/distributions.founding_draws), the same numbers."""
    sizes = [district.size for _, district in worlds]
    rngs = [rng for rng, _ in worlds]
    founding_median, donation = np.log(scenario.population.founding_members_median), \
        np.log(scenario.finance.donations_median * 0.4)
    jit = kernels.compiled() if table is not None else None
    if jit is not None:
        bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        members = np.empty(int(bounds[-1]))
        jit.fill_normal(members, bounds, table, founding_median, 0.5, True)
    else:  # members first: each world's binomial of volunteers takes its members
        members = np.concatenate([rng.lognormal(founding_median, 0.5, n) for rng, n in zip(rngs, sizes)])
    members = np.maximum(7, np.round(members)).astype(np.int64)
    if jit is not None:
        joined, fields, functions, doubles = jit.founding_draws(table, bounds, members, len(FIELDS), donation)
        groups, burnout, reserves, donations, professionalisation, noise, independent, information = doubles
    else:
        ends = np.cumsum(sizes).tolist()
        drawn: list[list[np.ndarray]] = [[] for _ in range(11)]  # each draw's numbers, world by world
        for rng, n, end in zip(rngs, sizes, ends):
            for into, values in zip(drawn, founding_by_numpy(rng, members[end - n: end], len(FIELDS), donation)):
                into.append(values)
        joined, fields, functions, groups, burnout, reserves, donations, professionalisation, noise, independent, \
            information = (np.concatenate(per_world, axis=1 if k == 2 else 0) if len(per_world) > 1 else per_world[0]
                           for k, per_world in enumerate(drawn))
    district = np.concatenate([district for _, district in worlds]) if len(worlds) > 1 else worlds[0][1]
    volunteers = np.minimum(members, np.maximum(scenario.min_active_volunteers, joined))
    return dict(
        alive=True, initial=False, district=district, land=districts.view("land")[district],
        group=groups_of(groups), died_step=-1, death_cause=0, members=members,
        volunteers=volunteers, burnout=burnout, staff_fte=0.0, reserves=reserves, donations_base=donations,
        track_record=0, rejections=0.0, professionalisation=professionalisation,
        trust=np.clip(districts.view("openness")[district] + noise, 0, 1),
        coop_municipality=False, federation=False, last_grant_start=-10_000,
        fields=fields < _unstaffed_field_probabilities(),
        functions=(functions < _NEW_FUNCTION_SHARES).T,  # row k: the k-th n uniforms, as four draws of n
        independent=independent < scenario.applications.independent_share,
        information=information,
    )
