"""Draw customers from the BTYD models, for simulate-and-recover checks and benchmarks.

Continuous time; each customer's first purchase is at time 0 and the observation ends at
their ``T``. The generative stories are those of the papers cited in each model's module.
"""

from __future__ import annotations

import numpy as np

from winback.analyse.btyd._base import Array, ArrayLike
from winback.analyse.btyd.bgnbd import BetaGeoParams
from winback.analyse.btyd.gammagamma import GammaGammaParams
from winback.analyse.btyd.paretonbd import ParetoNBDParams


def simulate_bgnbd(
    params: BetaGeoParams, T: ArrayLike, rng: np.random.Generator
) -> tuple[Array, Array]:
    """``(frequency, recency)`` of BG/NBD customers observed for ``T``.

    A customer buys at Poisson rate λ ~ Gamma(r, α) and drops out after each repeat purchase
    with probability p ~ Beta(a, b): with N ~ Poisson(λT) purchases had they stayed, they
    make x = min(N, J) with J ~ Geometric(p), and the x-th purchase time is the x-th of N
    uniform times on (0, T], i.e. T·Beta(x, N − x + 1).
    """
    t_end = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(params.r, 1.0 / params.alpha, t_end.shape)
    drop = rng.beta(params.a, params.b, t_end.shape)
    would_buy = rng.poisson(rate * t_end)
    x = np.minimum(would_buy, rng.geometric(drop))
    last = rng.beta(np.maximum(x, 1), np.maximum(would_buy - x + 1, 1))
    return x.astype(np.float64), np.where(x > 0, t_end * last, 0.0)


def simulate_paretonbd(
    params: ParetoNBDParams, T: ArrayLike, rng: np.random.Generator
) -> tuple[Array, Array]:
    """``(frequency, recency)`` of Pareto/NBD customers observed for ``T``.

    Purchase rate λ ~ Gamma(r, α), exponential lifetime with rate μ ~ Gamma(s, β); the x ~
    Poisson(λ·min(τ, T)) purchases fall uniformly on (0, min(τ, T)], so the last one is at
    min(τ, T)·U^(1/x).
    """
    t_end = np.asarray(T, dtype=np.float64)
    rate = rng.gamma(params.r, 1.0 / params.alpha, t_end.shape)
    death = rng.exponential(1.0 / rng.gamma(params.s, 1.0 / params.beta, t_end.shape))
    active = np.minimum(death, t_end)
    x = rng.poisson(rate * active)
    last = active * rng.random(t_end.shape) ** (1.0 / np.maximum(x, 1))
    return x.astype(np.float64), np.where(x > 0, last, 0.0)


def simulate_spend(
    params: GammaGammaParams, frequency: ArrayLike, rng: np.random.Generator
) -> Array:
    """Mean spend over ``frequency`` purchases (0 where it is 0) under Gamma-Gamma.

    ν ~ Gamma(q, rate γ) per customer; the sum of x Gamma(p, rate ν) values is
    Gamma(p·x, rate ν), so the mean is that draw over x.
    """
    x = np.asarray(frequency, dtype=np.float64)
    nu = rng.gamma(params.q, 1.0 / params.gamma, x.shape)
    total = rng.gamma(np.maximum(params.p * x, 1e-12), 1.0 / nu)
    return np.where(x > 0, total / np.maximum(x, 1.0), 0.0)
