"""Per-customer scores from the BTYD models (PRODUCT.md W2): P(alive), expected purchases and
spend over a horizon, and customer lifetime value.

The store's purchase days (:func:`winback.analyse.lifecycle.purchase_days`) become the RFM
summary of :func:`winback.analyse.rfm.rfm_summary` in weeks, up to ``as_of``; BG/NBD (or
Pareto/NBD) is fitted on every buyer, Gamma-Gamma on the repeat buyers' mean repeat spend.
Then, per customer:

* ``p_alive``: the probability the customer is still a customer at ``as_of``;
* ``expected_purchases``: purchase days expected in the next ``horizon_days``;
* ``expected_spend``: those purchases times the Gamma-Gamma expected value of one purchase;
* ``clv``: expected spend over ``clv_months`` months of 30 days, discounted monthly at
  ``discount_rate`` (:meth:`GammaGammaFitter.customer_lifetime_value`).

A store with too little history cannot identify the models; :class:`TooLittleHistoryError`
says what is missing. Money columns are floats here (model output); the service rounds them
to Decimal cents when it stores them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Final, Literal

import numpy as np
import pyarrow as pa

from winback.analyse.btyd import (
    BetaGeoFitter,
    GammaGammaFitter,
    ParetoNBDFitter,
    SummaryDataError,
)
from winback.analyse.rfm import rfm_summary
from winback.errors import WinbackError

WEEK: Final = 7.0
MIN_BUYERS: Final = 20
MIN_REPEAT_BUYERS: Final = 10

ModelName = Literal["bgnbd", "paretonbd"]


class TooLittleHistoryError(WinbackError):
    """The store's purchase history is too short or too thin to fit the customer models."""


@dataclass(frozen=True)
class Scores:
    """Scores of every buyer at ``as_of``: ``table`` has ``customer_key``, ``frequency``,
    ``recency``, ``T`` (weeks), ``p_alive``, ``expected_purchases``, ``average_spend``,
    ``expected_spend`` and ``clv``; ``model`` names the two fitted models and ``params``
    their parameters."""

    as_of: date
    model: str
    horizon_days: int
    table: pa.Table
    params: dict[str, float]


def score_customers(
    days: pa.Table,
    *,
    as_of: date,
    horizon_days: int,
    model: ModelName = "bgnbd",
    discount_rate: float = 0.01,
    clv_months: int = 12,
) -> Scores:
    """Fit the purchase and spend models on ``days`` (purchase days up to ``as_of``) and
    score every buyer. Raises :class:`TooLittleHistoryError` when the models cannot be
    identified: fewer than :data:`MIN_BUYERS` buyers or :data:`MIN_REPEAT_BUYERS` repeat
    buyers, or a fit the estimators refuse."""
    transactions = days.rename_columns(["customer_key", "ordered_at", "amount"])
    summary = rfm_summary(transactions, calibration_end=as_of, time_unit_days=WEEK)
    f, r, t, m = (
        np.asarray(summary.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)
        for name in ("frequency", "recency", "T", "monetary_value")
    )
    _check_history(f, m)
    purchases_model = ParetoNBDFitter() if model == "paretonbd" else BetaGeoFitter()
    spend_model = GammaGammaFitter()
    repeat = (f > 0) & (m > 0)
    try:
        purchases_model.fit(f, r, t)
        spend_model.fit(f[repeat], m[repeat])
        average = spend_model.conditional_expected_average_profit(f, m)
        clv = spend_model.customer_lifetime_value(
            purchases_model, f, r, t, m,
            periods=clv_months, period_days=30.0, discount_rate=discount_rate,
            time_unit_days=WEEK,
        )  # fmt: skip
    except SummaryDataError as error:
        raise TooLittleHistoryError(
            f"the customer models cannot be fitted on this history: {error}"
        ) from error
    expected = purchases_model.conditional_expected_purchases(horizon_days / WEEK, f, r, t)
    table = pa.table(
        {
            "customer_key": summary.column("customer_key"),
            "frequency": f,
            "recency": r,
            "T": t,
            "p_alive": purchases_model.p_alive(f, r, t),
            "expected_purchases": expected,
            "average_spend": average,
            "expected_spend": expected * average,
            "clv": clv,
        }
    )
    _check_finite(table)
    params = {
        **{f"purchases.{k}": float(v) for k, v in asdict(purchases_model.params_).items()},
        **{f"spend.{k}": float(v) for k, v in asdict(spend_model.params_).items()},
    }
    return Scores(as_of, f"{model}+gammagamma", horizon_days, table, params)


def _check_history(frequency: np.ndarray, monetary: np.ndarray) -> None:
    buyers = int(frequency.size)
    repeaters = int(np.count_nonzero((frequency > 0) & (monetary > 0)))
    if buyers < MIN_BUYERS or repeaters < MIN_REPEAT_BUYERS:
        raise TooLittleHistoryError(
            f"too little history to fit the customer models: {buyers} buyers and "
            f"{repeaters} repeat buyers with a positive repeat spend up to the as-of day; "
            f"at least {MIN_BUYERS} buyers and {MIN_REPEAT_BUYERS} repeat buyers are needed"
        )


def _check_finite(table: pa.Table) -> None:
    for name in ("p_alive", "expected_purchases", "average_spend", "expected_spend", "clv"):
        values = table.column(name).to_numpy()
        if not np.all(np.isfinite(values)):
            raise TooLittleHistoryError(
                f"the fitted models give non-finite {name} values: the history does not "
                "identify them (more customers or a longer history are needed)"
            )
