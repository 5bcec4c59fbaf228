"""The national decade now against the code of an earlier commit, in one process, alternating.

    python benchmarks/against_commit.py 9cfcf48            # six decades each, and Mesa's bare model
    python benchmarks/against_commit.py 9cfcf48 --repeats 9
    python benchmarks/against_commit.py main --now-set population.initial=spinup   # overrides for "now" only
    python benchmarks/against_commit.py 9cfcf48 --districts 20   # 20 district worlds batched (issue 20, target 2)

Timing two versions in separate processes on a machine whose speed drifts (this one's did by 50%
within the hour) compares the drift more than the code. Here the earlier commit's `src/msosim` is
extracted with `git archive` into a temporary folder under the package name `msosim_previous` (its
imports are relative; the one place that names the package, the data folder, is renamed too), and
both versions run in this process: previous, now, Mesa's bare model, previous, now, ... Each run
starts after `gc.collect()` (see run.py, `fresh_heap`). Prints the medians and their ratios.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))

from per_agent_baseline import NATIONAL_MSOS, BareModel, time_decade  # noqa: E402

PREVIOUS = "msosim_previous"


def extract(commit: str, folder: Path) -> Path:
    """The commit's src/msosim as the package `msosim_previous` in `folder`, with its own scenarios/ and data
    (the data link); returns its baseline scenario: each version runs the baseline it was calibrated for, and a
    scenario key added since (e.g. description_de) would make the earlier schema refuse today's file."""
    archive = subprocess.run(["git", "archive", commit, "src/msosim", "scenarios", "data"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    package = folder / PREVIOUS
    (folder / "src" / "msosim").rename(package)
    population = package / "population.py"
    population.write_text(population.read_text().replace('"msosim.data"', f'"{PREVIOUS}.data"'))
    link = folder / "data"  # pointed at src/msosim/data, renamed above; the earlier loader is told the folder is allowed
    link.unlink()
    link.symlink_to(package / "data")
    os.environ["MSOSIM_EXTENDS_PATH"] = os.pathsep.join(filter(None, [os.environ.get("MSOSIM_EXTENDS_PATH"),
                                                                     str(package / "data")]))
    return folder / "scenarios" / "baseline.yaml"


CPU_SECONDS: dict[str, list[float]] = {"previous": [], "now": []}  # process CPU seconds of each timed decade


def decade(model_class, overrides: dict | None = None, baseline: Path = BASELINE, record: str | None = None) -> float:
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    model_class(baseline, seed=1, **(overrides or {})).run(10).tables()
    if record is not None:
        CPU_SECONDS[record].append(time.process_time() - cpu)
    return time.perf_counter() - started


def district_batch(run_batch, scenario: Path, worlds: int, record: str | None = None) -> float:
    """`worlds` district worlds (seeds 1..worlds) through the batched engine, their tables included."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    run_batch(scenario, seeds=list(range(1, worlds + 1)))
    if record is not None:
        CPU_SECONDS[record].append(time.process_time() - cpu)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the earlier commit (any git revision)")
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--now-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a dotted-key override for the current code only (e.g. population.initial=spinup; "
                             "a spin-up is built and cached by the warm-up run, so the timed runs read it)")
    parser.add_argument("--districts", type=int, default=0, metavar="WORLDS",
                        help="time this many district worlds batched (msosim.api.run_batch) instead of the national "
                             "decade")
    args = parser.parse_args()
    now_overrides = dict(item.split("=", 1) for item in args.now_set)
    with tempfile.TemporaryDirectory() as folder:
        previous_baseline = extract(args.commit, Path(folder))
        sys.path.insert(0, folder)
        from msosim_previous.model import MSOModel as Previous

        from msosim.model import MSOModel as Now

        if args.districts:
            from msosim.api import run_batch as now_batch
            from msosim_previous.api import run_batch as previous_batch

            district = previous_baseline.with_name("district.yaml")

            def previous_run(record=None):
                return district_batch(previous_batch, district, args.districts, record)

            def now_run(record=None):
                return district_batch(now_batch, ROOT / "scenarios" / "district.yaml", args.districts, record)
        else:
            def previous_run(record=None):
                return decade(Previous, baseline=previous_baseline, record=record)

            def now_run(record=None):
                return decade(Now, now_overrides, record=record)
        previous_run(), now_run()  # warm: imports, caches
        times: dict[str, list[float]] = {"previous": [], "now": [], "mesa_bare": []}
        for repeat in range(args.repeats):
            times["previous"].append(previous_run("previous"))
            times["now"].append(now_run("now"))
            gc.collect()
            times["mesa_bare"].append(time_decade(BareModel, NATIONAL_MSOS, seed=repeat))
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name:10s} median {median[name]:.3f} s   ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"now / previous {median['now'] / median['previous']:.2f}   now / Mesa bare {median['now'] / median['mesa_bare']:.2f}"
          f"   previous / Mesa bare {median['previous'] / median['mesa_bare']:.2f}   (previous = {args.commit})")
    cpu = {name: statistics.median(values) for name, values in CPU_SECONDS.items()}
    print(f"CPU seconds (process time; less disturbed by other processes on a busy machine): previous median "
          f"{cpu['previous']:.3f} s, now {cpu['now']:.3f} s, now / previous {cpu['now'] / cpu['previous']:.2f}")


if __name__ == "__main__":
    main()
