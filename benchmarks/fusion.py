"""Does fusing a draw site's passes into one kernel pay? (docs/engine.md section 8, step 13)

    python benchmarks/fusion.py                 # medians of 200 calls per variant, national MSO table after a year
    python benchmarks/fusion.py --repeats 500

The volunteers' quitting draw (submodels/volunteers.py, on the kernels) makes three full passes over the MSO rows:
its inputs (kernels/volunteers.quit_inputs: trials and the yearly probability), a uniform per row
(`Generator.random`) and the scan (kernels/draws.binomial_scan: the rows that may draw more than 0, gathered).
A step compiled as a whole would make them one pass, drawing each uniform from the bit generator inside the
kernel (kernels/uniforms.next_double). This times, on the same rows and the same uniforms (each variant draws
from its own copy of one Generator, and every variant's outputs are checked equal to the passes'):

* `passes`: the three passes as the model makes them (two kernels and numpy's `random` between them);
* `one kernel`: the same three loops, full length, in one kernel (the uniforms from the bit generator);
* `one loop`: one loop per row: the inputs, the uniform, the scan's tests and its gathering;
* `blocks`: blocks of 512 rows, each with the three loops over data in L1;
* `one loop, gathering helper`: `one loop` with the gathering in an inlined helper that writes the output arrays
  and returns the counts (a trap: it took 30 times as long when first tried in the model's kernels).

Needs numba (it sets MSOSIM_KERNELS=numba for itself).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
LIMIT, STEPS_PER_YEAR, BLOCK = 8.0, 12.0, 512


def kernels_under_test():
    """The fused variants, compiled here (they are not msosim's code)."""
    from numba import njit

    from msosim.kernels.services import fmax, fmin
    from msosim.kernels.uniforms import next_double

    @njit(inline="always", error_model="numpy")
    def quit_row(volunteers, alive, burnout, staff, factor, dropout, retention):
        r = burnout * factor
        r += 1.0
        r *= dropout
        if retention > 0:
            r *= 1.0 - retention * fmin(staff, 1.0)
        return volunteers * (1 if alive else 0), r

    @njit(inline="always", error_model="numpy")
    def gather(i, n, q, in_band, may, band, rows, x, q_rows, found, maybe):
        if in_band:
            band[found] = i
            found += 1
        rows[maybe], x[maybe], q_rows[maybe] = i, float(n) / STEPS_PER_YEAR, q
        return found, maybe + may

    @njit(inline="always", error_model="numpy")
    def scan(n, p, u, s):  # binomial_scan's tests of one row, yearly p: in the band, q, may draw more than 0
        p = fmin(fmax(p, 0.0), 1.0)
        q = 1.0 - p
        bound = float(n) * p
        sq = q * s
        return bound > sq * LIMIT, q, bound > sq * (1.0 - u)

    def fused(helper: bool):
        @njit(error_model="numpy")
        def one_loop(volunteers, alive, burnout, staff, factor, dropout, retention, function, state):
            size = volunteers.shape[0]
            trials, u, band = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size, dtype=np.int64)
            rows, x, q_rows = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size)
            found = maybe = 0
            for i in range(size):
                n, p = quit_row(volunteers[i], alive[i], burnout[i], staff[i], factor, dropout, retention)
                ui = next_double(function, state)
                trials[i], u[i] = n, ui
                in_band, q, may = scan(n, p, ui, STEPS_PER_YEAR)
                if helper:
                    found, maybe = gather(i, n, q, in_band, may, band, rows, x, q_rows, found, maybe)
                else:
                    band[found] = i
                    found += in_band
                    rows[maybe], x[maybe], q_rows[maybe] = i, float(n) / STEPS_PER_YEAR, q
                    maybe += may
            return trials, u, band[:found], rows[:maybe], x[:maybe], q_rows[:maybe]
        return one_loop

    @njit(error_model="numpy")
    def one_kernel(volunteers, alive, burnout, staff, factor, dropout, retention, function, state):
        size = volunteers.shape[0]
        trials, u, band = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size, dtype=np.int64)
        rows, x, q_rows, rate = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size), np.empty(size)
        for i in range(size):
            trials[i], rate[i] = quit_row(volunteers[i], alive[i], burnout[i], staff[i], factor, dropout, retention)
        for i in range(size):
            u[i] = next_double(function, state)
        found = maybe = 0
        for i in range(size):
            in_band, q, may = scan(trials[i], rate[i], u[i], STEPS_PER_YEAR)
            band[found] = i
            found += in_band
            rows[maybe], x[maybe], q_rows[maybe] = i, float(trials[i]) / STEPS_PER_YEAR, q
            maybe += may
        return trials, u, band[:found], rows[:maybe], x[:maybe], q_rows[:maybe]

    @njit(error_model="numpy")
    def blocks(volunteers, alive, burnout, staff, factor, dropout, retention, function, state):
        size = volunteers.shape[0]
        trials, u, band = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size, dtype=np.int64)
        rows, x, q_rows = np.empty(size, dtype=np.int64), np.empty(size), np.empty(size)
        rate = np.empty(BLOCK)
        found = maybe = 0
        for start in range(0, size, BLOCK):
            end = min(start + BLOCK, size)
            for i in range(start, end):
                u[i] = next_double(function, state)
            for i in range(start, end):
                trials[i], rate[i - start] = quit_row(volunteers[i], alive[i], burnout[i], staff[i], factor, dropout,
                                                      retention)
            for i in range(start, end):
                in_band, q, may = scan(trials[i], rate[i - start], u[i], STEPS_PER_YEAR)
                band[found] = i
                found += in_band
                rows[maybe], x[maybe], q_rows[maybe] = i, float(trials[i]) / STEPS_PER_YEAR, q
                maybe += may
        return trials, u, band[:found], rows[:maybe], x[:maybe], q_rows[:maybe]

    return {"one kernel": one_kernel, "one loop": fused(False), "blocks": blocks,
            "one loop, gathering helper": fused(True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    os.environ["MSOSIM_KERNELS"] = "numba"
    import ctypes

    from msosim import kernels
    from msosim.model import MSOModel

    jit = kernels.compiled()
    model = MSOModel(BASELINE, seed=1).run(1)
    m, v, n = model.msos, model.config.volunteers, model.msos.n
    inputs = (m.volunteers[:n], m.alive[:n], m.burnout[:n], m.staff_fte[:n], v.burnout_quit_factor, v.dropout_rate,
              v.staff_retention)
    state = np.random.default_rng(2026).bit_generator.state

    def generator() -> np.random.Generator:  # a fresh copy of the same Generator for every call
        rng = np.random.default_rng()
        rng.bit_generator.state = state
        return rng

    def passes(rng):
        trials, p = jit.quit_inputs(*inputs)
        u = rng.random(n)
        band, _, rows, x, q_rows = jit.binomial_scan(trials, p, u, STEPS_PER_YEAR, LIMIT, True)
        return trials, u, band, rows, x, q_rows

    def pointers(rng) -> tuple[int, int]:  # what Streams keeps per world (kernels/uniforms.py)
        face = rng.bit_generator.ctypes
        return ctypes.cast(face.next_double, ctypes.c_void_p).value, face.state_address

    def compiled(kernel):
        return lambda rng, pointer: kernel(*inputs, *pointer)

    variants = {"passes": lambda rng, _: passes(rng),
                **{name: compiled(kernel) for name, kernel in kernels_under_test().items()}}
    reference = passes(generator())
    for name, variant in variants.items():
        rng = generator()
        got = variant(rng, pointers(rng))
        if not all(np.array_equal(a, b) for a, b in zip(got, reference)):
            raise SystemExit(f"{name}: not the passes' results")
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, variant in variants.items():  # interleaved: a busy machine disturbs them alike
            rng = generator()
            pointer = pointers(rng)
            started = time.perf_counter()
            variant(rng, pointer)
            times[name].append(time.perf_counter() - started)
    base = statistics.median(times["passes"])
    print(f"national MSO table after a year: {n:,} rows, {reference[3].size:,} may draw more than 0; "
          f"medians of {args.repeats}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:28s} {median * 1e6:8.1f} us   {median / base:5.2f}x the passes")


if __name__ == "__main__":
    main()
