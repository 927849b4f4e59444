"""The Gamma-Gamma model of spend per transaction, and customer lifetime value.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", *Journal of Marketing Research* 42(4), 415-430; likelihood and
conditional expectation as in Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary
Value" (eqs. 1 and 5).

A customer's transaction values are Gamma(p, ν) around their mean p/ν, and ν ~ Gamma(q, γ)
across customers; spend is assumed independent of the transaction process. The model is
fitted on repeat customers only (frequency > 0), with ``monetary_value`` the mean value of
their *repeat* purchases.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from functools import partial
from typing import Protocol, Self

import numpy as np
from scipy.special import digamma, gammaln

from winback.analyse.btyd import _base as base
from winback.analyse.btyd._base import (
    Array,
    ArrayLike,
    Index,
    NotFittedError,
    SummaryDataError,
    as_array,
    broadcast,
    codes,
    fit_from_sample,
    fit_log_params,
    standard_errors_from_gradient,
    weighted_sum,
)


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: shape p per transaction, rate ν ~ Gamma(q, γ)."""

    p: float
    q: float
    gamma: float


class TransactionModel(Protocol):
    """What customer lifetime value needs from a BG/NBD or Pareto/NBD model."""

    def conditional_expected_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> Array: ...


@dataclass(frozen=True)
class _Spend:
    """Repeaters' frequency and mean spend, with per-distinct-frequency codes."""

    x: Array
    m: Array
    w: Array
    distinct_x: Array
    code: Index

    def sample(self, size: int) -> _Spend:
        """A seeded random subset of ``size`` customers (for a warm start)."""
        chosen = np.sort(np.random.default_rng(0).choice(self.x.size, size, replace=False))
        return _spend(self.x[chosen], self.m[chosen], self.w[chosen])


def log_likelihood(theta: Array, x: Array, m: Array) -> Array:
    """Per-customer log-density of the mean spend ``m`` over ``x`` purchases (2013 note, eq. 1)."""
    p, q, gamma = theta
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )


def _objective(log_theta: Array, data: _Spend) -> tuple[float, Array]:
    """Mean negative log-likelihood and its analytic gradient in log-parameters."""
    theta = np.exp(log_theta)
    p, q, gamma = theta
    x, m, w = data.x, data.m, data.w
    px = p * data.distinct_x
    per_x = (gammaln(px + q) - gammaln(px))[data.code]
    log_total = np.log(gamma + m * x)
    ll = per_x - gammaln(q) + q * np.log(gamma) + (p * x - 1) * np.log(m)
    ll += p * x * np.log(x) - (p * x + q) * log_total
    psi_sum = digamma(px + q)[data.code]
    dp = x * (psi_sum - digamma(px)[data.code] + np.log(m) + np.log(x) - log_total)
    dq = psi_sum - digamma(q) + np.log(gamma) - log_total
    dgamma = q / gamma - (p * x + q) / (gamma + m * x)
    total = w.sum()
    grads = np.array([weighted_sum(w, v) for v in (dp, dq, dgamma)]) * theta
    return -weighted_sum(w, ll) / total, -grads / total


