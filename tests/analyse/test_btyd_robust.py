"""BTYD estimators on extreme customers and parameters, and the derivatives the fits rely on.

Predictions must stay finite and in range for every valid summary row: heavy buyers (up to
a million repeat purchases), customers seen only at their first purchase (T = 0), recency
0 and recency = T, ages up to 10⁷ time units, horizons up to 10⁵, and any parameters the
fit can return. lifetimes 0.11.3 does not: its Pareto/NBD P(alive) is NaN for a customer
with 200 repeat purchases whose last purchase is today after two years
(``conditional_probability_alive(200, 104, 104)`` with the CDNOW estimates: the difference
of two hypergeometric terms overflows), where winback gives 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import astuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.analyse.btyd import (
    BetaGeoFitter,
    BetaGeoParams,
    GammaGammaFitter,
    GammaGammaParams,
    ParetoNBDFitter,
    ParetoNBDParams,
    bgnbd,
    gammagamma,
    paretonbd,
)
from winback.analyse.btyd._base import checked_summary, compress
from winback.analyse.btyd.simulate import simulate_bgnbd, simulate_paretonbd, simulate_spend

CDNOW_BG = BetaGeoParams(r=0.243, alpha=4.414, a=0.793, b=2.426)
CDNOW_PARETO = ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669)
CDNOW_SPEND = GammaGammaParams(p=6.25, q=3.74, gamma=15.44)

positive = st.floats(0.02, 50.0)
bg_params = st.builds(
    BetaGeoParams, r=positive, alpha=st.floats(0.05, 500.0), a=positive, b=positive
)
pareto_params = st.builds(
    ParetoNBDParams, r=positive, alpha=st.floats(0.05, 500.0), s=positive, beta=st.floats(0.05, 500)
)
transaction_models = st.one_of(
    bg_params.map(BetaGeoFitter.from_params), pareto_params.map(ParetoNBDFitter.from_params)
)
spend_models = st.builds(
    GammaGammaParams, p=positive, q=st.floats(1.05, 50.0), gamma=st.floats(0.01, 1e4)
).map(GammaGammaFitter.from_params)


@st.composite
def customers(draw: st.DrawFn) -> tuple[float, float, float]:
    """A valid (frequency, recency, T), edge cases included by the strategies' shrinking."""
    frequency = float(
        draw(st.sampled_from([0, 1, 2, 10, 1_000, 1_000_000]) | st.integers(0, 10**6))
    )
    T = draw(st.sampled_from([0.0, 1e-9, 39.0, 1e7]) | st.floats(0, 1e7))
    share = draw(st.sampled_from([0.0, 1.0]) | st.floats(0, 1))
    recency = min(share * T, T) if frequency > 0 else 0.0
    return frequency, recency, T


