"""Call windows, the store's yesterday, and the chance an unpaid order is paid anyway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from recovery_facts import SHANGHAI, WINDOWS

from winback.analyse.payment_time import PaymentTimeSettings, payment_time
from winback.decide.timing import into_call_window, items_text, payment_probability, yesterday


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (shanghai(30, 9), shanghai(30, 11)),  # before the morning window: its start
        (shanghai(30, 11, 20), shanghai(30, 11, 20)),  # inside a window: unchanged
        (shanghai(30, 12, 30), shanghai(30, 15, 30)),  # between windows: the afternoon one
        (shanghai(30, 17), datetime(2026, 12, 1, 11, tzinfo=SHANGHAI)),  # tomorrow morning
    ],
)
def test_tasks_move_into_the_next_call_window_of_the_stores_day(
    at: datetime, expected: datetime
) -> None:
    assert into_call_window(at.astimezone(UTC), WINDOWS, SHANGHAI) == expected


def test_without_call_windows_a_task_keeps_its_time() -> None:
    at = shanghai(30, 20)
    assert into_call_window(at, (), SHANGHAI) == at


def test_yesterday_is_the_stores_calendar_day_not_utcs() -> None:
    # 01:00 on 30 Nov in Shanghai is still 29 Nov in UTC.
    start, end = yesterday(shanghai(30, 1).astimezone(UTC), SHANGHAI)
    assert (start, end) == (shanghai(29, 0), shanghai(30, 0))


def test_the_payment_probability_is_read_off_the_kaplan_meier_curve() -> None:
    # 40 orders: 20 paid after 1 h, 10 after 10 h, 10 never (still open at the cut-off).
    created = [datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=i) for i in range(40)]
    paid = [c + timedelta(hours=1) for c in created[:20]] + [
        c + timedelta(hours=10) for c in created[20:30]
    ]
    ts = pa.timestamp("us", "UTC")
    orders = pa.table(
        {
            "order_id": [f"o{i}" for i in range(40)],
            "customer_key": [f"c{i}" for i in range(40)],
            "status": ["paid"] * 30 + ["pending"] * 10,
            "created_at": pa.array(created, ts),
            "paid_at": pa.array(paid + [None] * 10, ts),
            "closed_at": pa.array([None] * 40, ts),
            "total_amount": pa.array([None] * 40, pa.decimal128(18, 2)),
            "payment_method": ["alipay"] * 40,
            "platform": ["taobao"] * 40,
        }
    )
    report = payment_time(
        orders, datetime(2026, 11, 20, tzinfo=UTC), PaymentTimeSettings(min_payers=5)
    )
    # Unpaid at 2 h: 20 left, 10 of them pay by 72 h → 0.5. Unpaid at 11 h: nobody pays later.
    assert payment_probability(report, "all", "all", timedelta(hours=2), timedelta(hours=72)) == (
        pytest.approx(0.5)
    )
    assert payment_probability(report, "all", "all", timedelta(hours=11), timedelta(hours=72)) == 0
    assert payment_probability(None, "all", "all", timedelta(hours=2), timedelta(hours=72)) is None


def test_item_titles_are_shortened_for_a_message() -> None:
    assert items_text(["连衣裙", "衬衫", "连衣裙", "开衫"]) == "连衣裙、衬衫…"
    assert items_text([]) == ""
