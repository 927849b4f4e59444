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
from functools import cache
from typing import Self

import numpy as np
from scipy.special import digamma, expit, gammaln, hyp2f1, logsumexp, polygamma

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
    fitted_rows,
    floats,
    given,
    maximise,
    to_log_space,
    unique_rows,
    warm_start,
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
        series = log_hyp2f1_one(r + x, r + s + x + 1, z)
        return floats(series - (r + x) * np.log(alpha + t) - s * np.log(beta + t))
    z = (beta - alpha) / (beta + t)
    series = log_hyp2f1_one(s + 1, r + s + x + 1, z)
    return floats(series - (r + x - 1) * np.log(alpha + t) - (s + 1) * np.log(beta + t))


def log_hyp2f1_one(b: Array | float, c: Array | float, z: Array | float) -> Array:
    """``log 2F1(1, b; c; z)`` for ``c > max(b, 1)`` and ``z < 1``.

    scipy's ``hyp2f1`` returns NaN for large ``c`` and ``z`` near 1 (``2F1(1, 2; 1003;
    10/11)``, a heavy buyer seen only at the first purchase). There the integral
    ``2F1(1, b; c; z) = ∫₀^∞ e^{-y} (1 - z(1 - e^{-y/(c-1)}))^{-b} dy`` (Euler's integral
    with ``u = 1 - e^{-y/(c-1)}``) is taken by 150-point Gauss-Laguerre quadrature, in logs.
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (b, c, z)))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        result = np.log(floats(hyp2f1(1.0, b, c, z)))
    failed = ~np.isfinite(result)
    if np.any(failed):
        nodes, log_weights = _laguerre()
        bf, cf, zf = b[failed], c[failed], z[failed]
        lost = zf * -np.expm1(-nodes[:, None] / (cf - 1))
        result[failed] = logsumexp(log_weights[:, None] - bf * np.log1p(-lost), axis=0)
    return floats(result)


@cache
def _laguerre() -> tuple[Array, Array]:
    nodes, weights = np.polynomial.laguerre.laggauss(150)
    return floats(nodes), floats(np.log(weights))


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


class _Likelihood:
    """The mean negative log-likelihood over weighted summary rows, with its gradient and
    Hessian in log-parameters.

    Per row the likelihood is ``head(x) · α^r β^s · (e^A + e^D)`` with the "alive at T"
    term ``A = -(r+x) log(α+T) - s log(β+T)`` and the "died in (t_x, T]" term
    ``D = log s - log(r+s+x) + log(F(t_x) - F(T))``. Everything is differentiated in closed
    form except the hypergeometric series inside ``log F``, whose derivatives (there is no
    closed form in r and s) are central differences taken once per distinct ``(x, t)``
    pair: a few hundred series evaluations of ~10⁴ pairs instead of ~10⁶ customers.
    """

    def __init__(self, data: Summary) -> None:
        self.data = data
        self.pairs = _Pairs.of(data.frequency, data.recency, data.T)
        self.per_x = np.bincount(data.x_code, weights=data.weights, minlength=data.distinct_x.size)

    def __call__(self, log_theta: Array) -> tuple[float, Array]:
        value, gradient, _ = self.curvature(log_theta)
        return value, gradient

    def curvature(self, log_theta: Array) -> tuple[float, Array, Array]:
        theta = np.exp(log_theta)
        r, alpha, s, beta = theta
        d, pairs, n = self.data, self.pairs, self.data.n_customers
        x, T, w, xs, wx = d.frequency, d.T, d.weights, d.distinct_x, self.per_x
        f, f_gradient, f_hessian = _log_f_curvature(theta, pairs.x, pairs.t)
        upper, lower = f[pairs.at_tx], f[pairs.at_T]
        gap = np.minimum(lower - upper, 0.0)
        open_ = gap < 0  # a death after t_x can be observed (t_x < T, and not lost to rounding)
        with np.errstate(divide="ignore"):
            log_a0 = upper + np.log(-np.expm1(gap))  # -inf where t_x = T
        rho = np.where(open_, 1 / np.expm1(-np.where(open_, gap, -1.0)), 0.0)
        rsx = r + s + x
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        dead = np.log(s) - np.log(rsx) + log_a0
        mix = np.logaddexp(alive, dead)
        p_a, p_d = np.exp(alive - mix), np.exp(dead - mix)
        inv_a, inv_b = 1 / (alpha + T), 1 / (beta + T)
        grad_alive = np.stack([-np.log(alpha + T), -(r + x) * inv_a, -np.log(beta + T), -s * inv_b])
        a0_up, a0_low = f_gradient[pairs.at_tx].T, f_gradient[pairs.at_T].T
        grad_dead = (1 + rho) * a0_up - rho * a0_low
        grad_dead[0] -= 1 / rsx
        grad_dead[2] += 1 / s - 1 / rsx

        loglik = wx @ (gammaln(r + xs) - gammaln(r)) + n * (r * np.log(alpha) + s * np.log(beta))
        loglik += weighted_sum(w, mix)
        w_a, w_d = w * p_a, w * p_d
        psi = wx @ (digamma(r + xs) - digamma(r))
        gradient = np.array(
            [psi + n * np.log(alpha), n * r / alpha, n * np.log(beta), n * s / beta]
        )
        gradient += np.einsum("ji,i->j", grad_alive, w_a) + np.einsum("ji,i->j", grad_dead, w_d)

        h = np.zeros((4, 4))
        h[0, 0] = wx @ (polygamma(1, r + xs) - polygamma(1, r)) + weighted_sum(w_d, rsx**-2.0)
        h[0, 1] = n / alpha - weighted_sum(w_a, inv_a)
        h[1, 1] = -n * r / alpha**2 + weighted_sum(w_a, (r + x) * inv_a**2)
        h[0, 2] = weighted_sum(w_d, rsx**-2.0)
        h[2, 2] = weighted_sum(w_d, rsx**-2.0) - w_d.sum() / s**2
        h[2, 3] = n / beta - weighted_sum(w_a, inv_b)
        h[3, 3] = -n * s / beta**2 + weighted_sum(w_a, s * inv_b**2)
        h = np.triu(h) + np.triu(h, 1).T
        size = f.size
        on_pairs = np.bincount(pairs.at_tx, weights=w_d * (1 + rho), minlength=size)
        on_pairs -= np.bincount(pairs.at_T, weights=w_d * rho, minlength=size)
        h += np.einsum("p,pjk->jk", on_pairs, f_hessian)
        spread = a0_up - a0_low
        h -= np.einsum("i,ji,ki->jk", w_d * rho * (1 + rho), spread, spread)
        contrast = grad_alive - grad_dead
        h += np.einsum("i,ji,ki->jk", w_a * p_d, contrast, contrast)
        log_gradient, log_hessian = to_log_space(theta, -gradient / n, -h / n)
        return float(-loglik / n), log_gradient, log_hessian


def _log_f_curvature(theta: Array, x: Array, t: Array) -> tuple[Array, Array, Array]:
    """``log F`` of the module docstring per ``(x, t)`` pair, with its gradient (pairs × 4)
    and Hessian (pairs × 4 × 4) in the natural parameters.

    ``log F = log(series) - (r+x-k) log(α+t) - (s+k) log(β+t)`` with ``k = 0`` when
    ``α >= β`` and ``1`` otherwise; the explicit part is differentiated in closed form, the
    series by central differences in the log-parameters (step 1e-4), in the representation
    chosen at ``theta`` (both converge for the small negative ``z`` a step can give).
    """
    r, alpha, s, beta = theta
    k = 0.0 if alpha >= beta else 1.0

    def log_series(log_theta: Array) -> Array:
        r, alpha, s, beta = np.exp(log_theta)
        if k == 0.0:
            return log_hyp2f1_one(r + x, r + s + x + 1, (alpha - beta) / (alpha + t))
        return log_hyp2f1_one(s + 1, r + s + x + 1, (beta - alpha) / (beta + t))

    centre, step = np.log(theta), 1e-4
    value = log_series(centre)
    g_log = np.empty((x.size, 4))
    h_log = np.empty((x.size, 4, 4))
    unit = np.eye(4) * step
    for i in range(4):
        up, down = log_series(centre + unit[i]), log_series(centre - unit[i])
        g_log[:, i] = (up - down) / (2 * step)
        h_log[:, i, i] = (up - 2 * value + down) / step**2
        for j in range(i):
            corners = (
                log_series(centre + unit[i] + unit[j])
                - log_series(centre + unit[i] - unit[j])
                - log_series(centre - unit[i] + unit[j])
                + log_series(centre - unit[i] - unit[j])
            )
            h_log[:, i, j] = h_log[:, j, i] = corners / (4 * step**2)
    gradient = g_log / theta
    hessian = (h_log - g_log[:, :, None] * np.eye(4)) / np.outer(theta, theta)

    log_a, log_b = np.log(alpha + t), np.log(beta + t)
    value = value - (r + x - k) * log_a - (s + k) * log_b
    gradient[:, 0] -= log_a
    gradient[:, 1] -= (r + x - k) / (alpha + t)
    gradient[:, 2] -= log_b
    gradient[:, 3] -= (s + k) / (beta + t)
    hessian[:, 0, 1] -= 1 / (alpha + t)
    hessian[:, 1, 0] -= 1 / (alpha + t)
    hessian[:, 1, 1] += (r + x - k) / (alpha + t) ** 2
    hessian[:, 2, 3] -= 1 / (beta + t)
    hessian[:, 3, 2] -= 1 / (beta + t)
    hessian[:, 3, 3] += (s + k) / (beta + t) ** 2
    return value, gradient, hessian


def _curvature(data: Summary) -> Curvature:
    return _Likelihood(data).curvature


class ParetoNBDFitter:
    """The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987), by maximum likelihood.

    Same interface as :class:`~winback.analyse.btyd.bgnbd.BetaGeoFitter`; ``params_`` and
    ``standard_errors_`` are :class:`ParetoNBDParams`. The predictions called without
    ``frequency``, ``recency`` and ``T`` are for the customers it was fitted on, computed
    once per distinct summary row. The gradient is numerical (central
    differences); the likelihood is evaluated on distinct summary rows and distinct
    ``(x, t)`` pairs.
    """

    params_: ParetoNBDParams
    standard_errors_: ParetoNBDParams
    log_likelihood_: float
    n_customers_: float
    _rows: Summary | None = None

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
        start = warm_start(_Likelihood, _curvature, data, np.array([1.0, mean_t, 1.0, mean_t]))
        likelihood = _Likelihood(data)
        optimum = maximise(likelihood, likelihood.curvature, data.n_customers, start)
        self.params_ = ParetoNBDParams(*map(float, optimum.theta))
        self.standard_errors_ = ParetoNBDParams(*map(float, optimum.standard_errors))
        self.log_likelihood_ = optimum.log_likelihood
        self.n_customers_ = data.n_customers
        self._rows = data
        return self

    def _theta(self) -> Array:
        if not hasattr(self, "params_"):
            raise NotFittedError()
        return np.array(astuple(self.params_), dtype=np.float64)

    def p_alive(
        self,
        frequency: ArrayLike | None = None,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
    ) -> Array:
        """P(alive at T | x, t_x, T), Fader, Hardie & Lee (2005 note), eq. (18). Without
        arguments: for every customer the model was fitted on."""
        theta = self._theta()
        inputs = given(frequency, recency, T)
        if inputs is None:
            rows = fitted_rows(self)
            return self.p_alive(rows.frequency, rows.recency, rows.T)[rows.inverse]
        frequency, recency, T = inputs
        x, tx, t_end = (np.ravel(v) for v in broadcast(frequency, recency, T))
        pairs = _Pairs.of(x, tx, t_end)  # the series once per distinct (x, t)
        alive, dead = _alive_and_dead(theta, x, t_end, _log_a0(theta, pairs))
        shape = np.broadcast_shapes(*(np.shape(v) for v in (frequency, recency, T)))
        return np.asarray(expit(alive - dead), dtype=np.float64).reshape(shape)

    def conditional_expected_purchases(
        self,
        t: ArrayLike,
        frequency: ArrayLike | None = None,
        recency: ArrayLike | None = None,
        T: ArrayLike | None = None,
    ) -> Array:
        """E[purchases in (T, T + t] | x, t_x, T], Fader, Hardie & Lee (2005 note), eq. (19).
        Without ``frequency``, ``recency`` and ``T``: for every customer it was fitted on."""
        r, alpha, s, beta = self._theta()
        inputs = given(frequency, recency, T)
        if inputs is None:
            rows = fitted_rows(self)
            if np.ndim(t) == 0:
                found = self.conditional_expected_purchases(t, rows.frequency, rows.recency, rows.T)
                return found[rows.inverse]
            inputs = [column[rows.inverse] for column in (rows.frequency, rows.recency, rows.T)]
        horizon, x, tx, t_end = broadcast(t, *inputs)
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
