"""The fast paths of the BTYD fitters against independent references.

* the distinct rows (a packed 64-bit sort, a lookup table or a hash, chosen by the key's
  range) against ``np.unique``;
* the BG/NBD and Pareto/NBD optima against lifetimes 0.11.3 fitted on the same distinct
  rows with ``weights=`` (its documented way to fit many customers), on a seeded sample:
  same parameters and the same log-likelihood, scored by lifetimes' own function.
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Any

import numpy as np
import pytest

from winback.analyse.btyd import (
    BetaGeoFitter,
    BetaGeoParams,
    GammaGammaFitter,
    GammaGammaParams,
    ParetoNBDFitter,
)
from winback.analyse.btyd._base import distinct_rows
from winback.analyse.btyd.simulate import simulate_bgnbd, simulate_spend


def lifetimes_warnings_ignored(test: Any) -> Any:
    """lifetimes 0.11 was written for older pandas/numpy; its warnings are not ours."""
    for warning in ("DeprecationWarning", "FutureWarning", "RuntimeWarning:lifetimes"):
        test = pytest.mark.filterwarnings(f"ignore::{warning}")(test)
    return test


def columns(rng: np.random.Generator, n: int) -> dict[str, np.ndarray[Any, Any]]:
    return {
        "whole": rng.integers(0, 40, n).astype(float),  # codes itself
        "days": rng.integers(0, 3_000, n) / 7.0,  # hashed
        "wide": rng.integers(0, 60_000, n).astype(float),  # whole but a wide key range
        "halves": rng.integers(0, 50, n) + 0.5,
        "constant": np.full(n, 2.0),
        "fine": np.round(rng.random(n), 4),
    }


@pytest.mark.parametrize("n", [1, 2, 7, 5_000, 200_000])
@pytest.mark.parametrize(
    "names",
    [
        ("whole", "days", "days"),  # the (frequency, recency, T) shape: the sorted path
        ("whole",),  # a lookup table
        ("days",),
        ("constant", "whole"),
        ("wide", "wide", "whole"),
        ("fine", "days", "halves", "wide"),  # too wide for 64 bits with positions: hashed
        ("constant",),
    ],
)
def test_distinct_rows_are_those_of_np_unique(n: int, names: tuple[str, ...]) -> None:
    data = columns(np.random.default_rng(n), n)
    given = [data[name] for name in names]
    before = [column.copy() for column in given]
    found = distinct_rows(*given)
    expected = np.unique(np.stack(given), axis=1)
    assert len(found.counts) == expected.shape[1]
    assert np.array_equal(np.unique(np.stack(found.values), axis=1), expected)
    for column, values, codes, dictionary in zip(
        given, found.values, found.codes, found.dictionaries, strict=True
    ):
        assert np.array_equal(values[found.inverse], column)
        assert np.array_equal(dictionary[codes], values)
    assert np.array_equal(np.bincount(found.inverse, minlength=len(found.counts)), found.counts)
    for column, copy in zip(given, before, strict=True):
        assert np.array_equal(column, copy)  # the input is not changed


@pytest.fixture(scope="module")
def sample() -> dict[str, np.ndarray[Any, Any]]:
    """20,000 customers of the CDNOW-like BG/NBD process, on a daily grid in weeks."""
    rng = np.random.default_rng(2024)
    days = rng.integers(0, 78 * 7, 20_000)
    T = days / 7.0
    frequency, recency = simulate_bgnbd(BetaGeoParams(0.243, 4.414, 0.793, 2.426), T, rng)
    recency = np.minimum(np.floor(recency * 7.0), days) / 7.0
    recency[frequency == 0] = 0.0
    return {"frequency": frequency, "recency": recency, "T": T}


def weighted_rows(sample: dict[str, Any]) -> tuple[np.ndarray[Any, Any], ...]:
    rows, counts = np.unique(
        np.stack([sample["frequency"], sample["recency"], sample["T"]]), axis=1, return_counts=True
    )
    return rows[0], rows[1], rows[2], counts.astype(float)


@pytest.mark.slow
@lifetimes_warnings_ignored
def test_bgnbd_has_the_optimum_of_the_weighted_lifetimes(sample: dict[str, Any]) -> None:
    lifetimes = pytest.importorskip("lifetimes")
    ours = BetaGeoFitter().fit(sample["frequency"], sample["recency"], sample["T"])
    x, tx, T, counts = weighted_rows(sample)
    theirs = lifetimes.BetaGeoFitter().fit(x, tx, T, weights=counts)
    names = ["r", "alpha", "a", "b"]
    np.testing.assert_allclose(astuple(ours.params_), theirs.params_[names], rtol=2e-4)

    def their_log_likelihood(params: Any) -> float:
        # lifetimes' own function: the mean negative log-likelihood over the weights
        mean = lifetimes.BetaGeoFitter._negative_log_likelihood(
            np.log(np.asarray(params, dtype=float)), x, tx, T, counts, 0.0
        )
        return -float(mean) * counts.sum()

    assert ours.log_likelihood_ == pytest.approx(
        their_log_likelihood(astuple(ours.params_)), abs=1e-6
    )
    # ours is the maximum: lifetimes' own optimum scores no higher (by more than 1e-4)
    assert ours.log_likelihood_ >= their_log_likelihood(theirs.params_[names]) - 1e-4


@pytest.mark.slow
@lifetimes_warnings_ignored
def test_paretonbd_has_the_optimum_of_the_weighted_lifetimes(sample: dict[str, Any]) -> None:
    lifetimes = pytest.importorskip("lifetimes")
    ours = ParetoNBDFitter().fit(sample["frequency"], sample["recency"], sample["T"])
    x, tx, T, counts = weighted_rows(sample)
    theirs = lifetimes.ParetoNBDFitter().fit(x, tx, T, weights=counts)
    names = ["r", "alpha", "s", "beta"]

    def their_log_likelihood(params: Any) -> float:
        per_row = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            np.asarray(params, dtype=float), x, tx, T
        )
        return float(np.sum(counts * per_row))

    assert ours.log_likelihood_ == pytest.approx(
        their_log_likelihood(astuple(ours.params_)), abs=1e-6
    )
    # lifetimes' Nelder-Mead stops short along Pareto/NBD's flat directions: never higher
    assert ours.log_likelihood_ >= their_log_likelihood(theirs.params_[names]) - 1e-4
    np.testing.assert_allclose(astuple(ours.params_), theirs.params_[names], rtol=5e-3)


def test_predictions_for_the_fitted_customers_follow_a_refit(sample: dict[str, Any]) -> None:
    """P(alive) per fitted row is kept between predictions; a new fit (other customers,
    other parameters) must not reuse it."""
    f, r, T = sample["frequency"], sample["recency"], sample["T"]
    model = BetaGeoFitter().fit(f, r, T)
    first = model.p_alive()
    np.testing.assert_array_equal(model.conditional_expected_purchases(10.0) > 0, f >= 0)
    half = slice(0, f.size // 2)
    model.fit(f[half] + (r[half] > 0), r[half], T[half])  # other customers, other optimum
    np.testing.assert_array_equal(
        model.p_alive(), model.p_alive(f[half] + (r[half] > 0), r[half], T[half])
    )
    assert model.p_alive().size == f.size // 2 and first.size == f.size


def test_gamma_gamma_subsample_start_reaches_the_direct_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(11)
    frequency = rng.integers(1, 12, 4_000).astype(float)
    spend = simulate_spend(GammaGammaParams(p=6.0, q=4.0, gamma=15.0), frequency, rng)
    direct = GammaGammaFitter().fit(frequency, spend)
    monkeypatch.setattr("winback.analyse.btyd.gammagamma.WARM_START_ROWS", 500)
    monkeypatch.setattr("winback.analyse.btyd.gammagamma.WARM_START_CUSTOMERS", 600)
    warm = GammaGammaFitter().fit(frequency, spend)
    np.testing.assert_allclose(astuple(warm.params_), astuple(direct.params_), rtol=1e-6)
    assert warm.log_likelihood_ == pytest.approx(direct.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(
        astuple(warm.standard_errors_), astuple(direct.standard_errors_), rtol=1e-3
    )
