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
from typing import Self

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1, log_expit, polygamma

from winback.analyse.btyd._base import (
    Array,
    ArrayLike,
    Curvature,
    Index,
    NotFittedError,
    Summary,
    broadcast,
    checked_summary,
    compress,
    dense_pairs,
    fitted_rows,
    floats,
    given,
    maximise,
    to_log_space,
    unique_rows,
    warm_start,
    weighted_sum,
)

CHUNK = 1 << 15
"""Rows per block in the likelihood: a block's dozen work arrays (3 MB) stay in cache."""


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


class _Likelihood:
    """The mean negative log-likelihood over weighted summary rows, with its analytic
    gradient and Hessian in log-parameters.

    Per row the likelihood is ``head(x) · α^r · (e^S + e^D)`` with the "still alive" term
    ``S = -(r+x) log(α+T)`` and the "dropped after the last purchase" term
    ``D = log a - log(b+x-1) - (r+x) log(α+t_x)``; with ``p_S``, ``p_D`` the shares of the
    two terms, the log-sum-exp has gradient ``p_S ∇S + p_D ∇D`` and Hessian
    ``p_S ∇²S + p_D ∇²D + p_S p_D (∇S - ∇D)(∇S - ∇D)ᵀ``. The gamma-function terms depend on
    ``x`` alone and are summed once per distinct frequency.
    """

    def __init__(self, data: Summary) -> None:
        self.data = data
        self.per_x = np.bincount(data.x_code, weights=data.weights, minlength=data.distinct_x.size)
        self.total = data.n_customers
        self.x_less_1 = np.maximum(data.distinct_x, 1) - 1
        # The rows are taken in blocks of CHUNK through one small set of work arrays, reused
        # by every block and evaluation: they stay in the processor's cache, and no fresh
        # memory has to be page-faulted in (row-sized temporaries cost both).
        self.work = np.empty((12, min(CHUNK, data.frequency.size)))

    def __call__(self, log_theta: Array) -> tuple[float, Array]:
        value, gradient, _ = self.curvature(log_theta, hessian=False)
        return value, gradient

    def _head(self, theta: Array) -> float:
        """The summed terms that do not mix "still alive" and "dropped": per frequency."""
        r, alpha, a, b = theta
        xs = self.data.distinct_x
        head = gammaln(r + xs) - gammaln(r) + betaln(a, b + xs) - betaln(a, b)
        return float(self.per_x @ head + self.total * r * np.log(alpha))

    def _tables(self, theta: Array) -> tuple[Array, ...]:
        """Per distinct ``T``, ``t_x`` and ``x``: ``log(α+T)``, ``log(α+t_x)``, the "dropped"
        term's lead (:func:`_lead`), ``1/(α+T)``, ``1/(α+t_x)`` and ``1/(b+x-1)``."""
        alpha, b = theta[1], theta[3]
        d = self.data
        at, atx = alpha + d.distinct_T, alpha + d.distinct_recency
        return (
            np.log(at),
            np.log(atx),
            _lead(theta, d.distinct_x),
            1 / at,
            1 / atx,
            1 / (b + self.x_less_1),
        )

    def _mix(self, theta: Array, tables: tuple[Array, ...], rows: slice) -> tuple[Array, ...]:
        """For the rows ``rows``: ``r + x``, ``log(α + T)``, ``log(α + t_x)``, the mixture
        ``log(e^S + e^D)`` and the shares ``p_S``, ``p_D`` (work rows 0-5).

        The logarithms are gathered from the per-value tables; the log-sum-exp takes two
        exponentials and one logarithm per row (``np.logaddexp`` followed by the shares
        took twice as long).
        """
        d = self.data
        size = len(range(*rows.indices(d.frequency.size)))
        work = self.work[:, :size]
        rx = np.add(d.frequency[rows], theta[0], out=work[0])
        log_T = _take(tables[0], d.T_code[rows], work[1])
        log_tx = _take(tables[1], d.recency_code[rows], work[2])
        terms = work[3:5]
        np.multiply(rx, log_T, out=terms[0])
        np.negative(terms[0], out=terms[0])  # S
        _take(tables[2], d.x_code[rows], terms[1])
        terms[1] -= np.multiply(rx, log_tx, out=work[5])  # D, -inf without repeat purchases
        top = np.maximum(terms[0], terms[1], out=work[5])
        terms -= top
        np.exp(terms, out=terms)
        total = np.add(terms[0], terms[1], out=work[6])
        terms /= total
        np.log(total, out=total)
        total += top
        return rx, log_T, log_tx, total, terms[0], terms[1]

    def _blocks(self) -> list[slice]:
        size = self.data.frequency.size
        return [slice(start, start + CHUNK) for start in range(0, size, CHUNK)]

    def value(self, log_theta: Array) -> float:
        """The mean negative log-likelihood alone (for :func:`newton`'s last step)."""
        theta = np.exp(log_theta)
        tables = self._tables(theta)
        w = self.data.weights
        mixed = sum(
            weighted_sum(w[rows], self._mix(theta, tables, rows)[3]) for rows in self._blocks()
        )
        return -(self._head(theta) + mixed) / self.total

    def curvature(self, log_theta: Array, hessian: bool = True) -> tuple[float, Array, Array]:
        theta = np.exp(log_theta)
        r, alpha, a, b = theta
        xs, wx, n = self.data.distinct_x, self.per_x, self.total
        tables = self._tables(theta)
        sums = np.zeros(16)
        for rows in self._blocks():
            sums += self._sums(theta, tables, rows, hessian)
        (
            mixed,
            g_r,
            g_alpha,
            g_a,
            g_b,
            s_r,
            s_alpha,
            s_b,
            rr,
            rate,
            r_alpha,
            r_b,
            alpha_alpha,
            alpha_b,
            both,
            b_b,
        ) = sums
        loglik = self._head(theta) + mixed
        psi_ab = digamma(a + b) - digamma(a + b + xs)
        gradient = np.array(
            [
                wx @ (digamma(r + xs) - digamma(r)) + n * np.log(alpha) - g_r,
                n * r / alpha - g_alpha,
                wx @ psi_ab + g_a / a,
                wx @ (digamma(b + xs) - digamma(b) + psi_ab) - g_b,
            ]
        )
        h = np.zeros((4, 4))
        if hessian:
            tri_ab = polygamma(1, a + b) - polygamma(1, a + b + xs)
            h[0, 0] = wx @ (polygamma(1, r + xs) - polygamma(1, r)) + rr
            h[0, 1] = n / alpha - rate + r_alpha
            h[1, 1] = -n * r / alpha**2 + alpha_alpha
            h[0, 2], h[1, 2] = -s_r / a, -s_alpha / a
            h[0, 3], h[1, 3] = r_b, alpha_b
            h[2, 2] = wx @ tri_ab + (both - g_a) / a**2
            h[2, 3] = wx @ tri_ab - s_b / a
            h[3, 3] = wx @ (polygamma(1, b + xs) - polygamma(1, b) + tri_ab) + b_b
            h = np.triu(h) + np.triu(h, 1).T
        log_gradient, log_hessian = to_log_space(theta, -gradient / n, -h / n)
        return -loglik / n, log_gradient, log_hessian

    def _sums(self, theta: Array, tables: tuple[Array, ...], rows: slice, hessian: bool) -> Array:
        """The sums over the rows ``rows`` that the value, gradient and Hessian need (in the
        order :meth:`curvature` unpacks them; the Hessian's are 0 without ``hessian``)."""
        d = self.data
        rx, log_T, log_tx, mix, p_s, p_d = self._mix(theta, tables, rows)
        work = self.work[:, : rx.size]
        w = d.weights[rows]
        inv_T = _take(tables[3], d.T_code[rows], work[7])
        inv_tx = _take(tables[4], d.recency_code[rows], work[8])
        inv_b = _take(tables[5], d.x_code[rows], work[9])
        sums = np.zeros(16)
        sums[0] = weighted_sum(w, mix)
        w_s = np.multiply(w, p_s, out=work[3])  # p_s is not needed again
        w_d = np.multiply(w, p_d, out=work[6])  # nor the mixture
        sums[1] = weighted_sum(w_s, log_T) + weighted_sum(w_d, log_tx)
        sums[2] = _sum3(rx, w_s, inv_T) + _sum3(rx, w_d, inv_tx)
        sums[3] = w_d.sum()
        sums[4] = weighted_sum(w_d, inv_b)
        if not hessian:
            return sums
        both = np.multiply(w_s, p_d, out=work[10])  # weight of (∇S - ∇D)(∇S - ∇D)ᵀ
        d_r = np.subtract(log_tx, log_T, out=work[11])  # (∇S - ∇D) in r
        d_alpha = np.subtract(inv_tx, inv_T, out=work[5])
        d_alpha *= rx  # (∇S - ∇D) in α
        sums[5:8] = weighted_sum(both, d_r), weighted_sum(both, d_alpha), weighted_sum(both, inv_b)
        sums[8] = _sum3(both, d_r, d_r)
        sums[9] = weighted_sum(w_s, inv_T) + weighted_sum(w_d, inv_tx)
        sums[10] = _sum3(both, d_r, d_alpha)
        sums[11] = _sum3(both, d_r, inv_b)
        rate_T = np.multiply(inv_T, inv_T, out=work[11])  # d_r is not needed again
        rate_T *= rx
        rate_tx = np.multiply(inv_tx, inv_tx, out=work[7])  # nor inv_T
        rate_tx *= rx
        sums[12] = (
            weighted_sum(w_s, rate_T) + weighted_sum(w_d, rate_tx) + _sum3(both, d_alpha, d_alpha)
        )
        sums[13] = _sum3(both, d_alpha, inv_b)
        sums[14] = both.sum()
        sums[15] = _sum3(w_d, inv_b, inv_b) + _sum3(both, inv_b, inv_b)
        return sums


