"""The recovery engine's reads and the agents' task outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Engine
from store_factories import NOW, T0, apply, contact, new_store, order

from winback.ingest.records import ChatMessageRecord, CustomerRecord
from winback.model import (
    ActionChannel,
    Channel,
    ChatSender,
    OrderStatus,
    PlannedAction,
    Platform,
    Purpose,
)
from winback.store import outbox, recovery


def test_unpaid_orders_come_with_their_buyers_history_contacts_and_consents(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    now = T0 + timedelta(days=40)
    records = [
        CustomerRecord(
            platform=Platform.TAOBAO,
            customer_id="buyer-a",
            phone=contact("13800138000"),
            accepts_sms_marketing=False,
        ),
        order("old-paid", OrderStatus.SETTLED, total="80.00"),
        order(
            "open",
            created_at=now - timedelta(hours=3),
            total="120.00",
            buyer_message="周末能发货吗",
        ),
        order("expired", created_at=now - timedelta(hours=80)),
        order("other", created_at=now - timedelta(hours=1), buyer="buyer-b"),
    ]
    apply(engine, store, records)
    with engine.connect() as conn:
        found = recovery.unpaid_orders(conn, store, ["other", "open", "unknown"], now=now)
    assert [o.order_id for o in found] == ["open", "other"]  # oldest first; unknown ids absent
    by_id = {o.order_id: o for o in found}
    mine = by_id["open"]
    assert mine.amount == Decimal("120.00") and mine.has_remark
    assert mine.buyer.customer_key == "buyer-a"
    assert (mine.buyer.paid_orders, mine.buyer.paid_amount) == (1, Decimal("80.00"))
    assert mine.buyer.phone_known and not mine.buyer.phone_masked
    assert mine.buyer.refused == frozenset({Channel.SMS})
    other = by_id["other"].buyer
    assert other.phone_masked and not other.phone_known and not other.returning


def test_closed_orders_of_a_day_carry_reasons_and_the_buyers_last_words(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    closed_at = T0 + timedelta(days=1)  # the factory closes an order a day after creation
    chats = [
        ChatMessageRecord(
            platform=Platform.TAOBAO,
            buyer_id="buyer-a",
            sent_at=T0 + timedelta(minutes=i),
            sender=ChatSender.BUYER if i % 2 == 0 else ChatSender.STAFF,
            text=f"line {i}",
        )
        for i in range(8)
    ]
    apply(engine, store, [order("c1", OrderStatus.CLOSED, close_reason="买家不想买了"), *chats])
    with engine.connect() as conn:
        (found,) = recovery.closed_orders(
            conn, store, {"c1": recovery.ClosedAt(closed_at, inferred=True)},
            now=closed_at + timedelta(hours=1), chat_lines=2,
        )  # fmt: skip
        lines = recovery.last_chat_lines(conn, store, [found.buyer.customer_id or 0], limit=3)
    assert found.order_id == "c1" and found.closed_at == closed_at and found.close_inferred
    assert found.texts == ("买家不想买了", "line 4", "line 6")
    assert [line.text for line in next(iter(lines.values()))] == ["line 5", "line 6", "line 7"]


def test_buyer_histories_count_orders_paid_orders_and_the_amount_paid(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    apply(
        engine,
        store,
        [
            order("1", OrderStatus.SETTLED, total="10.00"),
            order("2", OrderStatus.PAID, total="20.50"),
            order("3", OrderStatus.CLOSED),
        ],
    )
    with engine.connect() as conn:
        (open_order,) = recovery.closed_orders(
            conn, store, {"3": recovery.ClosedAt(T0, inferred=False)}, now=NOW
        )
        history = recovery.buyer_histories(conn, [open_order.buyer.customer_id or 0])
    (entry,) = history.values()
    assert (entry.orders, entry.paid_orders, entry.paid_amount) == (3, 2, Decimal("30.50"))


def test_the_latest_task_outcome_of_an_action_wins(engine: Engine) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
        task = PlannedAction(
            store_id=store, key="order:1:unpaid:1", playbook="unpaid", step=1,
            channel=ActionChannel.PHONE_TASK, purpose=Purpose.TRANSACTIONAL, due_at=NOW,
            template="unpaid_new", order_ids=("1",),
        )  # fmt: skip
        outbox.enqueue(conn, [task], now=NOW)
        (action,) = outbox.list_actions(conn, store_id=store)
        recovery.record_task_outcome(
            conn, store, action_id=action.id, outcome="no_answer", reason=None, note=None,
            agent="li", now=NOW,
        )  # fmt: skip
        recovery.record_task_outcome(
            conn, store, action_id=action.id, outcome="refused", reason="found_cheaper",
            note="别家便宜", agent="li", now=NOW + timedelta(hours=1),
        )  # fmt: skip
    with engine.connect() as conn:
        outcomes = recovery.task_outcomes_of(conn, store)
        heard = recovery.reasons_heard(conn, store)
    assert heard == [("别家便宜", "found_cheaper")]  # the no-answer call taught nothing
    assert outcomes[action.id].outcome == "refused"
    assert outcomes[action.id].reason == "found_cheaper"
    assert outcomes[action.id].recorded_at == NOW + timedelta(hours=1)
