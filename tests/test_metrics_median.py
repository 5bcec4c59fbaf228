"""metrics.median, the monthly row's median of reserves, is numpy's median (one selection for an even count)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from msosim.metrics import median


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=0, max_size=60))
def test_median_is_numpys(values):
    array = np.array(values, dtype=np.float64)
    expected = float(np.median(array)) if array.size else 0.0
    assert median(array.copy()) == expected


def test_median_of_many_with_ties_and_an_even_count():
    values = np.random.default_rng(3).integers(-50, 50, 200_000).astype(np.float64)  # many equal middles
    assert median(values.copy()) == float(np.median(values))
    values[:100_001] = 7.0
    assert median(values.copy()) == 7.0
