"""ABC-SMC against a posterior known analytically: the mean of normal data with known variance under a flat prior."""

from __future__ import annotations

import numpy as np
import pytest

from msosim.experiments import abc_smc

SIGMA, COUNT, OBSERVED = 1.0, 10, 0.4          # data: 10 draws of N(mu, 1) with sample mean 0.4
LOW, HIGH = np.array([-2.0]), np.array([3.0])   # uniform prior on mu
POSTERIOR_SD = SIGMA / np.sqrt(COUNT)           # posterior N(0.4, 0.316^2), truncation at >7 sd negligible


def simulate(X: np.ndarray, generation: int) -> np.ndarray:
    """Distance of a simulated sample mean (the sufficient statistic) to the observed one."""
    rng = np.random.default_rng([99, generation])
    return np.abs(X[:, 0] + rng.normal(0.0, SIGMA / np.sqrt(COUNT), len(X)) - OBSERVED)


@pytest.fixture(scope="module")
def generations() -> list[abc_smc.Generation]:
    first = np.random.default_rng(1).uniform(LOW, HIGH, size=(20_000, 1))
    return abc_smc.sample(simulate, first, LOW, HIGH, generations=5, accept=0.05, quantile=0.5, seed=1)


def test_weighted_particles_match_the_analytic_posterior_and_unweighted_ones_do_not(generations) -> None:
    last = generations[-1]
    x, w = last.particles[:, 0], last.weights
    mean = float(w @ x)
    sd = float(np.sqrt(w @ (x - mean) ** 2))
    # at tolerance eps the ABC posterior is the posterior convolved with U(-eps, eps): variance + eps^2 / 3
    assert last.tolerance < 0.05
    expected_sd = np.sqrt(POSTERIOR_SD ** 2 + last.tolerance ** 2 / 3)
    assert abs(mean - OBSERVED) < 0.04                       # Monte Carlo error about 0.01 at ESS ~ 900
    assert abs(sd / expected_sd - 1) < 0.08
    assert abs(sd / POSTERIOR_SD - 1) < 0.08
    # without the importance weights the particles follow proposal x likelihood: too narrow
    assert x.std() < 0.92 * POSTERIOR_SD


def test_tolerances_shrink_and_the_effective_sample_size_is_reported(generations) -> None:
    tolerances = [g.tolerance for g in generations]
    assert tolerances[-1] < 0.5 * tolerances[0]
    assert all(b <= a * 1.1 for a, b in zip(tolerances, tolerances[1:]))
    assert generations[0].ess == pytest.approx(len(generations[0].kept))         # equal weights
    for g in generations[1:]:
        assert g.weights.sum() == pytest.approx(1.0) and (g.weights > 0).all()
        assert 0.5 * len(g.kept) < g.ess < len(g.kept)                           # unequal, but not degenerate
        assert ((g.particles >= LOW) & (g.particles <= HIGH)).all()
        assert g.kernel_sd[0] > 0


def test_importance_weight_is_prior_over_the_kernel_mixture() -> None:
    previous, weights = np.array([[0.0], [1.0]]), np.array([0.25, 0.75])
    cov = np.array([[0.5]])
    X = np.array([[0.2], [0.9]])
    density = lambda x, c: np.exp(-0.5 * (x - c) ** 2 / 0.5) / np.sqrt(2 * np.pi * 0.5)  # noqa: E731
    raw = np.array([0.2 / (0.25 * density(x, 0.0) + 0.75 * density(x, 1.0)) for x in (0.2, 0.9)])
    np.testing.assert_allclose(abc_smc.importance_weights(X, previous, weights, cov, np.array([-2.0]), np.array([3.0])),
                               raw / raw.sum())
    # a particle in the dense part of the proposal gets the smaller weight
    assert raw[1] < raw[0]


def test_same_seed_same_proposals() -> None:
    first = np.random.default_rng(2).uniform(LOW, HIGH, size=(400, 1))
    a = abc_smc.sample(simulate, first, LOW, HIGH, generations=3, accept=0.1, seed=4)
    b = abc_smc.sample(simulate, first, LOW, HIGH, generations=3, accept=0.1, seed=4)
    c = abc_smc.sample(simulate, first, LOW, HIGH, generations=3, accept=0.1, seed=5)
    np.testing.assert_array_equal(a[-1].X, b[-1].X)
    assert not np.array_equal(a[-1].X, c[-1].X)
