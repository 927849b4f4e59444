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

import math
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
Value = Callable[[Array], float]

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

    ``distinct_x[x_code]`` is ``frequency``, ``distinct_recency[recency_code]`` is
    ``recency`` and ``distinct_T[T_code]`` is ``T``: terms that depend on one of them alone
    (the gamma functions of the frequency, the logarithms of ``α + T``) are computed once
    per distinct value and gathered, which is cheaper than a logarithm per row.
    """

    frequency: Array
    recency: Array
    T: Array
    weights: Array
    inverse: Index
    distinct_x: Array
    x_code: Index
    distinct_recency: Array
    recency_code: Index
    distinct_T: Array
    T_code: Index

    @property
    def n_customers(self) -> float:
        return float(self.weights.sum())

    def thinned(self, customers: int) -> Summary:
        """A seeded random subsample of about ``customers`` customers (for a warm start):
        each row keeps ``weight · share`` customers, rounded up or down at random so that
        the expected count is exact (cheaper than a Poisson draw per row)."""
        share = min(1.0, customers / self.n_customers)
        weights = self.weights * share
        weights += np.random.default_rng(0).random(weights.size)
        np.floor(weights, out=weights)
        keep = np.flatnonzero(weights)
        return Summary(
            self.frequency[keep],
            self.recency[keep],
            self.T[keep],
            weights[keep],
            np.arange(keep.size),
            self.distinct_x,
            self.x_code[keep],
            self.distinct_recency,
            self.recency_code[keep],
            self.distinct_T,
            self.T_code[keep],
        )


def as_array(values: ArrayLike, name: str) -> Array:
    """A float64 1-D array of finite values, or a :class:`SummaryDataError`."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise SummaryDataError(f"{name} must be a non-empty 1-D array")
    if not (np.isfinite(array.min()) and np.isfinite(array.max())):  # NaN propagates
        raise SummaryDataError(f"{name} contains NaN or infinite values")
    return array


def checked_summary(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None
) -> tuple[Array, Array, Array, Array | None]:
    """The fitting arrays after the checks that need every customer (``weights`` stays None
    when not given: every customer counts once). The checks of the values themselves run
    on the distinct rows, in :func:`compress` (:func:`check_rows`): they give the same
    answers there, for a quarter of the work at a million customers."""
    f, r, t = as_array(frequency, "frequency"), as_array(recency, "recency"), as_array(T, "T")
    w = None if weights is None else as_array(weights, "weights")
    if not f.shape == r.shape == t.shape == (f.shape if w is None else w.shape):
        raise SummaryDataError("frequency, recency, T and weights must have the same length")
    if w is not None and w.min() < 0:
        raise SummaryDataError("recency, T and weights must not be negative")
    return f, r, t, w


def check_rows(rows: list[Array], values: list[Array], counts: Array) -> None:
    """The checks every transaction model needs, on the distinct ``(frequency, recency,
    T)`` rows with their counts; ``values`` holds (at least) every value of each column,
    for the checks of single values."""
    (f, r, t), (fs, rs, ts) = rows, values
    if fs.min() < 0 or not np.array_equal(fs, np.floor(fs)):
        raise SummaryDataError("frequency must hold non-negative whole numbers")
    if rs.min() < 0 or ts.min() < 0:
        raise SummaryDataError("recency, T and weights must not be negative")
    if np.any(r > t):
        raise SummaryDataError("recency must not exceed T")
    repeat = f > 0
    if np.any((r > 0) > repeat):
        raise SummaryDataError("recency must be 0 for customers without repeat purchases")
    counted = counts > 0
    if not np.any(repeat & counted):
        raise SummaryDataError("no customer has a repeat purchase: the model is not identified")
    if not np.any((t > 0) & counted):
        raise SummaryDataError("every T is 0: the model is not identified")


@dataclass(frozen=True)
class Distinct:
    """The distinct rows of some columns: per column the rows' ``values``, which are
    ``dictionaries[j][codes[j]]``; ``inverse`` maps each input row to its distinct row and
    ``counts`` says how many input rows each distinct row stands for."""

    values: list[Array]
    codes: list[Index]
    dictionaries: list[Array]
    inverse: Index
    counts: Array


def unique_rows(*columns: Array) -> tuple[list[Array], Index]:
    """The distinct rows of equally long columns and, per input row, its distinct row
    (see :func:`distinct_rows`)."""
    found = distinct_rows(*columns)
    return found.values, found.inverse


