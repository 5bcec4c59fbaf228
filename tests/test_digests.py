"""Behaviour guard: every table of the baseline (3 years) and district (10 years) scenarios, seeds 1, 2, 7, is unchanged."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.digests import CASES, DIGESTS, REGENERATE, SEEDS, pinned_digests, table_digest

STORED = json.loads(DIGESTS.read_text())


def test_digest_sees_a_changed_cell():
    """The digest is canonical (same table, same digest) and changes with one value or one dtype."""
    table = pd.DataFrame({"a": [1, 2], "b": [0.1, 0.2]})
    assert table_digest(table) == table_digest(table.copy())
    changed = table.copy()
    changed.loc[1, "b"] = 0.2000000001
    assert table_digest(changed) != table_digest(table)
    assert table_digest(table.astype({"a": "float64"})) != table_digest(table)


@pytest.fixture(scope="module", params=["numpy", "numba"])
def actual_digests(request) -> dict[str, dict[str, str]]:
    """Every case's digests, taken once per kernels backend (msosim.kernels: the numpy reference and the compiled
    kernels) in a process with numpy's AVX-512 kernels off (tests/digests.py says why)."""
    if request.param == "numba":
        from tests.test_kernels import need_numba

        need_numba()
    return pinned_digests(request.param)


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("seed", SEEDS)
def test_tables_match_stored_digests(case, seed, actual_digests):
    """Every table equals the stored one, on both backends; if a change of the model is intended, regenerate."""
    stored = STORED[f"{case}/{seed}"]
    actual = actual_digests[f"{case}/{seed}"]
    changed = sorted(name for name in stored.keys() | actual.keys() if stored.get(name) != actual.get(name))
    assert not changed, (f"{case} seed {seed}: tables {changed} differ from tests/data/digests.json. "
                         f"If the model's behaviour changed on purpose, regenerate with `{REGENERATE}` and commit it.")
