"""Lifecycle segments (seed 004): what is a purchase, the four segments, the churn cutoff."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from winback.analyse.lifecycle import (
    SEGMENTS,
    churn_cutoff,
    customer_segments,
    lifecycle,
    month_ends,
    purchase_days,
    segment_sizes_over_time,
)

AS_OF = date(2024, 6, 30)
MONEY = pa.decimal128(18, 2)


def orders(rows: list[tuple[str, datetime, str, str, str | None]]) -> pa.Table:
    """(customer, created_at, status, total, refund) rows as the store's orders frame."""
    keys, created, statuses, totals, refunds = zip(*rows, strict=True)
    return pa.table(
        {
            "customer_key": list(keys),
            "status": list(statuses),
            "created_at": pa.array(list(created), pa.timestamp("us", tz="UTC")),
            "total_amount": pa.array([Decimal(t) for t in totals], MONEY),
            "paid_amount": pa.array([Decimal(t) for t in totals], MONEY),
            "refund_amount": pa.array([Decimal(r or "0") for r in refunds], MONEY),
        }
    )


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def known(*keys: str) -> pa.Table:
    return pa.table({"customer_key": list(keys)})


def by_key(table: pa.Table) -> dict[str, dict[str, object]]:
    return {row["customer_key"]: row for row in table.to_pylist()}


def shop() -> pa.Table:
    return orders(
        [
            ("loyal", at(date(2024, 5, 1)), "settled", "100.00", None),
            ("loyal", at(date(2024, 6, 20)), "paid", "50.00", None),
            ("newbie", at(date(2024, 6, 25)), "shipped", "80.00", None),
            ("gone", at(date(2023, 12, 1)), "settled", "300.00", None),
            ("gone", at(date(2024, 1, 5)), "settled", "200.00", None),
            ("never_paid", at(date(2024, 6, 1)), "closed", "90.00", None),
            ("cancelled", at(date(2024, 6, 2)), "cancelled", "70.00", None),
            ("refunded", at(date(2024, 6, 3)), "settled", "60.00", "60.00"),
        ]
    )


def test_the_four_segments_follow_the_documented_rules() -> None:
    days = purchase_days(shop(), as_of=AS_OF, time_zone="UTC")
    table = customer_segments(days, known("browser", "loyal"), as_of=AS_OF, cutoff_days=90)
    segments = {key: row["segment"] for key, row in by_key(table).items()}
    assert segments == {
        "loyal": "active",
        "newbie": "repeat_seeking",
        "gone": "lost",
        "browser": "potential",
    }


def test_closed_cancelled_and_fully_refunded_orders_are_not_purchases() -> None:
    days = purchase_days(shop(), as_of=AS_OF, time_zone="UTC")
    buyers = set(days.column("customer_key").to_pylist())
    assert buyers == {"loyal", "newbie", "gone"}
    table = customer_segments(
        days, known("never_paid", "cancelled", "refunded"), as_of=AS_OF, cutoff_days=90
    )
    assert {row["customer_key"]: row["segment"] for row in table.to_pylist()} | {} == {
        "loyal": "active",
        "newbie": "repeat_seeking",
        "gone": "lost",
        "never_paid": "potential",
        "cancelled": "potential",
        "refunded": "potential",
    }


def test_a_partial_refund_lowers_the_purchase_and_two_orders_on_one_day_are_one() -> None:
    table = orders(
        [
            ("a", at(date(2024, 6, 1), 9), "settled", "100.00", "30.00"),
            ("a", at(date(2024, 6, 1), 15), "paid", "20.50", None),
        ]
    )
    days = purchase_days(table, as_of=AS_OF, time_zone="UTC")
    assert days.num_rows == 1
    assert days.column("amount").to_pylist() == [Decimal("90.50")]


def test_purchase_days_are_days_of_the_stores_time_zone() -> None:
    late = orders([("a", datetime(2024, 6, 29, 17, 30, tzinfo=UTC), "paid", "10.00", None)])
    in_utc = purchase_days(late, as_of=AS_OF, time_zone="UTC").column("day").to_pylist()
    in_shanghai = purchase_days(late, as_of=AS_OF, time_zone="Asia/Shanghai")
    assert in_utc == [date(2024, 6, 29)]
    assert in_shanghai.column("day").to_pylist() == [date(2024, 6, 30)]


