"""The recovery engine's reads and the agents' task outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text
from store_factories import NOW, T0, apply, contact, new_store, order

from winback.contracts import BUYERS
from winback.ingest.records import ChatMessageRecord, CustomerRecord, OrderLineRecord
from winback.model import (
    ActionChannel,
    ChatSender,
    OrderStatus,
    PlannedAction,
    Platform,
    Purpose,
)
from winback.store import outbox, planning_facts, recovery


def test_buyers_come_with_contacts_masks_consents_and_the_platforms_chat(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    records = [
        CustomerRecord(
            platform=Platform.TAOBAO,
            customer_id="buyer-a",
            phone=contact("13800138000"),
            accepts_sms_marketing=False,
        ),
        order("open", created_at=NOW - timedelta(hours=3), buyer_message="周末能发货吗"),
        order("other", created_at=NOW - timedelta(hours=1), buyer="buyer-b"),
    ]
    apply(engine, store, records)
    with engine.connect() as conn:
        everyone = planning_facts.buyers(conn, store)
        only_b = planning_facts.buyers(conn, store, ["buyer-b", "nobody"])
    assert everyone.schema == BUYERS
    by_key = {row["customer_key"]: row for row in everyone.to_pylist()}
    mine = by_key["buyer-a"]
    assert mine["phone_known"] and not mine["phone_masked"]
    assert mine["sms_refused"] and not mine["sms_granted"] and not mine["phone_refused"]
    assert mine["chat"]  # a Taobao buyer id: the platform's chat reaches them
    other = by_key["buyer-b"]
    assert other["phone_masked"] and not other["phone_known"]
    assert only_b["customer_key"].to_pylist() == ["buyer-b"]


def test_lines_of_a_window_come_in_order_whether_the_window_is_most_of_the_store_or_not(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)
    lines = tuple(
        OrderLineRecord(line_id=str(n), title=f"t{n}", quantity=1, unit_price=Decimal(1))
        for n in (1, 2, 10)
    )
    apply(
        engine,
        store,
        [
            order("old", created_at=NOW - timedelta(days=30), lines=lines),
            order("new", created_at=NOW - timedelta(hours=1), lines=lines),
        ],
    )
    with engine.connect() as conn:
        recent = planning_facts.order_lines_since(
            conn, store, placed_after=NOW - timedelta(days=1), now=NOW
        )
        everything = planning_facts.order_lines_since(
            conn, store, placed_after=NOW - timedelta(days=60), now=NOW
        )
    assert recent["title"].to_pylist() == ["t1", "t2", "t10"]  # line order, not "10" < "2"
    assert everything["order_id"].to_pylist() == ["old"] * 3 + ["new"] * 3


def test_closed_texts_are_the_reasons_then_the_buyers_last_words(engine: Engine) -> None:
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
        (found,) = planning_facts.closed_texts(
            conn, store, ["c1"], now=closed_at + timedelta(hours=1), chat_lines=2
        ).to_pylist()
        customer = conn.execute(text("SELECT id FROM customers")).scalar_one()
        lines = recovery.last_chat_lines(conn, store, [customer], limit=3)
    assert found == {"order_id": "c1", "texts": ["买家不想买了", "line 4", "line 6"]}
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
        customer = conn.execute(text("SELECT id FROM customers")).scalar_one()
        history = recovery.buyer_histories(conn, [customer])
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


def test_earlier_steps_are_the_highest_step_and_latest_due_per_playbook_and_order(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        store = new_store(conn)

        def planned(key: str, playbook: str, step: int, hours: int, orders: tuple[str, ...]) -> Any:
            return PlannedAction(
                store_id=store, key=key, playbook=playbook, step=step,
                channel=ActionChannel.SMS, purpose=Purpose.TRANSACTIONAL,
                due_at=NOW + timedelta(hours=hours), template="t", order_ids=orders,
            )  # fmt: skip

        outbox.enqueue(
            conn,
            [
                planned("a1", "unpaid", 1, 1, ("o1", "o2")),
                planned("a2", "unpaid", 2, 20, ("o1",)),
                planned("b1", "vip", 1, 5, ("o1",)),
                planned("c1", "unpaid", 1, 3, ("o3",)),
            ],
            now=NOW,
        )
    with engine.connect() as conn:
        found = planning_facts.earlier_steps(
            conn, store, playbooks=["unpaid", "vip"], due_since=NOW - timedelta(hours=1)
        )
    rows = {(r["playbook"], r["order_id"]): (r["step"], r["due_at"]) for r in found.to_pylist()}
    assert rows == {
        ("unpaid", "o1"): (2, NOW + timedelta(hours=20)),
        ("unpaid", "o2"): (1, NOW + timedelta(hours=1)),
        ("unpaid", "o3"): (1, NOW + timedelta(hours=3)),
        ("vip", "o1"): (1, NOW + timedelta(hours=5)),
    }
