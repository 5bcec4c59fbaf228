"""The initial cohort's liability of newness and the cost of a spin-up start (issue 15, item 4).

    python benchmarks/spinup.py --seeds 1 2 3                 # national baseline decade, tables against spin-up
    python benchmarks/spinup.py --scenario scenarios/district.yaml --seeds 1 2 3

For each seed: the baseline from today's tables and from a spin-up (`population.initial: spinup`), the young/old
hazard of the initial cohort (`longrun.initial_cohort_newness`), the model build time (cold: the spin-up runs and is
cached; warm: read from the cache) and the time of the decade itself. The cache goes to a fresh temporary folder.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from msosim import MSOModel
from msosim.experiments import longrun


def measure(scenario: str, seed: int, initial: str) -> dict:
    """One run's build times (cold and warm for a spin-up), its decade's time and the initial cohort's hazards."""
    overrides = {"population.initial": initial}
    begin = time.perf_counter()
    model = MSOModel(scenario, seed=seed, **overrides)
    cold = time.perf_counter() - begin
    begin = time.perf_counter()
    model = MSOModel(scenario, seed=seed, **overrides)
    warm = time.perf_counter() - begin
    begin = time.perf_counter()
    model.run()
    decade = time.perf_counter() - begin
    spy = model.config.steps_per_year
    start = model.tables(("msos",))["msos"]
    newness = longrun.initial_cohort_newness(start, spy)
    staffed = start[(start["snapshot"] == "start")]["staff_fte"] > 0
    return {"seed": seed, "initial": initial, "cold_s": cold, "warm_s": warm, "run_s": decade,
            "young_old": newness.value, **newness.details, "volunteer_only_at_start": float(1 - staffed.mean())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MSOSIM_CACHE_DIR"] = cache
        for seed in args.seeds:
            for initial in ("tables", "spinup"):
                row = measure(args.scenario, seed, initial)
                print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
                      flush=True)


if __name__ == "__main__":
    main()
