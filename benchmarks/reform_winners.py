"""Who gains and who loses from institutional funding (issue 15, point 6): the MSOs present at the start are the same
rows under both conditions (same seed), so each is classed by whether it wins a grant of the reform's in-scope funders
under the reform within the first `--classify` years, and its later dissolution, paid staff and burnout are compared under today's policy and the reform.

    nice python benchmarks/reform_winners.py --scale national --seeds 1 2 3 4 --years 10 [--reform institutional] [--classify 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from msosim.model import MSOModel  # noqa: E402
from msosim.scenario import load_scenario  # noqa: E402


def run(scale: str, name: str, seed: int, years: float, overrides: dict, classify: float) -> dict[str, np.ndarray]:
    place = {"population.scale": scale, "population.land": "NW"} if scale == "district" else {}
    model = MSOModel(load_scenario(ROOT / "scenarios" / f"{name}.yaml", {**place, **overrides}), seed=seed)
    m, n0 = model.msos, model.msos.n
    staffed0 = m.staff_fte[:n0] > 0
    staff_sum, burnout_sum, alive_steps = np.zeros(n0), np.zeros(n0), np.zeros(n0)
    cut = round(classify * model.config.steps_per_year)
    alive_at_cut = m.alive[:n0].copy()
    for step in range(round(years * model.config.steps_per_year)):
        model.step()
        if step + 1 == cut:
            alive_at_cut = m.alive[:n0].copy()
        alive = m.alive[:n0]
        staff_sum += m.staff_fte[:n0] * alive
        burnout_sum += m.burnout[:n0] * alive
        alive_steps += alive
    events = model.event_frame()
    won = np.zeros(n0, dtype=bool)
    awards = events[(events["event"] == "grant_awarded") & (events["mso"] < n0) & (events["step"] <= max(cut, 1))]
    scope = [f.name for f in model.funders if f.config.policy_scope]
    won[awards.loc[awards["funder"].isin(scope), "mso"].to_numpy()] = True
    return {"staffed0": staffed0, "died": ~m.alive[:n0], "won": won, "alive_at_cut": alive_at_cut,
            "staff": staff_sum / np.maximum(alive_steps, 1), "burnout": burnout_sum / np.maximum(alive_steps, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--reform", default="institutional")
    parser.add_argument("--classify", type=float, default=2.0,
                        help="years after which an MSO is classed by the reform's awards so far; only the MSOs alive "
                             "then under both policies are compared, and only their later dissolution")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        base = run(args.scale, "district" if args.scale == "district" else "baseline", seed, args.years, {}, args.classify)
        reform = run(args.scale, args.reform, seed, args.years, {}, args.classify)
        both = base["alive_at_cut"] & reform["alive_at_cut"]
        for staffed in (False, True):
            for won in (False, True):
                mine = (base["staffed0"] == staffed) & (reform["won"] == won) & both
                rows.append({"seed": seed, "at_start": "staffed" if staffed else "volunteer_only",
                             "wins_under_reform": won, "msos": int(mine.sum()),
                             "won_today": base["won"][mine].mean(),
                             "died_today": base["died"][mine].mean(), "died_reform": reform["died"][mine].mean(),
                             "staff_today": base["staff"][mine].mean(), "staff_reform": reform["staff"][mine].mean(),
                             "burnout_today": base["burnout"][mine].mean(),
                             "burnout_reform": reform["burnout"][mine].mean(),
                             "extra_deaths": float(reform["died"][mine].sum() - base["died"][mine].sum())})
        print(seed, "done", file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    keys = ["at_start", "wins_under_reform"]
    mean = frame.groupby(keys).mean(numeric_only=True).drop(columns="seed")
    mean["se_extra_deaths"] = frame.groupby(keys)["extra_deaths"].std(ddof=1) / np.sqrt(len(args.seeds))
    pd.set_option("display.width", 250)
    print(mean.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