def _take(table: Array, codes: Index, out: Array) -> Array:
    """``table[codes]`` into ``out`` (``mode="clip"``: as fast as fancy indexing)."""
    return floats(np.take(table, codes, out=out, mode="clip"))


def _sum3(first: Array, second: Array, third: Array) -> float:
    """``Σ first·second·third`` without a temporary array (and without BLAS)."""
    return float(np.einsum("i,i,i->", first, second, third))


def _curvature(data: Summary) -> Curvature:
    return _Likelihood(data).curvature


class BetaGeoFitter:
    """The BG/NBD model (Fader, Hardie & Lee 2005), fitted by maximum likelihood.

    ``fit(frequency, recency, T)`` takes the RFM summary of
    :func:`winback.analyse.rfm.rfm_summary`: repeat purchases, time from the first to the
    last purchase, and time from the first purchase to the end of the calibration period,
    in one time unit. After fitting: ``params_``, ``standard_errors_`` (both
    :class:`BetaGeoParams`), ``log_likelihood_`` (summed over customers) and
    ``n_customers_``. The predictions called without ``frequency``, ``recency`` and ``T``
    are for the customers it was fitted on, in their order, computed once per distinct
    summary row (the fastest way to score the customers a model was fitted on).
    """

    params_: BetaGeoParams
    standard_errors_: BetaGeoParams
    log_likelihood_: float
    n_customers_: float
    _rows: Summary | None = None
    _alive: tuple[Summary, BetaGeoParams, Array] | None = None  # P(alive) per fitted row

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
        likelihood = _Likelihood(data)
        optimum = maximise(
            likelihood,
            likelihood.curvature,
            data.n_customers,
            warm_start(_Likelihood, _curvature, data, start),
            likelihood.value,
        )
        self.params_ = BetaGeoParams(*map(float, optimum.theta))
        self.standard_errors_ = BetaGeoParams(*map(float, optimum.standard_errors))
        self.log_likelihood_ = optimum.log_likelihood
        self.n_customers_ = data.n_customers
        self._rows = data
        return self

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError()
        return np.array(astuple(self.params_), dtype=np.float64)

    def _alive_rows(self, rows: Summary) -> Array:
        """P(alive) per distinct fitted row, kept for the next prediction (``p_alive()``
        and ``conditional_expected_purchases(t)`` both need it) while the rows and the
        parameters stay the same. Never handed out: callers get a gathered copy."""
        if self._alive is None or self._alive[0] is not rows or self._alive[1] != self.params_:
            self._alive = (rows, self.params_, _alive_per_row(self._theta(), rows))
        return self._alive[2]

    def p_alive(
        self,
        frequency: ArrayLike | None = None,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
    ) -> Array:
        """P(alive at T | x, t_x, T): Fader, Hardie & Lee, "Computing P(alive) Using the
        BG/NBD Model" (2008 note), computed as a logistic of the log-odds of having dropped.
        Without arguments: for every customer the model was fitted on.
        """
        theta = self._theta()
        inputs = given(frequency, recency, T)
        if inputs is None:
            rows = fitted_rows(self)
            return self._alive_rows(rows)[rows.inverse]
        alpha = theta[1]
        x, tx, t_end = broadcast(*inputs)
        return _alive(theta, x, _lead(theta, x), np.log(alpha + t_end), np.log(alpha + tx))

    def conditional_expected_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike | None = None,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
    ) -> Array:
        """E[purchases in (T, T + t] | x, t_x, T], Fader, Hardie & Lee (2005) eq. (10).
        Without ``frequency``, ``recency`` and ``T``: for every customer it was fitted on.

        The Gaussian hypergeometric function is taken through Euler's transformation,
        ``2F1(r+x, b+x; a+b+x-1; z) = (1-z)^(a-1-r-x) 2F1(a+b-1-r, a-1; a+b+x-1; z)``, whose
        parameters do not grow with ``x`` and which cancels the ``((α+T)/(α+T+t))^(r+x)``
        factor, so heavy buyers neither overflow nor lose precision.
        """
        inputs = given(frequency, recency, T)
        if inputs is None:
            rows = fitted_rows(self)
            if np.ndim(t) == 0:
                theta = self._theta()
                pairs, per_row = dense_pairs(rows.x_code, rows.T_code, rows.distinct_T.size)
                xs = rows.distinct_x[pairs // rows.distinct_T.size]
                ts = rows.distinct_T[pairs % rows.distinct_T.size]
                growth = _purchases_if_alive(theta, np.full_like(xs, np.asarray(t).item()), xs, ts)
                found = growth[per_row]
                found *= self._alive_rows(rows)
                return found[rows.inverse]
            inputs = [column[rows.inverse] for column in (rows.frequency, rows.recency, rows.T)]
        horizon, x, tx, t_end = broadcast(t, *inputs)
        (h, xs, ts), inverse = unique_rows(horizon.ravel(), x.ravel(), t_end.ravel())
        growth = _purchases_if_alive(self._theta(), h, xs, ts)[inverse].reshape(x.shape)
        return growth * self.p_alive(x, tx, t_end)

    def expected_purchases(self, t: ArrayLike) -> Array:
        """E[X(t)]: purchases of a new customer in (0, t], Fader, Hardie & Lee (2005) eq. (9)."""
        (horizon,) = broadcast(t)
        zeros = np.zeros_like(horizon)
        return _purchases_if_alive(self._theta(), horizon, zeros, zeros)


def _alive_per_row(theta: Array, rows: Summary) -> Array:
    """P(alive) per distinct fitted row, the logarithms taken once per distinct ``T``,
    ``t_x`` and ``x`` (as in the likelihood) and gathered."""
    alpha = theta[1]
    return _alive(
        theta,
        rows.frequency,
        _lead(theta, rows.distinct_x)[rows.x_code],
        np.log(alpha + rows.distinct_T)[rows.T_code],
        np.log(alpha + rows.distinct_recency)[rows.recency_code],
    )


def _lead(theta: Array, x: Array) -> Array:
    """``log a - log(b + x - 1)``, the part of the "dropped" term that depends on ``x``
    alone; -inf when ``x = 0`` (no purchase to drop out after)."""
    a, b = theta[2:]
    with np.errstate(divide="ignore"):
        return floats(np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1), -np.inf))


