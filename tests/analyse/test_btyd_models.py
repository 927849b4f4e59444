"""BTYD estimators: simulate-and-recover, input errors, and robust predictions."""

from __future__ import annotations

from dataclasses import astuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.analyse.btyd import (
    BetaGeoFitter,
    BetaGeoParams,
    GammaGammaFitter,
    GammaGammaParams,
    NotFittedError,
    ParetoNBDFitter,
    ParetoNBDParams,
    SummaryDataError,
)
from winback.analyse.btyd.simulate import simulate_bgnbd, simulate_paretonbd, simulate_spend
from winback.errors import WinbackError

N = 8_000


def daily_ages(rng: np.random.Generator, n: int = N) -> np.ndarray:
    """T in weeks for first purchases spread over 39 weeks, on a daily grid."""
    return rng.integers(1, 39 * 7 + 1, n) / 7.0


def assert_recovered(fitted: object, errors: object, truth: object, z: float = 4.0) -> None:
    """Each estimate within z standard errors of the truth, with informative errors."""
    estimate, se, true = (np.array(astuple(p)) for p in (fitted, errors, truth))
    assert np.all(np.abs(estimate - true) < z * se), (estimate, se, true)
    assert np.all(se < 0.25 * true), (se, true)  # and the data pinned the parameters down


def test_bgnbd_recovers_the_parameters_it_simulated_from() -> None:
    rng = np.random.default_rng(7)
    truth = BetaGeoParams(r=0.5, alpha=5.0, a=0.8, b=2.5)
    T = daily_ages(rng)
    frequency, recency = simulate_bgnbd(truth, T, rng)
    model = BetaGeoFitter().fit(frequency, recency, T)
    assert_recovered(model.params_, model.standard_errors_, truth)


def test_paretonbd_recovers_the_parameters_it_simulated_from() -> None:
    rng = np.random.default_rng(11)
    truth = ParetoNBDParams(r=0.6, alpha=10.0, s=0.7, beta=12.0)
    T = daily_ages(rng)
    frequency, recency = simulate_paretonbd(truth, T, rng)
    model = ParetoNBDFitter().fit(frequency, recency, T)
    assert_recovered(model.params_, model.standard_errors_, truth)


def test_gamma_gamma_recovers_the_parameters_it_simulated_from() -> None:
    rng = np.random.default_rng(13)
    truth = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
    frequency = rng.integers(1, 10, N).astype(float)
    model = GammaGammaFitter().fit(frequency, simulate_spend(truth, frequency, rng))
    assert_recovered(model.params_, model.standard_errors_, truth)


def test_weights_give_the_same_fit_as_repeated_rows() -> None:
    frequency, recency, T = np.array([0, 1, 3, 2.0]), np.array([0, 2, 9, 5.0]), np.full(4, 10.0)
    counts = np.array([50, 20, 5, 10])
    weighted = BetaGeoFitter().fit(frequency, recency, T, weights=counts)
    repeated = BetaGeoFitter().fit(*(np.repeat(v, counts) for v in (frequency, recency, T)))
    np.testing.assert_allclose(astuple(weighted.params_), astuple(repeated.params_), rtol=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_)
    assert weighted.n_customers_ == 85


@pytest.mark.parametrize("model", [BetaGeoFitter(), ParetoNBDFitter()])
def test_predicting_before_fitting_raises_not_fitted(model: BetaGeoFitter) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        model.p_alive(1, 1, 2)
    assert issubclass(NotFittedError, WinbackError)


def test_gamma_gamma_before_fitting_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        GammaGammaFitter().conditional_expected_average_profit(1, 10.0)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([0, 0, 0], [0, 0, 0], [5, 6, 7], "no customer has a repeat purchase"),
        ([1, 2, 0], [0, 0, 0], [0, 0, 0], "every T is 0"),
        ([1, -1, 0], [1, 1, 0], [5, 5, 5], "non-negative whole"),
        ([1, 1.5, 0], [1, 1, 0], [5, 5, 5], "non-negative whole"),
        ([1, 2, 0], [1, np.nan, 0], [5, 5, 5], "NaN"),
        ([1, 2, 0], [1, 6, 0], [5, 5, 5], "recency must not exceed T"),
        ([1, 0, 0], [1, 2, 0], [5, 5, 5], "recency must be 0"),
        ([1, 2], [1, 1, 0], [5, 5, 5], "same length"),
        ([], [], [], "non-empty"),
    ],
)
@pytest.mark.parametrize("fitter", [BetaGeoFitter, ParetoNBDFitter])
def test_data_that_cannot_identify_the_model_is_refused_with_a_reason(
    fitter: type[BetaGeoFitter], frequency: list, recency: list, T: list, message: str
) -> None:
    with pytest.raises(SummaryDataError, match=message):
        fitter().fit(frequency, recency, T)


