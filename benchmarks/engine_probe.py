"""Measurements behind docs/engine.md (issue 20, the batched engine): what a step draws and what a world costs.

    python benchmarks/engine_probe.py rng                     # random-number calls per step of the national decade
    python benchmarks/engine_probe.py rng --scenario scenarios/district.yaml
    python benchmarks/engine_probe.py phases                  # build / steps / tables of 20 district runs
    python benchmarks/engine_probe.py segments                # per-world Generators: cost of drawing each world's segment
    python benchmarks/engine_probe.py sums                    # per-world float sums in one call: equal to each world's own?
    python benchmarks/engine_probe.py numba                   # whether numba's Generator gives numpy's numbers (if installed)
    python benchmarks/engine_probe.py floor                   # what must stay in numpy: draws, exp/log, per step

Nothing here is imported by msosim; the model runs unchanged (the rng probe wraps `model.rng` in a recorder that
hands every call on to the same Generator, so the run and its draws are the model's own).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DISTRICT = ROOT / "scenarios" / "district.yaml"


class RecordingGenerator:
    """Hands every call on to `rng` and records (step, caller, method, numbers drawn)."""

    def __init__(self, rng: np.random.Generator, model) -> None:
        self._rng, self._model, self.calls = rng, model, []

    def __getattr__(self, name):
        target = getattr(self._rng, name)
        if not callable(target):
            return target

        def record(*args, **kwargs):
            result = target(*args, **kwargs)
            frame = sys._getframe(1)
            caller = frame.f_code.co_name
            if caller in ("binomial", "poisson", "choose", "happens"):  # the draws module's helpers: name their caller
                caller = f"{frame.f_back.f_code.co_name}>{caller}"
            self.calls.append((self._model.t, caller, name, int(np.size(result))))
            return result

        return record


def rng_calls(scenario: Path, years: float) -> None:
    from msosim.model import MSOModel

    model = MSOModel(scenario, seed=1)
    recorder = RecordingGenerator(model.rng, model)
    model.rng = recorder
    model.streams.rngs[0] = recorder  # the step draws through the model's streams (msosim/streams.py)
    model.run(years)
    steps = int(round(years * model.config.steps_per_year))
    calls = [c for c in recorder.calls if c[0] >= 1]
    per_step = collections.Counter(c[0] for c in calls)
    numbers = collections.Counter()
    for step, _, _, size in calls:
        numbers[step] += size
    print(f"{scenario.name}, {years:g} years, {steps} steps, {model.msos.n:,} MSO rows at the end")
    print(f"rng calls per step: mean {len(calls) / steps:.1f}, median {statistics.median(per_step[s] for s in range(1, steps + 1)):.0f}, "
          f"max {max(per_step.values())}; numbers per step: mean {sum(numbers.values()) / steps:,.0f}")
    sizes = np.array([c[3] for c in calls])
    print(f"calls drawing 0 numbers: {np.mean(sizes == 0):.0%}; <= 10: {np.mean(sizes <= 10):.0%}; "
          f"<= 1,000: {np.mean(sizes <= 1000):.0%}; > 10,000: {np.mean(sizes > 10_000):.0%}")
    by_site = collections.defaultdict(list)
    for _, caller, method, size in calls:
        by_site[(caller, method)].append(size)
    print(f"{'caller':38s} {'method':12s} {'calls/step':>10s} {'median n':>9s} {'max n':>8s} {'numbers/step':>12s}")
    for (caller, method), sizes in sorted(by_site.items(), key=lambda kv: -len(kv[1])):
        print(f"{caller:38s} {method:12s} {len(sizes) / steps:10.2f} {statistics.median(sizes):9.0f} {max(sizes):8d} "
              f"{sum(sizes) / steps:12,.0f}")


class TimingGenerator:
    """Hands every call on to `rng` and adds up the wall time spent inside it, per method."""

    def __init__(self, rng: np.random.Generator, seconds: dict, calls: dict) -> None:
        self._rng, self._seconds, self._calls = rng, seconds, calls

    def __getattr__(self, name):
        target = getattr(self._rng, name)
        if not callable(target):
            return target

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                self._seconds[f"draw: {name}"] += time.perf_counter() - started
                self._calls[f"draw: {name}"] += 1

        return timed


TRANSCENDENTAL = ("exp", "log", "log1p", "expm1", "power", "sqrt")


def floor(scenario: Path, years: float, repeats: int) -> None:
    """What the identity rule keeps in numpy (docs/engine.md section 5), timed inside a decade on the kernels where
    numba is installed: every call on the worlds' Generators, and every call of np.exp, np.log, np.log1p, np.expm1,
    np.power and np.sqrt by name (a power written `a ** b` on arrays is not caught: the figure is a lower bound).
    Against the steps' wall time and issue 20's target 1 (0.25 s, and a third of Mesa's empty loop)."""
    from msosim import kernels
    from msosim.model import MSOModel

    kernels.compiled()
    MSOModel(scenario, seed=1).run(1.0)  # warm
    seconds: dict[str, float] = collections.defaultdict(float)
    calls: dict[str, int] = collections.defaultdict(int)
    originals = {name: getattr(np, name) for name in TRANSCENDENTAL}

    def timed(name, function):
        def call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[f"numpy: {name}"] += time.perf_counter() - started
                calls[f"numpy: {name}"] += 1
        return call

    walls = []
    for _ in range(repeats):
        seconds.clear()
        calls.clear()
        model = MSOModel(scenario, seed=1)
        model.streams.rngs[:] = [TimingGenerator(rng, seconds, calls) for rng in model.streams.rngs]
        for name, function in originals.items():
            setattr(np, name, timed(name, function))
        try:
            started = time.perf_counter()
            model.run(years)
            walls.append(time.perf_counter() - started)
        finally:
            for name, function in originals.items():
                setattr(np, name, function)
        kept = dict(seconds), dict(calls)
    seconds, calls = kept  # the last repeat's parts
    steps = int(round(years * model.config.steps_per_year))
    wall = statistics.median(walls)
    total = sum(seconds.values())
    print(f"{scenario.name}, {years:g} years ({steps} steps) on {kernels.backend()}: steps {wall:.3f} s wall "
          f"(median of {repeats}); inside numpy's draws and transcendental functions {total:.3f} s "
          f"({total / wall:.0%}), {total / steps * 1000:.2f} ms a step")
    for name in sorted(seconds, key=lambda k: -seconds[k]):
        print(f"  {name:24s} {seconds[name]:7.3f} s  {calls[name] / steps:7.1f} calls a step")


def phases(worlds: int) -> None:
    """Build, steps and tables of `worlds` district runs (seeds 1..worlds), one after the other, in this process."""
    from msosim.model import MSOModel

    MSOModel(DISTRICT, seed=0).run(1).tables()
    parts = {"build": [], "steps": [], "tables": []}
    for seed in range(1, worlds + 1):
        started = time.perf_counter()
        model = MSOModel(DISTRICT, seed=seed)
        built = time.perf_counter()
        model.run()
        stepped = time.perf_counter()
        model.tables()
        done = time.perf_counter()
        parts["build"].append(built - started)
        parts["steps"].append(stepped - built)
        parts["tables"].append(done - stepped)
    steps = int(round(model.config.years * model.config.steps_per_year))
    total = sum(sum(v) for v in parts.values())
    print(f"{worlds} district runs ({model.initial_count} MSOs at the start, {steps} steps): {total:.2f} s")
    for name, values in parts.items():
        print(f"  {name:7s} median {statistics.median(values) * 1000:7.1f} ms per world  "
              f"({sum(values) / total:.0%} of the total)")
    print(f"  per step: {statistics.median(parts['steps']) / steps * 1000:.2f} ms per world")


def segments(worlds: int, sizes: list[int]) -> None:
    """One world's numbers drawn by its own Generator: W calls of k (concatenated) against one call of W k."""
    shared = np.random.default_rng(1)
    own = [np.random.default_rng(seed) for seed in range(worlds)]
    print(f"{worlds} worlds; microseconds per draw site (median of 200)")
    print(f"{'k per world':>11s} {'one call W k':>13s} {'W calls + concat':>17s} {'ratio':>6s} {'W calls, out=':>14s} {'ratio':>6s}")
    for k in sizes:
        buffer = np.empty(worlds * k)
        one = _time(lambda: shared.random(worlds * k, out=buffer))
        each = _time(lambda: np.concatenate([g.random(k) for g in own]))

        def into():
            for w, g in enumerate(own):
                g.random(out=buffer[w * k:(w + 1) * k])

        slices = _time(into)
        print(f"{k:11d} {one:13.1f} {each:17.1f} {each / one:6.1f} {slices:14.1f} {slices / one:6.1f}")


def sums(worlds: int) -> None:
    """Whether per-world float sums can be taken in one call over a batch (numpy's sum is pairwise)."""
    rng = np.random.default_rng(3)
    sizes = rng.integers(300, 20_000, worlds)
    values = rng.random(int(sizes.sum())) * 1e3
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    alone = np.array([values[a:a + k].sum() for a, k in zip(starts, sizes)])
    padded = np.zeros((worlds, sizes.max()))
    for w, (a, k) in enumerate(zip(starts, sizes)):
        padded[w, :k] = values[a:a + k]
    index = np.repeat(np.arange(worlds), sizes)
    for name, batched in (("np.add.reduceat over the segments", np.add.reduceat(values, starts)),
                          ("row sums of a zero-padded 2-D array", padded.sum(axis=1)),
                          ("np.bincount by world (sequential)", np.bincount(index, weights=values, minlength=worlds))):
        print(f"{name:38s} equals each world's own .sum() in {int(np.sum(batched == alone))} of {worlds} worlds")
    sequential = np.array([np.cumsum(values[a:a + k])[-1] for a, k in zip(starts, sizes)])
    print(f"{'np.bincount vs each world cumsum[-1]':38s} equal in {int(np.sum(np.bincount(index, weights=values) == sequential))} of {worlds}")


def _time(function, repeats: int = 200) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def numba_identity(worlds: int, k: int) -> None:
    """Does a numba kernel that draws from numpy Generators give numpy's own numbers, and at what cost?"""
    try:
        import numba
    except ImportError:
        print("numba is not installed: nothing measured")
        return

    @numba.njit
    def uniforms(generators, k):
        out = np.empty(len(generators) * k)
        for w in range(len(generators)):
            g = generators[w]
            for i in range(k):
                out[w * k + i] = g.random()
        return out

    @numba.njit
    def normals(generator, k):
        return generator.normal(0.0, 1.0, k)

    @numba.njit
    def binomials(generator, n, p):
        out = np.empty(n.size, dtype=np.int64)
        for i in range(n.size):
            out[i] = generator.binomial(n[i], p[i])
        return out

    @numba.njit
    def poissons(generator, lam):
        out = np.empty(lam.size, dtype=np.int64)
        for i in range(lam.size):
            out[i] = generator.poisson(lam[i])
        return out

    print(f"numba {numba.__version__}, numpy {np.__version__}")
    compiled = time.perf_counter()
    first = uniforms([np.random.default_rng(s) for s in range(2)], 3)
    normals(np.random.default_rng(0), 3), binomials(np.random.default_rng(0), np.ones(2, np.int64), np.full(2, 0.5))
    poissons(np.random.default_rng(0), np.ones(2))
    print(f"first calls (compiling 4 kernels): {time.perf_counter() - compiled:.2f} s; {first.size} numbers")
    reference = np.concatenate([np.random.default_rng(s).random(k) for s in range(worlds)])
    drawn = uniforms([np.random.default_rng(s) for s in range(worlds)], k)
    print(f"random: {worlds} worlds x {k}: identical to numpy {np.array_equal(reference, drawn)}")
    rng_n, rng_p = np.random.default_rng(5), np.random.default_rng(6)
    n = rng_n.integers(0, 40, 5000)
    p = rng_p.random(5000) * 0.3
    lam = rng_p.random(5000) * 12.0
    for name, ours, theirs in (
            ("normal", lambda: np.random.default_rng(3).normal(0.0, 1.0, 5000), lambda: normals(np.random.default_rng(3), 5000)),
            ("binomial", lambda: np.random.default_rng(3).binomial(n, p), lambda: binomials(np.random.default_rng(3), n, p)),
            ("poisson", lambda: np.random.default_rng(3).poisson(lam), lambda: poissons(np.random.default_rng(3), lam))):
        a, b = ours(), theirs()
        print(f"{name}: 5,000 draws identical to numpy {np.array_equal(a, b)} ({int(np.sum(a != b))} differ)")
    generators = tuple(np.random.default_rng(s) for s in range(worlds))
    uniforms(generators, 1)
    for size in (1, 1000):
        kernel = _time(lambda: uniforms(generators, size), 50)
        single = _time(lambda: uniforms(generators[:1], size), 50)
        listed = _time(lambda: [g.random(size) for g in generators], 50)
        print(f"random, {worlds} worlds x {size}: numba kernel {kernel:.1f} us (1 world: {single:.1f} us), "
              f"numpy, one call per world {listed:.1f} us")
    arithmetic_identity(numba)


def arithmetic_identity(numba) -> None:
    """Which floating-point operations a numba loop does exactly as numpy does them (on this machine's CPU)."""
    import math

    rng = np.random.default_rng(1)
    x = np.concatenate([rng.random(200_000) * 20 - 10, rng.random(200_000) * 1e-3, -rng.random(100_000) * 700])
    positive, q = np.abs(x) + 1e-12, rng.random(500_000)
    a, b, c = rng.random(500_000) * 3, rng.random(500_000) * 7 - 3, rng.random(500_000)
    index = rng.integers(0, 400, a.size)

    def loop(function):
        @numba.njit
        def kernel(values):
            out = np.empty_like(values)
            for i in range(values.size):
                out[i] = function(values[i])
            return out
        return kernel

    @numba.njit
    def arithmetic(a, b, c):
        out = np.empty_like(a)
        for i in range(a.size):
            out[i] = a[i] * b[i] + c[i] / (1.0 - c[i])
        return out

    @numba.njit
    def sequential(index, weights, size):
        out, total = np.zeros(size), 0.0
        for i in range(index.size):
            out[index[i]] += weights[i]
            total += weights[i]
        return out, total

    twelfth = 1.0 / 12.0
    checks = [("exp", np.exp(x), loop(numba.njit(lambda v: math.exp(v)))(x)),
              ("log", np.log(positive), loop(numba.njit(lambda v: math.log(v)))(positive)),
              ("log1p", np.log1p(positive), loop(numba.njit(lambda v: math.log1p(v)))(positive)),
              ("expm1", np.expm1(x), loop(numba.njit(lambda v: math.expm1(v)))(x)),
              ("q ** (1/12)", q ** twelfth, loop(numba.njit(lambda v: v ** twelfth))(q)),
              ("a * b + c / (1 - c)", a * b + c / (1.0 - c), arithmetic(a, b, c))]
    by_bin, total = sequential(index, b, 400)
    checks.append(("bincount (sequential per bin)", np.bincount(index, weights=b, minlength=400), by_bin))
    checks.append(("sum (numpy pairwise vs loop)", np.array([b.sum()]), np.array([total])))
    for name, ours, theirs in checks:
        print(f"{name:30s} {ours.size:8,} values, differ in {int(np.sum(ours != theirs)):7,} ({np.mean(ours != theirs):.3%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("rng", "phases", "segments", "sums", "numba", "floor"))
    parser.add_argument("--scenario", type=Path, default=BASELINE)
    parser.add_argument("--years", type=float, default=10.0)
    parser.add_argument("--worlds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.what == "rng":
        rng_calls(args.scenario, args.years)
    elif args.what == "phases":
        phases(args.worlds)
    elif args.what == "floor":
        floor(args.scenario, args.years, args.repeats)
    elif args.what == "sums":
        sums(args.worlds)
    elif args.what == "segments":
        segments(args.worlds, [1, 10, 100, 1000, 10_000])
    else:
        numba_identity(args.worlds, 1000)


if __name__ == "__main__":
    main()
