"""Targets 1-3 of issue 20 (the ensemble engine), measured today: they fail until the engine is built.

    python benchmarks/engine_targets.py            # the three rows alone (about a minute); exit 1 while any fails
    python benchmarks/run.py --quick               # every target of the performance issue, then these three

1. The national decade in one world <= 0.25 s, and Mesa's empty `shuffle_do` over 13,400 agents for the same
   120 steps >= 3x as long, measured side by side (interleaved, medians) in one run.
2. 20 district worlds batched: >= 8x the throughput (runs per second) of 20 separate district runs in one
   process. The separate runs are measured (`msosim.api.run`, seeds 1-20, one after the other, on a warm spin-up
   cache; the cold first pass, each run spinning up its world, is kept in the details), and the same seeds
   through `msosim.api.run_batch` (one Batch of 20 worlds: build, ten years, every world's tables) on the same
   warm cache, the two alternating `--repeats` times (medians).
3. The dashboard's ensemble (2 policies x 20 paired district worlds) <= 100 ms server time per step
   (`dashboard_ensemble.measure`: `EnsemblePair.step`, every replication of both policies, bands, snapshot).

Targets 1-3 are measured on the compiled kernels (msosim.kernels, MSOSIM_KERNELS=numba) where numba is installed
(`.[test]` or `.[kernels]`), their load paid before the clock starts (it is target 6's row); else on numpy. Each
row names its backend.

Then two rows on the compiled kernels, which do not decide the exit status:
6. Their load, paid once per process: `kernels.compiled()` in a fresh process (numba's import, then each kernel
   loaded from numba's on-disk cache; and with an empty cache, each compiled), and a second call in the same
   process (nothing left to pay).
- The national decade on the numpy backend / on the compiled kernels, interleaved in this process (medians).
"""

from __future__ import annotations

import argparse
import importlib.util
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from per_agent_baseline import NATIONAL_MSOS, BareModel, time_decade  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.yaml"
DISTRICT = ROOT / "scenarios" / "district.yaml"

DECADE_SECONDS = 0.25      # target 1: one national world
MESA_SPEEDUP = 3.0         # target 1: Mesa bare / msosim
DISTRICT_WORLDS = 20       # target 2
BATCH_SPEEDUP = 8.0        # target 2: batched / separate runs per second
ENSEMBLE_MS = 100.0        # target 3: server time per dashboard ensemble step
ENSEMBLE_REPLICATIONS = 20
BACKEND = "numba" if importlib.util.find_spec("numba") is not None else "numpy"  # targets 1-3 measured on it



def batched(path: Path, seeds: list[int]) -> list[dict]:
    """The batched engine: every world's tables."""
    from msosim.api import run_batch

    return run_batch(path, seeds=seeds)


BATCHED: Callable[[Path, list[int]], list[dict]] | None = batched


def national_decade() -> float:
    """Wall seconds of the reference run: build, ten years, tables (after a collection, as run.py's fresh_heap)."""
    from msosim.model import MSOModel

    gc.collect()
    started = time.perf_counter()
    MSOModel(BASELINE, seed=1).run(10).tables()
    return time.perf_counter() - started


def decade_medians(repeats: int) -> dict[str, float]:
    """msosim's national decade and Mesa's bare model, interleaved, after one warm-up of each."""
    national_decade()
    time_decade(BareModel, NATIONAL_MSOS, seed=0)
    times: dict[str, list[float]] = {"msosim": [], "mesa_bare": []}
    for repeat in range(repeats):
        times["msosim"].append(national_decade())
        gc.collect()
        times["mesa_bare"].append(time_decade(BareModel, NATIONAL_MSOS, seed=repeat))
    return {key: statistics.median(values) for key, values in times.items()}


