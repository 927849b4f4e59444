"""The Kaplan–Meier estimator against lifelines, and its edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import qth_survival_time

from winback.analyse.survival import (
    KaplanMeier,
    SurvivalCurve,
    kaplan_meier,
    kaplan_meier_counts,
    susceptible_curve,
)

TOLERANCE = 1e-9


def lifelines_fit(durations, observed, weights=None) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(durations, observed, weights=weights)


def assert_same_as_lifelines(curve: SurvivalCurve, fitter: KaplanMeierFitter) -> None:
    np.testing.assert_array_equal(curve.timeline, fitter.survival_function_.index.to_numpy())
    expected = {
        "survival": fitter.survival_function_.iloc[:, 0],
        "lower": fitter.confidence_interval_.iloc[:, 0],
        "upper": fitter.confidence_interval_.iloc[:, 1],
        "greenwood": fitter._cumulative_sq_,
    }
    for name, series in expected.items():
        np.testing.assert_allclose(
            getattr(curve, name), series.to_numpy(), rtol=0, atol=TOLERANCE, err_msg=name
        )


def is_monotone(values: np.ndarray) -> bool:
    return bool(np.all(np.diff(values) <= 0))


samples = st.integers(min_value=1, max_value=80).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.integers(1, 4), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(samples, st.booleans())
def test_curve_and_band_equal_lifelines_on_tied_censored_weighted_data(sample, weighted) -> None:
    durations, observed, weights = (np.asarray(part) for part in sample)
    weights = weights if weighted else None
    curve = kaplan_meier(durations, observed, weights)
    fitter = lifelines_fit(durations, observed, weights)
    assert_same_as_lifelines(curve, fitter)
    assert curve.median().time == fitter.median_survival_time_


@settings(max_examples=60, deadline=None)
@given(samples, st.sampled_from([0.1, 0.25, 0.5, 0.75, 0.9]))
def test_quantiles_and_their_intervals_equal_lifelines(sample, q) -> None:
    durations, observed, _ = (np.asarray(part) for part in sample)
    curve = kaplan_meier(durations, observed)
    fitter = lifelines_fit(durations, observed)
    quantile = curve.quantile(q)
    assert quantile.time == qth_survival_time(1 - q, fitter.survival_function_.iloc[:, 0])
    band = fitter.confidence_interval_
    # lifelines bisects the band, which equals "first crossing" when the band is monotone
    if is_monotone(curve.lower) and is_monotone(curve.upper):
        assert quantile.lower == qth_survival_time(1 - q, band.iloc[:, 0])
        assert quantile.upper == qth_survival_time(1 - q, band.iloc[:, 1])


def test_continuous_durations_equal_lifelines() -> None:
    rng = np.random.default_rng(7)
    durations = rng.exponential(600.0, 5_000)
    observed = rng.random(5_000) < 0.7
    assert_same_as_lifelines(kaplan_meier(durations, observed), lifelines_fit(durations, observed))


def test_an_individual_censored_at_an_event_time_is_still_at_risk_then() -> None:
    curve = kaplan_meier([1, 2, 2, 3], [True, True, False, True])
    assert curve.at_risk.tolist() == [4, 4, 3, 1]
    assert curve.events.tolist() == [0, 1, 1, 1]
    assert curve.censored.tolist() == [0, 0, 1, 0]
    np.testing.assert_allclose(curve.survival, [1, 0.75, 0.5, 0.0])


def test_several_events_at_one_time_are_one_step() -> None:
    curve = kaplan_meier([5, 5, 5, 9], [True, True, True, False])
    assert curve.timeline.tolist() == [0, 5, 9]
    np.testing.assert_allclose(curve.survival, [1, 0.25, 0.25])


def test_the_timeline_starts_at_zero_like_lifelines() -> None:
    assert kaplan_meier([3.0], [True]).timeline.tolist() == [0.0, 3.0]
    assert kaplan_meier([0.0, 3.0], [True, True]).timeline.tolist() == [0.0, 3.0]


def test_all_censored_data_keeps_survival_at_one_and_quantiles_infinite() -> None:
    curve = kaplan_meier([1, 2, 3], [False, False, False])
    assert_same_as_lifelines(curve, lifelines_fit([1, 2, 3], [False, False, False]))
    assert curve.survival.tolist() == [1, 1, 1, 1]
    assert curve.median().time == np.inf
    assert curve.quantile(0.9).lower == np.inf


def test_a_single_event_drops_the_curve_to_zero_with_a_zero_band() -> None:
    curve = kaplan_meier([4.0], [True])
    assert_same_as_lifelines(curve, lifelines_fit([4.0], [True]))
    assert curve.survival.tolist() == [1.0, 0.0]
    assert curve.lower.tolist() == [1.0, 0.0]
    assert curve.median().time == 4.0


def test_a_single_censored_observation_is_a_flat_curve() -> None:
    curve = kaplan_meier([4.0], [False])
    assert curve.survival.tolist() == [1.0, 1.0]
    assert curve.median().time == np.inf


def test_empty_input_gives_an_empty_curve_not_an_error() -> None:
    curve = kaplan_meier(np.array([]), np.array([], dtype=bool))
    assert curve.is_empty
    assert curve.survival.size == curve.lower.size == 0
    assert np.isnan(curve.median().time)
    assert susceptible_curve(curve).is_empty


def test_rows_of_weight_zero_are_dropped_and_bad_input_is_refused() -> None:
    kept = kaplan_meier([1, 2, 3], [True, True, True], [1, 0, 1])
    assert kept.timeline.tolist() == [0, 1, 3]
    with pytest.raises(ValueError, match="non-negative"):
        kaplan_meier([-1.0], [True])
    with pytest.raises(ValueError, match="finite"):
        kaplan_meier([np.nan], [True])
    with pytest.raises(ValueError, match="whole numbers"):
        kaplan_meier([1.0], [True], [0.5])
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier([1.0, 2.0], [True])


def test_survival_at_arbitrary_times_follows_the_steps() -> None:
    curve = kaplan_meier([2, 4], [True, True])
    assert curve.at([-1, 0, 1.9, 2, 3, 4, 10]).tolist() == [1, 1, 1, 0.5, 0.5, 0, 0]


def test_the_greenwood_variance_is_s_squared_times_the_sum() -> None:
    curve = kaplan_meier([1, 2, 3, 4], [True, False, True, False])
    # steps: n=4,d=1 then n=2,d=1: S = 3/4 · 1/2; Σ = 1/(4·3) + 1/(2·1)
    assert curve.survival[3] == pytest.approx(0.375)
    assert curve.variance[3] == pytest.approx(0.375**2 * (1 / 12 + 1 / 2))


def test_the_sklearn_style_estimator_returns_itself_with_fitted_attributes() -> None:
    model = KaplanMeier(alpha=0.1)
    assert model.fit([1, 2, 3], [True, True, True]) is model
    assert model.median_.time == 2
    assert model.curve_.alpha == 0.1
    narrower = KaplanMeierFitter(alpha=0.1).fit([1, 2, 3, 5, 8], [1, 0, 1, 1, 0])
    assert_same_as_lifelines(
        KaplanMeier(0.1).fit([1, 2, 3, 5, 8], [1, 0, 1, 1, 0]).curve_, narrower
    )


def test_the_payers_curve_is_the_curve_itself_when_everyone_pays() -> None:
    curve = kaplan_meier([1, 2, 2, 5], [True, True, True, True])
    payers = susceptible_curve(curve)
    np.testing.assert_allclose(payers.survival, curve.survival)
    np.testing.assert_allclose(payers.lower, curve.lower)
    np.testing.assert_allclose(payers.upper, curve.upper)


def test_the_payers_curve_rescales_the_paid_share_to_reach_one() -> None:
    rng = np.random.default_rng(3)
    pays = rng.random(2_000) < 0.6
    durations = np.where(pays, rng.exponential(100.0, 2_000), 1_000.0)
    curve = kaplan_meier(durations, pays)
    payers = susceptible_curve(curve)
    paid_share = 1 - curve.survival
    np.testing.assert_allclose(1 - payers.survival, paid_share / paid_share[-1])
    assert np.all(payers.lower <= payers.survival + 1e-12)
    assert np.all(payers.survival <= payers.upper + 1e-12)
    q90 = payers.quantile(0.9)
    assert q90.lower <= q90.time <= q90.upper
    assert q90.time == pytest.approx(np.quantile(durations[pays], 0.9), rel=0.05)


def test_the_payers_curve_without_any_event_never_reaches_a_quantile() -> None:
    payers = susceptible_curve(kaplan_meier([1, 2], [False, False]))
    assert payers.quantile(0.9).time == np.inf


def test_the_payers_band_is_wider_than_a_band_that_ignores_the_plateau() -> None:
    rng = np.random.default_rng(11)
    pays = rng.random(500) < 0.5
    durations = np.where(pays, rng.exponential(50.0, 500), 400.0)
    curve = kaplan_meier(durations, pays)
    payers = susceptible_curve(curve)
    fixed_plateau = kaplan_meier(durations[pays], np.ones(pays.sum(), dtype=bool))
    middle = np.searchsorted(payers.timeline, np.median(durations[pays]))
    width = payers.upper[middle] - payers.lower[middle]
    fixed_middle = np.searchsorted(fixed_plateau.timeline, payers.timeline[middle], "right") - 1
    assert width > fixed_plateau.upper[fixed_middle] - fixed_plateau.lower[fixed_middle]


def test_a_pandas_series_is_accepted_as_input() -> None:
    curve = kaplan_meier(pd.Series([1.0, 2.0]), pd.Series([True, False]))
    assert curve.survival.tolist() == [1.0, 0.5, 0.5]


def life_table(durations: np.ndarray, observed: np.ndarray, weights: np.ndarray):
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, weights=weights, minlength=times.size)
    events = np.bincount(inverse, weights=weights * observed, minlength=times.size)
    return times, removed, events


@settings(max_examples=80, deadline=None)
@given(samples)
def test_a_curve_from_counts_per_time_equals_the_curve_from_individuals_and_lifelines(
    sample,
) -> None:
    durations, observed, weights = (np.asarray(part) for part in sample)
    curve = kaplan_meier_counts(*life_table(durations, observed, weights))
    direct = kaplan_meier(durations, observed, weights)
    for name in ("timeline", "at_risk", "events", "censored", "survival", "greenwood"):
        np.testing.assert_array_equal(getattr(curve, name), getattr(direct, name), err_msg=name)
    assert_same_as_lifelines(curve, lifelines_fit(durations, observed, weights))


def test_a_life_table_out_of_order_or_with_more_events_than_removals_is_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        kaplan_meier_counts([2.0, 1.0], [1, 1], [1, 0])
    with pytest.raises(ValueError, match="between 0"):
        kaplan_meier_counts([1.0, 2.0], [1, 1], [2, 0])
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier_counts([1.0], [1, 1], [1])
    assert kaplan_meier_counts([], [], []).is_empty
