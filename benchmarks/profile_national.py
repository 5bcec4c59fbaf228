"""Where the national decade spends its time, by submodel.

    python benchmarks/profile_national.py                 # table of wall time per submodel
    python benchmarks/profile_national.py --pyinstrument  # plus a pyinstrument call tree (pip install pyinstrument)

Each function the schedule calls (every `msosim.submodels` function imported by `msosim.model`,
the year boundary, the per-step collector, `tables()`) is wrapped in a
timer; "Mesa and step glue" is what the step costs outside them.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import time
from collections import defaultdict
from pathlib import Path

import msosim.model
from msosim.model import MonthlyCollector, MSOModel

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"

totals: dict[str, float] = defaultdict(float)
cpu_totals: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)


def timed(name: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[name] += time.perf_counter() - started
            cpu_totals[name] += time.process_time() - cpu
            calls[name] += 1
    return wrapper


def instrument() -> None:
    """Wrap the schedule's functions in timers (module attributes and methods, looked up at call time)."""
    for name, value in vars(msosim.model).items():
        if inspect.isfunction(value) and value.__module__.startswith("msosim.submodels"):
            setattr(msosim.model, name, timed(name, value))
    MSOModel._new_year = timed("_new_year", MSOModel._new_year)
    MSOModel._count_alive_per_district = timed("_count_alive_per_district", MSOModel._count_alive_per_district)
    MonthlyCollector.collect = timed("collect (monthly row)", MonthlyCollector.collect)


def scenario(n_msos: int | None):
    """The baseline, or a synthetic population of `n_msos` MSOs scaled as in `run.py` (budgets with it)."""
    if n_msos is None:
        return BASELINE
    from run import scaled_scenario

    return scaled_scenario(n_msos)


def profile(years: float, seed: int, warm: bool = True, n_msos: int | None = None) -> None:
    if warm:  # one untimed decade first: first-call costs (imports, pandas set-up) as in a benchmark's repeats
        MSOModel(scenario(n_msos), seed=seed).run(years).tables()
    instrument()
    clock = {"wall": time.perf_counter, "cpu": time.process_time}
    marks = [{name: now() for name, now in clock.items()}]
    model = MSOModel(scenario(n_msos), seed=seed)
    marks.append({name: now() for name, now in clock.items()})
    for table in (totals, cpu_totals, calls):  # construction calls some submodels too; count only the steps
        table.clear()
    model.run(years)
    marks.append({name: now() for name, now in clock.items()})
    model.tables()
    marks.append({name: now() for name, now in clock.items()})
    build, steps_total, tables = ({k: b[k] - a[k] for k in clock} for a, b in zip(marks, marks[1:]))
    steps = int(round(years * model.config.steps_per_year))
    rows = [("build (population, agents, initial grants, initial ties)", build["wall"], build["cpu"], 1)]
    rows += [(name, totals[name], cpu_totals[name], calls[name]) for name in sorted(totals, key=lambda k: -cpu_totals[k])]
    rows.append(("Mesa and step glue (rest of step)", max(steps_total["wall"] - sum(totals.values()), 0.0),
                 max(steps_total["cpu"] - sum(cpu_totals.values()), 0.0), steps))
    rows.append(("tables()", tables["wall"], tables["cpu"], 1))
    total = {k: marks[-1][k] - marks[0][k] for k in clock}
    width = max(len(row[0]) for row in rows)
    print(f"national decade: {total['wall']:.3f} s wall, {total['cpu']:.3f} s CPU (build {build['wall']:.3f}, "
          f"steps {steps_total['wall']:.3f}, tables {tables['wall']:.3f} s wall); "
          f"{model.msos.n:,} MSO rows and {model.log.count():,} events at the end")
    print(f"{'part'.ljust(width)}  {'wall s':>7}  {'CPU s':>7}  {'CPU ms/step':>11}  {'CPU share':>9}  calls")
    for name, wall, cpu, count in rows:
        print(f"{name.ljust(width)}  {wall:7.3f}  {cpu:7.3f}  {cpu / steps * 1000:11.2f}  {cpu / total['cpu']:9.1%}  {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Wall time of the national decade by submodel.")
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--msos", type=int, default=None,
                        help="a synthetic population of this many MSOs (as benchmarks/run.py scales it); at a "
                             "tenth of the national one, what is left per step is mostly fixed cost per call")
    parser.add_argument("--cold", action="store_true", help="profile the first decade in this process (no warm-up)")
    parser.add_argument("--pyinstrument", action="store_true", help="print a pyinstrument call tree instead")
    args = parser.parse_args()
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        MSOModel(scenario(args.msos), seed=args.seed).run(args.years).tables()
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return
    profile(args.years, args.seed, warm=not args.cold, n_msos=args.msos)


if __name__ == "__main__":
    main()
