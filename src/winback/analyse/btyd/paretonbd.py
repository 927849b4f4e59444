"""The Pareto/NBD model: purchases while alive, and an unobserved exponential lifetime.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are
They and What Will They Do Next?", *Management Science* 33(1), 1-24; likelihood, P(alive)
and conditional expectation as derived in Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005),
"A Note on Deriving the Pareto/NBD Model and Related Expressions" (eqs. 18, 19, 22).

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); the lifetime is
exponential with rate μ ~ Gamma(s, β).

Numerics. The likelihood holds ``A0 = F(t_x) - F(T)`` with
``F(t) = 2F1(r+s+x, ·; r+s+x+1; z(t)) / (max(α, β) + t)^(r+s+x)``. Euler's transformation
turns both cases (α >= β and α < β) into ``2F1(1, b; c; z)`` with ``c > b``, a positive
series bounded by ``1/(1-z)``, whose size does not grow with ``x``; ``F`` is kept in logs
and the difference is taken as ``log F(t_x) + log(-expm1(log F(T) - log F(t_x)))``. ``F``
depends on ``(x, t)`` only, so it is evaluated once per distinct ``(x, t)`` pair.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Self

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from winback.analyse.btyd._base import (
    Array,
    ArrayLike,
    Index,
    NotFittedError,
    Summary,
    broadcast,
    checked_summary,
    compress,
    floats,
    numerical_gradient,
    standard_errors,
    unique_rows,
    warm_fit,
    weighted_sum,
)


@dataclass(frozen=True)
class ParetoNBDParams:
    """Pareto/NBD parameters: purchase rate λ ~ Gamma(r, α), drop-out rate μ ~ Gamma(s, β)."""

    r: float
    alpha: float
    s: float
    beta: float


@dataclass(frozen=True)
class _Pairs:
    """Distinct ``(x, t)`` pairs over ``t_x`` and ``T``, with where each customer's lie."""

    x: Array
    t: Array
    at_tx: Index
    at_T: Index

    @classmethod
    def of(cls, x: Array, tx: Array, T: Array) -> _Pairs:
        (px, pt), inverse = unique_rows(np.concatenate([x, x]), np.concatenate([tx, T]))
        return cls(px, pt, inverse[: x.size], inverse[x.size :])


def _log_f(theta: Array, x: Array, t: Array) -> Array:
    """log F(t) of the module docstring (the hypergeometric part of A0)."""
    r, alpha, s, beta = theta
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        series = hyp2f1(1.0, r + x, r + s + x + 1, z)
        return floats(np.log(series) - (r + x) * np.log(alpha + t) - s * np.log(beta + t))
    z = (beta - alpha) / (beta + t)
    series = hyp2f1(1.0, s + 1, r + s + x + 1, z)
    return floats(np.log(series) - (r + x - 1) * np.log(alpha + t) - (s + 1) * np.log(beta + t))


def _log_a0(theta: Array, pairs: _Pairs) -> Array:
    """log A0 per customer; -inf where t_x = T (the interval of possible death is empty)."""
    log_f = _log_f(theta, pairs.x, pairs.t)
    upper, lower = log_f[pairs.at_tx], log_f[pairs.at_T]
    with np.errstate(divide="ignore"):
        return np.asarray(upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0))))


def _alive_and_dead(theta: Array, x: Array, T: Array, log_a0: Array) -> tuple[Array, Array]:
    """log of the "alive at T" and "died in (t_x, T]" likelihood terms, without the head."""
    r, alpha, s, beta = theta
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    dead = np.log(s) - np.log(r + s + x) + log_a0
    return alive, dead


def log_likelihood(theta: Array, x: Array, tx: Array, T: Array, pairs: _Pairs) -> Array:
    """Per-customer log-likelihood, Fader, Hardie & Lee (2005 note), eq. (22)."""
    r, alpha, s, beta = theta
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive, dead = _alive_and_dead(theta, x, T, _log_a0(theta, pairs))
    return np.asarray(head + np.logaddexp(alive, dead))


