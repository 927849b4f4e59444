"""The simulated buyers' answers to the demo's reminders (winback.demo.responses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from winback.demo.responses import (
    AUTO_CLOSE_REASON,
    BASELINE_LATE_PAYMENT,
    UPLIFT,
    OpenOrder,
    Response,
    Touch,
    assumptions,
    orders_at,
    respond,
)
from winback.ingest.records import OrderRecord
from winback.model import ActionChannel, OrderStatus, Platform

START = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
END = START + timedelta(hours=24)
CLOSE_AFTER = timedelta(hours=72)


def _orders(count: int, *, returning: bool = False) -> list[OpenOrder]:
    return [
        OpenOrder(f"{4_000_000_000_000_000_000 + n}", START - timedelta(hours=n % 60), returning)
        for n in range(count)
    ]


def _respond(orders: list[OpenOrder], touches: list[Touch], seed: int = 2) -> dict[str, Response]:
    return respond(orders, touches, seed=seed, start=START, end=END, close_after=CLOSE_AFTER)


def _phone_calls(orders: list[OpenOrder], at: datetime) -> list[Touch]:
    return [Touch(o.order_id, ActionChannel.PHONE_TASK, at) for o in orders]


def test_the_same_seed_gives_the_same_answers_and_another_seed_other_ones() -> None:
    orders = _orders(400)
    touches = _phone_calls(orders[::2], START + timedelta(hours=3))
    assert _respond(orders, touches) == _respond(orders, touches)
    assert _respond(orders, touches) != _respond(orders, touches, seed=3)


def test_an_order_answers_the_same_whatever_other_orders_are_simulated() -> None:
    orders = _orders(50)
    assert _respond(orders[:10], [])[orders[3].order_id] == _respond(orders, [])[orders[3].order_id]


def test_buyers_who_were_not_reached_pay_only_at_the_baseline_rate() -> None:
    orders = _orders(4000)
    answers = _respond(orders, [])
    assert not any(answer.reminded for answer in answers.values())
    paid = sum(answer.paid_at is not None for answer in answers.values())
    still_open = sum(o.created_at + CLOSE_AFTER > START for o in orders)
    assert abs(paid / still_open - BASELINE_LATE_PAYMENT) < 0.015


def test_held_out_buyers_get_no_uplift_when_others_are_reminded() -> None:
    orders = _orders(600)
    treated, held_out = orders[:300], orders[300:]
    touches = _phone_calls(treated, START + timedelta(hours=2))
    alone, together = _respond(held_out, []), _respond(orders, touches)
    assert all(together[o.order_id] == alone[o.order_id] for o in held_out)
    reminded = sum(together[o.order_id].reminded for o in treated)
    assert reminded > 0.5 * UPLIFT[ActionChannel.PHONE_TASK] * len(treated)


def test_a_reminded_buyer_pays_after_the_reminder_and_before_the_deadline() -> None:
    orders = _orders(500, returning=True)
    sent = START + timedelta(hours=1)
    answers = _respond(orders, _phone_calls(orders, sent))
    for order in orders:
        answer = answers[order.order_id]
        if answer.reminded:
            assert answer.paid_at is not None and sent < answer.paid_at
        if answer.paid_at is not None:
            assert START < answer.paid_at <= min(order.created_at + CLOSE_AFTER, END)
            assert answer.paid_at.microsecond == 0 and answer.closed_at is None


def test_returning_buyers_respond_more_than_new_ones() -> None:
    at = START + timedelta(hours=1)
    new, back = _orders(2000), _orders(2000, returning=True)
    count_new = sum(a.reminded for a in _respond(new, _phone_calls(new, at)).values())
    count_back = sum(a.reminded for a in _respond(back, _phone_calls(back, at)).values())
    assert count_back > count_new


def test_a_reminder_sent_after_the_payment_changes_nothing() -> None:
    orders = _orders(2000)
    answers = _respond(orders, [])
    payers = [o for o in orders if answers[o.order_id].paid_at is not None]
    late = [Touch(o.order_id, ActionChannel.PHONE_TASK, END - timedelta(seconds=1)) for o in payers]
    assert all(_respond(payers, late)[o.order_id] == answers[o.order_id] for o in payers)


def test_orders_past_their_deadline_close_and_the_export_moves_them_forward() -> None:
    created = START - CLOSE_AFTER + timedelta(hours=5)
    order = OrderRecord(
        platform=Platform.TAOBAO,
        order_id="4000000000000000999",
        status=OrderStatus.PENDING,
        created_at=created,
        total_amount=Decimal("199.00"),
    )
    answer = _respond([OpenOrder(order.order_id, created, False)], [])[order.order_id]
    if answer.paid_at is None:
        assert answer.closed_at == created + CLOSE_AFTER
        (moved,) = orders_at([order], {order.order_id: answer}, END)
        assert moved.status is OrderStatus.CLOSED and moved.close_reason == AUTO_CLOSE_REASON
    paid = Response(order.order_id, paid_at=START + timedelta(hours=2))
    (before,) = orders_at([order], {order.order_id: paid}, START + timedelta(hours=1))
    (after,) = orders_at([order], {order.order_id: paid}, END)
    assert before is order
    assert after.status is OrderStatus.PAID and after.paid_amount == Decimal("199.00")


def test_the_assumptions_are_printed_as_assumptions() -> None:
    line = assumptions()
    assert f"{BASELINE_LATE_PAYMENT:.0%}" in line and "phone task" in line