def distinct_rows(*columns: Array) -> Distinct:
    """The distinct rows of equally long columns, with per-column codes.

    Each column is coded by a hash table (Arrow's ``dictionary_encode``, linear time; small
    whole numbers code themselves) and the codes are combined into one integer key. The key
    is made distinct by a dense lookup table when its range is small, otherwise by sorting
    ``key · 2^k + position`` (one vectorised 64-bit sort instead of an ``argsort`` or a
    second hash: ~3x faster than hashing a million keys; the sorted keys give each distinct
    row's codes back by division, without gathering from the input), or, when that does not
    fit in 64 bits, by a second hash.
    """
    size = columns[0].size
    coded = [_column_codes(column) for column in columns]
    first_codes = coded[0][0]
    key: npt.NDArray[np.int64] = (  # the first column's codes when ours and not needed again
        first_codes  # type: ignore[assignment]
        if first_codes.dtype == np.int64
        and first_codes.flags.writeable
        and first_codes.base is None
        and _sorted(math.prod(count for _, count, _ in coded), size)
        else first_codes.astype(np.int64)
    )
    span, recoded = coded[0][1], False
    for codes_, count, _ in coded[1:]:
        if span * count >= 1 << 62:  # re-code before int64 overflows
            recodes, span, _ = _column_codes(np.broadcast_to(key, (size,)))
            key, recoded = recodes.astype(np.int64), True
        key = key * count + codes_ if key.size < size else _accumulate(key, count, codes_)
        span *= count
    if key.size < size:
        key = np.broadcast_to(key, (size,)).copy()
    if _sorted(span, size) and not recoded:
        return _sorted_groups(key, max(size - 1, 1).bit_length(), coded)
    if span < 4 * size + (1 << 20):
        inverse = _dense_inverse(key, span)
    else:
        inverse = _column_codes(np.ascontiguousarray(key))[0].astype(np.intp)
    first = np.empty(int(inverse.max(initial=-1)) + 1, dtype=np.intp)
    first[inverse[::-1]] = np.arange(size - 1, -1, -1)
    row_codes = [np.broadcast_to(codes_, (size,))[first].astype(np.intp) for codes_, _, _ in coded]
    counts = np.bincount(inverse, minlength=first.size).astype(np.float64)
    return _found(coded, row_codes, inverse, counts)


def _sorted(span: int, size: int) -> bool:
    """Whether keys in ``[0, span)`` are made distinct by sorting (see :func:`distinct_rows`):
    too many for a lookup table, few enough to share 64 bits with a row position."""
    return span >= 4 * size + (1 << 20) and span << max(size - 1, 1).bit_length() < 1 << 63


def _accumulate(
    key: npt.NDArray[np.int64], count: int, codes_: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.int64]:
    key *= count
    key += codes_
    return key


def _found(
    coded: list[tuple[npt.NDArray[np.integer[Any]], int, Array]],
    row_codes: list[Index],
    inverse: Index,
    counts: Array,
) -> Distinct:
    dictionaries = [dictionary for _, _, dictionary in coded]
    values = [
        np.asarray(d[c], dtype=np.float64) for d, c in zip(dictionaries, row_codes, strict=True)
    ]
    return Distinct(values, row_codes, dictionaries, inverse, counts)


def _sorted_groups(
    key: npt.NDArray[np.int64],
    bits: int,
    coded: list[tuple[npt.NDArray[np.integer[Any]], int, Array]],
) -> Distinct:
    """Distinct keys by sorting ``key << bits | position`` (``key`` is overwritten)."""
    position = np.arange(key.size)
    key <<= bits
    key |= position
    key.sort()
    np.bitwise_and(key, (1 << bits) - 1, out=position)
    key >>= bits
    starts = np.empty(key.size, dtype=bool)
    starts[0] = True
    np.not_equal(key[1:], key[:-1], out=starts[1:])
    begins = np.flatnonzero(starts)
    counts = np.empty(begins.size)
    np.subtract(begins[1:], begins[:-1], out=counts[:-1])
    counts[-1] = key.size - begins[-1]
    rest = np.asarray(key[begins], dtype=np.intp)
    group = np.cumsum(starts, out=key)  # the sorted keys are no longer needed
    group -= 1
    inverse = np.empty(key.size, dtype=np.intp)
    inverse[position] = group
    row_codes: list[Index] = []
    for _, count, _ in reversed(coded[1:]):  # the key's digits, last column first
        code = np.empty_like(rest)
        np.divmod(rest, count, out=(rest, code))
        row_codes.insert(0, code)
    row_codes.insert(0, rest)
    return _found(coded, row_codes, inverse, counts)


