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
says what is missing. Two checks:

* before fitting: at least :data:`MIN_BUYERS` buyers and :data:`MIN_REPEAT_BUYERS` repeat
  buyers;
* after fitting (:class:`NotIdentifiedError`): a fit can converge to a degenerate model — on
  30 days of a small store BG/NBD returned ``a = 3.0e7, b = 2.2e7`` and every CLV 0.00
  (issue 10). The purchase model is *not identified* when one of its parameters ran beyond
  :data:`EXTREME` (or below its inverse) while the data cannot pin it down (its standard error
  is undefined or larger than the value), or when its predictions collapse (no customer
  expected to buy again although some did). The error names the parameters and says what
  the history lacks: usually length, measured against how often the repeat buyers come back.

Money columns are floats here (model output); the service rounds them to Decimal cents when
it stores them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Final, Literal

import numpy as np
import pyarrow as pa

from winback.analyse.rfm import rfm_summary
from winback.errors import WinbackError

WEEK: Final = 7.0
MIN_BUYERS: Final = 20
MIN_REPEAT_BUYERS: Final = 10
EXTREME: Final = 1e4
"""A purchase-model parameter beyond this (or below its inverse) whose standard error is
undefined or larger than itself is not identified by the data."""
GAPS_NEEDED: Final = 4
MIN_HISTORY_DAYS: Final = 90
"""Telling a customer who stopped buying from a slow one needs each customer watched for
several of their usual gaps: a history of at least this many median gaps, and 90 days."""

ModelName = Literal["bgnbd", "paretonbd"]


class TooLittleHistoryError(WinbackError):
    """The store's purchase history is too short or too thin to fit the customer models."""


class NotIdentifiedError(TooLittleHistoryError):
    """The customer model converged to values the history cannot pin down: its scores would
    be meaningless. ``str(error)`` is English; ``zh`` says the same in Chinese."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


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
    # The models load SciPy (0.3 s of CPU): only when a command fits them, not when one
    # reads the stored scores (``winback customers``, the report's lifecycle section).
    from winback.analyse.btyd import (
        BetaGeoFitter,
        GammaGammaFitter,
        ParetoNBDFitter,
        SummaryDataError,
    )

    purchases_model = ParetoNBDFitter() if model == "paretonbd" else BetaGeoFitter()
    spend_model = GammaGammaFitter()
    repeat = (f > 0) & (m > 0)
    try:
        purchases_model.fit(f, r, t)
        expected = purchases_model.conditional_expected_purchases(horizon_days / WEEK, f, r, t)
        _check_identified(  # before the spend model: a degenerate one is slow and useless
            model,
            asdict(purchases_model.params_),
            asdict(purchases_model.standard_errors_),
            _History.of(f, r, t),
            collapsed=bool(np.all(np.asarray(expected) <= 1e-9)),
        )
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


@dataclass(frozen=True)
class _History:
    """What the RFM summary shows about the history the model was fitted on."""

    buyers: int
    repeat_buyers: int
    days: float
    median_gap_days: float | None

    @classmethod
    def of(cls, frequency: np.ndarray, recency: np.ndarray, age: np.ndarray) -> _History:
        repeat = frequency > 0
        gaps = recency[repeat] / frequency[repeat] * WEEK
        return cls(
            buyers=int(frequency.size),
            repeat_buyers=int(repeat.sum()),
            days=float(age.max(initial=0.0)) * WEEK,
            median_gap_days=float(np.median(gaps)) if gaps.size else None,
        )

    @property
    def days_needed(self) -> float:
        gap = self.median_gap_days or 0.0
        return max(float(MIN_HISTORY_DAYS), GAPS_NEEDED * gap)


_MODEL_NAMES: Final = {"bgnbd": "BG/NBD", "paretonbd": "Pareto/NBD"}


def _check_identified(
    model: ModelName,
    params: dict[str, float],
    errors: dict[str, float],
    history: _History,
    *,
    collapsed: bool,
) -> None:
    """Raise :class:`NotIdentifiedError` when the fitted purchase model is degenerate."""
    loose = [
        name
        for name, value in params.items()
        if not 1 / EXTREME <= value <= EXTREME
        and not (np.isfinite(errors[name]) and errors[name] <= value)
    ]
    if not loose and not collapsed:
        return
    name = _MODEL_NAMES[model]
    shown = ", ".join(f"{key} = {params[key]:.3g}" for key in (loose or list(params)))
    raise NotIdentifiedError(_sentence_en(name, shown, history), _sentence_zh(name, shown, history))


def _sentence_en(model: str, shown: str, history: _History) -> str:
    gap = history.median_gap_days
    if history.days < history.days_needed:
        missing = (
            f"a longer history: {history.days:.0f} days of purchases"
            + (
                f", while repeat buyers come back after about {gap:.0f} days (median)"
                if gap
                else ""
            )
            + "; telling a customer who stopped buying from a slow one needs customers watched "
            f"for several of their usual gaps, at least {history.days_needed:.0f} days"
        )
    else:
        missing = (
            f"customers who visibly stopped buying: of {history.buyers:,} buyers "
            f"({history.repeat_buyers:,} repeat buyers) none has been quiet long enough, against "
            "their own rhythm, to show a drop-out; score with the other model "
            "([lifecycle] model) or again when the history is longer"
        )
    return (
        f"the {model} model is not identified by this history: it ran to {shown}, values the "
        f"data cannot pin down (their standard errors are undefined or larger than them), and "
        f"its scores would be meaningless. What is missing: {missing}. No scores were stored."
    )


def _sentence_zh(model: str, shown: str, history: _History) -> str:
    gap = history.median_gap_days
    if history.days < history.days_needed:
        missing = (
            f"更长的历史：现有 {history.days:.0f} 天的购买记录"
            + (f"，而回头客的复购间隔约为 {gap:.0f} 天（中位数）" if gap else "")
            + f"；要区分已流失的顾客和只是买得慢的顾客，需要把每位顾客观察几个复购周期，"
            f"至少 {history.days_needed:.0f} 天"
        )
    else:
        missing = (
            f"明显停止购买的顾客：{history.buyers:,} 位买家"
            f"（其中回头客 {history.repeat_buyers:,} 位）中，"
            "没有人相对自己的购买节奏沉默得足够久，看不出流失；"
            "请改用另一个模型（[lifecycle] model）或等历史更长后再评分"
        )
    return (
        f"{model} 模型无法由这段历史确定：参数跑到了 {shown}，"
        "数据无法确定这些值（标准误不存在或大于参数本身），"
        f"其评分没有意义。缺少的是：{missing}。未保存任何评分。"
    )