def test_purchases_after_the_as_of_day_do_not_exist_yet() -> None:
    days = purchase_days(shop(), as_of=date(2024, 6, 19), time_zone="UTC")
    table = customer_segments(days, known(), as_of=date(2024, 6, 19), cutoff_days=90)
    rows = by_key(table)
    assert "newbie" not in rows
    assert rows["loyal"]["purchases"] == 1
    assert rows["loyal"]["segment"] == "repeat_seeking"


def test_the_summary_counts_every_segment_and_revenue_shares_add_up_to_one() -> None:
    result = lifecycle(
        shop(),
        known("browser"),
        as_of=AS_OF,
        time_zone="UTC",
        rule="90d",
        category="fashion",
        preset_days=90,
    )
    summary = {row["segment"]: row for row in result.summary.to_pylist()}
    assert list(summary) == list(SEGMENTS)
    assert [summary[s]["customers"] for s in SEGMENTS] == [1, 1, 1, 1]
    assert summary["lost"]["revenue"] == Decimal("500.00")
    assert summary["active"]["revenue"] == Decimal("150.00")
    assert summary["potential"]["revenue"] == Decimal("0.00")
    assert summary["lost"]["revenue_share"] == pytest.approx(500 / 730)
    assert sum(row["revenue_share"] for row in summary.values()) == pytest.approx(1.0)
    assert result.cutoff.source == "fixed"
    assert result.notes == ()


def test_an_empty_store_has_four_empty_segments() -> None:
    empty = orders([("x", at(AS_OF), "closed", "1.00", None)])
    result = lifecycle(
        empty, known(), as_of=AS_OF, time_zone="UTC", rule="preset", category="food",
        preset_days=30,
    )  # fmt: skip
    assert result.summary.column("customers").to_pylist() == [0, 0, 0, 0]
    assert result.summary.column("revenue_share").to_pylist() == [0.0, 0.0, 0.0, 0.0]


def test_a_history_shorter_than_the_cutoff_says_no_customer_can_be_lost_yet() -> None:
    recent = orders([("a", at(AS_OF - timedelta(days=59)), "paid", "10.00", None)])
    result = lifecycle(
        recent, known(), as_of=AS_OF, time_zone="UTC", rule="preset", category="fashion",
        preset_days=90,
    )  # fmt: skip
    assert result.history_days == 59
    assert result.notes and "no customer can be lost yet" in result.notes[0]
    assert result.notes_in("zh") == (
        "购买记录只覆盖 59 天，不超过 90 天的流失期：还不可能有流失客户。",
    )
    assert result.notes_in("en") == result.notes


def regular_buyers(customers: int, gap_days: int, purchases: int, end: date) -> pa.Table:
    """Customers who buy every ``gap_days`` days, the last purchase on ``end``."""
    rows = []
    for c in range(customers):
        for k in range(purchases):
            day = end - timedelta(days=gap_days * (purchases - 1 - k) + c % 3)
            rows.append((f"c{c}", at(day), "settled", "10.00", None))
    return orders(rows)


def test_the_learned_cutoff_is_the_quantile_of_repeat_gaps() -> None:
    table = regular_buyers(customers=20, gap_days=21, purchases=6, end=AS_OF)
    days = purchase_days(table, as_of=AS_OF, time_zone="UTC")
    cutoff = churn_cutoff(
        days, as_of=AS_OF, rule="learned", category="fashion", preset_days=90, min_gaps=30
    )
    assert cutoff.source == "learned"
    assert cutoff.days == 21
    assert cutoff.gaps == 100
    assert "90% of 100 gaps" in cutoff.reason and "weighted for length bias" in cutoff.reason


def test_too_few_gaps_fall_back_to_the_preset_and_say_so() -> None:
    table = regular_buyers(customers=2, gap_days=21, purchases=4, end=AS_OF)
    days = purchase_days(table, as_of=AS_OF, time_zone="UTC")
    cutoff = churn_cutoff(
        days, as_of=AS_OF, rule="learned", category="beauty", preset_days=30, min_gaps=30
    )
    assert (cutoff.days, cutoff.source, cutoff.gaps) == (30, "preset", 6)
    assert "only 6 gaps" in cutoff.reason and "beauty preset" in cutoff.reason


