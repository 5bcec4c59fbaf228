"""Digests of every table of the baseline and district scenarios: `python -m tests.digests --write` regenerates them."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DIGESTS = Path(__file__).resolve().parent / "data" / "digests.json"
SEEDS = (1, 2, 7)
CASES = {"baseline": ("scenarios/baseline.yaml", 3), "district": ("scenarios/district.yaml", 10)}
REGENERATE = ".venv/bin/python -m tests.digests --write"


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


def main() -> None:
    """Print the digests, or write them to tests/data/digests.json with --write."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {DIGESTS.relative_to(ROOT)}")
    digests = all_digests()
    text = json.dumps(digests, indent=2, sort_keys=True) + "\n"
    if parser.parse_args().write:
        DIGESTS.write_text(text)
        print(f"wrote {DIGESTS.relative_to(ROOT)}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
