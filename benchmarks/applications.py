"""How often MSOs apply and reapply (issue 15), per seed and mean: share applying per year, share applying at least
once in the last five years, reapplication within three years after an award and after a rejection, and the money
returned to funders.

    python benchmarks/applications.py --scale district --seeds 1 2 3 --years 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from msosim.experiments.application_metrics import application_metrics  # noqa: E402
from msosim.model import MSOModel  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--scale", default="district")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1])
    parser.add_argument("--years", type=float, default=10.0)
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        model = MSOModel(args.scenario, seed=seed, **{"population.scale": args.scale}).run(args.years)
        tables = model.tables(("model", "events", "msos", "grants"))
        row = {"seed": seed, **application_metrics(tables)}
        row["returned_eur"] = float(getattr(model, "funder_returned", model.funder_paid * 0).sum())
        row["paid_eur"] = float(model.funder_paid.sum())
        rows.append(row)
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("mean:", frame.drop(columns="seed").mean().round(3).to_dict())


if __name__ == "__main__":
    main()
