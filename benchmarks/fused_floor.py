"""What a step compiled as a whole could cost: one kernel pass over the national MSO table (docs/engine.md, section 8).

    python benchmarks/fused_floor.py              # medians of 50 passes, against the national step on the kernels
    python benchmarks/fused_floor.py --repeats 200

The pass reads every numeric column of the national model's MSO table after a year (about 14,000 rows), in
blocks of 1,024 rows and groups of ten columns (a submodel's pass reads about ten), writes fifteen columns, draws ten uniforms a row and takes one exp and one log a row, the latter through numpy's own loops
(msosim/kernels/ufuncs.py) in blocks, as a compiled submodel would: the arithmetic of the model's submodels is a
few dozen operations a row, so this is a floor for the step's row work, not the step. It prints its time per row
and per step next to the national step as it is (the same process, MSOSIM_KERNELS=numba). Needs numba.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("MSOSIM_KERNELS", "numba")
    from numba import njit

    from msosim import kernels
    from msosim.kernels import ufuncs
    from msosim.model import MSOModel

    kernels.compiled()
    loops = ufuncs.addresses()
    if loops is None:
        raise SystemExit("numpy's exp/log loops are not usable on this numpy (kernels/ufuncs.py)")

    @njit(nogil=True)
    def row_pass(read, written, u, block, exp, log):
        columns, rows = read.shape
        for start in range(0, rows, block.shape[0]):
            stop = min(start + block.shape[0], rows)
            for i in range(start, stop):
                block[i - start] = 0.0
            for first in range(0, columns, 10):  # a submodel's pass reads about ten columns
                for i in range(start, stop):
                    total = block[i - start]
                    for c in range(first, min(first + 10, columns)):
                        total += read[c, i] * 1.0001
                    block[i - start] = total
            for i in range(start, stop):
                total = block[i - start]
                for k in range(10):
                    total += u[k, i] * 0.5
                block[i - start] = -1e-6 * abs(total)
            ufuncs.apply(exp, block, block, stop - start)
            ufuncs.apply(log, block, block, stop - start)
            for i in range(start, stop):
                for c in range(written.shape[0]):
                    written[c, i] = block[i - start] * (c + 1)

    model = MSOModel(BASELINE, seed=1).run(1)
    n = model.msos.n
    table = model.msos.columns(copy=False)
    numeric = [np.asarray(values[:n], dtype=np.float64) for values in table.values()
               if np.asarray(values).ndim == 1 and np.asarray(values).dtype.kind in "fiub"]
    read = np.ascontiguousarray(np.stack(numeric))
    written = np.empty((15, n))
    rng = np.random.default_rng(1)
    block = np.empty(1024)
    row_pass(read, written, rng.random((10, n)), block, loops["exp"], loops["log"])
    fused, draws, step = [], [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        u = rng.random((10, n))
        drawn = time.perf_counter()
        row_pass(read, written, u, block, loops["exp"], loops["log"])
        done = time.perf_counter()
        draws.append(drawn - started)
        fused.append(done - drawn)
    for _ in range(min(args.repeats, 24)):
        started = time.perf_counter()
        model.step()
        step.append(time.perf_counter() - started)
    f, d, s = (statistics.median(values) * 1e3 for values in (fused, draws, step))
    print(f"national MSO table: {n:,} rows, {read.shape[0]} numeric columns read, 15 written")
    print(f"fused pass {f:.3f} ms + ten uniforms a row in numpy {d:.3f} ms = {f + d:.3f} ms a step "
          f"({(f + d) * 1e6 / n:.0f} ns a row); 120 steps: {(f + d) * 0.12:.3f} s")
    print(f"the national step on the kernels now: {s:.3f} ms ({s * 1e6 / n:.0f} ns a row); "
          f"now / fused floor {s / (f + d):.1f}x")


if __name__ == "__main__":
    main()
