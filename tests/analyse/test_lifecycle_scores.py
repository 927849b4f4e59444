"""Customer scores from the fitted models, and the list of lost customers worth winning back."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from winback.analyse.customer_scores import (
    NotIdentifiedError,
    TooLittleHistoryError,
    score_customers,
)
from winback.analyse.lifecycle import customer_segments
from winback.analyse.winback_targets import TargetRules, ago, reason, winback_targets

AS_OF = date(2024, 12, 31)
START = date(2023, 1, 1)
MONEY = pa.decimal128(18, 2)


def simulated_days(customers: int, seed: int = 7) -> pa.Table:
    """Purchase days of a BG/NBD-like shop: each customer buys at their own rate until they
    drop out (after a purchase, with their own probability)."""
    rng = np.random.default_rng(seed)
    keys: list[str] = []
    days: list[date] = []
    amounts: list[Decimal] = []
    horizon = (AS_OF - START).days
    for c in range(customers):
        day = int(rng.integers(0, 300))
        rate = rng.gamma(0.8, 1 / 25)  # purchases per day
        drop = rng.beta(1.0, 4.0)
        bill = rng.gamma(4.0, 25.0)
        while day <= horizon:
            keys.append(f"c{c:04d}")
            days.append(START + timedelta(days=day))
            amounts.append(Decimal(f"{bill * rng.gamma(8, 1 / 8):.2f}"))
            if rng.random() < drop:
                break
            day += 1 + int(rng.exponential(1 / max(rate, 1e-3)))
    return pa.table(
        {
            "customer_key": keys,
            "day": pa.array(days, pa.date32()),
            "amount": pa.array(amounts, MONEY),
        }
    )


@pytest.fixture(scope="module")
def days() -> pa.Table:
    return simulated_days(600)


def test_every_buyer_gets_finite_scores_within_their_ranges(days: pa.Table) -> None:
    scores = score_customers(days, as_of=AS_OF, horizon_days=90)
    table = scores.table
    assert table.num_rows == len(set(days.column("customer_key").to_pylist()))
    alive = table.column("p_alive").to_numpy()
    assert np.all((alive >= 0) & (alive <= 1))
    for name in ("expected_purchases", "expected_spend", "clv", "average_spend"):
        values = table.column(name).to_numpy()
        assert np.all(np.isfinite(values)) and np.all(values >= 0), name
    assert scores.model == "bgnbd+gammagamma"
    assert set(scores.params) >= {"purchases.r", "purchases.alpha", "spend.p", "spend.q"}


def test_a_customer_silent_for_long_is_less_alive_than_a_recent_one_with_the_same_count(
    days: pa.Table,
) -> None:
    recent = pa.table(
        {
            "customer_key": ["zz_recent"] * 4 + ["zz_silent"] * 4,
            "day": pa.array(
                [AS_OF - timedelta(days=d) for d in (300, 200, 100, 5)]
                + [AS_OF - timedelta(days=d) for d in (700, 650, 600, 550)],
                pa.date32(),
            ),
            "amount": pa.array([Decimal("50.00")] * 8, MONEY),
        }
    )
    table = score_customers(pa.concat_tables([days, recent]), as_of=AS_OF, horizon_days=90).table
    rows = {row["customer_key"]: row for row in table.to_pylist()}
    assert rows["zz_recent"]["p_alive"] > 0.5 > rows["zz_silent"]["p_alive"]
    assert rows["zz_recent"]["clv"] > rows["zz_silent"]["clv"]


def test_pareto_nbd_can_be_chosen(days: pa.Table) -> None:
    scores = score_customers(days, as_of=AS_OF, horizon_days=30, model="paretonbd")
    assert scores.model == "paretonbd+gammagamma"
    assert "purchases.beta" in scores.params


def test_a_longer_horizon_expects_more_purchases(days: pa.Table) -> None:
    short = score_customers(days, as_of=AS_OF, horizon_days=30).table
    long = score_customers(days, as_of=AS_OF, horizon_days=180).table
    assert np.all(
        long.column("expected_purchases").to_numpy()
        >= short.column("expected_purchases").to_numpy()
    )


def test_a_store_with_too_little_history_gets_a_clear_error() -> None:
    tiny = simulated_days(600).slice(0, 12)
    with pytest.raises(TooLittleHistoryError, match="too little history"):
        score_customers(tiny, as_of=AS_OF, horizon_days=90)


def test_the_promising_lost_are_repeat_buyers_with_a_high_bill_ranked_by_clv() -> None:
    silence = [400, 200, 300, 300, 900, 5]
    segments = pa.table(
        {
            "customer_key": ["rich", "richer", "once", "cheap", "ancient", "active"],
            "segment": ["lost", "lost", "lost", "lost", "lost", "active"],
            "purchases": [3, 4, 1, 5, 6, 8],
            "revenue": pa.array([Decimal(v) for v in (900, 1600, 500, 100, 3000, 4000)], MONEY),
            "avg_bill": pa.array([Decimal(v) for v in (300, 400, 25, 20, 500, 30)], MONEY),
            "last_purchase": pa.array([AS_OF - timedelta(days=d) for d in silence], pa.date32()),
            "days_since_last": silence,
        }
    )
    scores = pa.table(
        {
            "customer_key": ["rich", "richer", "once", "cheap", "ancient", "active"],
            "p_alive": [0.31, 0.2, 0.1, 0.5, 0.05, 0.9],
            "expected_purchases": [0.3, 0.2, 0.1, 0.5, 0.01, 2.0],
            "expected_spend": pa.array([Decimal(v) for v in (90, 80, 50, 10, 5, 1000)], MONEY),
            "clv": pa.array([Decimal(v) for v in (120, 100, 60, 15, 8, 2000)], MONEY),
        }
    )
    targets = winback_targets(segments, scores, TargetRules(), limit=10)
    assert targets.column("customer_key").to_pylist() == ["rich", "richer"]
    everyone_lost = winback_targets(segments, scores, TargetRules(promising=False), limit=3)
    assert everyone_lost.column("customer_key").to_pylist() == ["rich", "richer", "once"]
    row = targets.to_pylist()[0]
    assert reason(row, "CNY") == (
        "3 purchases, avg ¥300 (top 50%), last bought 13 months ago, P(alive) 0.31, CLV ¥120"
    )
    assert reason(row, "CNY", "zh") == (
        "3 次购买，客单价 ¥300（前 50%），13 个月前最后购买，P(存活) 0.31，CLV ¥120"
    )


def test_segments_and_scores_meet_on_the_customer_key(days: pa.Table) -> None:
    scores = score_customers(days, as_of=AS_OF, horizon_days=90).table
    segments = customer_segments(days, pa.table({"customer_key": pa.array([], pa.string())}),
                                 as_of=AS_OF, cutoff_days=90)  # fmt: skip
    money = pa.table(
        {
            "customer_key": scores.column("customer_key"),
            "p_alive": scores.column("p_alive"),
            "expected_purchases": scores.column("expected_purchases"),
            "expected_spend": scores.column("expected_spend"),
            "clv": scores.column("clv"),
        }
    )
    targets = winback_targets(segments, money, TargetRules(), limit=50)
    assert targets.num_rows > 0
    assert set(targets.column("segment").to_pylist()) == {"lost"}
    assert min(targets.column("purchases").to_pylist()) >= 2
    clv = targets.column("clv").to_pylist()
    assert clv == sorted(clv, reverse=True)


@pytest.mark.parametrize(
    ("days", "text"),
    [(1, "1 day ago"), (45, "45 days ago"), (430, "14 months ago"), (800, "2.2 years ago")],
)
def test_time_since_the_last_purchase_reads_naturally(days: int, text: str) -> None:
    assert ago(days) == text


@pytest.mark.parametrize(("days", "text"), [(45, "45 天前"), (430, "14 个月前"), (800, "2.2 年前")])
def test_time_since_the_last_purchase_reads_naturally_in_chinese(days: int, text: str) -> None:
    assert ago(days, "zh") == text


def a_month_of_a_small_store(seed: int = 7) -> pa.Table:
    """150 buyers over 30 days; a fifth came back once or twice within days."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, date, Decimal]] = []
    start = AS_OF - timedelta(days=30)
    for c in range(150):
        first = int(rng.integers(0, 30))
        bought = {first}
        if rng.random() < 0.2:
            for _ in range(int(rng.integers(1, 3))):
                bought.add(min(29, first + int(rng.integers(1, 10))))
        rows += [
            (f"c{c}", start + timedelta(days=d), Decimal(int(rng.integers(50, 300))))
            for d in bought
        ]
    keys, days_, amounts = zip(*rows, strict=True)
    return pa.table(
        {
            "customer_key": list(keys),
            "day": pa.array(days_, pa.date32()),
            "amount": pa.array(amounts, MONEY),
        }
    )


@pytest.mark.parametrize("model", ["bgnbd", "paretonbd"])
def test_a_degenerate_fit_on_a_month_of_a_small_store_says_what_is_missing(model: str) -> None:
    """Issue 10, point 9: BG/NBD on 30 days of a small store returned a = 3.0e6 and every
    CLV 0.00 without a word."""
    with pytest.raises(NotIdentifiedError) as raised:
        score_customers(a_month_of_a_small_store(), as_of=AS_OF, horizon_days=90, model=model)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "not identified by this history" in message
    assert "a longer history: 30 days of purchases" in message
    assert "at least 90 days" in message and "No scores were stored" in message
    assert "更长的历史：现有 30 天的购买记录" in raised.value.zh
    assert isinstance(raised.value, TooLittleHistoryError)  # callers that catch it still do