def test_a_short_history_cannot_teach_a_cutoff_and_the_preset_is_used() -> None:
    table = regular_buyers(customers=40, gap_days=20, purchases=2, end=AS_OF)
    days = purchase_days(table, as_of=AS_OF, time_zone="UTC")
    cutoff = churn_cutoff(
        days, as_of=AS_OF, rule="learned", category="fashion", preset_days=90, min_gaps=30
    )
    assert cutoff.source == "preset"
    assert cutoff.days == 90
    assert cutoff.learned_days == 20
    assert "cannot show longer gaps" in cutoff.reason
    # a Chinese store's team reads the category in Chinese too, not "fashion 品类预设"
    assert cutoff.reason_in("zh").startswith("服装品类预设（90 天）：40 个复购间隔")
    assert "fashion" not in cutoff.reason_in("zh")
    assert cutoff.reason_in("en") == cutoff.reason


def test_preset_and_fixed_rules_ignore_the_gaps() -> None:
    table = regular_buyers(customers=20, gap_days=21, purchases=6, end=AS_OF)
    days = purchase_days(table, as_of=AS_OF, time_zone="UTC")
    preset = churn_cutoff(days, as_of=AS_OF, rule="preset", category="food", preset_days=30)
    fixed = churn_cutoff(days, as_of=AS_OF, rule="45d", category="food", preset_days=30)
    assert (preset.days, preset.source) == (30, "preset")
    assert (fixed.days, fixed.source) == (45, "fixed")


def test_segment_sizes_over_time_show_buyers_drifting_into_lost() -> None:
    days = purchase_days(shop(), as_of=AS_OF, time_zone="UTC")
    points = month_ends(date(2024, 1, 1), AS_OF)
    sizes = segment_sizes_over_time(days, known(), as_ofs=points, cutoff_days=90)
    lost = {row["as_of"]: row["customers"] for row in sizes.to_pylist() if row["segment"] == "lost"}
    assert lost[date(2024, 1, 31)] == 0
    assert lost[date(2024, 4, 30)] == 1  # "gone" last bought 2024-01-05
    assert sizes.num_rows == len(points) * len(SEGMENTS)


def test_month_ends_close_with_the_last_day() -> None:
    assert month_ends(date(2024, 1, 15), date(2024, 3, 10)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 10),
    ]


def test_long_gaps_a_short_history_rarely_shows_whole_count_for_more() -> None:
    rows = [("first", at(AS_OF - timedelta(days=200)), "settled", "10.00", None)]
    for c in range(100):
        start = AS_OF - timedelta(days=20 + c)
        rows += [(f"a{c}", at(start), "paid", "10.00", None)]
        rows += [(f"a{c}", at(start + timedelta(days=10)), "paid", "10.00", None)]
    for c in range(8):
        start = AS_OF - timedelta(days=100 + c)
        rows += [(f"b{c}", at(start), "paid", "10.00", None)]
        rows += [(f"b{c}", at(start + timedelta(days=80)), "paid", "10.00", None)]
    days = purchase_days(orders(rows), as_of=AS_OF, time_zone="UTC")
    cutoff = churn_cutoff(
        days, as_of=AS_OF, rule="learned", category="fashion", preset_days=90, min_gaps=30
    )
    # Unweighted, only 8 of 108 gaps (7%) are long and the 90% quantile would be 10 days;
    # weighted by 1 / (200 - gap + 1), the long gaps carry 11% of the weight.
    assert (cutoff.source, cutoff.days, cutoff.gaps) == ("learned", 80, 108)


def test_a_store_without_purchases_has_only_potential_customers_and_says_so() -> None:
    unpaid = orders([("a", at(AS_OF), "closed", "10.00", None)])
    result = lifecycle(
        unpaid, known("a", "b"), as_of=AS_OF, time_zone="UTC", rule="learned",
        category="fashion", preset_days=90,
    )  # fmt: skip
    assert result.summary.column("customers").to_pylist() == [2, 0, 0, 0]
    assert result.notes == ("No purchase yet: every known customer is potential.",)
    assert result.notes_in("zh") == ("还没有任何购买：已知客户都是潜在客户。",)
