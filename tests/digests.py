"""Digests of every table of the baseline and district scenarios: `python -m tests.digests --write` regenerates them.

numpy dispatches exp, log and power to AVX-512 kernels on CPUs that have them (x86-64-v4), and their last bit differs
from the AVX2 kernels' now and then (2026-12-06: 44 of 21,294 application scores of the district case, seed 1, by
one unit in the last place; every decision and every other table the same). So the digests are taken in a process
with numpy's AVX-512 dispatch switched off (NPY_DISABLE_CPU_FEATURES, harmless where a CPU lacks them) and a spin-up
cache of its own: the same on any x86-64 machine with AVX2, with or without AVX-512.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = Path(__file__).resolve().parent / "data" / "digests.json"
SEEDS = (1, 2, 7)
CASES = {"baseline": ("scenarios/baseline.yaml", 3), "district": ("scenarios/district.yaml", 10)}
REGENERATE = ".venv/bin/python -m tests.digests --write"
# numpy >= 2.4 names its AVX-512 dispatch targets X86_V4, AVX512_ICL, AVX512_SPR; older ones AVX512F, AVX512_SKX, ...
NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL"


def _kind(dtype) -> str:
    """A dtype's name, with pandas 2's object and pandas 3's str for text both written 'text' (same tables, same digest)."""
    name = str(dtype)
    return "text" if name in ("object", "str") or name.startswith("string") else name


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, dtypes and values, each cell written with `repr`."""
    digest = hashlib.sha256()
    digest.update(repr([(str(name), _kind(dtype)) for name, dtype in table.dtypes.items()]).encode())
    digest.update(repr(len(table)).encode())
    for name in table.columns:
        digest.update(repr(str(name)).encode())
        for value in table[name].tolist():
            digest.update(repr(value).encode())
            digest.update(b"\x1f")
    return digest.hexdigest()


def case_digests(case: str, seed: int) -> dict[str, str]:
    """The digest of every table `msosim.run` returns for one case and seed."""
    from msosim.api import run

    path, years = CASES[case]
    tables = run(ROOT / path, seed=seed, years=years)
    return {name: table_digest(table) for name, table in sorted(tables.items())}


def all_digests() -> dict[str, dict[str, str]]:
    """Every case and seed, keyed "case/seed"."""
    return {f"{case}/{seed}": case_digests(case, seed) for case in CASES for seed in SEEDS}


def pinned_env(cache: Path, kernels: str | None = None) -> dict[str, str]:
    """The environment digests are taken in: numpy without its AVX-512 kernels, a spin-up cache of its own, and the
    kernels backend `kernels` (msosim.kernels: "numba" or "numpy"; None: as this process has it)."""
    chosen = {"MSOSIM_KERNELS": kernels} if kernels else {}
    return {**os.environ, **chosen, "NPY_DISABLE_CPU_FEATURES": NO_AVX512, "MSOSIM_CACHE_DIR": str(cache),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def pinned_digests(kernels: str | None = None) -> dict[str, dict[str, str]]:
    """`all_digests` in a fresh process with the pinned environment (numpy's features are fixed at its import), on
    the kernels backend `kernels`."""
    with tempfile.TemporaryDirectory(prefix="msosim-digests-") as cache:
        done = subprocess.run([sys.executable, "-m", "tests.digests"], cwd=ROOT, env=pinned_env(Path(cache), kernels),
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"python -m tests.digests failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    """Print the digests, or write them to tests/data/digests.json with --write (both in the pinned environment)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DIGESTS.relative_to(ROOT)}")
    if os.environ.get("NPY_DISABLE_CPU_FEATURES") != NO_AVX512:
        digests = pinned_digests()
    else:
        digests = all_digests()
    text = json.dumps(digests, indent=2, sort_keys=True) + "\n"
    if parser.parse_args().write:
        DIGESTS.write_text(text)
        print(f"wrote {DIGESTS.relative_to(ROOT)}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