def _alive(theta: Array, x: Array, lead: Array, log_T: Array, log_tx: Array) -> Array:
    """``1 / (1 + exp(odds))`` with the log-odds of having dropped out,
    ``lead + (r + x)(log(α+T) - log(α+t_x))`` (Fader, Hardie & Lee's 2008 note, in logs)."""
    odds = np.subtract(log_T, log_tx, out=np.empty(np.broadcast_shapes(log_T.shape, log_tx.shape)))
    odds *= theta[0] + x
    odds += lead
    with np.errstate(over="ignore"):
        np.exp(odds, out=odds)
    odds += 1
    return floats(np.reciprocal(odds, out=odds))


def _purchases_if_alive(theta: Array, t: Array, x: Array, T: Array) -> Array:
    """The expectation of eq. (10) before the P(alive) factor, stable for large ``x``.

    Where scipy's ``hyp2f1`` fails (NaN for large ``a+b+x`` with ``z`` near 1, e.g. a heavy
    buyer with T = 0 and a long horizon) the same expectation is taken as the integral it
    comes from: with ``p ~ Beta(a, b+x)`` and ``λ ~ Gamma(r+x, α+T)`` a live customer makes
    ``E[(1 - (1 + p t/(α+T))^-(r+x)) / p]`` purchases in ``t`` (Fader, Hardie & Lee 2005,
    eq. 7 mixed over the posterior), by 64-point Gauss-Jacobi quadrature over ``p``.
    """
    r, alpha, a, b = theta
    if abs(a - 1) < 1e-9:
        a = 1 + 1e-9  # the removable singularity of eq. (10) at a = 1
    z = t / (alpha + T + t)
    keep = (a - 1) * np.log1p(-z)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        tail = floats(hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z))
        left = np.where(tail > 0, -np.expm1(keep + np.log(tail)), 1 - np.exp(keep) * tail)
        expected = np.asarray((a + b + x - 1) / (a - 1) * left, dtype=np.float64)
    failed = ~np.isfinite(expected) | (expected < 0)
    for frequency in np.unique(x[failed]):
        rows = failed & (x == frequency)
        expected[rows] = _by_quadrature(theta, frequency, t[rows] / (alpha + T[rows]))
    return expected


