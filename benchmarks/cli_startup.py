"""CPU time of `msosim --help` and of an argument error, against the target of issue 19 (0.3 s).

    .venv/bin/python benchmarks/cli_startup.py              # seven runs of each command, medians
    .venv/bin/python benchmarks/cli_startup.py --repeats 11

Each command runs in a fresh process (`msosim` from this virtualenv); its CPU time (user + system)
is read with `resource.getrusage(RUSAGE_CHILDREN)` before and after, so the load of other processes
on the machine does not count, only what the command itself spent (wall time is shown beside it).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.3  # CPU seconds (issue 19)
MSOSIM = Path(sys.executable).with_name("msosim")
COMMANDS = {
    "msosim --help": ([str(MSOSIM), "--help"], 0),
    "msosim sweep --help": ([str(MSOSIM), "sweep", "--help"], 0),
    "msosim run X --bogus (unknown option)": ([str(MSOSIM), "run", "scenarios/district.yaml", "--bogus"], 2),
    "msosim nosuch (unknown command)": ([str(MSOSIM), "nosuch"], 2),
    "msosim run X --years abc (bad value)": ([str(MSOSIM), "run", "scenarios/district.yaml", "--years", "abc"], 2),
    "msosim run (missing argument)": ([str(MSOSIM), "run"], 2),
}


def cpu_of(command: list[str], code: int) -> tuple[float, float]:
    """CPU seconds (user + system) and wall seconds of one run of `command` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != code:
        raise SystemExit(f"{' '.join(command)}: exit code {finished.returncode}, expected {code}\n{finished.stderr}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{'command':<42} {'CPU s (median)':>14} {'wall s':>8}  target      result")
    failed = False
    for name, (command, code) in COMMANDS.items():
        cpu_of(command, code)  # warm the file cache once
        runs = [cpu_of(command, code) for _ in range(args.repeats)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        verdict = "PASS" if cpu < TARGET else "FAIL"
        failed |= verdict == "FAIL"
        print(f"{name:<42} {cpu:>14.3f} {wall:>8.3f}  < {TARGET} s CPU  {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
