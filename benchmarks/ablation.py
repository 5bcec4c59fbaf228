"""A part's real cost in the steps, by ablation: the steps timed with the part replaced by a function that does
nothing, against the steps as they are, alternating, medians.

    python benchmarks/ablation.py msosim.collector.MonthlyCollector.collect   # the names where callers look them up
    python benchmarks/ablation.py --districts 20 msosim.batch_rows.BatchCollector.collect msosim.batch.Batch.add_flow,msosim.batch.Batch.add_count

Each argument is one ablation: one or more dotted names (comma-separated) of functions or methods replaced
together. Only parts whose absence leaves the rest of the step doing the same work make sense here (the monthly
row, the flows' bookkeeping): a submodel that changes the state changes every later step. A profiler's figure for
a small part is no guide at this grain (docs/engine.md, section 8, step 12: pyinstrument and line_profiler charged
parts 13 ms that, removed, saved nothing); this is what removing the part would save.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resolve(dotted: str) -> tuple[object, str]:
    """The object holding the function `dotted` names (a module or a class) and the attribute's name."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name)
        if not hasattr(owner, parts[-1]):
            raise SystemExit(f"{dotted}: no attribute {parts[-1]!r}")
        return owner, parts[-1]
    raise SystemExit(f"{dotted}: no module found")


def steps_seconds(districts: int, years: float) -> float:
    """Wall seconds of the steps (not the build) of the national decade, or of `districts` district worlds batched."""
    from msosim.batch import Batch
    from msosim.model import MSOModel

    gc.collect()
    if districts:
        model = Batch(ROOT / "scenarios" / "district.yaml", seeds=list(range(1, districts + 1)))
    else:
        model = MSOModel(ROOT / "scenarios" / "baseline.yaml", seed=1)
    started = time.perf_counter()
    model.run(years)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description="The steps' time without a part, against with it.")
    parser.add_argument("parts", nargs="+", help="dotted names, comma-separated for parts removed together")
    parser.add_argument("--districts", type=int, default=0, help="district worlds batched (0: the national decade)")
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ablations = {part: [resolve(name) for name in part.split(",")] for part in args.parts}
    steps_seconds(args.districts, args.years)  # warm-up: imports, kernels, caches
    times: dict[str, list[float]] = {"as it is": [], **{part: [] for part in ablations}}
    for _ in range(args.repeats):
        times["as it is"].append(steps_seconds(args.districts, args.years))
        for part, targets in ablations.items():
            kept = [(owner, name, owner.__dict__[name]) for owner, name in targets]
            try:
                for owner, name, _ in kept:
                    setattr(owner, name, lambda *_, **__: None)
                times[part].append(steps_seconds(args.districts, args.years))
            finally:
                for owner, name, original in kept:
                    setattr(owner, name, original)
    base = statistics.median(times["as it is"])
    what = f"{args.districts} district worlds batched" if args.districts else "the national decade"
    print(f"steps of {what}, {args.years:g} years, medians of {args.repeats}:")
    print(f"  as it is          {base * 1e3:8.1f} ms")
    for part in ablations:
        without = statistics.median(times[part])
        print(f"  without {part}: {without * 1e3:8.1f} ms  (the part costs {(base - without) * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
