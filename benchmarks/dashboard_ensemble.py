"""Ensemble mode's server time per step: 2 policies x N paired district replications (issue 17: <= 250 ms for N = 20).

    python benchmarks/dashboard_ensemble.py                  # N = 20, 24 steps after 3 warm-up steps
    python benchmarks/dashboard_ensemble.py --replications 10 --steps 36 --json ensemble.json

Builds the dashboard's EnsemblePair from scenarios/district.yaml (both policies as in the file) and times
`step()` (every replication of both policies, the medians, bands and paired differences, the snapshot),
the part of a step the server does; the browser's drawing is measured by dashboard_browser.py. The load
average before and after is printed with the figures: the machine is shared, compare only within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DISTRICT = ROOT / "scenarios" / "district.yaml"
TARGET_MS = 250.0


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def measure(replications: int = 20, steps: int = 24, warmup: int = 3) -> dict:
    """Median and p90 milliseconds per ensemble step; the story-mode pair's step for comparison."""
    from msosim.dashboard.ensemble import EnsemblePair
    from msosim.dashboard.runner import PolicyPair, initial_setup

    setup, scenario = initial_setup(DISTRICT)
    before = load()
    results = {}
    for name, count in (("ensemble", replications), ("story", 1)):
        chosen = replace(setup, replications=count)
        pair = EnsemblePair(chosen, scenario) if count > 1 else PolicyPair(chosen, scenario)
        times = []
        for index in range(warmup + steps):
            started = time.perf_counter()
            pair.step()
            if index >= warmup:
                times.append((time.perf_counter() - started) * 1000.0)
        ordered = sorted(times)
        results[name] = {"replications": count, "steps": steps, "median_ms": round(statistics.median(times), 1),
                         "p90_ms": round(ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))], 1)}
    results["load_average_before"], results["load_average_after"] = before, load()
    results["cores"] = os.cpu_count()
    results["target_ms"] = TARGET_MS
    results["pass"] = results["ensemble"]["median_ms"] <= TARGET_MS
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    results = measure(arguments.replications, arguments.steps)
    print(json.dumps(results, indent=2))
    verdict = "PASS" if results["pass"] else "FAIL"
    print(f"ensemble 2 x {arguments.replications}: median {results['ensemble']['median_ms']} ms per step "
          f"(p90 {results['ensemble']['p90_ms']}), story mode {results['story']['median_ms']} ms; "
          f"target <= {TARGET_MS:.0f} ms: {verdict}; load {results['load_average_before']} -> {results['load_average_after']}")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
