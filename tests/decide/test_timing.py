"""Call windows, the store's yesterday, item text, and the chance an unpaid order is paid
anyway, as the planners compute them (SQL over columns)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pytest
from recovery_facts import SHANGHAI, WINDOWS, buyer, context, default_playbooks, plan_unpaid, unpaid

from winback.analyse.payment_time import PaymentTimeSettings, payment_time
from winback.decide.timing import into_window_sql, items_text_sql, micros, yesterday
from winback.playbook_settings import ChannelRule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def evaluate(expression: str, params: dict[str, Any], **columns: pa.Array) -> list[Any]:
    """``expression`` over a table of ``columns``, in DuckDB as the planners run it."""
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.register("t", pa.table(columns))
        used = {key: value for key, value in params.items() if f"${key}" in expression}
        return (
            con.sql(f"SELECT {expression} AS v FROM t", params=used)
            .to_arrow_table()["v"]
            .to_pylist()
        )


def into_call_window(at: datetime, windows: Any, zone: ZoneInfo) -> datetime:
    micro = micros(at - EPOCH)
    (found,) = evaluate(
        into_window_sql("at_us", windows), {"zone": zone.key}, at_us=pa.array([micro], pa.int64())
    )
    return (EPOCH + timedelta(microseconds=found)).astimezone(zone)


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


def test_call_windows_follow_the_stores_clock_across_a_daylight_saving_change() -> None:
    new_york = ZoneInfo("America/New_York")
    # Saturday 7 March 2026 17:00 EST; the next morning clocks go forward at 02:00.
    at = datetime(2026, 3, 7, 17, tzinfo=new_york)
    found = into_call_window(at, ((time(11), time(12)),), new_york)
    assert found == datetime(2026, 3, 8, 11, tzinfo=new_york)
    assert found.utcoffset() == timedelta(hours=-4)


def test_without_call_windows_a_task_keeps_its_time() -> None:
    at = shanghai(30, 20)
    assert into_call_window(at, (), SHANGHAI) == at


def test_yesterday_is_the_stores_calendar_day_not_utcs() -> None:
    # 01:00 on 30 Nov in Shanghai is still 29 Nov in UTC.
    start, end = yesterday(shanghai(30, 1).astimezone(UTC), SHANGHAI)
    assert (start, end) == (shanghai(29, 0), shanghai(30, 0))


def test_item_titles_are_shortened_for_a_message() -> None:
    titles = pa.array([["连衣裙", "衬衫", "连衣裙", "开衫"], [], ["衬衫", "衬衫"]])
    found = evaluate(items_text_sql("titles"), {}, titles=titles)
    assert found == ["连衣裙、衬衫…", "", "衬衫"]


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
    base = default_playbooks()["unpaid"]
    book = base.model_copy(
        update={
            "holdout_share": 0.0,
            "min_gap": timedelta(0),
            "steps": (
                base.steps[0].model_copy(update={"after": timedelta(hours=2)}),
                base.steps[0].model_copy(update={"after": timedelta(hours=11)}),
            ),
            "rules": (ChannelRule(channel="sms"),),
        }
    )
    order = unpaid("o1", age=timedelta(minutes=10), who=buyer("a"))
    two, eleven = plan_unpaid(replace(context(), report=report), "unpaid", book, [order])
    # Unpaid at 2 h: 20 left, 10 of them pay by 72 h → 0.5. Unpaid at 11 h: nobody pays later.
    assert two.params["payment_probability"] == "0.50"
    assert eleven.params["payment_probability"] == "0.00"
    assert "payment_probability" not in plan_unpaid(context(), "unpaid", book, [order])[0].params
