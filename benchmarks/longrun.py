"""Long-run dynamics of a scenario, year by year (issue 15): does the baseline stay in its regime?

    python benchmarks/longrun.py                                   # national baseline, 30 years, seed 1
    python benchmarks/longrun.py --scale district --seeds 1 2 3    # the NW district, three seeds
    python benchmarks/longrun.py --set policy.budget_factor=10 --scale district --years 10
    python benchmarks/longrun.py --set "events=[]" --years 60 --every 10 --states   # the slow internal states

Prints, per simulated year (mean over the seeds): MSOs alive at the year's end, volunteers per MSO,
mean burnout (weighted by volunteers), median reserves of living MSOs, service coverage, dissolutions
per MSO-year, the volunteer-only share, and the share of living MSOs that applied to at least one
call in the year. Stock values are at the year's end; flows are summed over the year.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from msosim.experiments import longrun  # noqa: E402
from msosim.model import MSOModel  # noqa: E402

COLUMNS = ("alive", "volunteers_per_mso", "mean_burnout", "median_reserves", "coverage", "dissolution_rate",
           "volunteer_only_share", "applying_share", "insolvencies")
# --states: slow internal states that relax over decades (the age structure, federation membership, track records)
STATES = ("median_age", "old_share", "volunteer_only_old", "federation_share", "mean_track_record",
          "mean_professionalisation", "members_per_mso")


def year_rows(model: MSOModel, years: int) -> list[dict]:
    """Run the model year by year and measure each year."""
    spy, rows = model.config.steps_per_year, []
    for year in range(1, years + 1):
        applied = np.zeros(0, dtype=bool)
        dissolved = insolvent = coverage = alive_sum = 0.0
        for _ in range(spy):
            model.step()
            m, n = model.msos, model.msos.n
            applied = np.concatenate([applied, np.zeros(n - applied.size, dtype=bool)])
            applied |= m.application_hours[:n] > 0
            row = model.datacollector.rows[-1]
            dissolved += row["dissolved"]
            insolvent += row["dissolved_insolvency"]
            coverage += row["service_coverage"] / spy
            alive_sum += row["alive"] / spy
        m, n = model.msos, model.msos.n
        living = m.alive[:n]
        count = int(living.sum())
        volunteers = m.volunteers[:n][living]
        rows.append({
            "year": model.config.start_year + year, "alive": count,
            "volunteers_per_mso": float(volunteers.mean()) if count else 0.0,
            "mean_burnout": float((m.burnout[:n][living] * volunteers).sum() / max(volunteers.sum(), 1)),
            "median_reserves": float(np.median(m.reserves[:n][living])) if count else 0.0,
            "coverage": coverage, "dissolution_rate": dissolved / max(alive_sum, 1.0),
            "volunteer_only_share": float((m.staff_fte[:n][living] <= 0).mean()) if count else 0.0,
            "applying_share": float(applied[:n][living].mean()) if count else 0.0,
            "insolvencies": insolvent,
            **states(model, living),
        })
    return rows


def states(model: MSOModel, living: np.ndarray) -> dict[str, float]:
    """Slow internal states of the living MSOs at the year's end (printed with --states): median age, share 20
    years or older and the volunteer-only share among them, federation members, mean track record (grants so far),
    mean professionalisation and members per MSO."""
    m, n = model.msos, model.msos.n
    if not living.any():
        return dict.fromkeys(STATES, 0.0)
    age = (model.t - m.founded_step[:n][living]) / model.config.steps_per_year
    old = age >= 20
    staff = m.staff_fte[:n][living]
    return {"median_age": float(np.median(age)), "old_share": float(old.mean()),
            "volunteer_only_old": float((staff[old] <= 0).mean()) if old.any() else 0.0,
            "federation_share": float(m.federation[:n][living].mean()),
            "mean_track_record": float(m.track_record[:n][living].mean()),
            "mean_professionalisation": float(m.professionalisation[:n][living].mean()),
            "members_per_mso": float(m.members[:n][living].mean())}


def print_checks(model: MSOModel, seed: int, last_years: int) -> None:
    """The long-run checks of issue 15 on this run's tables."""
    tables, spy = model.tables(), model.config.steps_per_year
    checks = [*longrun.stationarity(tables["model"], spy, last_years), longrun.volunteer_only_share(tables["model"], spy),
              longrun.initial_cohort_newness(tables["msos"], spy), longrun.applying_share(tables),
              *longrun.reapplication(tables), longrun.laender_distribution(tables["msos"])]
    for check in checks:
        drift = check.details.get("relative_drift")
        extra = f"  drift over the window {drift:.1%}, slope 95% {check.details['slope_95'][0]:.3g}..{check.details['slope_95'][1]:.3g}" if drift is not None else ""
        print(f"seed {seed}  {'PASS' if check.passed else 'FAIL'}  {check.name:40s} {check.value:10.4g}  "
              f"band [{check.low:.4g}, {check.high:.4g}]{extra}")


def parse_sets(pairs: list[str]) -> dict:
    """`key=value` pairs (values read as YAML) as dotted overrides."""
    overrides = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        overrides[key] = yaml.safe_load(value)
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--scale", choices=("national", "land", "district"), default=None)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--set", dest="sets", action="append", default=[], help="dotted key=value override")
    parser.add_argument("--every", type=int, default=5, help="print every k-th year (and the first and last)")
    parser.add_argument("--checks", action="store_true", help="also print the long-run checks (msosim.experiments.longrun) per seed")
    parser.add_argument("--states", action="store_true", help="print the slow internal states (age structure, "
                        "federation membership, track records, professionalisation, members) instead of the outcomes")
    args = parser.parse_args()
    overrides = parse_sets(args.sets)
    if args.scale:
        overrides["population.scale"] = args.scale
    frames = []
    for seed in args.seeds:
        model = MSOModel(args.scenario, seed=seed, **overrides)
        frames.append(pd.DataFrame(year_rows(model, args.years)).assign(seed=seed))
        if args.checks:
            print_checks(model, seed, min(20, args.years // 2))
    table = pd.concat(frames).groupby("year")[list(STATES if args.states else COLUMNS)].mean()
    shown = table.iloc[[k for k in range(len(table)) if k == 0 or (k + 1) % args.every == 0 or k == len(table) - 1]]
    pd.set_option("display.width", 200)
    print(f"{args.scenario} scale={args.scale or 'as in file'} seeds={args.seeds} years={args.years} {overrides}")
    print(shown.to_string(float_format=lambda x: f"{x:.4g}"))


if __name__ == "__main__":
    main()
