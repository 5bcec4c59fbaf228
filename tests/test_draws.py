"""The inversion samplers (msosim.submodels.draws) draw the right distributions, and their one-row
versions (used by the reference submodels) give the same numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from msosim.submodels import draws

N = 200_000


def chi_square(counts: np.ndarray, pmf: np.ndarray) -> tuple[float, int]:
    """Pearson statistic over the cells with at least 5 expected draws; the tail pooled into one cell."""
    expected = pmf * counts.sum()
    keep = expected >= 5
    observed = np.append(counts[keep], counts[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    expected, observed = expected[expected > 0], observed[expected > 0]
    return float(((observed - expected) ** 2 / expected).sum()), int(observed.size - 1)


def critical(dof: int) -> float:
    """Upper 0.1% point of chi-square with `dof` degrees of freedom (Wilson-Hilferty)."""
    z = 3.09
    return dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ** 3


@pytest.mark.parametrize("n, p", [(1, 0.5), (5, 0.3), (20, 0.05), (12, 0.2), (40, 0.19), (200, 0.003)])
def test_binomial_matches_its_distribution(n, p):
    x = draws.binomial(np.random.default_rng(7), np.full(N, n), p)
    pmf = np.array([math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])
    statistic, dof = chi_square(np.bincount(x, minlength=n + 1), pmf)
    assert statistic < critical(dof)


@pytest.mark.parametrize("lam", [0.05, 0.7, 3.0, 7.9, 12.0])
def test_poisson_matches_its_distribution(lam):
    x = draws.poisson(np.random.default_rng(8), np.full(N, lam))
    top = int(x.max()) + 1
    pmf = np.array([math.exp(-lam) * lam**k / math.factorial(k) for k in range(top)])
    statistic, dof = chi_square(np.bincount(x, minlength=top), pmf)
    assert statistic < critical(dof)


def test_a_wrong_distribution_is_caught():
    """The check above can fail: binomial(20, 0.06) draws tested against binomial(20, 0.05)."""
    x = draws.binomial(np.random.default_rng(7), np.full(N, 20), 0.06)
    pmf = np.array([math.comb(20, k) * 0.05**k * 0.95 ** (20 - k) for k in range(21)])
    statistic, dof = chi_square(np.bincount(x, minlength=21), pmf)
    assert statistic > critical(dof)


def test_edge_cases():
    rng = np.random.default_rng(1)
    assert (draws.binomial(rng, np.zeros(100, dtype=int), 0.5) == 0).all()
    assert (draws.binomial(rng, np.full(100, 9), 0.0) == 0).all()
    assert (draws.binomial(rng, np.full(100, 9), 1.0) == 9).all()
    assert (draws.poisson(rng, np.zeros(100)) == 0).all()
    mixed = draws.binomial(rng, np.array([0, 3, 1000, 50]), np.array([0.5, 1.0, 0.5, 0.01]))
    assert mixed[0] == 0 and mixed[1] == 3 and 400 < mixed[2] < 600 and 0 <= mixed[3] <= 50
    assert draws.binomial(rng, np.array([], dtype=int), 0.1).size == 0


def test_rows_agree_with_the_vectorised_draw():
    """binomial_row / poisson_row redo each inverted row from its uniform with the same result."""
    rng = np.random.default_rng(3)
    n = rng.integers(0, 60, 5000)
    p = rng.uniform(0, 0.3, 5000)
    lam = rng.uniform(0, 10, 5000)
    state = rng.bit_generator.state
    x = draws.binomial(rng, n, p)
    rng.bit_generator.state = state
    u = rng.random(n.size)
    for i in range(n.size):
        if draws.binomial_is_inverted(int(n[i]), float(p[i])):
            assert x[i] == draws.binomial_row(float(u[i]), int(n[i]), float(p[i]))
    state = rng.bit_generator.state
    y = draws.poisson(rng, lam)
    rng.bit_generator.state = state
    u = rng.random(lam.size)
    for i in range(lam.size):
        if draws.poisson_is_inverted(float(lam[i])):
            assert y[i] == draws.poisson_row(float(u[i]), float(lam[i]))


@pytest.mark.parametrize("n, p_year, steps", [(14, 0.3, 12), (40, 0.12, 12), (3, 0.95, 4), (150, 0.6, 12), (9, 1.0, 12)])
def test_binomial_from_a_yearly_probability(n, p_year, steps):
    """With steps_per_year the trials succeed with the per-step probability 1 - (1 - p) ** (1 / steps),
    including rows above the inversion limit (150 x 0.6 a year: mean 10.6 a month) and p = 1."""
    p = 1.0 - (1.0 - p_year) ** (1.0 / steps)
    x = draws.binomial(np.random.default_rng(11), np.full(N, n), np.full(N, p_year), steps)
    if p_year == 1.0:
        assert (x == n).all()
        return
    pmf = np.array([math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])
    statistic, dof = chi_square(np.bincount(x, minlength=n + 1), pmf)
    assert statistic < critical(dof)


def test_a_yearly_probability_read_as_per_step_is_caught():
    """The yearly form really converts: reading 0.3 a year as 0.3 per step fails the same check."""
    x = draws.binomial(np.random.default_rng(11), np.full(N, 14), np.full(N, 0.3))
    p = 1.0 - 0.7 ** (1.0 / 12)
    pmf = np.array([math.comb(14, k) * p**k * (1 - p) ** (14 - k) for k in range(15)])
    statistic, dof = chi_square(np.bincount(x, minlength=15), pmf)
    assert statistic > critical(dof)


def test_yearly_rows_agree_with_the_vectorised_draw():
    """binomial_row with steps_per_year redoes each inverted row of the yearly form with the same result."""
    rng = np.random.default_rng(5)
    n = rng.integers(0, 200, 8000)
    p_year = rng.uniform(0, 1.0, 8000)
    state = rng.bit_generator.state
    x = draws.binomial(rng, n, p_year, 12)
    rng.bit_generator.state = state
    u = rng.random(n.size)
    large = 0
    for i in range(n.size):
        p = 1.0 - (1.0 - p_year[i]) ** (1.0 / 12)
        if draws.binomial_is_inverted(int(n[i]), float(p)):
            assert x[i] == draws.binomial_row(float(u[i]), int(n[i]), float(p_year[i]), 12)
        elif n[i] > 0:
            large += 1
    assert large > 100  # numpy's sampler took part too


@pytest.mark.parametrize("steps", [1, 4, 12, 52])
def test_happens_is_the_per_step_event(steps):
    """rates.happens(u, p, s) is u < per_step(p, s), for probabilities outside [0, 1] too."""
    from msosim.submodels.rates import happens, per_step

    rng = np.random.default_rng(steps)
    u, p = rng.random(200_000), rng.uniform(-0.2, 1.2, 200_000)
    assert_array_equal(happens(u, p, steps), u < per_step(p, steps))


@pytest.mark.parametrize("size", [0, 1, 17, 5000])
def test_choose_is_numpys_choice(size):
    """draws.choose gives the numbers Generator.choice(len(p), size, p=p) gives, and leaves the generator
    in the same state."""
    p = np.random.default_rng(0).random(400)
    p /= p.sum()
    a, b = np.random.default_rng(5), np.random.default_rng(5)
    assert_array_equal(draws.choose(a, p, size), b.choice(p.size, size=size, p=p))
    assert a.bit_generator.state == b.bit_generator.state
