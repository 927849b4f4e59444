"""The CDNOW reproduction: published estimates (Fader, Hardie & Lee 2005) and lifetimes.

The calibration summary is built with our own :func:`rfm_summary`: the 2,357 customers of
the 1/10 CDNOW sample, the first 39 weeks from 1997-01-01, weekly units, frequency counted
in repeat purchase days.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from winback.analyse.btyd import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
from winback.analyse.rfm import cdnow_transactions, rfm_summary

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CDNOW_SAMPLE = DATA / "CDNOW_sample.txt.gz"

pytestmark = pytest.mark.skipif(
    not CDNOW_SAMPLE.exists(), reason=f"CDNOW sample not found at {DATA} (../shared/data)"
)

# lifetimes 0.11 was written for older pandas/numpy; its warnings are not ours.
LIFETIMES_WARNINGS = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning:lifetimes"),
]


@pytest.fixture(scope="module")
def summary() -> dict[str, np.ndarray[Any, np.dtype[np.float64]]]:
    table: pa.Table = rfm_summary(
        cdnow_transactions(CDNOW_SAMPLE), calibration_end=date(1997, 9, 30), time_unit_days=7
    )
    return {
        name: np.asarray(table.column(name).to_numpy(), dtype=np.float64)
        for name in ("frequency", "recency", "T", "monetary_value")
    }


@pytest.fixture(scope="module")
def bgnbd(summary: dict[str, Any]) -> BetaGeoFitter:
    return BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])


@pytest.fixture(scope="module")
def paretonbd(summary: dict[str, Any]) -> ParetoNBDFitter:
    return ParetoNBDFitter().fit(summary["frequency"], summary["recency"], summary["T"])


@pytest.fixture(scope="module")
def gammagamma(summary: dict[str, Any]) -> GammaGammaFitter:
    repeat = summary["frequency"] > 0
    return GammaGammaFitter().fit(summary["frequency"][repeat], summary["monetary_value"][repeat])


def rounded(params: object, places: int) -> tuple[float, ...]:
    return tuple(round(value, places) for value in astuple(params))


def test_bgnbd_reproduces_the_published_cdnow_estimates(bgnbd: BetaGeoFitter) -> None:
    assert rounded(bgnbd.params_, 3) == (0.243, 4.414, 0.793, 2.426)
    assert round(bgnbd.log_likelihood_, 1) == -9582.4
    assert bgnbd.n_customers_ == 2357


def test_paretonbd_reproduces_the_published_cdnow_estimates(paretonbd: ParetoNBDFitter) -> None:
    assert rounded(paretonbd.params_, 3) == (0.553, 10.578, 0.606, 11.669)
    assert round(paretonbd.log_likelihood_, 1) == -9595.0


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(
    gammagamma: GammaGammaFitter,
) -> None:
    assert rounded(gammagamma.params_, 2) == (6.25, 3.74, 15.44)
    assert round(gammagamma.log_likelihood_, 2) == -4055.92
    assert gammagamma.n_customers_ == 946


def test_standard_errors_are_positive_and_smaller_than_the_estimates(
    bgnbd: BetaGeoFitter, paretonbd: ParetoNBDFitter, gammagamma: GammaGammaFitter
) -> None:
    for model in (bgnbd, paretonbd, gammagamma):
        errors, params = np.array(astuple(model.standard_errors_)), astuple(model.params_)
        assert np.all(errors > 0)
        assert np.all(errors < np.array(params))


@pytest.fixture(scope="module")
def lifetimes() -> Any:
    return pytest.importorskip("lifetimes")


@pytest.mark.usefixtures("lifetimes")
class TestAgreementWithLifetimes:
    """lifetimes 0.11.3 on the same summary: same optimum, same predictions."""

    pytestmark = LIFETIMES_WARNINGS

    def test_bgnbd_has_the_same_optimum_as_lifetimes(
        self, lifetimes: Any, summary: dict[str, Any], bgnbd: BetaGeoFitter
    ) -> None:
        f, r, t = summary["frequency"], summary["recency"], summary["T"]
        theirs = lifetimes.BetaGeoFitter().fit(f, r, t)
        their_params = theirs.params_[["r", "alpha", "a", "b"]].to_numpy()
        np.testing.assert_allclose(astuple(bgnbd.params_), their_params, rtol=1e-4)
        their_ll = (
            -lifetimes.BetaGeoFitter._negative_log_likelihood(
                np.log(their_params), f, r, t, np.ones_like(f), 0.0
            )
            * f.size
        )
        assert bgnbd.log_likelihood_ >= their_ll - 1e-6
        assert bgnbd.log_likelihood_ == pytest.approx(their_ll, abs=1e-3)
        np.testing.assert_allclose(
            bgnbd.p_alive(f, r, t), theirs.conditional_probability_alive(f, r, t), atol=1e-5
        )
        np.testing.assert_allclose(
            bgnbd.conditional_expected_purchases(39, f, r, t),
            theirs.conditional_expected_number_of_purchases_up_to_time(39, f, r, t),
            rtol=1e-4,
        )

    def test_paretonbd_has_the_same_optimum_as_lifetimes(
        self, lifetimes: Any, summary: dict[str, Any], paretonbd: ParetoNBDFitter
    ) -> None:
        f, r, t = summary["frequency"], summary["recency"], summary["T"]
        theirs = lifetimes.ParetoNBDFitter().fit(f, r, t)
        their_params = theirs.params_[["r", "alpha", "s", "beta"]].to_numpy()
        # lifetimes' Nelder-Mead stops up to ~3e-4 short along the flat β direction (SE 6.2)
        np.testing.assert_allclose(astuple(paretonbd.params_), their_params, rtol=1e-3)
        their_ll = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            their_params, f, r, t
        ).sum()
        ours_at_theirs = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
            np.array(astuple(paretonbd.params_)), f, r, t
        ).sum()
        assert paretonbd.log_likelihood_ == pytest.approx(ours_at_theirs, abs=1e-6)
        assert paretonbd.log_likelihood_ >= their_ll - 1e-6
        np.testing.assert_allclose(
            paretonbd.p_alive(f, r, t), theirs.conditional_probability_alive(f, r, t), atol=1e-4
        )

    def test_gamma_gamma_and_clv_agree_with_lifetimes(
        self,
        lifetimes: Any,
        summary: dict[str, Any],
        gammagamma: GammaGammaFitter,
        bgnbd: BetaGeoFitter,
    ) -> None:
        import pandas as pd

        f, m = summary["frequency"], summary["monetary_value"]
        r, t = summary["recency"], summary["T"]
        repeat = f > 0
        theirs = lifetimes.GammaGammaFitter().fit(f[repeat], m[repeat])
        their_params = theirs.params_[["p", "q", "v"]].to_numpy()
        np.testing.assert_allclose(astuple(gammagamma.params_), their_params, rtol=1e-4)
        their_ll = (
            -lifetimes.GammaGammaFitter._negative_log_likelihood(
                np.log(their_params), f[repeat], m[repeat], np.ones(946), 0.0
            )
            * 946
        )
        assert gammagamma.log_likelihood_ >= their_ll - 1e-6
        their_bg = lifetimes.BetaGeoFitter().fit(f, r, t)
        series = [pd.Series(v) for v in (f, r, t, m)]
        their_clv = theirs.customer_lifetime_value(their_bg, *series, time=12, freq="W")
        ours = gammagamma.customer_lifetime_value(bgnbd, f, r, t, m, periods=12, period_days=30.415)
        np.testing.assert_allclose(ours, their_clv.to_numpy(), rtol=1e-3)
