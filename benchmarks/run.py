"""The speed targets of the performance issue, measured on this machine: one table, pass/fail per target.

    python benchmarks/run.py            # everything, including 1,340,000 MSOs (a few minutes, several GB)
    python benchmarks/run.py --quick    # without the 1,340,000-MSO point
    python benchmarks/run.py --json results.json
    python benchmarks/run.py --engine   # only issue 20's targets 1-3 (engine_targets.py), about a minute

The last rows are issue 20's targets 1-3 (the ensemble engine, benchmarks/engine_targets.py); the exit status
is 0 only when those three pass (1 otherwise, also with --quick), whatever the other rows say.

Wall times are `time.perf_counter` medians over repeats. Ratios compare figures measured in this
same invocation, interleaved (msosim, Mesa, msosim, Mesa, ...) so that a busy machine slows both
alike. Peak memory is the resident high-water mark of a fresh subprocess that does nothing else
(`VmHWM` in /proc/self/status; `ru_maxrss` is not used because Linux carries the parent's peak
over fork + exec into the child's `ru_maxrss`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import mesa  # noqa: E402
import numpy as np  # noqa: E402

import engine_targets  # noqa: E402
from per_agent_baseline import BareModel, ToyMSOModel, time_decade  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
DISTRICT = ROOT / "scenarios" / "district.yaml"
NATIONAL = 13_400
YEARS = 10

DECADE_SECONDS = 1.0           # target 1
LINEARITY_SPREAD = 1.5         # target 3: largest / smallest cost per MSO-step
PEAK_MB = 300.0                # target 4
TWO_WORKER_SPEEDUP = 1.8       # target 5


@dataclass
class Row:
    """One line of the table."""

    target: str
    measured: str
    goal: str
    passed: bool | None             # None: nothing to pass or fail
    details: dict = field(default_factory=dict)


# --- one run, in this process or in a fresh one ---------------------------------------------------

def scaled_scenario(n_msos: int):
    """The baseline with `n_msos` MSOs and budgets scaled with them (`policy.budget_factor`, which scales every
    funder's budget, micro-grants included), so money per MSO stays the same."""
    from msosim.scenario import load_scenario, with_overrides

    return with_overrides(load_scenario(BASELINE),
                          {"population.n_msos": n_msos, "policy.budget_factor": n_msos / NATIONAL})


def national_decade(seed: int = 1) -> tuple[float, float]:
    """Wall and CPU seconds of the issue's reference run: build, ten years, tables."""
    from msosim.model import MSOModel

    started, cpu = time.perf_counter(), time.process_time()
    MSOModel(BASELINE, seed=seed).run(YEARS).tables()
    return time.perf_counter() - started, time.process_time() - cpu


def peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def probe(n_msos: int, years: float) -> dict:
    """Run in a fresh interpreter (`--probe`): phase times and peak resident memory."""
    started = time.perf_counter()
    from msosim import kernels
    from msosim.model import MSOModel

    kernels.compiled()  # with MSOSIM_KERNELS=numba: their load is paid here, once (reported as target 20.6)
    imported = time.perf_counter()
    import_mb = peak_mb()
    scenario = scaled_scenario(n_msos) if n_msos != NATIONAL else None
    built_at = time.perf_counter()
    model = MSOModel(scenario if scenario is not None else BASELINE, seed=1)
    built, cpu = time.perf_counter(), time.process_time()
    model.run(years)
    stepped, cpu = time.perf_counter(), time.process_time() - cpu
    tables = model.tables()
    done = time.perf_counter()
    steps = int(round(years * model.config.steps_per_year))
    return {"n_msos": n_msos, "years": years, "steps": steps, "rows_at_end": int(model.msos.n),
            "events": len(tables["events"]), "import_s": imported - started, "build_s": built - built_at,
            "steps_s": stepped - built, "tables_s": done - stepped, "us_per_mso_step": (stepped - built) / (n_msos * steps) * 1e6,
            "cpu_us_per_mso_step": cpu / (n_msos * steps) * 1e6,
            "import_mb": import_mb, "peak_mb": peak_mb()}


def probe_in_subprocess(n_msos: int, years: float) -> dict:
    output = subprocess.run([sys.executable, __file__, "--probe", str(n_msos), str(years)], check=True,
                            capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


# --- targets --------------------------------------------------------------------------------------

def fresh_heap() -> None:
    """Collect the garbage of earlier repeats before a timed run (outside the clock), so that each run starts
    from the heap a fresh process has. A Mesa model is a reference cycle (agents <-> model) that only the
    cyclic collector frees; without this, the leftovers of earlier repeats trigger a full collection
    (about 0.1 s here) inside roughly every other msosim repeat."""
    gc.collect()


def head_to_head(repeats: int) -> tuple[list[Row], dict]:
    """Targets 1 and 2: the national decade against Mesa's bare scheduling, interleaved in one run; every
    timed run of either model starts after `fresh_heap()`."""
    national_decade(seed=99)                                   # warm: imports, caches
    times: dict[str, list[float]] = {"msosim": [], "msosim_cpu": [], "mesa_bare": [], "mesa_toy": []}
    for repeat in range(repeats):
        fresh_heap()
        wall, cpu = national_decade(seed=1)
        times["msosim"].append(wall)
        times["msosim_cpu"].append(cpu)
        fresh_heap()
        times["mesa_bare"].append(time_decade(BareModel, NATIONAL, seed=repeat))
        if repeat < max(1, repeats // 2):                      # the toy is slow; fewer repeats
            fresh_heap()
            times["mesa_toy"].append(time_decade(ToyMSOModel, NATIONAL, seed=repeat))
    median = {key: statistics.median(values) for key, values in times.items()}
    ratio = median["msosim"] / median["mesa_bare"]
    rows = [
        Row("1. national decade, build + 120 steps + tables",
            f"{median['msosim']:.3f} s  (CPU {median['msosim_cpu']:.3f} s)", f"<= {DECADE_SECONDS:.1f} s",
            median["msosim"] <= DECADE_SECONDS, {"seconds": times["msosim"]}),
        Row("2. msosim / Mesa bare shuffle_do (13,400 idle agents x 120)",
            f"{ratio:.2f}  ({median['msosim']:.3f} s / {median['mesa_bare']:.3f} s)", "< 1.00", ratio < 1.0,
            {"ratio": ratio, "mesa_bare_seconds": times["mesa_bare"]}),
        Row("   msosim / per-agent toy MSO model (13,400 x 120)",
            f"{median['msosim'] / median['mesa_toy']:.2f}  ({median['mesa_toy']:.3f} s toy)", "(context)", None,
            {"ratio": median["msosim"] / median["mesa_toy"], "mesa_toy_seconds": times["mesa_toy"]}),
    ]
    return rows, median


def scaling(quick: bool) -> tuple[list[Row], dict]:
    """Targets 3 and 4: cost per MSO-step at three sizes, and peak memory, each in a fresh process."""
    plan = [(NATIONAL, 2, 3), (10 * NATIONAL, 2, 2)] + ([] if quick else [(100 * NATIONAL, 1, 1)])
    points = []
    for n_msos, years, repeats in plan:
        runs = [probe_in_subprocess(n_msos, years) for _ in range(repeats)]
        point = dict(runs[-1], runs=runs)
        for key in ("us_per_mso_step", "cpu_us_per_mso_step"):
            point[key] = statistics.median(run[key] for run in runs)
        points.append(point)
    costs = [p["us_per_mso_step"] for p in points]
    spread = max(costs) / min(costs)
    cpu_costs = [p["cpu_us_per_mso_step"] for p in points]
    measured = (", ".join(f"{p['n_msos']:,}: {p['us_per_mso_step']:.2f}" for p in points)
                + f"  (max/min {spread:.2f}; CPU max/min {max(cpu_costs) / min(cpu_costs):.2f})")
    horizons = " / ".join(f"{p['years']:g}" for p in points)
    rows = [Row(f"3. us per MSO-step, steps only ({horizons} years)",
                measured, f"max/min <= {LINEARITY_SPREAD}", spread <= LINEARITY_SPREAD,
                {"points": points})]
    decade = probe_in_subprocess(NATIONAL, YEARS)
    rows.append(Row("4. peak RSS, national decade (fresh process)",
                    f"{decade['peak_mb']:.0f} MB  (after imports {decade['import_mb']:.0f} MB)", f"<= {PEAK_MB:.0f} MB",
                    decade["peak_mb"] <= PEAK_MB, {"probe": decade}))
    largest = points[-1]
    if largest["n_msos"] > 10 * NATIONAL:
        rows.append(Row(f"   peak RSS, {largest['n_msos']:,} MSOs, {largest['years']:g} year",
                        f"{largest['peak_mb']:,.0f} MB", "(report)", None, {"probe": largest}))
    else:
        rows.append(Row(f"   peak RSS, {100 * NATIONAL:,} MSOs", "skipped (--quick)", "(report)", None))
    return rows, {"points": points, "decade": decade}


def district_run(seed: int) -> float:
    """One replication for the throughput test (runs in a worker process); returns the CPU seconds it took."""
    from msosim.api import run

    started = time.process_time()
    run(DISTRICT, seed=seed)
    return time.process_time() - started


def _warm_worker() -> None:
    from msosim.api import run

    run(DISTRICT, seed=0, years=0.1)


def _occupy(_: int) -> int:
    time.sleep(0.3)
    return os.getpid()


def replications_per_second(workers: int, seeds: list[int]) -> tuple[float, float]:
    """Runs per second, and the share of `workers` cores the workers really got (CPU seconds / wall / workers)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_warm_worker) as pool:
        list(pool.map(_occupy, range(2 * workers)))             # every worker started and warm
        started = time.perf_counter()
        cpu = sum(pool.map(district_run, seeds))
        wall = time.perf_counter() - started
    return len(seeds) / wall, cpu / wall / workers


def sobol_sweep(workers: int = 2) -> Row:
    """Target 5b: the 1,024-run national Sobol design of benchmarks/sobol_national.yaml through
    `msosim sweep --workers 2` into a fresh store (sampling, runs, outcomes and store writes)."""
    import tempfile

    experiment = ROOT / "benchmarks" / "sobol_national.yaml"
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "sobol.duckdb"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "msosim", "sweep", str(experiment), "--workers", str(workers),
                        "--store", str(store)], check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                       env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        wall = time.perf_counter() - started
        import duckdb

        with duckdb.connect(str(store), read_only=True) as con:
            runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    return Row(f"5b. {runs:,}-run national Sobol design, msosim sweep --workers {workers}",
               f"{wall:.0f} s  ({wall / max(runs, 1):.2f} s per run)", "<= 600 s", wall <= 600.0,
               {"seconds": wall, "runs": runs})


def throughput(quick: bool, sobol: bool = False) -> list[Row]:
    """Target 5: replications of the district scenario per second with one and two worker processes."""
    seeds = list(range(1, (9 if quick else 17)))
    (one, one_cpu), (two, two_cpu) = replications_per_second(1, seeds), replications_per_second(2, seeds)
    speedup = two / one
    return [
        Row("5. replications, 2 workers vs 1 (district scenario)",
            f"{speedup:.2f}x  ({one:.2f} -> {two:.2f} runs/s; workers got {one_cpu:.0%} / {two_cpu:.0%} of their cores)",
            f">= {TWO_WORKER_SPEEDUP}x", speedup >= TWO_WORKER_SPEEDUP,
            {"one_worker_runs_per_s": one, "two_workers_runs_per_s": two, "runs": len(seeds),
             "core_share_one": one_cpu, "core_share_two": two_cpu}),
        sobol_sweep() if sobol else Row("5b. 1,024-run national Sobol design", "skipped (run with --sobol, ~10 min)",
                                        "<= 600 s", None),
    ]


def dashboard_step() -> list[Row]:
    """Target 6: one dashboard step at district scale, both policies, computed and rendered.

    In the browser (benchmarks/dashboard_browser.py): the real dashboard in headless Chromium, from the
    click on Step until the counter shows the step and every chart has drawn it. Also the server-side
    part alone: PolicyPair.step (both models stepped, snapshot made), no drawing."""
    rows = []
    try:
        from dashboard_browser import measure

        result = measure(steps=20, play_seconds=0.0)
        rows.append(Row("6. dashboard step, district, click -> drawn in Chromium (both policies)",
                        f"{result['median_ms']:.0f} ms median, p90 {result['p90_ms']:.0f} ms", "<= 100 ms",
                        result["passed"], result))
    except Exception as error:  # no Chromium or Playwright on this machine
        rows.append(Row("6. dashboard step in the browser", f"n/a ({type(error).__name__}: {error})"[:90], "<= 100 ms",
                        None))
    from msosim.dashboard.runner import PolicyPair, initial_setup

    setup, _ = initial_setup(DISTRICT, seed=1)
    pair = PolicyPair(setup)
    pair.step()
    step_ms = []
    for _ in range(24):
        started = time.perf_counter()
        pair.step()
        step_ms.append((time.perf_counter() - started) * 1000)
    rows.append(Row("   of which the server computes (PolicyPair.step, no drawing)",
                    f"{statistics.median(step_ms):.1f} ms", "(context)", None, {"step_ms": step_ms}))
    return rows


# --- report ---------------------------------------------------------------------------------------

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
            "mesa": mesa.__version__, "date": dt.datetime.now().isoformat(timespec="seconds"),
            "load_average": [round(x, 2) for x in os.getloadavg()], "blas_threads": blas_threads()}


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return ",".join(f"{pool['internal_api']}={pool['num_threads']}" for pool in threadpool_info()) or "none"


def print_table(rows: list[Row], info: dict, load_after: list[float]) -> None:
    widths = [max(len(r.target) for r in rows), max(len(r.measured) for r in rows), max(len(r.goal) for r in rows)]
    header = ("target".ljust(widths[0]), "measured".ljust(widths[1]), "goal".ljust(widths[2]), "result")
    print("  ".join(header))
    print("  ".join("-" * w for w in (*widths, 6)))
    for r in rows:
        verdict = "-" if r.passed is None else ("PASS" if r.passed else "FAIL")
        print("  ".join((r.target.ljust(widths[0]), r.measured.ljust(widths[1]), r.goal.ljust(widths[2]), verdict)))
    print()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, numpy {info['numpy']}, "
          f"mesa {info['mesa']}, BLAS threads {info['blas_threads']}, {info['date']}")
    print(f"load average (1, 5, 15 min): {info['load_average']} before, {load_after} after "
          f"(above {info['cores']} means other processes competed for the cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description="Measure the performance targets (one table).")
    parser.add_argument("--quick", action="store_true", help="skip the 1,340,000-MSO point")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the head-to-head timings (median)")
    parser.add_argument("--sobol", action="store_true", help="also run the 1,024-run national Sobol sweep (~10 min)")
    parser.add_argument("--engine", action="store_true", help="only issue 20's targets 1-3 (engine_targets.py)")
    parser.add_argument("--probe", nargs=2, metavar=("N_MSOS", "YEARS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(int(args.probe[0]), float(args.probe[1]))))
        return
    info = machine()
    rows, medians, scale = [], None, {}
    if not args.engine:
        rows, medians = head_to_head(args.repeats)
        scale_rows, scale = scaling(args.quick)
        rows += scale_rows
        rows += throughput(args.quick, args.sobol)
        rows += dashboard_step()
    engine = [Row(*row) for row in engine_targets.rows(medians, repeats=args.repeats)]
    rows += engine + [Row(*row) for row in engine_targets.kernel_rows(args.repeats)]
    load_after = [round(x, 2) for x in os.getloadavg()]
    print_table(rows, info, load_after)
    if args.json:
        payload = {"machine": info, "load_average_after": load_after, "quick": args.quick,
                   "rows": [asdict(r) for r in rows], "medians_s": medians, "scaling": scale}
        args.json.write_text(json.dumps(payload, indent=2, default=float))
        print(f"written: {args.json}")
    sys.exit(0 if all(row.passed for row in engine) else 1)  # issue 20: --quick exits 0 only when its targets 1-3 pass


if __name__ == "__main__":
    main()
