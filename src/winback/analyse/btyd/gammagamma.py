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
from typing import Protocol, Self

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from winback.analyse.btyd._base import (
    WARM_START_CUSTOMERS,
    WARM_START_ROWS,
    WARM_TOLERANCE,
    Array,
    ArrayLike,
    NotFittedError,
    SummaryDataError,
    as_array,
    broadcast,
    maximise,
    newton,
    to_log_space,
    unique_rows,
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
    """Repeaters' frequency and mean spend, with the sums the likelihood needs.

    Of the per-customer log-density (2013 note, eq. 1) only ``(px + q) log(γ + m x)`` ties
    a parameter to the individual spend; every other term is a parameter times a fixed sum
    (``Σ w x log m``, ``Σ w log(m)``, ``Σ w x log x``) or a gamma function of ``p x + q``
    summed once per distinct frequency. A likelihood evaluation is then one logarithm and
    one division per customer.
    """

    x: Array
    m: Array
    w: Array
    distinct_x: Array
    per_x: Array
    constants: tuple[float, float, float]

    @property
    def total(self) -> float:
        return float(self.w.sum())


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


class _Likelihood:
    """Mean negative log-likelihood with its analytic gradient and Hessian in log-parameters."""

    def __init__(self, data: _Spend) -> None:
        self.data = data
        self.wx = data.w * data.x
        self.spend = data.m * data.x

    def __call__(self, log_theta: Array) -> tuple[float, Array]:
        value, gradient, _ = self.curvature(log_theta)
        return value, gradient

    def value(self, log_theta: Array) -> float:
        """The mean negative log-likelihood alone (for Newton's last step)."""
        p, q, gamma = np.exp(log_theta)
        d, w, wx = self.data, self.data.w, self.wx
        n, (x_log_m, log_m, x_log_x) = d.total, d.constants
        xs, nx = d.distinct_x, d.per_x
        log_total = np.log(gamma + self.spend)
        loglik = (
            nx @ (gammaln(p * xs + q) - gammaln(p * xs))
            + n * (q * np.log(gamma) - gammaln(q))
            + p * (x_log_m + x_log_x)
            - log_m
            - p * weighted_sum(wx, log_total)
            - q * weighted_sum(w, log_total)
        )
        return float(-loglik / n)

    def curvature(self, log_theta: Array) -> tuple[float, Array, Array]:
        theta = np.exp(log_theta)
        p, q, gamma = theta
        d, w, wx = self.data, self.data.w, self.wx
        n, (x_log_m, log_m, x_log_x) = d.total, d.constants
        xs, nx = d.distinct_x, d.per_x
        log_total = np.log(gamma + self.spend)
        inverse = 1 / (gamma + self.spend)
        sum_x_log, sum_log = weighted_sum(wx, log_total), weighted_sum(w, log_total)
        sum_x_inv, sum_inv = weighted_sum(wx, inverse), weighted_sum(w, inverse)
        pxq, px = p * xs + q, p * xs
        loglik = (
            nx @ (gammaln(pxq) - gammaln(px))
            + n * (q * np.log(gamma) - gammaln(q))
            + p * (x_log_m + x_log_x)
            - log_m
            - p * sum_x_log
            - q * sum_log
        )
        psi = digamma(pxq)
        gradient = np.array(
            [
                nx @ (xs * (psi - digamma(px))) + x_log_m + x_log_x - sum_x_log,
                nx @ psi - n * digamma(q) + n * np.log(gamma) - sum_log,
                n * q / gamma - p * sum_x_inv - q * sum_inv,
            ]
        )
        tri = polygamma(1, pxq)
        squared = inverse * inverse
        hessian = np.empty((3, 3))
        hessian[0, 0] = nx @ (xs * xs * (tri - polygamma(1, px)))
        hessian[0, 1] = hessian[1, 0] = nx @ (xs * tri)
        hessian[0, 2] = hessian[2, 0] = -sum_x_inv
        hessian[1, 1] = nx @ tri - n * polygamma(1, q)
        hessian[1, 2] = hessian[2, 1] = n / gamma - sum_inv
        hessian[2, 2] = (
            -n * q / gamma**2 + p * weighted_sum(wx, squared) + q * weighted_sum(w, squared)
        )
        log_gradient, log_hessian = to_log_space(theta, -gradient / n, -hessian / n)
        return float(-loglik / n), log_gradient, log_hessian


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
        likelihood = _Likelihood(data)
        start = _warm_start(data, frequency, monetary_value, weights)
        optimum = maximise(likelihood, likelihood.curvature, data.total, start, likelihood.value)
        self.params_ = GammaGammaParams(*map(float, optimum.theta))
        self.standard_errors_ = GammaGammaParams(*map(float, optimum.standard_errors))
        self.log_likelihood_ = optimum.log_likelihood
        self.n_customers_ = data.total
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
    (distinct_x,), code = unique_rows(x)
    log_m = np.log(m)
    wx = w * x
    constants = (weighted_sum(wx, log_m), weighted_sum(w, log_m), weighted_sum(wx, np.log(x)))
    per_x = np.bincount(code, weights=w, minlength=distinct_x.size).astype(np.float64)
    return _Spend(x, m, w, distinct_x, per_x, constants)


def _warm_start(
    data: _Spend, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None
) -> Array:
    """The moments start (:func:`_moments_start`), or with more than 100,000 repeaters the
    fit from it on every k-th repeater (about 50,000 of them: a systematic sample, only the
    starting point depends on it), which leaves the full data 2 Newton evaluations and a
    value instead of ~7 evaluations over every repeater."""
    start = _moments_start(data)
    if data.x.size <= WARM_START_ROWS:
        return start
    every = slice(None, None, data.x.size // WARM_START_CUSTOMERS)
    sample = _spend(
        np.asarray(frequency)[every],
        np.asarray(monetary_value)[every],
        None if weights is None else np.asarray(weights)[every],
    )
    reached = newton(
        _Likelihood(sample).curvature, np.log(start), tolerance=WARM_TOLERANCE, polish=False
    )
    return np.exp(reached[0]) if reached else start


def _moments_start(data: _Spend) -> Array:
    """Starting values from the mean and variance of the customers' mean spends.

    Each customer's mean spend is ``p/ν`` on average; ``1/ν ~ InvGamma(q, γ)`` has mean
    ``γ/(q-1)`` and a coefficient of variation ``1/sqrt(q-2)``, so a population CV of ``c``
    suggests ``q = 2 + 1/c²``; ``p`` starts at a few transactions' worth of shape.
    """
    mean = float(np.average(data.m, weights=data.w))
    variance = float(np.average((data.m - mean) ** 2, weights=data.w))
    q = 2.0 + min(mean**2 / max(variance, 1e-12), 1e3)
    p = 2.0
    return np.array([p, q, mean * (q - 1) / p])