def _column_codes(
    column: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.integer[Any]], int, Array]:
    """Integer codes for one column (a single 0 when the column holds one value: it
    broadcasts), how many codes there can be, and the value of each code.

    The column is handed to Arrow without a copy and without ``pa.array``/``to_numpy``,
    which import pandas on first use (a second or so per process).
    """
    if column.size == 0:
        return np.zeros(0, dtype=np.int64), 1, np.zeros(1)
    low, high = column.min(), column.max()
    if low == high:  # one value, e.g. a scalar horizon broadcast to every customer
        return np.zeros(1, dtype=np.int64), 1, np.array([low], dtype=np.float64)
    if (
        low >= 0
        and high < 1 << 16
        and np.array_equal(column[:64], np.floor(column[:64]))  # a cheap first look
    ):
        whole = column.astype(np.int64)
        if np.array_equal(whole, column):  # small whole numbers code themselves
            return whole, int(high) + 1, np.arange(int(high) + 1, dtype=np.float64)
    values = np.ascontiguousarray(column)
    kind = pa.float64() if values.dtype == np.float64 else pa.int64()
    values = values.astype(kind.to_pandas_dtype(), copy=False)
    array = pa.Array.from_buffers(kind, values.size, [None, pa.py_buffer(values)])
    encoded = pc.call_function("dictionary_encode", [array])
    indices, dictionary = encoded.indices, encoded.dictionary
    raw = np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices))
    table = np.frombuffer(
        dictionary.buffers()[1],
        dtype=values.dtype,
        count=len(dictionary),
        offset=dictionary.offset * values.dtype.itemsize,
    )
    return raw, len(dictionary), table.astype(np.float64)


def _dense_inverse(key: npt.NDArray[np.integer[Any]], span: int) -> Index:
    """Distinct-key positions via a lookup table over the key range (no sorting)."""
    present = np.zeros(span, dtype=bool)
    present[key] = True
    position = np.cumsum(present, dtype=np.intp) - 1
    return np.asarray(position[key], dtype=np.intp)


def dense_pairs(first: Index, second: Index, size: int) -> tuple[Index, Index]:
    """The distinct pairs of two small codes (``second < size``) as ``first · size +
    second``, and each row's pair: by a lookup table over the code range, no hashing."""
    key = first * size
    key += second
    present = np.zeros(int(key.max(initial=0)) + 1, dtype=bool)
    present[key] = True
    pairs = np.flatnonzero(present)
    position = np.cumsum(present, dtype=np.intp)
    position -= 1
    return pairs, position[key]


def compress(f: Array, r: Array, t: Array, w: Array | None) -> Summary:
    """Collapse customers with the same triple into one weighted row (``w`` None: one
    customer per input row), and check the rows (:func:`check_rows`)."""
    found = distinct_rows(f, r, t)
    counts = found.counts
    if w is not None:
        counts = np.bincount(found.inverse, weights=w, minlength=counts.size).astype(np.float64)
    (uf, ur, ut), (x_code, recency_code, T_code) = found.values, found.codes
    check_rows(found.values, found.dictionaries, counts)
    distinct_x, distinct_recency, distinct_T = found.dictionaries
    return Summary(
        uf,
        ur,
        ut,
        counts,
        found.inverse,
        distinct_x,
        x_code,
        distinct_recency,
        recency_code,
        distinct_T,
        T_code,
    )


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
    objective: Objective,
    curvature: Curvature,
    n_customers: float,
    start: Array,
    value: Value | None = None,
) -> Optimum:
    """Maximum likelihood from ``start`` with an analytic gradient and Hessian.

    ``objective`` and ``curvature`` take log-parameters and return the mean negative
    log-likelihood per customer with its gradient (and Hessian); ``value``, when given,
    returns that mean alone (cheaper: :func:`newton` uses it to confirm its last step).
    Newton's method with the exact Hessian converges in a few steps from a warm start (see
    :func:`warm_start`); if it does not converge (a start far away, or data that push a
    parameter to a bound), bounded L-BFGS-B takes over and Newton finishes, unless
    L-BFGS-B ended beyond :data:`DRIFT`. Standard errors come from the same Hessian at the
    optimum, turned into natural parameters: no extra evaluations.
    """
    reached = newton(curvature, np.log(start), value=value)
    if reached is None:
        log_theta = np.log(fit_log_params(objective, start))
        drifted = bool(np.any(np.abs(log_theta) > DRIFT))
        reached = (None if drifted else newton(curvature, log_theta, value=value)) or (
            log_theta,
            *curvature(log_theta),
        )
    log_theta, mean, gradient, hessian = reached
    theta = np.exp(log_theta)
    natural = (hessian - np.diag(gradient)) / np.outer(theta, theta) * n_customers
    return Optimum(theta, -mean * n_customers, _inverse_diagonal(natural))