class _Objective:
    """Mean negative log-likelihood over a summary, with a central-difference gradient."""

    def __init__(self, data: Summary) -> None:
        self.data = data
        self.pairs = _Pairs.of(data.frequency, data.recency, data.T)

    def negative(self, theta: Array) -> float:
        """The summed negative log-likelihood at natural parameters."""
        d = self.data
        ll = log_likelihood(theta, d.frequency, d.recency, d.T, self.pairs)
        return -weighted_sum(d.weights, ll)

    def mean(self, log_theta: Array) -> float:
        return self.negative(np.exp(log_theta)) / self.data.n_customers

    def __call__(self, log_theta: Array) -> tuple[float, Array]:
        return self.mean(log_theta), numerical_gradient(self.mean, log_theta)


class ParetoNBDFitter:
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), by maximum likelihood.

    Same interface as :class:`~winback.analyse.btyd.bgnbd.BetaGeoFitter`; ``params_`` and
    ``standard_errors_`` are :class:`ParetoNBDParams`. The gradient is numerical (central
    differences); the likelihood is evaluated on distinct summary rows and distinct
    ``(x, t)`` pairs.
    """

    params_: ParetoNBDParams
    standard_errors_: ParetoNBDParams
    log_likelihood_: float
    n_customers_: float

    @classmethod
    def from_params(cls, params: ParetoNBDParams) -> Self:
        """A model with known parameters, for prediction without fitting."""
        model = cls()
        model.params_ = params
        return model

    def fit(
        self,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        weights: ArrayLike | None = None,
    ) -> Self:
        """Maximise the likelihood; ``weights`` counts customers sharing one summary row."""
        data = compress(*checked_summary(frequency, recency, T, weights))
        mean_t = max(float(np.average(data.T, weights=data.weights)), 1e-3)
        start = np.array([1.0, mean_t, 1.0, mean_t])
        theta = warm_fit(_Objective, data, start)
        objective = _Objective(data)
        self.params_ = ParetoNBDParams(*map(float, theta))
        errors = standard_errors(objective.negative, theta)
        self.standard_errors_ = ParetoNBDParams(*map(float, errors))
        self.log_likelihood_ = -objective.negative(theta)
        self.n_customers_ = data.n_customers
        return self

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError()
        return np.array(astuple(self.params_), dtype=np.float64)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
        """P(alive at T | x, t_x, T), Fader, Hardie & Lee (2005 note), eq. (18)."""
        theta = self._theta()
        x, tx, t_end = broadcast(frequency, recency, T)
        rows, inverse = _distinct(x, tx, t_end)
        pairs = _Pairs.of(*rows)
        alive, dead = _alive_and_dead(theta, rows[0], rows[2], _log_a0(theta, pairs))
        return np.asarray(expit(alive - dead), dtype=np.float64)[inverse].reshape(x.shape)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """E[purchases in (T, T + t] | x, t_x, T], Fader, Hardie & Lee (2005 note), eq. (19)."""
        r, alpha, s, beta = self._theta()
        horizon, x, tx, t_end = broadcast(t, frequency, recency, T)
        rate = (r + x) * (beta + t_end) / (alpha + t_end)
        return (
            floats(rate)
            * _lifetime_share(s - 1, horizon, beta + t_end)
            * self.p_alive(x, tx, t_end)
        )

    def expected_purchases(self, t: ArrayLike) -> Array:
        """E[X(t)] for a new customer, Schmittlein, Morrison & Colombo (1987), eq. (17)."""
        r, alpha, s, beta = self._theta()
        (horizon,) = broadcast(t)
        return floats(r * beta / alpha) * _lifetime_share(
            s - 1, horizon, np.full_like(horizon, beta)
        )


def _lifetime_share(u: float, t: Array, scale: Array) -> Array:
    """``(1 - (scale / (scale + t))^u) / u``, with its limit ``log(1 + t/scale)`` at u = 0."""
    k = np.log1p(t / scale)
    if abs(u) < 1e-12:
        return np.asarray(k)
    return np.asarray(-np.expm1(-u * k) / u)


def _distinct(*columns: Array) -> tuple[list[Array], Index]:
    """Distinct rows of flattened prediction inputs (predictions are per distinct row)."""
    flat = [np.ravel(c) for c in columns]
    rows, inverse = unique_rows(*flat)
    return rows, inverse