def separate_district_runs(worlds: int = DISTRICT_WORLDS, repeats: int = 1) -> tuple[float, float, float | None]:
    """Wall seconds of `worlds` district runs one after the other in this process (seeds 1..worlds): on a cold
    spin-up cache (a fresh folder: each run first spins up its world, msosim.spinup) and then on the warm one
    (the same runs again, each reading its spin-up), and the same worlds batched on the warm cache (None without
    the engine), the warm separate runs and the batch alternating `repeats` times (medians: on a shared machine
    one pass of each compares the machine's drift more than the engines). Returns (warm, cold, batched)."""
    import os
    import tempfile

    from msosim.api import run

    before = os.environ.get("MSOSIM_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="msosim-engine-targets-") as cache:
        os.environ["MSOSIM_CACHE_DIR"] = cache
        try:
            run(DISTRICT, seed=0, years=0.1)  # imports, scenario cache

            def one_by_one() -> float:
                gc.collect()
                started = time.perf_counter()
                for seed in range(1, worlds + 1):
                    run(DISTRICT, seed=seed)
                return time.perf_counter() - started

            cold = one_by_one()
            warm, together = [], []
            for _ in range(max(1, repeats)):
                warm.append(one_by_one())
                together.append(batched_district_runs(worlds))
        finally:
            if before is None:
                os.environ.pop("MSOSIM_CACHE_DIR", None)
            else:
                os.environ["MSOSIM_CACHE_DIR"] = before
    batched = None if together[0] is None else statistics.median(together)
    return statistics.median(warm), cold, batched


def batched_district_runs(worlds: int = DISTRICT_WORLDS) -> float | None:
    """Wall seconds of the same worlds through the batched engine; None while it is not built."""
    if BATCHED is None:
        return None
    gc.collect()
    started = time.perf_counter()
    BATCHED(DISTRICT, list(range(1, worlds + 1)))
    return time.perf_counter() - started


def rows(medians: dict[str, float] | None = None, repeats: int = 5,
         ensemble_steps: int = 12) -> list[tuple[str, str, str, bool, dict]]:
    """(target, measured, goal, passed, details) for targets 1-3 on BACKEND; `medians` (run.py's head-to-head, on
    the default numpy backend) is reused only when BACKEND is numpy."""
    from msosim import kernels

    with kernels.using(BACKEND):
        kernels.compiled()  # the kernels' load, before any clock (target 6 reports it)
        return _rows(medians if BACKEND == "numpy" else None, repeats, ensemble_steps)


def _rows(medians: dict[str, float] | None, repeats: int, ensemble_steps: int) -> list[tuple[str, str, str, bool, dict]]:
    medians = medians if medians is not None else decade_medians(repeats)
    speedup = medians["mesa_bare"] / medians["msosim"]
    first = (f"20.1 national decade, one world ({BACKEND}); Mesa bare / msosim",
             f"{medians['msosim']:.3f} s; {speedup:.2f}x  (Mesa bare {medians['mesa_bare']:.3f} s)",
             f"<= {DECADE_SECONDS} s and >= {MESA_SPEEDUP:.0f}x",
             medians["msosim"] <= DECADE_SECONDS and speedup >= MESA_SPEEDUP,
             {"msosim_s": medians["msosim"], "mesa_bare_s": medians["mesa_bare"], "speedup": speedup})
    separate, cold, batched = separate_district_runs(repeats=repeats)
    per_second = DISTRICT_WORLDS / separate
    if batched is None:
        measured, passed, ratio = (f"separate {per_second:.2f} runs/s ({separate:.2f} s; cold spin-up cache "
                                   f"{cold:.2f} s); batched: not built"), False, None
    else:
        ratio = separate / batched
        measured, passed = f"{ratio:.2f}x  ({per_second:.2f} -> {DISTRICT_WORLDS / batched:.2f} runs/s)", ratio >= BATCH_SPEEDUP
    second = (f"20.2 {DISTRICT_WORLDS} district worlds batched vs separate, one process ({BACKEND})", measured,
              f">= {BATCH_SPEEDUP:.0f}x", passed, {"separate_s": separate, "separate_cold_s": cold, "batched_s": batched,
                                                    "ratio": ratio})
    from dashboard_ensemble import measure

    ensemble = measure(ENSEMBLE_REPLICATIONS, steps=ensemble_steps, warmup=3)
    median_ms = ensemble["ensemble"]["median_ms"]
    third = (f"20.3 dashboard ensemble, 2 x {ENSEMBLE_REPLICATIONS} district worlds, per step ({BACKEND})",
             f"{median_ms:.0f} ms median, p90 {ensemble['ensemble']['p90_ms']:.0f} ms", f"<= {ENSEMBLE_MS:.0f} ms",
             median_ms <= ENSEMBLE_MS, ensemble)
    return [first, second, third]


LOAD_CODE = """
import json, time
started = time.perf_counter()
from msosim import kernels
kernels.compiled()
first = time.perf_counter() - started
started = time.perf_counter()
kernels.compiled()
print(json.dumps({**kernels.LOAD_SECONDS, "first_call": first, "second_call": time.perf_counter() - started}))
"""


def kernel_load(cold: bool) -> dict[str, float]:
    """`kernels.compiled()` in a fresh process: with numba's cache as it is (`cold`: an empty cache of its own)."""
    import json
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="msosim-numba-cache-") as cache:
        env = {**os.environ, "MSOSIM_KERNELS": "numba", **({"NUMBA_CACHE_DIR": cache} if cold else {})}
        done = subprocess.run([sys.executable, "-c", LOAD_CODE], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def kernel_rows(repeats: int = 5) -> list[tuple[str, str, str, bool | None, dict]]:
    """Target 6 (the kernels' load, once per process) and the decade on both backends."""
    from msosim import kernels

    kernel_load(cold=False)  # numba's cache filled, as after any earlier run
    warm, cold = kernel_load(cold=False), kernel_load(cold=True)
    once = warm["second_call"] < 1e-3
    load = ("20.6 compiled kernels' load, once per process", f"{warm['first_call']:.2f} s (numba import "
            f"{warm['import']:.2f} s, kernels from cache {warm['warm']:.2f} s); empty cache {cold['first_call']:.2f} s; "
            f"second call {warm['second_call'] * 1e6:.0f} us", "paid once, reported", once, {"warm": warm, "cold": cold})
    times: dict[str, list[float]] = {"numpy": [], "numba": []}
    for backend in ("numpy", "numba", *["numpy", "numba"] * repeats):
        with kernels.using(backend):
            times[backend].append(national_decade())
    medians = {key: statistics.median(values[1:]) for key, values in times.items()}
    ratio = medians["numpy"] / medians["numba"]
    decade = ("20.k national decade, numpy backend / compiled kernels", f"{ratio:.2f}x  ({medians['numpy']:.3f} -> "
              f"{medians['numba']:.3f} s)", "(no target)", None, medians)
    return [load, decade]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the national decade and Mesa (median)")
    args = parser.parse_args()
    measured = rows(repeats=args.repeats)
    verdict = {True: "PASS", False: "FAIL", None: ""}
    for target, value, goal, passed, _ in measured + kernel_rows(args.repeats):
        print(f"{target:70s}  {value:62s}  {goal:26s}  {verdict[passed]}")
    sys.exit(0 if all(row[3] for row in measured) else 1)


if __name__ == "__main__":
    main()