def no_warnings(call: Callable[[], Any]) -> Any:
    """Run ``call`` with every floating-point warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@settings(max_examples=150, deadline=None)
@given(transaction_models, customers(), st.floats(0, 1e5))
def test_transaction_model_predictions_are_finite_and_in_range_for_any_customer(
    model: BetaGeoFitter, customer: tuple[float, float, float], horizon: float
) -> None:
    frequency, recency, T = customer
    alive = no_warnings(lambda: model.p_alive(frequency, recency, T))
    expected = no_warnings(
        lambda: model.conditional_expected_purchases(horizon, frequency, recency, T)
    )
    assert np.isfinite(alive) and 0.0 <= alive <= 1.0
    assert np.isfinite(expected) and expected >= -1e-9 * max(1.0, frequency)
    new_customer = no_warnings(lambda: model.expected_purchases(horizon))
    assert np.isfinite(new_customer) and new_customer >= 0


@settings(max_examples=100, deadline=None)
@given(spend_models, transaction_models, customers(), st.floats(1e-6, 1e9))
def test_expected_spend_and_clv_are_finite_and_non_negative_for_any_customer(
    spend: GammaGammaFitter,
    model: BetaGeoFitter,
    customer: tuple[float, float, float],
    monetary_value: float,
) -> None:
    frequency, recency, T = customer
    value = monetary_value if frequency > 0 else 0.0
    per_purchase = no_warnings(lambda: spend.conditional_expected_average_profit(frequency, value))
    clv = no_warnings(
        lambda: spend.customer_lifetime_value(model, [frequency], [recency], [T], [value])
    )
    assert np.isfinite(per_purchase) and per_purchase > 0
    assert np.all(np.isfinite(clv)) and np.all(clv >= -1e-9 * per_purchase * max(1, frequency))


def test_a_heavy_buyer_seen_today_is_alive_where_lifetimes_overflows() -> None:
    model = ParetoNBDFitter.from_params(CDNOW_PARETO)
    assert model.p_alive(200, 104, 104) == pytest.approx(1.0)
    assert model.p_alive(200, 100, 104) == pytest.approx(0.2087608, rel=1e-5)  # lifetimes too
    assert np.isfinite(model.conditional_expected_purchases(52, 200, 104, 104))


def test_predictions_keep_the_shape_of_their_inputs() -> None:
    frequency = np.array([[0.0, 2.0], [5.0, 1.0]])
    recency = np.array([[0.0, 10.0], [30.0, 1.0]])
    for model in (BetaGeoFitter.from_params(CDNOW_BG), ParetoNBDFitter.from_params(CDNOW_PARETO)):
        assert model.p_alive(frequency, recency, 39.0).shape == (2, 2)
        assert model.conditional_expected_purchases(52, frequency, recency, 39.0).shape == (2, 2)
    spend = GammaGammaFitter.from_params(CDNOW_SPEND)
    assert spend.conditional_expected_average_profit(frequency, 20.0).shape == (2, 2)


def simulated_summary(model: str, n: int = 3_000) -> Any:
    rng = np.random.default_rng(3)
    T = rng.integers(0, 39 * 7 + 1, n) / 7.0
    simulate = simulate_bgnbd if model == "bgnbd" else simulate_paretonbd
    truth = CDNOW_BG if model == "bgnbd" else CDNOW_PARETO
    frequency, recency = simulate(truth, T, rng)  # type: ignore[arg-type]
    recency = np.floor(recency * 7) / 7  # on days, so that some recency equals T
    return compress(*checked_summary(frequency, recency, T, None))


def central_differences(function: Callable[[np.ndarray], Any], point: np.ndarray) -> np.ndarray:
    step = 1e-5
    return np.array(
        [
            (np.asarray(function(point + step * unit)) - np.asarray(function(point - step * unit)))
            / (2 * step)
            for unit in np.eye(point.size)
        ]
    )


@pytest.mark.parametrize(
    ("likelihood", "at"),
    [
        (lambda: bgnbd._Likelihood(simulated_summary("bgnbd")), [0.3, 5.0, 0.6, 3.0]),
        (lambda: paretonbd._Likelihood(simulated_summary("paretonbd")), [0.5, 8.0, 0.7, 14.0]),
        (lambda: paretonbd._Likelihood(simulated_summary("paretonbd")), [0.5, 14.0, 0.7, 8.0]),
    ],
    ids=["bgnbd", "paretonbd alpha<beta", "paretonbd alpha>beta"],
)
def test_the_analytic_gradient_and_hessian_match_central_differences(
    likelihood: Callable[[], Any], at: list[float]
) -> None:
    objective = likelihood()
    point = np.log(at)
    _, gradient, hessian = objective.curvature(point)
    np.testing.assert_allclose(
        gradient, central_differences(lambda u: objective(u)[0], point), atol=1e-8
    )
    numeric = central_differences(lambda u: objective(u)[1], point)
    np.testing.assert_allclose(hessian, numeric, atol=1e-5 * np.abs(hessian).max())


def test_the_gamma_gamma_gradient_and_hessian_match_central_differences() -> None:
    rng = np.random.default_rng(4)
    frequency = rng.integers(1, 20, 3_000).astype(float)
    spend = simulate_spend(CDNOW_SPEND, frequency, rng)
    objective = gammagamma._Likelihood(gammagamma._spend(frequency, spend, None))
    point = np.log([5.0, 3.0, 20.0])
    value, gradient, hessian = objective.curvature(point)
    assert value == pytest.approx(
        -gammagamma.log_likelihood(np.exp(point), frequency, spend).mean()
    )
    np.testing.assert_allclose(
        gradient, central_differences(lambda u: objective(u)[0], point), atol=1e-8
    )
    numeric = central_differences(lambda u: objective(u)[1], point)
    np.testing.assert_allclose(hessian, numeric, atol=1e-6 * np.abs(hessian).max())


def numeric_standard_errors(neg_log_likelihood: Callable[[np.ndarray], float], theta: Any) -> Any:
    """sqrt(diag(H⁻¹)) with H from second differences of the summed likelihood."""
    theta = np.asarray(theta, dtype=float)
    steps = 1e-4 * theta
    k = theta.size
    hessian = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            corners = 0.0
            for si, sj, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                shifted = theta.copy()
                shifted[i] += si * steps[i]
                shifted[j] += sj * steps[j]
                corners += sign * neg_log_likelihood(shifted)
            hessian[i, j] = corners / (4 * steps[i] * steps[j])
    return np.sqrt(np.diag(np.linalg.inv(hessian)))


def test_standard_errors_are_those_of_the_observed_information() -> None:
    rng = np.random.default_rng(8)
    T = rng.integers(1, 39 * 7 + 1, 4_000) / 7.0
    frequency, recency = simulate_bgnbd(CDNOW_BG, T, rng)
    model = BetaGeoFitter().fit(frequency, recency, T)
    errors = numeric_standard_errors(
        lambda t: -bgnbd.log_likelihood(t, frequency, recency, T).sum(),
        astuple(model.params_),
    )
    np.testing.assert_allclose(astuple(model.standard_errors_), errors, rtol=1e-3)

    pareto = ParetoNBDFitter().fit(frequency, recency, T)
    pairs = paretonbd._Pairs.of(frequency, recency, T)
    errors = numeric_standard_errors(
        lambda t: -paretonbd.log_likelihood(t, frequency, recency, T, pairs).sum(),
        astuple(pareto.params_),
    )
    np.testing.assert_allclose(astuple(pareto.standard_errors_), errors, rtol=1e-3)


def test_a_last_purchase_a_rounding_error_before_the_end_does_not_break_the_fit() -> None:
    rng = np.random.default_rng(12)
    T = rng.integers(1, 39 * 7 + 1, 2_000) / 7.0
    frequency, recency = simulate_paretonbd(CDNOW_PARETO, T, rng)
    recency[:50] = np.where(frequency[:50] > 0, np.nextafter(T[:50], 0), 0.0)  # t_x = T - 1 ulp
    for fitter in (ParetoNBDFitter, BetaGeoFitter):
        model = no_warnings(lambda f=fitter: f().fit(frequency, recency, T))  # type: ignore[misc]
        assert np.isfinite(model.log_likelihood_)
        assert np.all(np.isfinite(astuple(model.params_)))
        assert np.all(np.isfinite(astuple(model.standard_errors_)))