CONVERGED = 1e-12
"""Newton decrement ``gᵀH⁻¹g`` (per customer) at which the optimum is reached: the summed
log-likelihood of a million customers is then within 1e-6 of its maximum (and one last
full step makes the parameters as precise as the arithmetic allows)."""
LAST_STEP = 1e-8
"""Below this decrement Newton is in its quadratic phase: the next decrement is of the
order of its square (~1e-16), so with a value-only function the step can be the
last one (see :func:`newton`)."""


def newton(
    curvature: Curvature,
    log_theta: Array,
    steps: int = 60,
    value: Value | None = None,
    tolerance: float = CONVERGED,
    polish: bool = True,
) -> tuple[Array, float, Array, Array] | None:
    """Modified Newton steps until the Newton decrement says the optimum is reached.

    Converged when ``gᵀH⁻¹g`` (twice the predicted decrease of the mean negative
    log-likelihood) is below ``tolerance`` (:data:`CONVERGED`): then one last full step is
    taken (quadratic convergence) unless ``polish`` is False; or when the step is below
    1e-10 in every log-parameter. When ``value`` (the mean alone, cheaper) is given and the
    decrement is below :data:`LAST_STEP`, the full step is the last one if the value falls
    by what the quadratic model predicts (within 1%, or rounding): that point is returned
    with the gradient the model predicts there (zero) and the Hessian of the point before
    it (they differ by the size of the step, ~1e-3 relative at most), which saves the
    gradient and Hessian of one evaluation.
    Where the Hessian is not positive definite (far from the optimum) it is shifted until
    it is, and no step moves a log-parameter by more than 2; each step is halved until the
    objective decreases. Returns the optimum with its value, gradient and Hessian, or None
    when it does not converge in ``steps`` steps or no step decreases the objective.
    """
    mean, gradient, hessian = curvature(log_theta)
    for _ in range(steps):
        if not (np.isfinite(mean) and np.all(np.isfinite(hessian))):
            return None
        lowest = float(np.linalg.eigvalsh(hessian)[0])
        positive = lowest > 1e-12 * float(np.abs(hessian).max())
        shift = 0.0 if positive else abs(lowest) + 1e-3 * max(float(np.abs(hessian).max()), 1e-3)
        step = np.linalg.solve(hessian + shift * np.eye(log_theta.size), gradient)
        decrement = float(gradient @ step)
        if positive and (np.max(np.abs(step)) < 1e-10 or (decrement < tolerance and not polish)):
            return log_theta, mean, gradient, hessian
        if positive and decrement < LAST_STEP and value is not None:
            last = value(log_theta - step)
            if abs(mean - last - decrement / 2) <= 0.01 * decrement / 2 + 1e-14 * abs(mean):
                return log_theta - step, last, np.zeros_like(gradient), hessian
        if positive and decrement < tolerance:  # one last full step: quadratic convergence
            final = curvature(log_theta - step)
            if final[0] <= mean + 1e-13 * abs(mean):
                return (log_theta - step, *final)
            return log_theta, mean, gradient, hessian
        step *= min(1.0, 2.0 / float(np.max(np.abs(step))))
        length = 1.0
        while length > 1e-4:
            candidate = log_theta - length * step
            new = curvature(candidate)
            if np.isfinite(new[0]) and new[0] <= mean + 1e-13 * abs(mean):
                log_theta, (mean, gradient, hessian) = candidate, new
                break
            length /= 2
        else:  # no decrease along the step: at the optimum up to rounding, or lost
            done = positive and decrement < 1e-9
            return (log_theta, mean, gradient, hessian) if done else None
    return None


WARM_TOLERANCE = 1e-5
"""Newton decrement at which the subsample's fit is good enough as a start: its own
distance from the full data's optimum (sampling error) is larger."""


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
    reached = newton(curvature(sample), np.log(start), tolerance=WARM_TOLERANCE, polish=False)
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
