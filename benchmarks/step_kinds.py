"""The steps' time by kind: compiled kernels, random draws, and the Python and numpy calls between them, per
submodel (docs/engine.md, section 8, steps 13 and 14).

    MSOSIM_KERNELS=numba python benchmarks/step_kinds.py                  # the national decade
    MSOSIM_KERNELS=numba python benchmarks/step_kinds.py --districts 20   # 20 district worlds batched

Every compiled kernel (`msosim.kernels.compiled()`), every draw (`Streams`'s methods and `submodels.draws`'s) and
every function the schedule calls (as benchmarks/profile_national.py finds them) is wrapped in a timer; a kernel
called inside a draw counts as the draw's. "between" is a part's time less its kernels and draws: the timers' own
cost (about a microsecond a call) falls there, so for a part of a few tens of microseconds a step it is no guide
to what porting it would save; measure that by A/B (against_commit.py) or ablation.py. Without numba the kernels'
column stays empty.
"""

from __future__ import annotations

import argparse
import functools
import gc
import inspect
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DRAW_METHODS = ("random", "normal", "lognormal", "geometric", "binomial", "poisson", "thin", "picks")
DRAW_FUNCTIONS = ("binomial", "poisson", "choose")

part = ["the step's own code"]  # the schedule function running now
inside_draw = [0]
totals: dict[str, float] = defaultdict(float)
in_kernels: dict[str, float] = defaultdict(float)
in_draws: dict[str, float] = defaultdict(float)


def kernel_timer(kernel):
    def timed(*args, **kwargs):
        if inside_draw[0]:
            return kernel(*args, **kwargs)
        started = time.perf_counter()
        try:
            return kernel(*args, **kwargs)
        finally:
            in_kernels[part[0]] += time.perf_counter() - started
    return timed


def draw_timer(draw):
    @functools.wraps(draw)
    def timed(*args, **kwargs):
        inside_draw[0] += 1
        started = time.perf_counter()
        try:
            return draw(*args, **kwargs)
        finally:
            inside_draw[0] -= 1
            if inside_draw[0] == 0:
                in_draws[part[0]] += time.perf_counter() - started
    return timed


def part_timer(name: str, function):
    @functools.wraps(function)
    def timed(*args, **kwargs):
        before, part[0] = part[0], name
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - started
            part[0] = before
    return timed


def instrument() -> None:
    import numba

    import msosim.model
    from msosim import kernels, streams
    from msosim.batch_rows import BatchCollector
    from msosim.collector import MonthlyCollector
    from msosim.model import MSOModel
    from msosim.submodels import draws

    jit = kernels.compiled()
    if jit is not None:
        for name in dir(jit):
            if isinstance(getattr(jit, name), numba.core.registry.CPUDispatcher):
                setattr(jit, name, kernel_timer(getattr(jit, name)))
    for name in DRAW_METHODS:
        setattr(streams.Streams, name, draw_timer(getattr(streams.Streams, name)))
    for name in DRAW_FUNCTIONS:
        setattr(draws, name, draw_timer(getattr(draws, name)))
    for name, value in vars(msosim.model).items():
        if inspect.isfunction(value) and value.__module__.startswith("msosim.submodels"):
            setattr(msosim.model, name, part_timer(name, value))
    for owner, name in ((MSOModel, "_new_year"), (MSOModel, "_count_alive_per_district"),
                        (MonthlyCollector, "collect"), (BatchCollector, "collect")):
        setattr(owner, name, part_timer(name, owner.__dict__[name]))
    from msosim.batch import Batch

    Batch._repack = part_timer("_repack", Batch._repack)


def model(districts: int):
    from msosim.batch import Batch
    from msosim.model import MSOModel

    if districts:
        return Batch(ROOT / "scenarios" / "district.yaml", seeds=list(range(1, districts + 1)))
    return MSOModel(ROOT / "scenarios" / "baseline.yaml", seed=1)


def main() -> None:
    parser = argparse.ArgumentParser(description="The steps' time by kind and by submodel.")
    parser.add_argument("--districts", type=int, default=0, help="district worlds batched (0: the national decade)")
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    model(args.districts).run(args.years)  # warm-up: imports, kernels, caches
    instrument()
    steps = 0.0
    for _ in range(args.repeats):
        world = model(args.districts)
        gc.collect()
        started = time.perf_counter()
        world.run(args.years)
        steps += time.perf_counter() - started
    totals["the step's own code"] = steps - sum(totals.values())
    count = args.repeats * round(args.years * world.config.steps_per_year)
    kernels, drawn = sum(in_kernels.values()), sum(in_draws.values())
    what = f"{args.districts} district worlds batched" if args.districts else "the national decade"
    print(f"{what}: {steps / count * 1e3:.2f} ms a step = kernels {kernels / count * 1e3:.2f} + draws "
          f"{drawn / count * 1e3:.2f} + between {(steps - kernels - drawn) / count * 1e3:.2f} ms "
          f"(timers included; {args.repeats} x {count // args.repeats} steps)")
    print(f"{'part':34} {'total':>7} {'kernels':>8} {'draws':>7} {'between':>8}   us a step")
    for name in sorted(totals, key=lambda k: -totals[k]):
        between = totals[name] - in_kernels[name] - in_draws[name]
        print(f"{name:34} {totals[name] / count * 1e6:7.0f} {in_kernels[name] / count * 1e6:8.0f} "
              f"{in_draws[name] / count * 1e6:7.0f} {between / count * 1e6:8.0f}")


if __name__ == "__main__":
    main()
