"""What the three BTYD estimators share: input checks, compression, optimisation, errors.

Customers with the same ``(frequency, recency, T)`` have the same likelihood, and with
day-discretised data most customers share their triple with many others. Every model is
therefore fitted on the weighted *unique* triples (the ``weights`` argument of lifetimes'
fitters does the same), which turns millions of rows into a few hundred thousand.

Each model supplies the mean negative log-likelihood per customer with its gradient and
Hessian in the log of the parameters (so they stay positive). The optimum is found by
Newton's method from a warm start (for large data, the fit on a 50,000-customer
subsample), with bounded L-BFGS-B as the fallback when Newton does not converge.
Standard errors are the square roots of the diagonal of the inverse Hessian of the summed
negative log-likelihood at the optimum, in the natural parameters.

The distinct rows are found by hashing (Arrow's ``dictionary_encode``), not by sorting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from winback.errors import WinbackError

Array = npt.NDArray[np.float64]
Index = npt.NDArray[np.intp]
ArrayLike = npt.ArrayLike
Objective = Callable[[Array], tuple[float, Array]]
Curvature = Callable[[Array], tuple[float, Array, Array]]

WARM_START_ROWS = 100_000  # more distinct rows than this: warm-start on a subsample
WARM_START_CUSTOMERS = 50_000
DRIFT = 16.0
"""L-BFGS-B left a log-parameter beyond ±16 (a parameter above 8.9e6 or below 1.1e-7): the
data pushes it to a bound (the model is not identified, see
:mod:`winback.analyse.customer_scores`) and Newton's steps in the flat likelihood there only
cost time (on a year of the UCI wholesaler, Pareto/NBD spent 95 of its 212 s in them)."""


class NotFittedError(WinbackError):
    """This model is not fitted yet: call fit() first, or build it with from_params()."""


class SummaryDataError(WinbackError, ValueError):
    """The RFM summary cannot be used for this model."""


@dataclass(frozen=True)
class Summary:
    """Weighted unique ``(frequency, recency, T)`` rows; ``inverse`` maps customers to rows.

    ``distinct_x[x_code]`` is ``frequency``: terms that depend on the frequency alone (the
    gamma functions) are computed once per distinct frequency.
    """

    frequency: Array
    recency: Array
    T: Array
    weights: Array
    inverse: Index
    distinct_x: Array
    x_code: Index

    @property
    def n_customers(self) -> float:
        return float(self.weights.sum())

    def thinned(self, customers: int) -> Summary:
        """A seeded Poisson subsample of about ``customers`` customers (for a warm start)."""
        share = min(1.0, customers / self.n_customers)
        weights = np.random.default_rng(0).poisson(self.weights * share).astype(np.float64)
        keep = weights > 0
        (distinct_x,), x_code = unique_rows(self.frequency[keep])
        rows = (self.frequency[keep], self.recency[keep], self.T[keep], weights[keep])
        return Summary(*rows, np.arange(int(keep.sum())), distinct_x, x_code)


def as_array(values: ArrayLike, name: str) -> Array:
    """A float64 1-D array of finite values, or a :class:`SummaryDataError`."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise SummaryDataError(f"{name} must be a non-empty 1-D array")
    if not np.all(np.isfinite(array)):
        raise SummaryDataError(f"{name} contains NaN or infinite values")
    return array


def checked_summary(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None
) -> tuple[Array, Array, Array, Array]:
    """The four fitting arrays after the checks every transaction model needs."""
    f, r, t = as_array(frequency, "frequency"), as_array(recency, "recency"), as_array(T, "T")
    w = np.ones_like(f) if weights is None else as_array(weights, "weights")
    if not f.shape == r.shape == t.shape == w.shape:
        raise SummaryDataError("frequency, recency, T and weights must have the same length")
    if np.any(f < 0) or np.any(f != np.round(f)):
        raise SummaryDataError("frequency must hold non-negative whole numbers")
    if np.any(r < 0) or np.any(t < 0) or np.any(w < 0):
        raise SummaryDataError("recency, T and weights must not be negative")
    if np.any(r > t):
        raise SummaryDataError("recency must not exceed T")
    if np.any(r[f == 0] != 0):
        raise SummaryDataError("recency must be 0 for customers without repeat purchases")
    if not np.any((f > 0) & (w > 0)):
        raise SummaryDataError("no customer has a repeat purchase: the model is not identified")
    if not np.any((t > 0) & (w > 0)):
        raise SummaryDataError("every T is 0: the model is not identified")
    return f, r, t, w


