"""ABC-SMC with importance weights on uniform priors (a population Monte Carlo ABC; Beaumont et al. 2009).

Generation 0 is a sample of the prior (SALib Latin hypercube or Sobol' in `msosim calibrate`); the
closest `accept` quantile is the first population, equally weighted, and its largest distance the
first tolerance. Generation t then
  - sets its tolerance eps_t to the `quantile` of the previous population's distances (adaptive
    tolerances, Del Moral et al. 2012; pyabc's default is the median),
  - proposes n particles from the previous population: a particle j drawn with its weight W_j, moved by
    a normal kernel K_t with twice the weighted covariance of that population (Beaumont et al. 2009),
    drawn again until it lies inside the prior box,
  - keeps the proposals with distance <= eps_t (at least the closest round(accept * n): eps_t is raised
    to the distance of the last of them when fewer are that close),
  - weights each kept particle w_i = pi(theta_i) / sum_j W_j K_t(theta_i | theta_j) (Toni et al. 2009),
    normalised to sum 1; its effective sample size is ESS = 1 / sum_i w_i^2 (Liu 2001).
The kept, weighted particles of the last generation approximate the ABC posterior
pi(theta | d(y, y_obs) <= eps_T).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np


@dataclasses.dataclass
class Generation:
    """One generation: its proposals, their distances, the kept particles, their weights and the tolerance."""

    X: np.ndarray            # proposals (rows) x parameters
    distance: np.ndarray     # per proposal (NaN: not measurable, never kept)
    kept: np.ndarray         # indices of the kept proposals, closest first
    weights: np.ndarray      # per kept particle, sum 1
    tolerance: float         # the largest distance kept
    kernel_sd: np.ndarray    # the perturbation kernel's standard deviation per parameter (0 in generation 0)

    @property
    def particles(self) -> np.ndarray:
        return self.X[self.kept]

    @property
    def ess(self) -> float:
        return effective_sample_size(self.weights)


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size 1 / sum w^2 of weights that sum to 1."""
    w = np.asarray(weights, dtype=float)
    return float(1.0 / np.sum((w / w.sum()) ** 2))


def kernel_covariance(particles: np.ndarray, weights: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Twice the weighted covariance of the particles (Beaumont et al. 2009), each variance at least
    (width / 1000)^2 so that a population of one point or one value still moves."""
    w = weights / weights.sum()
    centred = particles - w @ particles
    cov = 2.0 * (centred * w[:, None]).T @ centred
    floor = ((high - low) / 1000.0) ** 2
    return cov + np.diag(np.maximum(floor - np.diag(cov), 0.0))


def kernel_density(points: np.ndarray, centres: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Normal density N(points_i; centres_j, cov) as a points x centres matrix."""
    chol = np.linalg.cholesky(cov)
    diff = points[:, None, :] - centres[None, :, :]
    z = np.linalg.solve(chol, diff.reshape(-1, diff.shape[-1]).T).T.reshape(diff.shape)
    log_norm = np.log(np.diag(chol)).sum() + 0.5 * cov.shape[0] * np.log(2 * np.pi)
    return np.exp(-0.5 * (z ** 2).sum(axis=-1) - log_norm)


def propose(particles: np.ndarray, weights: np.ndarray, cov: np.ndarray, n: int, low: np.ndarray, high: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """n draws from the weighted kernel mixture, each drawn again (particle and move) until inside [low, high]."""
    out = np.empty((0, particles.shape[1]))
    chol = np.linalg.cholesky(cov)
    for _ in range(1000):
        picks = rng.choice(len(particles), size=n, p=weights / weights.sum())
        moved = particles[picks] + rng.standard_normal((n, particles.shape[1])) @ chol.T
        inside = moved[((moved >= low) & (moved <= high)).all(axis=1)]
        out = np.vstack([out, inside])
        if len(out) >= n:
            return out[:n]
    raise RuntimeError("the perturbation kernel leaves the prior box in almost every draw")


def importance_weights(X: np.ndarray, previous: np.ndarray, previous_weights: np.ndarray, cov: np.ndarray,
                       low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """w_i = prior density / sum_j W_j K(theta_i | theta_j), normalised (uniform prior on the box)."""
    prior = np.where(((X >= low) & (X <= high)).all(axis=1), 1.0 / np.prod(high - low), 0.0)
    mixture = kernel_density(X, previous, cov) @ (previous_weights / previous_weights.sum())
    w = prior / mixture
    return w / w.sum()


def keep(distance: np.ndarray, tolerance: float, minimum: int) -> np.ndarray:
    """Indices with distance <= tolerance, closest first, at least the closest `minimum`; NaN never."""
    order = np.argsort(np.where(np.isnan(distance), np.inf, distance), kind="stable")
    finite = int(np.isfinite(distance).sum())
    within = int((distance[order[:finite]] <= tolerance).sum())
    return order[:max(within, min(minimum, finite), 1)]


def first_generation(X: np.ndarray, distance: np.ndarray, accept: float) -> Generation:
    """Generation 0: the closest `accept` quantile of a prior sample, equally weighted (rejection ABC)."""
    kept = keep(distance, -np.inf, max(1, int(round(accept * np.isfinite(distance).sum()))))
    return Generation(X, distance, kept, np.full(len(kept), 1.0 / len(kept)), float(distance[kept].max()),
                      np.zeros(X.shape[1]))


def next_proposals(last: Generation, n: int, low: np.ndarray, high: np.ndarray, seed: int,
                   generation: int) -> tuple[np.ndarray, np.ndarray]:
    """The proposals of `generation` and the kernel covariance that made them (seeded by seed and generation)."""
    cov = kernel_covariance(last.particles, last.weights, low, high)
    rng = np.random.default_rng([seed, generation])
    return propose(last.particles, last.weights, cov, n, low, high, rng), cov


def next_generation(last: Generation, X: np.ndarray, cov: np.ndarray, distance: np.ndarray, *, accept: float,
                    quantile: float, low: np.ndarray, high: np.ndarray) -> Generation:
    """Keep the proposals within the adaptive tolerance and weight them against the previous population."""
    tolerance = float(np.quantile(last.distance[last.kept], quantile))
    kept = keep(distance, tolerance, max(1, int(round(accept * np.isfinite(distance).sum()))))
    weights = importance_weights(X[kept], last.particles, last.weights, cov, low, high)
    return Generation(X, distance, kept, weights, float(distance[kept].max()), np.sqrt(np.diag(cov)))


def sample(simulate: Callable[[np.ndarray, int], np.ndarray], first: np.ndarray, low, high, *, generations: int,
           accept: float, quantile: float = 0.5, seed: int = 1) -> list[Generation]:
    """Run ABC-SMC: `simulate(X, generation)` returns each row's distance; `first` is the prior sample of generation 0."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    done = [first_generation(first, np.asarray(simulate(first, 0), dtype=float), accept)]
    for t in range(1, generations):
        X, cov = next_proposals(done[-1], len(first), low, high, seed, t)
        done.append(next_generation(done[-1], X, cov, np.asarray(simulate(X, t), dtype=float), accept=accept,
                                    quantile=quantile, low=low, high=high))
    return done


def weighted_quantile(x: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q quantile of x under the weights (inverted CDF: the smallest x whose cumulative weight reaches q)."""
    return float(np.quantile(np.asarray(x, dtype=float), q, weights=np.asarray(weights, dtype=float),
                             method="inverted_cdf"))
