"""The outbox's named queries on SQLite and PostgreSQL: enqueue, claim, finish, reconcile."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from store_factories import apply, new_store, order

from winback.model import ActionChannel, ActionStatus, IllegalActionMove, Purpose
from winback.store import outbox
from winback.store.schema import action_orders, customers
from winback.testing import DEFAULT_NOW, planned_action

NOW = DEFAULT_NOW


def a_store(engine: Engine) -> int:
    with engine.begin() as conn:
        return new_store(conn)


def test_enqueue_stores_each_key_once_however_often_it_is_planned(engine: Engine) -> None:
    store = a_store(engine)
    plan = [planned_action(store, "1001"), planned_action(store, "1002", step=2)]
    with engine.begin() as conn:
        first = outbox.enqueue(conn, plan, now=NOW)
    with engine.begin() as conn:
        again = outbox.enqueue(conn, [*plan, planned_action(store, "1003")], now=NOW)
        stored = outbox.list_actions(conn, store_id=store)
    assert first == outbox.EnqueueCounts(created=2, held_out=0, existing=0)
    assert again == outbox.EnqueueCounts(created=1, held_out=0, existing=2)
    assert sorted(a.key for a in stored) == [
        "order:1001:unpaid:1",
        "order:1002:unpaid:2",
        "order:1003:unpaid:1",
    ]


def test_an_enqueued_action_keeps_its_money_params_and_orders(engine: Engine) -> None:
    store = a_store(engine)
    plan = planned_action(
        store,
        "1001",
        key="buyer:tb1:unpaid:1",
        order_ids=("1001", "1002"),
        amount=Decimal("250.50"),
        params={"deadline": "16:00", "名字": "张三"},
    )
    with engine.begin() as conn:
        outbox.enqueue(conn, [plan], now=NOW)
        (action,) = outbox.list_actions(conn)
    assert action.status is ActionStatus.PLANNED
    assert action.amount == Decimal("250.50")
    assert action.order_ids == ("1001", "1002")
    assert action.params == {"deadline": "16:00", "名字": "张三"}
    assert action.due_at == NOW and action.due_at.utcoffset() == timedelta(0)


def test_a_held_out_action_is_stored_as_held_out_and_never_claimed(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        counts = outbox.enqueue(conn, [planned_action(store, held_out=True)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        claimed = outbox.claim_due(conn, now=NOW + timedelta(days=9), limit=10, worker="w1")
    with engine.connect() as conn:
        (action,) = outbox.list_actions(conn)
    assert counts.held_out == 1
    assert claimed == []
    assert action.status is ActionStatus.HELD_OUT


def test_claim_takes_only_due_actions_oldest_first_up_to_the_limit(engine: Engine) -> None:
    store = a_store(engine)
    plan = [
        planned_action(store, str(n), due_at=NOW - timedelta(minutes=n)) for n in range(1, 5)
    ] + [planned_action(store, "later", due_at=NOW + timedelta(seconds=1))]
    with engine.begin() as conn:
        outbox.enqueue(conn, plan, now=NOW)
    with outbox.write_transaction(engine) as conn:
        first = outbox.claim_due(conn, now=NOW, limit=3, worker="w1")
    with outbox.write_transaction(engine) as conn:
        second = outbox.claim_due(conn, now=NOW, limit=3, worker="w2")
    assert [a.order_ids for a in first] == [("4",), ("3",), ("2",)]
    assert [a.order_ids for a in second] == [("1",)]
    assert all(a.status is ActionStatus.SENDING and a.attempts == 1 for a in first + second)
    assert {a.claimed_by for a in first} == {"w1"}


def test_finishing_closes_the_attempt_and_records_the_provider_answer(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        (action,) = outbox.claim_due(conn, now=NOW, limit=1, worker="w1")
        attempt = outbox.record_attempt(conn, action, worker="w1", now=NOW)
        done = outbox.finish(
            conn, action.id, worker="w1", status=ActionStatus.SENT, now=NOW,
            attempt_id=attempt, outcome="sent", provider_id="SM-1", answer="OK",
        )  # fmt: skip
    with engine.connect() as conn:
        (stored,) = outbox.list_actions(conn)
        (row,) = outbox.attempts_of(conn, action.id)
    assert done
    assert stored.status is ActionStatus.SENT and stored.provider_id == "SM-1"
    assert stored.sent_at == NOW
    assert (row["number"], row["outcome"], row["provider_id"], row["answer"]) == (
        1, "sent", "SM-1", "OK",
    )  # fmt: skip


def test_a_worker_that_does_not_hold_the_claim_changes_nothing(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        (action,) = outbox.claim_due(conn, now=NOW, limit=1, worker="w1")
        assert outbox.record_attempt(conn, action, worker="w2", now=NOW) is None
        assert not outbox.finish(conn, action.id, worker="w2", status=ActionStatus.SENT, now=NOW)
        assert not outbox.defer(conn, action.id, worker="w2", until=NOW, now=NOW)
        (stored,) = outbox.list_actions(conn)
    assert stored.status is ActionStatus.SENDING and stored.claimed_by == "w1"


def test_an_illegal_move_is_refused_before_touching_the_row(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        (action,) = outbox.claim_due(conn, now=NOW, limit=1, worker="w1")
        with pytest.raises(IllegalActionMove, match="sending to held_out"):
            outbox.finish(conn, action.id, worker="w1", status=ActionStatus.HELD_OUT, now=NOW)


def test_a_deferred_action_is_claimable_again_when_its_new_time_comes(engine: Engine) -> None:
    store = a_store(engine)
    later = NOW + timedelta(hours=10)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        (action,) = outbox.claim_due(conn, now=NOW, limit=1, worker="w1")
        assert outbox.defer(conn, action.id, worker="w1", until=later, now=NOW)
    with outbox.write_transaction(engine) as conn:
        assert outbox.claim_due(conn, now=later - timedelta(seconds=1), limit=1, worker="w1") == []
        (again,) = outbox.claim_due(conn, now=later, limit=1, worker="w2")
    assert again.id == action.id and again.attempts == 2 and again.claimed_by == "w2"


def test_a_stale_sending_action_becomes_unknown_and_is_never_claimed_again(
    engine: Engine,
) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store, "1"), planned_action(store, "2")], now=NOW)
    with outbox.write_transaction(engine) as conn:
        old, fresh = outbox.claim_due(conn, now=NOW, limit=2, worker="dead")
        outbox.record_attempt(conn, old, worker="dead", now=NOW)
        outbox.record_attempt(conn, fresh, worker="dead", now=NOW + timedelta(minutes=9))
    with outbox.write_transaction(engine) as conn:
        counts = outbox.reconcile_stale_sending(
            conn, now=NOW + timedelta(minutes=10), stale_before=NOW + timedelta(minutes=5)
        )
        again = outbox.claim_due(conn, now=NOW + timedelta(days=1), limit=5, worker="w")
        statuses = {a.order_ids[0]: a.status for a in outbox.list_actions(conn)}
        (attempt,) = outbox.attempts_of(conn, old.id)
    assert counts == {"unknown": 1}
    assert again == []
    assert statuses == {"1": ActionStatus.UNKNOWN, "2": ActionStatus.SENDING}
    assert attempt["outcome"] == "unknown"


def test_a_stale_action_the_provider_knows_is_reconciled_as_sent(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        outbox.enqueue(conn, [planned_action(store)], now=NOW)
    with outbox.write_transaction(engine) as conn:
        outbox.claim_due(conn, now=NOW, limit=1, worker="dead")
    with outbox.write_transaction(engine) as conn:
        counts = outbox.reconcile_stale_sending(
            conn,
            now=NOW + timedelta(hours=1),
            stale_before=NOW + timedelta(minutes=1),
            resolve=lambda a: (ActionStatus.SENT, f"SM-{a.key}", "found at the provider"),
        )
        (action,) = outbox.list_actions(conn)
    assert counts == {"sent": 1}
    assert action.status is ActionStatus.SENT and action.provider_id == "SM-order:1001:unpaid:1"


def test_reminders_are_counted_per_order_across_playbooks(engine: Engine) -> None:
    store = a_store(engine)
    plan = [
        planned_action(store, "1001", playbook="unpaid", step=1),
        planned_action(store, "1001", playbook="vip", step=1),
        planned_action(store, "1001", playbook="unpaid", step=2),
        planned_action(store, "1002", key="buyer:b:unpaid:1", order_ids=("1002", "1003")),
        planned_action(store, "1003", purpose=Purpose.MARKETING, key="m"),
    ]
    with engine.begin() as conn:
        outbox.enqueue(conn, plan, now=NOW)
    with outbox.write_transaction(engine) as conn:
        for action in outbox.claim_due(conn, now=NOW, limit=10, worker="w"):
            if action.key != "order:1001:unpaid:2":
                outbox.finish(conn, action.id, worker="w", status=ActionStatus.SENT, now=NOW)
        counts = outbox.reminders_sent(conn, store, ["1001", "1002", "1003", "9"])
    assert counts == {"1001": 2, "1002": 1, "1003": 1}


def test_the_newest_consent_statement_is_the_answer(engine: Engine) -> None:
    store = a_store(engine)
    apply(engine, store, [order("1001")])
    with engine.begin() as conn:
        customer = conn.execute(select(customers.c.id)).scalar_one()
        from winback.store.schema import consents

        conn.execute(
            consents.insert(),
            [
                {"customer_id": customer, "channel": "sms", "granted": True, "source": "a",
                 "recorded_at": NOW},
                {"customer_id": customer, "channel": "sms", "granted": False, "source": "b",
                 "recorded_at": NOW},
                {"customer_id": customer, "channel": "email", "granted": True, "source": "a",
                 "recorded_at": NOW},
            ],
        )  # fmt: skip
        assert outbox.consents_of(conn, [customer]) == {
            (customer, "sms"): False,
            (customer, "email"): True,
        }


def test_a_suppressed_phone_matches_whatever_way_it_is_written(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn:
        added = outbox.add_suppression(
            conn, store_id=store, reason=outbox.SuppressionReason.REPLY_STOP, source="reply R",
            now=NOW, channel=ActionChannel.SMS, address="+86 138-0013-8000",
        )  # fmt: skip
        again = outbox.add_suppression(
            conn, store_id=store, reason=outbox.SuppressionReason.REPLY_STOP, source="reply T",
            now=NOW, channel=ActionChannel.SMS, address="13800138000",
        )  # fmt: skip
        sms = outbox.is_suppressed(
            conn, store_id=store, channel=ActionChannel.SMS, address="008613800138000"
        )
        email = outbox.is_suppressed(
            conn, store_id=store, channel=ActionChannel.EMAIL, address="13800138000"
        )
    assert added and not again
    assert sms is outbox.SuppressionReason.REPLY_STOP
    assert email is None


def test_an_erased_customer_is_suppressed_on_every_channel(engine: Engine) -> None:
    store = a_store(engine)
    apply(engine, store, [order("1001")])
    with engine.begin() as conn:
        customer = conn.execute(select(customers.c.id)).scalar_one()
        outbox.add_suppression(
            conn, store_id=store, reason=outbox.SuppressionReason.ERASURE, source="request",
            now=NOW, customer_id=customer,
        )  # fmt: skip
        found = [
            outbox.is_suppressed(conn, store_id=store, channel=channel, customer_id=customer)
            for channel in ActionChannel
        ]
    assert set(found) == {outbox.SuppressionReason.ERASURE}


def test_a_suppression_needs_an_address_or_a_customer(engine: Engine) -> None:
    store = a_store(engine)
    with engine.begin() as conn, pytest.raises(ValueError, match="address or a customer"):
        outbox.add_suppression(
            conn, store_id=store, reason=outbox.SuppressionReason.MANUAL, source="x", now=NOW
        )


def test_a_plan_larger_than_a_part_is_written_part_by_part_with_all_its_links(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "ENQUEUE_ROWS", 3)
    store = a_store(engine)
    from dataclasses import replace

    merged = replace(planned_action(store, "m1"), order_ids=("m1", "m2", "m1"))
    first = [planned_action(store, str(n)) for n in range(4)]
    with outbox.write_transaction(engine) as conn:
        outbox.enqueue(conn, first[:2], now=NOW)
    plan = [*first, merged, planned_action(store, "9", held_out=True), first[1]]
    with outbox.write_transaction(engine) as conn:
        counts = outbox.enqueue(conn, plan, now=NOW)
    assert (counts.created, counts.held_out, counts.existing) == (4, 1, 2)
    with engine.connect() as conn:
        actions = outbox.list_actions(conn, store_id=store)
        links = conn.execute(select(action_orders.c.action_id, action_orders.c.order_id)).all()
    by_id = {a.id: a for a in actions}
    assert sorted(o for a in actions for o in a.order_ids) == sorted(
        ["0", "1", "2", "3", "m1", "m2", "9"]
    )
    assert sorted((by_id[a].key, o) for a, o in links) == sorted(
        (a.key, o) for a in actions for o in a.order_ids
    )