def unique_rows(*columns: Array) -> tuple[list[Array], Index]:
    """The distinct rows of equally long columns and, per input row, its distinct row.

    Each column is coded by a hash table (Arrow's ``dictionary_encode``, linear time), the
    codes are combined into one integer key, and the key is made distinct by a dense lookup
    table when its range is small and by a second hash otherwise. Sorting (``np.unique``)
    took ~10x longer on millions of rows and dominated fitting and prediction.
    """
    key = np.zeros(columns[0].shape, dtype=np.int64)
    for column in columns:
        codes_, size = _column_codes(column)
        if (int(key.max(initial=0)) + 1) * size >= 1 << 62:  # re-code before int64 overflows
            key = _column_codes(key)[0]
        key = key * size + codes_
    if key.max(initial=0) < 4 * key.size + (1 << 20):
        inverse = _dense_inverse(key)
    else:
        inverse = _column_codes(key)[0].astype(np.intp)
    first = np.empty(int(inverse.max(initial=-1)) + 1, dtype=np.intp)
    first[inverse] = np.arange(inverse.size)
    return [column[first] for column in columns], inverse


def _column_codes(column: npt.NDArray[Any]) -> tuple[npt.NDArray[np.int64], int]:
    """Integer codes for one column, and how many codes there can be.

    The column is handed to Arrow without a copy and without ``pa.array``/``to_numpy``,
    which import pandas on first use (a second or so per process).
    """
    if column.size == 0:
        return np.zeros(0, dtype=np.int64), 1
    low, high = column.min(), column.max()
    if low == high:  # one value, e.g. a scalar horizon broadcast to every customer
        return np.zeros(column.shape, dtype=np.int64), 1
    if low >= 0 and high < 1 << 16 and np.array_equal(column, np.floor(column)):
        return column.astype(np.int64), int(high) + 1  # small whole numbers code themselves
    values = np.ascontiguousarray(column)
    kind = pa.float64() if values.dtype == np.float64 else pa.int64()
    values = values.astype(kind.to_pandas_dtype(), copy=False)
    array = pa.Array.from_buffers(kind, values.size, [None, pa.py_buffer(values)])
    encoded = pc.call_function("dictionary_encode", [array])
    indices = encoded.indices
    raw = np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices))
    return raw.astype(np.int64), len(encoded.dictionary)


def _dense_inverse(key: npt.NDArray[np.int64]) -> Index:
    """Distinct-key positions via a lookup table over the key range (no sorting)."""
    present = np.zeros(int(key.max(initial=0)) + 1, dtype=bool)
    present[key] = True
    position = np.cumsum(present, dtype=np.intp) - 1
    return np.asarray(position[key], dtype=np.intp)


def compress(f: Array, r: Array, t: Array, w: Array) -> Summary:
    """Collapse customers with the same triple into one weighted row."""
    (uf, ur, ut), inverse = unique_rows(f, r, t)
    counts = np.bincount(inverse, weights=w, minlength=uf.size).astype(np.float64)
    (distinct_x,), x_code = unique_rows(uf)
    return Summary(uf, ur, ut, counts, inverse, distinct_x, x_code)


def fitted_rows(model: object) -> Summary:
    """The distinct rows a model was fitted on (with ``inverse``, their customers)."""
    rows = getattr(model, "_rows", None)
    if not isinstance(rows, Summary):
        raise NotFittedError(
            "this model was not fitted here (from_params): pass frequency, recency and T"
        )
    return rows


def given(*values: ArrayLike | None) -> list[ArrayLike] | None:
    """The prediction inputs, or None when all are omitted (the fitted customers)."""
    if all(value is None for value in values):
        return None
    if any(value is None for value in values):
        raise TypeError("pass frequency, recency and T together, or none of them")
    return [value for value in values if value is not None]


def fit_log_params(objective: Objective, start: Array) -> Array:
    """The natural parameters minimising ``objective`` (which takes and differentiates in logs)."""
    from scipy.optimize import minimize  # 0.35 s to import: only when a model is fitted

    result = minimize(
        objective,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-30.0, 30.0)] * start.size,
        options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9},
    )
    if not np.all(np.isfinite(result.x)):
        raise SummaryDataError("the optimiser did not converge to finite parameters")
    return np.exp(np.asarray(result.x, dtype=np.float64))


@dataclass(frozen=True)
class Optimum:
    """A maximum-likelihood fit: natural parameters, summed log-likelihood, standard errors."""

    theta: Array
    log_likelihood: float
    standard_errors: Array


