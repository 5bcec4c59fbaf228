"""Why the funding reforms keep more paid staff but not more MSOs (issue 15, point 6): per MSO group (volunteer-only
at the start, staffed at the start, founded later), dissolutions by cause, grants applied for and won, money
received, volunteers, burnout, members, the community's room and secured means, paired by seed across conditions.

    nice python benchmarks/reform_groups.py --scale district --seeds 1 2 3 4 --years 10 \
        --condition today= --condition institutional=policy.funding_mode=institutional
    (a condition is NAME=key=value,key=value on top of baseline.yaml; an empty one is baseline.yaml itself)
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

from msosim.model import MSOModel  # noqa: E402
from msosim.scenario import load_scenario  # noqa: E402
from msosim.submodels.demography import DEATH_CAUSES, secured  # noqa: E402
from msosim.submodels.volunteers import community_room  # noqa: E402

GROUPS = ("volunteer_only_start", "staffed_start", "founded")


def parse_condition(text: str) -> tuple[str, dict]:
    """'name=key=value,key=value' -> (name, {key: value}); values are read as YAML scalars (0.0, 1, institutional)."""
    name, _, rest = text.partition("=")
    pairs = (part.partition("=") for part in filter(None, rest.split(",")))
    return name, {key: yaml.safe_load(value) for key, _, value in pairs}


def run_one(scale: str, overrides: dict, seed: int, years: float) -> dict[str, float]:
    place = {"population.scale": scale, "population.land": "NW"} if scale == "district" else {}
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml", {**place, **overrides})
    model = MSOModel(scenario, seed=seed)
    m = model.msos
    n0 = m.n
    staffed0 = m.staff_fte[:n0] > 0
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}

    def group_of(n: int) -> np.ndarray:
        label = np.full(n, 2, dtype=np.int8)
        label[:n0] = np.where(staffed0, 1, 0)
        return label

    for _ in range(round(years * scenario.steps_per_year)):
        model.step()
        n = m.n
        label, alive = group_of(n), m.alive[:n]
        room, safe = community_room(model), secured(model)
        for code, group in enumerate(GROUPS):
            mine = alive & (label == code)
            k = mine.sum()
            if not k:
                continue
            counts[group] = counts.get(group, 0) + k
            for name, values in (("volunteers", m.volunteers[:n]), ("members", m.members[:n]),
                                 ("burnout", m.burnout[:n]), ("room", room), ("secured", safe),
                                 ("staffed_now", m.staff_fte[:n] > 0), ("reserves", m.reserves[:n]),
                                 ("visibility", np.minimum(m.service_hours[:n] / np.maximum(m.requested_hours[:n], 1e-9), 1)),
                                 ("load", m.load_per_volunteer[:n])):
                sums[f"{group}:{name}"] = sums.get(f"{group}:{name}", 0.0) + float(values[mine].sum())
    n = m.n
    label = group_of(n)
    events = model.event_frame()
    out: dict[str, float] = {}
    for code, group in enumerate(GROUPS):
        mine = label == code
        out[f"{group}:n"] = float(mine.sum())
        out[f"{group}:alive_end"] = float((mine & m.alive[:n]).sum())
        for c, cause in enumerate(DEATH_CAUSES, start=1):
            out[f"{group}:died_{cause}"] = float((mine & ~m.alive[:n] & (m.death_cause[:n] == c)).sum())
        out[f"{group}:died"] = float((mine & ~m.alive[:n]).sum())
        for kind in ("grant_applied", "grant_awarded", "grant_rejected"):
            rows = events[events["event"] == kind]
            out[f"{group}:{kind}"] = float(mine[rows["mso"].to_numpy()].sum())
        got = events[(events["event"] == "grant_awarded")]
        out[f"{group}:msos_ever_awarded"] = float(np.unique(got["mso"].to_numpy()[mine[got["mso"].to_numpy()]]).size)
        out[f"{group}:grant_income"] = float(m.grant_income_total[:n][mine].sum())
        for key, total in sums.items():
            if key.startswith(group + ":"):
                out[key] = total / counts[group]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="district")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--condition", action="append", default=[])
    parser.add_argument("--csv", default="")
    args = parser.parse_args()
    conditions = [parse_condition(text) for text in (args.condition or ["today="])]
    rows = []
    for name, overrides in conditions:
        for seed in args.seeds:
            rows.append({"condition": name, "seed": seed, **run_one(args.scale, overrides, seed, args.years)})
            print(name, seed, "done", file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    if args.csv:
        frame.to_csv(args.csv, index=False)
    mean = frame.drop(columns="seed").groupby("condition", sort=False).mean().T
    first = conditions[0][0]
    for name, _ in conditions[1:]:  # paired differences to the first condition, mean and its standard error
        diff = (frame[frame.condition == name].drop(columns=["condition", "seed"]).reset_index(drop=True)
                - frame[frame.condition == first].drop(columns=["condition", "seed"]).reset_index(drop=True))
        mean[f"{name}-{first}"] = diff.mean()
        mean[f"se({name})"] = diff.std(ddof=1) / np.sqrt(len(diff))
    pd.set_option("display.width", 250)
    print(mean.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
