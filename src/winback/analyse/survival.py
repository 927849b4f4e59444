"""The Kaplan–Meier estimator of a survival curve, with Greenwood's variance and a
log(−log) confidence band, over plain numpy arrays.

* Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete observations.
  *JASA* 53, 457–481 — the product-limit estimate ``S(t) = Π (1 − d_i / n_i)``.
* Greenwood, M. (1926). The natural duration of cancer. *Reports on Public Health and Medical
  Subjects* 33 — ``Var log S(t) ≈ Σ d_i / (n_i (n_i − d_i))``.
* Kalbfleisch, J. D. & Prentice, R. L. (1980/2002). *The Statistical Analysis of Failure Time
  Data*, §1.4 — the band on ``log(−log S)`` (the "exponential Greenwood" interval), which
  stays inside [0, 1].
* Brookmeyer, R. & Crowley, J. (1982). A confidence interval for the median survival time.
  *Biometrics* 38, 29–41 — a quantile's interval is the set of times whose band contains it.
* Maller, R. A. & Zhou, X. (1996). *Survival Analysis with Long-Term Survivors* — the curve
  of the "susceptible" (those who will ever have the event), with the plateau of the
  Kaplan–Meier curve as the estimate of the never-event share.

The numbers are those of ``lifelines.KaplanMeierFitter`` with its defaults (alpha = 0.05):
the same timeline (0 and every distinct observed time, events and censorings alike), ties
handled the same way (an individual censored at ``t`` is still at risk at ``t``), the same
arithmetic (``exp(Σ log((n − d) / n))``) and the same band. The tests hold them to 1e-9.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "KaplanMeier",
    "Quantile",
    "SurvivalCurve",
    "kaplan_meier",
    "kaplan_meier_counts",
    "susceptible_curve",
]


@dataclass(frozen=True, slots=True)
class Quantile:
    """A time and its confidence interval; ``inf`` when the curve never gets that low,
    NaN when there was no data at all."""

    time: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True, eq=False)
class SurvivalCurve:
    """A right-continuous step curve: ``survival[i]`` holds on ``[timeline[i], timeline[i+1])``.

    ``greenwood`` is the variance of ``log S`` (Greenwood's sum); ``lower`` and ``upper`` the
    pointwise band at level ``1 − alpha``. Every array has one entry per time of ``timeline``;
    an empty curve (no observations) has empty arrays.
    """

    timeline: FloatArray
    at_risk: FloatArray
    events: FloatArray
    censored: FloatArray
    survival: FloatArray
    greenwood: FloatArray
    lower: FloatArray
    upper: FloatArray
    alpha: float = 0.05

    @property
    def variance(self) -> FloatArray:
        """Greenwood's variance of ``S(t)`` itself: ``S(t)² · Σ d / (n (n − d))``."""
        return np.asarray(self.survival**2 * self.greenwood, dtype=np.float64)

    @property
    def is_empty(self) -> bool:
        return self.timeline.size == 0

    def at(self, times: npt.ArrayLike) -> FloatArray:
        """``S`` at arbitrary times (1 before the first time of the timeline)."""
        index = np.searchsorted(self.timeline, np.asarray(times, dtype=np.float64), "right") - 1
        padded = np.concatenate([[1.0], self.survival])
        return np.asarray(padded[index + 1], dtype=np.float64)

    def quantile(self, q: float) -> Quantile:
        """The time by which a share ``q`` has had the event: the smallest ``t`` with
        ``S(t) ≤ 1 − q`` (``lifelines.utils.qth_survival_time(1 − q, …)``), ``inf`` when
        never reached. The interval is Brookmeyer & Crowley's: from the first time the
        lower band reaches ``1 − q`` to the first time the upper band does, i.e. the
        closure of the set of times whose band contains ``1 − q``.
        """
        if self.is_empty:
            return Quantile(np.nan, np.nan, np.nan)
        level = 1.0 - q
        return Quantile(
            self._first_time_at_or_below(self.survival, level),
            self._first_time_at_or_below(self.lower, level),
            self._first_time_at_or_below(self.upper, level),
        )

    def median(self) -> Quantile:
        """``quantile(0.5)``; lifelines' ``median_survival_time_``."""
        return self.quantile(0.5)

    def _first_time_at_or_below(self, curve: FloatArray, level: float) -> float:
        reached = curve <= level
        return float(self.timeline[np.argmax(reached)]) if reached.any() else np.inf


def kaplan_meier(
    durations: npt.ArrayLike,
    event_observed: npt.ArrayLike | None = None,
    weights: npt.ArrayLike | None = None,
    alpha: float = 0.05,
) -> SurvivalCurve:
    """Fit the Kaplan–Meier (1958) curve to right-censored ``durations``.

    ``event_observed`` is true where the event happened at the duration, false where the
    individual was censored then (all true if omitted). ``weights`` are positive whole
    numbers of identical individuals per row (rows of weight 0 are dropped). Vectorised:
    the distinct times and their removals come from one sort, the events per time from a
    sort of the event times (``np.unique``/``np.bincount`` with weights). Empty input gives
    an empty curve.
    """
    times, observed, counts = _validated(durations, event_observed, weights)
    if times.size == 0:
        return _empty_curve(alpha)
    if weights is None:
        timeline, removed, events = _unweighted_table(times, observed.astype(bool))
    else:
        timeline, removed, events = _weighted_table(times, observed, counts)
    return kaplan_meier_counts(timeline, removed, events, alpha)


def kaplan_meier_counts(
    timeline: npt.ArrayLike, removed: npt.ArrayLike, events: npt.ArrayLike, alpha: float = 0.05
) -> SurvivalCurve:
    """The Kaplan–Meier curve from a life table: the distinct times in increasing order,
    how many individuals leave at each (events and censorings) and how many of them had the
    event. This is :func:`kaplan_meier` without the sort, for data already counted per time
    (for instance by a ``GROUP BY`` over millions of orders), and gives the same numbers.
    """
    times = np.asarray(timeline, dtype=np.float64).reshape(-1)
    gone = np.asarray(removed, dtype=np.float64).reshape(-1)
    died = np.asarray(events, dtype=np.float64).reshape(-1)
    if not times.size == gone.size == died.size:
        raise ValueError("timeline, removed and events must have the same length")
    if times.size == 0:
        return _empty_curve(alpha)
    if np.any(np.diff(times) <= 0) or times[0] < 0 or not np.all(np.isfinite(times)):
        raise ValueError("the timeline must be finite, non-negative and strictly increasing")
    if np.any(died < 0) or np.any(died > gone):
        raise ValueError("events must be between 0 and the number removed at each time")
    if times[0] > 0.0:  # lifelines' timeline starts at the birth time 0
        times, gone, died = (np.concatenate([[0.0], a]) for a in (times, gone, died))
    at_risk = gone.sum() - np.concatenate([[0.0], np.cumsum(gone)[:-1]])
    survival, greenwood = _product_limit(at_risk, died)
    lower, upper = log_log_band(survival, greenwood, alpha)
    return SurvivalCurve(
        times, at_risk, died, gone - died, survival, greenwood, lower, upper, alpha
    )


def log_log_band(
    survival: FloatArray, var_log: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """The pointwise band ``exp(−exp(log(−log S) ∓ z·√Var(log S) / log S))``
    (Kalbfleisch & Prentice), 1 where ``S = 1`` and 0 where ``S = 0``, as lifelines."""
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(survival)
        spread = z * np.sqrt(var_log) / v
        lower = np.exp(-np.exp(np.log(-v) - spread))
        upper = np.exp(-np.exp(np.log(-v) + spread))
    lower, upper = (np.where(survival <= 0.0, 0.0, b) for b in (lower, upper))
    return np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0)


def susceptible_curve(curve: SurvivalCurve) -> SurvivalCurve:
    """The curve of those who will have the event within the follow-up:
    ``H(t) = (S(t) − S(τ)) / (1 − S(τ))`` with ``τ`` the last time, so ``1 − H(t) =
    F(t) / F(τ)`` (Maller & Zhou 1996, with the plateau ``S(τ)`` as the never-event share).

    The band is log(−log) as for ``S``, with ``Var H`` by the delta method from Greenwood's
    covariance ``Cov(S(s), S(t)) = S(s) S(t) Var log S(s)`` for ``s ≤ t``, so the uncertainty
    of the plateau is carried. With no event at all, ``H ≡ 1`` and every quantile is ``inf``.
    """
    if curve.is_empty or curve.survival[-1] >= 1.0:
        ones = np.ones_like(curve.survival)
        zeros = np.zeros_like(curve.survival)
        return _replace(curve, ones, zeros, ones, ones)
    s, v = curve.survival, curve.greenwood
    s_end, v_end = s[-1], v[-1]
    share = 1.0 - s_end
    held = (s - s_end) / share
    d_s = 1.0 / share
    d_end = (s - 1.0) / share**2
    var_held = d_s**2 * s**2 * v + d_end**2 * s_end**2 * v_end + 2 * d_s * d_end * s * s_end * v
    with np.errstate(divide="ignore", invalid="ignore"):
        var_log = np.where(held > 0.0, np.maximum(var_held, 0.0) / held**2, 0.0)
    lower, upper = log_log_band(held, var_log, curve.alpha)
    return _replace(curve, held, var_log, lower, upper)


class KaplanMeier:
    """scikit-learn style wrapper: ``KaplanMeier(alpha).fit(durations, observed)`` returns
    itself with ``curve_`` (a :class:`SurvivalCurve`) and ``median_`` (a :class:`Quantile`)."""

    curve_: SurvivalCurve
    median_: Quantile

    def __init__(self, alpha: float = 0.05) -> None:
        self.alpha = alpha

    def fit(
        self,
        durations: npt.ArrayLike,
        event_observed: npt.ArrayLike | None = None,
        weights: npt.ArrayLike | None = None,
    ) -> KaplanMeier:
        self.curve_ = kaplan_meier(durations, event_observed, weights, self.alpha)
        self.median_ = self.curve_.median()
        return self


def _product_limit(at_risk: FloatArray, events: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``S`` as ``exp(cumsum(log(n − d) − log n))`` and Greenwood's cumulative sum, with
    the term of a step where everyone left (``n = d``) counted as 0, as lifelines does."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_step = np.log(at_risk - events) - np.log(at_risk)
        term = events / (at_risk * (at_risk - events))
    term = np.where(np.isinf(term), 0.0, term)
    return np.exp(np.cumsum(log_step)), np.cumsum(term)


def _unweighted_table(
    times: FloatArray, observed: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct times, removals and events per time, from two plain sorts (no argsort)."""
    ordered = np.sort(times)
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    timeline = ordered[starts]
    removed = np.diff(np.append(starts, ordered.size)).astype(np.float64)
    event_times = np.sort(times[observed])
    right = np.searchsorted(event_times, timeline, "right")
    events = (right - np.searchsorted(event_times, timeline, "left")).astype(np.float64)
    return timeline, removed, events


def _weighted_table(
    times: FloatArray, observed: FloatArray, counts: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    timeline, inverse = np.unique(times, return_inverse=True)
    removed = np.bincount(inverse, weights=counts).astype(np.float64, copy=False)
    events = np.bincount(inverse, weights=counts * observed).astype(np.float64, copy=False)
    return timeline, removed, events


def _validated(
    durations: npt.ArrayLike, event_observed: npt.ArrayLike | None, weights: npt.ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    times = np.asarray(durations, dtype=np.float64).reshape(-1)
    observed = np.ones_like(times) if event_observed is None else np.asarray(event_observed)
    counts = np.ones_like(times) if weights is None else np.asarray(weights, dtype=np.float64)
    observed, counts = observed.reshape(-1).astype(bool).astype(np.float64), counts.reshape(-1)
    if not times.size == observed.size == counts.size:
        raise ValueError("durations, event_observed and weights must have the same length")
    if not np.all(np.isfinite(times)) or np.any(times < 0):
        raise ValueError("durations must be finite and non-negative")
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("weights must be non-negative whole numbers")
    keep = counts > 0
    return times[keep], observed[keep], counts[keep]


def _empty_curve(alpha: float) -> SurvivalCurve:
    empty = np.empty(0, dtype=np.float64)
    return SurvivalCurve(empty, empty, empty, empty, empty, empty, empty, empty, alpha)


def _replace(
    curve: SurvivalCurve,
    survival: FloatArray,
    greenwood: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
) -> SurvivalCurve:
    return SurvivalCurve(
        curve.timeline,
        curve.at_risk,
        curve.events,
        curve.censored,
        survival,
        greenwood,
        lower,
        upper,
        curve.alpha,
    )