class GammaGammaFitter:
    """The Gamma-Gamma spend model (Fader, Hardie & Lee 2005; Fader & Hardie 2013 note).

    ``fit(frequency, monetary_value)`` takes repeat customers (frequency > 0, positive mean
    repeat spend). After fitting: ``params_`` and ``standard_errors_``
    (:class:`GammaGammaParams`), ``log_likelihood_`` and ``n_customers_``.
    """

    params_: GammaGammaParams
    standard_errors_: GammaGammaParams
    log_likelihood_: float
    n_customers_: float

    @classmethod
    def from_params(cls, params: GammaGammaParams) -> Self:
        """A model with known parameters, for prediction without fitting."""
        model = cls()
        model.params_ = params
        return model

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> Self:
        """Maximise the likelihood over repeat customers."""
        data = _spend(frequency, monetary_value, weights)
        mean_m = float(np.average(data.m, weights=data.w))
        start = np.array([1.0, 2.0, mean_m])
        objective = partial(_objective, data=data)
        if data.x.size > base.WARM_START_ROWS:  # see _base.warm_fit
            sample = partial(_objective, data=data.sample(base.WARM_START_CUSTOMERS))
            theta = fit_from_sample(objective, sample, start)
        else:
            theta = fit_log_params(objective, start)

        total = float(data.w.sum())

        def gradient(t: Array) -> Array:
            return _objective(np.log(t), data)[1] / t * total

        self.params_ = GammaGammaParams(*map(float, theta))
        errors = standard_errors_from_gradient(gradient, theta)
        self.standard_errors_ = GammaGammaParams(*map(float, errors))
        self.log_likelihood_ = -_objective(np.log(theta), data)[0] * total
        self.n_customers_ = total
        return self

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError()
        return np.array(astuple(self.params_), dtype=np.float64)

    def conditional_expected_average_profit(
        self, frequency: ArrayLike, monetary_value: ArrayLike
    ) -> Array:
        """E[spend per transaction | x, m] (2013 note, eq. 5): a credibility-weighted mean.

        ``p(γ + m x) / (p x + q - 1)`` mixes the population mean ``pγ/(q-1)`` and the
        customer's own mean ``m`` with weight ``p x / (p x + q - 1)``; a customer without
        repeat purchases (x = 0) gets the population mean. Needs ``q > 1``.
        """
        p, q, gamma = self._theta()
        if q <= 1:
            raise SummaryDataError("q <= 1: the expected spend per transaction is infinite")
        x, m = broadcast(frequency, monetary_value)
        return np.asarray(p * (gamma + m * x) / (p * x + q - 1), dtype=np.float64)

    def customer_lifetime_value(
        self,
        transaction_model: TransactionModel,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        monetary_value: ArrayLike,
        *,
        periods: int = 12,
        period_days: float = 30.0,
        discount_rate: float = 0.01,
        time_unit_days: float = 7.0,
    ) -> Array:
        """Discounted expected spend over the next ``periods`` periods of ``period_days`` days.

        ``CLV = Σ_{k=1..K} m̂ · (E[Y(kΔ)] - E[Y((k-1)Δ)]) / (1 + d)^k``: the expected number
        of purchases *in* period k (from the transaction model's conditional expectation,
        with Δ = period_days / time_unit_days in the model's time unit), times the
        Gamma-Gamma expected spend ``m̂``, discounted at ``d`` per period at the period's end
        (the convention of lifetimes' ``customer_lifetime_value``; a 12-month horizon with
        4.345 weeks a month is ``period_days=30.415``).
        """
        spend = self.conditional_expected_average_profit(frequency, monetary_value)
        step = period_days / time_unit_days
        value = np.zeros_like(spend)
        before = np.zeros_like(spend)
        for k in range(1, periods + 1):
            after = transaction_model.conditional_expected_purchases(
                k * step, frequency, recency, T
            )
            value += spend * (after - before) / (1.0 + discount_rate) ** k
            before = after
        return value


def _spend(frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None) -> _Spend:
    x, m = as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value")
    w = np.ones_like(x) if weights is None else as_array(weights, "weights")
    if not x.shape == m.shape == w.shape:
        raise SummaryDataError("frequency, monetary_value and weights must have the same length")
    if np.any(x <= 0) or np.any(x != np.round(x)):
        raise SummaryDataError("Gamma-Gamma is fitted on repeat customers: frequency must be >= 1")
    if np.any(m <= 0) or np.any(w < 0) or not np.any(w > 0):
        raise SummaryDataError("monetary_value must be positive and some weight non-zero")
    distinct_x, code = np.unique(x, return_inverse=True)
    return _Spend(x, m, w, distinct_x, codes(code))
