"""A lever change in ensemble mode: how long the page waits, and when the full ensemble is back (issue 17).

    python benchmarks/dashboard_lever_change.py                      # 2 x 20 district replications, at step 120
    python benchmarks/dashboard_lever_change.py --replications 10 --steps 60 --json lever.json

Builds the dashboard's EnsemblePair from scenarios/district.yaml, runs it `--steps` months, then moves one lever
of policy B twice: once as the page does it (`replace_policy`: the story run at once, the other replications in a
background thread) and once waiting for every replication (`wait=True`, what the page did before). Measured:
- page_wait_s: until `replace_policy` returns (the page shows the new story run and can be used again);
- full_ensemble_s: until `wait_ready()` says every replication is back;
- tick_max_ms: while the rerun goes on, the longest a 50 ms timer in the page's thread was late (responsiveness);
- blocking_s: the same lever change waiting for every replication (the page's wait before this change).
The load average is printed with the figures: the machine is shared, compare only within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "district.yaml"


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def late_ticks(pair, period: float = 0.05) -> float:
    """While the pair reruns in the background: the largest delay (ms) of a `period` timer in this thread."""
    worst = 0.0
    while not pair.wait_ready(timeout=0):
        planned = time.perf_counter() + period
        time.sleep(period)
        pair.snapshot().headline()                 # what a page render reads
        worst = max(worst, (time.perf_counter() - planned) * 1000.0)
    return worst


def measure(replications: int = 20, steps: int = 120) -> dict:
    from msosim.dashboard.ensemble import EnsemblePair
    from msosim.dashboard.runner import initial_setup

    setup, scenario = initial_setup(DISTRICT)
    pair = EnsemblePair(replace(setup, replications=replications), scenario)
    pair.step(steps)
    before = load()
    levers = pair.setup.levers["B"]
    started = time.perf_counter()
    pair.replace_policy("B", {**levers, "budget_factor": 1.5})
    page_wait = time.perf_counter() - started
    tick = late_ticks(pair)
    full = time.perf_counter() - started
    started = time.perf_counter()
    pair.replace_policy("B", {**levers, "budget_factor": 0.75}, wait=True)
    blocking = time.perf_counter() - started
    return {"replications": replications, "steps": steps, "page_wait_s": round(page_wait, 2),
            "full_ensemble_s": round(full, 2), "tick_max_ms": round(tick, 1), "blocking_s": round(blocking, 2),
            "cores": os.cpu_count(), "load_average_before": before, "load_average_after": load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    results = measure(arguments.replications, arguments.steps)
    print(json.dumps(results, indent=2))
    print(f"lever change at step {results['steps']}, 2 x {results['replications']} replications: page waits "
          f"{results['page_wait_s']} s (was {results['blocking_s']} s when it waited for every replication); full "
          f"ensemble back after {results['full_ensemble_s']} s; a 50 ms timer was at most {results['tick_max_ms']} ms "
          f"late meanwhile; load {results['load_average_before']} -> {results['load_average_after']}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