def maximise(
    objective: Objective, curvature: Curvature, n_customers: float, start: Array
) -> Optimum:
    """Maximum likelihood from ``start`` with an analytic gradient and Hessian.

    ``objective`` and ``curvature`` take log-parameters and return the mean negative
    log-likelihood per customer with its gradient (and Hessian). Newton's method with the
    exact Hessian converges in a few steps from a warm start (see :func:`warm_start`); if
    it does not converge (a start far away, or data that push a parameter to a bound),
    bounded L-BFGS-B takes over and Newton finishes, unless L-BFGS-B ended beyond
    :data:`DRIFT`. Standard errors come from the same
    Hessian at the optimum, turned into natural parameters: no extra evaluations.
    """
    reached = newton(curvature, np.log(start))
    if reached is None:
        log_theta = np.log(fit_log_params(objective, start))
        drifted = bool(np.any(np.abs(log_theta) > DRIFT))
        reached = (None if drifted else newton(curvature, log_theta)) or (
            log_theta,
            *curvature(log_theta),
        )
    log_theta, value, gradient, hessian = reached
    theta = np.exp(log_theta)
    natural = (hessian - np.diag(gradient)) / np.outer(theta, theta) * n_customers
    return Optimum(theta, -value * n_customers, _inverse_diagonal(natural))


def newton(
    curvature: Curvature, log_theta: Array, steps: int = 60
) -> tuple[Array, float, Array, Array] | None:
    """Modified Newton steps until the Newton decrement says the optimum is reached.

    Converged when ``gᵀH⁻¹g`` (twice the predicted decrease of the mean negative
    log-likelihood) is below 1e-12, i.e. the summed log-likelihood of a million customers
    is within 1e-6 of the optimum (then one last full step is taken), or the step is below
    1e-10 in every log-parameter.
    Where the Hessian is not positive definite (far from the optimum) it is shifted until
    it is, and no step moves a log-parameter by more than 2; each step is halved until the
    objective decreases. Returns the optimum with its value, gradient and Hessian, or None
    when it does not converge in ``steps`` steps or no step decreases the objective.
    """
    value, gradient, hessian = curvature(log_theta)
    for _ in range(steps):
        if not (np.isfinite(value) and np.all(np.isfinite(hessian))):
            return None
        lowest = float(np.linalg.eigvalsh(hessian)[0])
        positive = lowest > 1e-12 * float(np.abs(hessian).max())
        shift = 0.0 if positive else abs(lowest) + 1e-3 * max(float(np.abs(hessian).max()), 1e-3)
        step = np.linalg.solve(hessian + shift * np.eye(log_theta.size), gradient)
        decrement = float(gradient @ step)
        if positive and np.max(np.abs(step)) < 1e-10:
            return log_theta, value, gradient, hessian
        if positive and decrement < 1e-12:  # one last full step: quadratic convergence
            final = curvature(log_theta - step)
            if final[0] <= value + 1e-13 * abs(value):
                return (log_theta - step, *final)
            return log_theta, value, gradient, hessian
        step *= min(1.0, 2.0 / float(np.max(np.abs(step))))
        length = 1.0
        while length > 1e-4:
            candidate = log_theta - length * step
            new = curvature(candidate)
            if np.isfinite(new[0]) and new[0] <= value + 1e-13 * abs(value):
                log_theta, (value, gradient, hessian) = candidate, new
                break
            length /= 2
        else:  # no decrease along the step: at the optimum up to rounding, or lost
            done = positive and decrement < 1e-9
            return (log_theta, value, gradient, hessian) if done else None
    return None


def warm_start(
    objective: Callable[[Summary], Objective],
    curvature: Callable[[Summary], Curvature],
    data: Summary,
    start: Array,
) -> Array:
    """A start near the optimum: the fit on a seeded 50,000-customer subsample when the
    data has more than 100,000 distinct rows, ``start`` itself otherwise."""
    if data.frequency.size <= WARM_START_ROWS:
        return start
    sample = data.thinned(WARM_START_CUSTOMERS)
    reached = newton(curvature(sample), np.log(start))
    return np.exp(reached[0]) if reached else fit_log_params(objective(sample), start)


def to_log_space(theta: Array, gradient: Array, hessian: Array) -> tuple[Array, Array]:
    """Gradient and Hessian in natural parameters → the same in log-parameters."""
    log_gradient = gradient * theta
    return log_gradient, hessian * np.outer(theta, theta) + np.diag(log_gradient)


def _inverse_diagonal(hessian: Array) -> Array:
    """sqrt(diag(H⁻¹)); NaN where H is singular or not positive there."""
    try:
        variances = np.diag(np.linalg.inv(hessian))
    except np.linalg.LinAlgError:
        return np.full(hessian.shape[0], np.nan)
    return np.sqrt(np.where(variances > 0, variances, np.nan))


def floats(values: object) -> Array:
    """Any array-valued result as float64 (scipy.special is untyped)."""
    return np.asarray(values, dtype=np.float64)


def weighted_sum(weights: Array, values: Array) -> float:
    """``Σ weights·values`` without BLAS (whose threads stall on a busy machine)."""
    return float(np.einsum("i,i->", weights, values))


def broadcast(*values: ArrayLike) -> list[Array]:
    """Prediction inputs as float64 arrays of one common shape."""
    return [np.asarray(v, dtype=np.float64) for v in np.broadcast_arrays(*values)]