def test_gamma_gamma_refuses_one_time_buyers_and_non_positive_spend() -> None:
    with pytest.raises(SummaryDataError, match="repeat customers"):
        GammaGammaFitter().fit([0, 1], [10.0, 10.0])
    with pytest.raises(SummaryDataError, match="positive"):
        GammaGammaFitter().fit([1, 2], [0.0, 10.0])


BG = BetaGeoFitter.from_params(BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426))
PARETO = ParetoNBDFitter.from_params(ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669))
SPEND = GammaGammaFitter.from_params(GammaGammaParams(p=6.25, q=3.74, gamma=15.44))

customers = st.tuples(
    st.integers(0, 10_000),
    st.floats(0, 1.0),
    st.floats(0, 1e6),
)


@settings(max_examples=60, deadline=None)
@given(customers, st.sampled_from([BG, PARETO]))
def test_p_alive_is_a_probability_for_any_customer(
    customer: tuple[int, float, float], model: BetaGeoFitter
) -> None:
    frequency, share, T = customer
    recency = share * T if frequency > 0 else 0.0
    alive = model.p_alive(np.array([frequency]), np.array([recency]), np.array([T]))
    assert np.all(np.isfinite(alive))
    assert np.all((alive >= 0) & (alive <= 1))


@settings(max_examples=60, deadline=None)
@given(customers, st.floats(0, 1e4), st.sampled_from([BG, PARETO]))
def test_expected_purchases_are_finite_and_non_negative_for_any_customer(
    customer: tuple[int, float, float], horizon: float, model: BetaGeoFitter
) -> None:
    frequency, share, T = customer
    recency = share * T if frequency > 0 else 0.0
    expected = model.conditional_expected_purchases(horizon, frequency, recency, T)
    assert np.all(np.isfinite(expected))
    assert np.all(expected >= -1e-9)


@pytest.mark.parametrize("model", [BG, PARETO])
def test_extreme_customers_get_sensible_predictions(model: BetaGeoFitter) -> None:
    frequency = np.array([10_000, 10_000, 10_000, 0, 5])
    recency = np.array([0.0, 1e6, 39.0, 0.0, 1e6])
    T = np.array([1e6, 1e6, 39.0, 1e6, 1e6])
    alive = model.p_alive(frequency, recency, T)
    expected = model.conditional_expected_purchases(52, frequency, recency, T)
    assert np.all(np.isfinite(alive)) and np.all(np.isfinite(expected))
    assert alive[0] < 1e-6  # bought 10,000 times, then silent for ages
    assert alive[2] > 0.99  # bought 10,000 times in 39 weeks, last purchase today
    assert expected[2] > 1_000


def test_more_recent_customers_are_more_likely_alive() -> None:
    recency = np.linspace(0.5, 38.0, 20)
    for model in (BG, PARETO):
        alive = model.p_alive(3, recency, 38.0)
        assert np.all(np.diff(alive) > 0)


def test_unconditional_expectations_grow_with_the_horizon() -> None:
    for model in (BG, PARETO):
        expected = model.expected_purchases(np.array([0.0, 1.0, 10.0, 39.0, 78.0]))
        assert expected[0] == pytest.approx(0.0)
        assert np.all(np.diff(expected) > 0)


def test_expected_spend_shrinks_towards_the_population_mean() -> None:
    population = 6.25 * 15.44 / (3.74 - 1)
    spend = SPEND.conditional_expected_average_profit([0, 1, 100], [0.0, 100.0, 100.0])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0


def test_clv_is_discounted_expected_spend_and_falls_with_the_discount_rate() -> None:
    args = ([2, 0], [30.0, 0.0], [38.0, 38.0], [40.0, 0.0])
    cheap = SPEND.customer_lifetime_value(BG, *args, discount_rate=0.0)
    dear = SPEND.customer_lifetime_value(BG, *args, discount_rate=0.05)
    spend = SPEND.conditional_expected_average_profit(args[0], args[3])
    undiscounted = spend * BG.conditional_expected_purchases(12 * 30 / 7, *args[:3])
    np.testing.assert_allclose(cheap, undiscounted)
    assert np.all(dear < cheap)


