"""The BG/NBD model: how many more purchases, and is the customer still alive?

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy
Way: An Alternative to the Pareto/NBD Model", *Marketing Science* 24(2), 275-284, with the
log-likelihood of Fader & Hardie's note "Implementing the BG/NBD Model for Customer Base
Analysis in Excel" (2013) and the conditional expectation of their eq. (10).

While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after every
purchase they drop out with probability p ~ Beta(a, b).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from functools import partial
from typing import Self

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

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
    standard_errors_from_gradient,
    unique_rows,
    warm_fit,
    weighted_sum,
)


@dataclass(frozen=True)
class BetaGeoParams:
    """BG/NBD parameters: purchase rate λ ~ Gamma(r, α), drop-out p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


def log_likelihood(theta: Array, x: Array, tx: Array, T: Array) -> Array:
    """Per-customer log-likelihood (Fader, Hardie & Lee 2005, eq. 6, in logs)."""
    r, alpha, a, b = theta
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    still = -(r + x) * np.log(alpha + T)
    return floats(head + np.logaddexp(still, _dropped(theta, x, tx)))


def _dropped(theta: Array, x: Array, tx: Array) -> Array:
    """log of the "dropped out right after the last purchase" term; -inf when x = 0."""
    r, alpha, a, b = theta
    with np.errstate(divide="ignore"):
        log_a = np.where(x > 0, np.log(a), -np.inf)
    return floats(log_a - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx))


def _objective(log_theta: Array, data: Summary) -> tuple[float, Array]:
    """Mean negative log-likelihood and its analytic gradient in log-parameters."""
    theta = np.exp(log_theta)
    r, alpha, a, b = theta
    x, tx, T, w = data.frequency, data.recency, data.T, data.weights
    still = -(r + x) * np.log(alpha + T)
    dropped = _dropped(theta, x, tx)
    mix = np.logaddexp(still, dropped)
    p_still, p_dropped = np.exp(still - mix), np.exp(dropped - mix)
    head, dr, da, db = _per_frequency(theta, data.distinct_x, data.x_code)
    head += r * np.log(alpha)
    dr += np.log(alpha) - p_still * np.log(alpha + T) - p_dropped * np.log(alpha + tx)
    dalpha = r / alpha - (r + x) * (p_still / (alpha + T) + p_dropped / (alpha + tx))
    da += p_dropped / a
    db -= p_dropped / (b + np.maximum(x, 1) - 1)
    total = w.sum()
    grads = np.array([weighted_sum(w, v) for v in (dr, dalpha, da, db)]) * theta
    return -weighted_sum(w, head + mix) / total, -grads / total


def _per_frequency(theta: Array, xs: Array, code: Index) -> tuple[Array, Array, Array, Array]:
    """The gamma-function terms of the likelihood and its gradient, once per distinct x."""
    r, _, a, b = theta
    head = gammaln(r + xs) - gammaln(r) + betaln(a, b + xs) - betaln(a, b)
    dr = digamma(r + xs) - digamma(r)
    da = digamma(a + b) - digamma(a + b + xs)
    db = da + digamma(b + xs) - digamma(b)
    return head[code], dr[code], da[code], db[code]


class BetaGeoFitter:
    """The BG/NBD model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    ``fit(frequency, recency, T)`` takes the RFM summary of
    :func:`winback.analyse.rfm.rfm_summary`: repeat purchases, time from the first to the
    last purchase, and time from the first purchase to the end of the calibration period,
    in one time unit. After fitting: ``params_``, ``standard_errors_`` (both
    :class:`BetaGeoParams`), ``log_likelihood_`` (summed over customers) and
    ``n_customers_``.
    """

    params_: BetaGeoParams
    standard_errors_: BetaGeoParams
    log_likelihood_: float
    n_customers_: float

    @classmethod
    def from_params(cls, params: BetaGeoParams) -> Self:
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
        start = np.array([1.0, max(float(np.average(data.T, weights=data.weights)), 1e-3), 1, 1])
        theta = warm_fit(lambda d: partial(_objective, data=d), data, start)

        def gradient(t: Array) -> Array:
            return _objective(np.log(t), data)[1] / t * data.n_customers

        self.params_ = BetaGeoParams(*map(float, theta))
        errors = standard_errors_from_gradient(gradient, theta)
        self.standard_errors_ = BetaGeoParams(*map(float, errors))
        self.log_likelihood_ = -_objective(np.log(theta), data)[0] * data.n_customers
        self.n_customers_ = data.n_customers
        return self

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError()
        return np.array(astuple(self.params_), dtype=np.float64)

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Array:
        """P(alive at T | x, t_x, T): Fader, Hardie & Lee, "Computing P(alive) Using the
        BG/NBD Model" (2008 note), computed as a logistic of the log-odds of having dropped.
        """
        theta = self._theta()
        r, alpha = theta[:2]
        x, tx, t_end = broadcast(frequency, recency, T)
        odds = _dropped(theta, x, tx) + (r + x) * np.log(alpha + t_end)
        return np.asarray(expit(-odds), dtype=np.float64)

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array:
        """E[purchases in (T, T + t] | x, t_x, T], Fader, Hardie & Lee (2005) eq. (10).

        The Gaussian hypergeometric function is taken through Euler's transformation,
        ``2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1-r-x) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose
        parameters do not grow with ``x`` and which cancels the ``((α+T)/(α+T+t))^(r+x)``
        factor, so heavy buyers neither overflow nor lose precision.
        """
        horizon, x, tx, t_end = broadcast(t, frequency, recency, T)
        (h, xs, ts), inverse = unique_rows(horizon.ravel(), x.ravel(), t_end.ravel())
        growth = _purchases_if_alive(self._theta(), h, xs, ts)[inverse].reshape(x.shape)
        return growth * self.p_alive(x, tx, t_end)

    def expected_purchases(self, t: ArrayLike) -> Array:
        """E[X(t)]: purchases of a new customer in (0, t], Fader, Hardie & Lee (2005) eq. (9)."""
        (horizon,) = broadcast(t)
        zeros = np.zeros_like(horizon)
        return _purchases_if_alive(self._theta(), horizon, zeros, zeros)


def _purchases_if_alive(theta: Array, t: Array, x: Array, T: Array) -> Array:
    """The expectation of eq. (10) before the P(alive) factor, stable for large ``x``."""
    r, alpha, a, b = theta
    if abs(a - 1) < 1e-9:
        a = 1 + 1e-9  # the removable singularity of eq. (10) at a = 1
    z = t / (alpha + T + t)
    keep = (a - 1) * np.log1p(-z)
    tail = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        left = np.where(tail > 0, -np.expm1(keep + np.log(tail)), 1 - np.exp(keep) * tail)
    return np.asarray((a + b + x - 1) / (a - 1) * left, dtype=np.float64)
