"""D4: the seed's service failures, flagged on the conversation before each lost order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pytest
from diagnostic_frames import SHANGHAI, T0, chats, order, orders

from winback.analyse.chat_flags import FLAGS, chat_flag_summary, chat_flags

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)
PLACED = T0 + 10 * H  # 2024-07-30 10:00 in Shanghai


def say(buyer: str, sender: str, at: timedelta, text: str, **extra: Any) -> dict[str, Any]:
    return {"buyer_key": buyer, "sender": sender, "sent_at": PLACED + at, "text": text, **extra}


def flags_of(table: pa.Table, order_id: str) -> dict[str, Any]:
    rows = [row for row in table.to_pylist() if row["order_id"] == order_id]
    assert len(rows) == 1
    return rows[0]


def seed_chat() -> pa.Table:
    """The seed's fragment 1: a promotion, a re-order request and a refused price change."""
    return chats(
        say("a", "buyer", -10 * M, "满100减10和收藏送5元能一起用吗"),
        say("a", "staff", -8 * M, "亲，收藏送5元要手动领取的", staff="小美"),
        say("a", "buyer", 2 * M, "我已经拍了，能改价吗"),
        say("a", "staff", 4 * M, "不好意思亲，这边无法改价，您重拍一下就有优惠了", staff="小美"),
        say("a", "buyer", 6 * M, "算了"),
    )


def test_the_seed_conversation_raises_the_reorder_and_price_flags() -> None:
    table = chat_flags(orders(order("o1", "closed", customer="a")), seed_chat(), timezone=SHANGHAI)
    row = flags_of(table, "o1")
    assert row["asked_to_reorder"] and row["cannot_change_price"]
    assert not row["slow_first_response"]
    assert row["first_response_s"] == 120.0
    assert row["lines"] == 5


def test_the_excerpt_shows_the_last_lines_in_store_time() -> None:
    table = chat_flags(
        orders(order("o1", "closed", customer="a")),
        seed_chat(),
        timezone=SHANGHAI,
        excerpt_lines=2,
    )
    assert flags_of(table, "o1")["excerpt"] == (
        "07-30 10:04 staff (小美): 不好意思亲，这边无法改价，您重拍一下就有优惠了\n"
        "07-30 10:06 buyer: 算了"
    )


def test_a_first_reply_later_than_the_setting_is_slow_and_no_reply_is_slow_too() -> None:
    messages = chats(
        say("late", "buyer", -20 * M, "这件有L码吗"),
        say("late", "staff", -10 * M, "有的亲"),
        say("never", "buyer", -20 * M, "在吗"),
        say("quick", "buyer", -20 * M, "在吗"),
        say("quick", "staff", -19 * M, "在的亲"),
    )
    placed = orders(
        order("late", "closed", customer="late"),
        order("never", "closed", customer="never"),
        order("quick", "closed", customer="quick"),
    )
    table = chat_flags(placed, messages, timezone=SHANGHAI)
    assert flags_of(table, "late")["slow_first_response"]
    assert flags_of(table, "never")["slow_first_response"]
    assert flags_of(table, "never")["first_response_s"] is None
    assert not flags_of(table, "quick")["slow_first_response"]
    relaxed = chat_flags(placed, messages, timezone=SHANGHAI, slow_first_response=15 * M)
    assert not flags_of(relaxed, "late")["slow_first_response"]


def test_a_conversation_started_by_staff_is_not_a_slow_response() -> None:
    messages = chats(say("a", "staff", H, "亲，订单还没付款哦"))
    table = chat_flags(orders(order("o1", "closed", customer="a")), messages, timezone=SHANGHAI)
    assert not flags_of(table, "o1")["slow_first_response"]


def test_an_order_unpaid_at_day_end_without_a_next_day_message_lacks_follow_up() -> None:
    placed = orders(
        order("ignored", "closed", customer="a", closed=3 * D),
        order("followed", "closed", customer="b", closed=3 * D),
        order("same-day", "cancelled", customer="c", paid=H, refunded=D),
    )
    messages = chats(
        say("a", "buyer", -M, "在吗"),
        say("a", "staff", 0 * M, "在的"),
        say("b", "buyer", -M, "在吗"),
        say("b", "staff", 0 * M, "在的"),
        say("b", "staff", D, "亲，昨天的订单还需要吗？"),
        say("c", "buyer", -M, "在吗"),
    )
    table = chat_flags(placed, messages, timezone=SHANGHAI)
    assert flags_of(table, "ignored")["no_next_day_follow_up"]
    assert not flags_of(table, "followed")["no_next_day_follow_up"]
    assert not flags_of(table, "same-day")["no_next_day_follow_up"]


def test_the_next_day_is_the_store_calendar_day() -> None:
    # Placed 23:00 Shanghai; a staff line 02:00 Shanghai the next day is on the next day,
    # although both are on the same UTC day.
    late = timedelta(hours=23) - timedelta(hours=10)
    placed = orders(order("o1", "closed", customer="a", at=23 * H, closed=3 * D))
    messages = chats(say("a", "buyer", late - M, "在吗"), say("a", "staff", late + 3 * H, "在的"))
    table = chat_flags(placed, messages, timezone=SHANGHAI)
    assert not flags_of(table, "o1")["no_next_day_follow_up"]


def test_lines_outside_the_window_do_not_make_a_conversation() -> None:
    messages = chats(say("a", "buyer", -2 * D, "在吗"), say("a", "staff", 3 * D, "在的"))
    table = chat_flags(orders(order("o1", "closed", customer="a")), messages, timezone=SHANGHAI)
    assert table.num_rows == 0


def test_a_line_carrying_the_order_id_joins_the_conversation_whenever_it_was_sent() -> None:
    messages = chats(
        {"order_id": "o1", "sender": "staff", "sent_at": PLACED + 5 * D, "text": "重拍"}
    )
    table = chat_flags(orders(order("o1", "closed")), messages, timezone=SHANGHAI)
    assert flags_of(table, "o1")["asked_to_reorder"]


def test_paid_orders_and_orders_outside_the_period_are_not_analysed() -> None:
    placed = orders(
        order("kept", "paid", customer="a", paid=H),
        order("lost", "closed", customer="a"),
        order("earlier", "closed", customer="a", at=-2 * D),
    )
    messages = chats(say("a", "buyer", -M, "在吗"))
    table = chat_flags(placed, messages, timezone=SHANGHAI, start=date(2024, 7, 30))
    assert table["order_id"].to_pylist() == ["lost"]


def test_the_summary_counts_and_shares_each_flag() -> None:
    placed = orders(
        order("o1", "closed", customer="a"),
        order("o2", "closed", customer="b"),
        order("o3", "closed", customer="c"),
    )
    messages = pa.concat_tables(
        [seed_chat(), chats(say("b", "buyer", -M, "在吗"), say("b", "staff", -M, "在"))]
    )
    table = chat_flags(placed, messages, timezone=SHANGHAI)
    summary = {row["flag"]: row for row in chat_flag_summary(table, lost_orders=3).to_pylist()}
    assert list(summary) == list(FLAGS)
    assert summary["asked_to_reorder"]["orders"] == 1
    assert summary["asked_to_reorder"]["share"] == pytest.approx(0.5)
    assert summary["asked_to_reorder"]["share_of_lost"] == pytest.approx(1 / 3)
    assert summary["no_next_day_follow_up"]["orders"] == 2
    assert summary["asked_to_reorder"]["label_zh"] == "客服让买家重拍"