@pytest.mark.parametrize(
    ("fitter", "simulate", "truth"),
    [
        (BetaGeoFitter, simulate_bgnbd, BetaGeoParams(r=0.5, alpha=5.0, a=0.8, b=2.5)),
        (ParetoNBDFitter, simulate_paretonbd, ParetoNBDParams(r=0.6, alpha=10.0, s=0.7, beta=12.0)),
    ],
)
def test_the_subsample_warm_start_reaches_the_same_optimum_as_a_direct_fit(
    monkeypatch: pytest.MonkeyPatch, fitter: type, simulate: object, truth: object
) -> None:
    rng = np.random.default_rng(5)
    T = daily_ages(rng, 3_000)
    frequency, recency = simulate(truth, T, rng)  # type: ignore[operator]
    direct = fitter().fit(frequency, recency, T)
    monkeypatch.setattr("winback.analyse.btyd._base.WARM_START_ROWS", 500)
    monkeypatch.setattr("winback.analyse.btyd._base.WARM_START_CUSTOMERS", 800)
    warm = fitter().fit(frequency, recency, T)
    np.testing.assert_allclose(astuple(warm.params_), astuple(direct.params_), rtol=1e-5)
    assert warm.log_likelihood_ == pytest.approx(direct.log_likelihood_, abs=1e-6)


def test_gamma_gamma_fit_follows_the_currency_unit() -> None:
    """Spend in cents instead of dollars: same p and q, γ a hundred times larger."""
    rng = np.random.default_rng(17)
    frequency = rng.integers(1, 10, 3_000).astype(float)
    spend = simulate_spend(GammaGammaParams(p=6.0, q=4.0, gamma=15.0), frequency, rng)
    dollars = GammaGammaFitter().fit(frequency, spend)
    cents = GammaGammaFitter().fit(frequency, spend * 100)
    p, q, gamma = astuple(dollars.params_)
    np.testing.assert_allclose(astuple(cents.params_), (p, q, 100 * gamma), rtol=1e-7)
    assert cents.log_likelihood_ == pytest.approx(
        dollars.log_likelihood_ - 3_000 * np.log(100), abs=1e-6
    )


@pytest.mark.parametrize(
    "predict",
    [
        lambda: BetaGeoFitter().expected_purchases(10),
        lambda: BetaGeoFitter().conditional_expected_purchases(10, 1, 1, 2),
        lambda: ParetoNBDFitter().expected_purchases(10),
        lambda: ParetoNBDFitter().conditional_expected_purchases(10, 1, 1, 2),
        lambda: GammaGammaFitter().customer_lifetime_value(BG, [1], [1], [2], [10.0]),
        lambda: SPEND.customer_lifetime_value(BetaGeoFitter(), [1], [1], [2], [10.0]),
    ],
)
def test_every_prediction_before_fitting_raises_not_fitted(predict: object) -> None:
    with pytest.raises(NotFittedError, match="call fit"):
        predict()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("frequency", "monetary_value", "weights", "message"),
    [
        ([1, 2], [10.0, np.nan], None, "NaN"),
        ([1, 2], [10.0, np.inf], None, "infinite"),
        ([1, 2], [10.0, -1.0], None, "positive"),
        ([1, 2], [10.0, 12.0], [1, -1], "positive"),
        ([1, 2], [10.0], None, "same length"),
    ],
)
def test_gamma_gamma_refuses_invalid_spend_with_a_reason(
    frequency: list, monetary_value: list, weights: list | None, message: str
) -> None:
    with pytest.raises(SummaryDataError, match=message):
        GammaGammaFitter().fit(frequency, monetary_value, weights)


@pytest.mark.parametrize("fitter", [BetaGeoFitter, ParetoNBDFitter])
def test_infinite_or_negative_ages_are_refused(fitter: type[BetaGeoFitter]) -> None:
    with pytest.raises(SummaryDataError, match="infinite"):
        fitter().fit([1, 0], [1, 0], [np.inf, 5])
    with pytest.raises(SummaryDataError, match="T and weights must not be negative"):
        fitter().fit([1, 0], [0, 0], [5, -1])


@pytest.mark.parametrize("fitter", [BetaGeoFitter, ParetoNBDFitter])
def test_predictions_without_arguments_are_those_of_the_fitted_customers(
    fitter: type[BetaGeoFitter],
) -> None:
    rng = np.random.default_rng(17)
    T = daily_ages(rng, 3_000)
    frequency, recency = simulate_bgnbd(BetaGeoParams(r=0.5, alpha=5.0, a=0.8, b=2.5), T, rng)
    model = fitter().fit(frequency, recency, T)
    np.testing.assert_array_equal(model.p_alive(), model.p_alive(frequency, recency, T))
    for horizon in (52.0, np.linspace(1.0, 60.0, T.size)):
        np.testing.assert_allclose(
            model.conditional_expected_purchases(horizon),
            model.conditional_expected_purchases(horizon, frequency, recency, T),
            rtol=1e-13,
        )
    with pytest.raises(TypeError, match="together"):
        model.p_alive(frequency, recency)
    known = fitter.from_params(model.params_)  # type: ignore[arg-type]
    with pytest.raises(NotFittedError, match="from_params"):
        known.p_alive()