def _by_quadrature(theta: Array, x: float, k: Array) -> Array:
    """``E[(1 - (1 + p k)^-(r+x)) / p]`` for ``p ~ Beta(a, b+x)``.

    In ``v = logit(p)`` the integrand decays exponentially at both ends (as ``e^{a v}`` and
    ``e^{-(b+x) v}``) and has features of width ~1 (the Beta bulk, the bend of the bracket
    at ``p ~ 1/((r+x) k)``), so the trapezoidal rule on 8,000 equal steps is accurate.
    """
    r, _, a, b = theta
    low, high = max(-745.0, -80.0 / a), min(745.0, 80.0 / (b + x))
    v = np.linspace(low, high, 8_000)
    log_p, log_q = log_expit(v), log_expit(-v)
    log_density = a * log_p + (b + x) * log_q - betaln(a, b + x)
    p = np.exp(log_p)
    step = v[1] - v[0]
    expected = np.empty_like(k)
    for start in range(0, k.size, 256):
        pk = np.outer(k[start : start + 256], p)
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            bracket = np.where(
                pk < 1e-12,
                (r + x) * k[start : start + 256, None],
                -np.expm1(-(r + x) * np.log1p(pk)) / p,
            )
            expected[start : start + 256] = (bracket * np.exp(log_density)).sum(axis=1) * step
    return expected
