"""The dispatcher end to end on SQLite and PostgreSQL: claim, re-check, policy, send, record."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from act_factories import NOW, Shop, make_shop, unpaid_order
from sqlalchemy import Engine

from winback.act.channels.base import Message, SendResult
from winback.act.dispatcher import Dispatcher, PlainRenderer, WorklistChannel
from winback.model import (
    Action,
    ActionChannel,
    ActionStatus,
    OrderStatus,
    Purpose,
    SuppressionReason,
)
from winback.store import outbox, repo
from winback.store.outbox_engine import Outbox
from winback.store.schema import consents
from winback.testing import FixedClock, MemoryChannel, planned_action

SHANGHAI = ZoneInfo("Asia/Shanghai")


def enqueue(engine: Engine, *planned: Any) -> None:
    with engine.begin() as conn:
        outbox.enqueue(conn, list(planned), now=NOW)


def dispatcher(engine: Engine, channel: MemoryChannel, **kwargs: Any) -> Dispatcher:
    kwargs.setdefault("clock", FixedClock(NOW))
    channels = {channel.kind: channel, ActionChannel.PHONE_TASK: WorklistChannel()}
    return Dispatcher(Outbox(engine), channels, worker="w1", **kwargs)


def statuses(engine: Engine) -> dict[str, ActionStatus]:
    with engine.connect() as conn:
        return {a.key: a.status for a in outbox.list_actions(conn)}


def only_action(engine: Engine) -> Any:
    with engine.connect() as conn:
        (action,) = outbox.list_actions(conn)
        return action, outbox.attempts_of(conn, action.id)


def test_a_due_reminder_is_sent_to_the_buyers_phone_and_recorded(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel()
    report = dispatcher(engine, sms).drain()
    action, attempts = only_action(engine)
    assert report.outcomes["sent"] == 1
    assert [m.to for m in sms.sent] == ["13800130000"]
    assert sms.sent[0].key == "order:1000:unpaid:1"
    assert action.status is ActionStatus.SENT and action.provider_id == "mem-1"
    assert [(a["outcome"], a["provider_id"]) for a in attempts] == [("sent", "mem-1")]


def test_a_reminder_for_an_order_paid_since_planning_is_cancelled_not_sent(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    with engine.begin() as conn:
        repo.apply_records(
            conn,
            shop.store_id,
            [unpaid_order("1000", "b0", status=OrderStatus.PAID)],
            source_file="later.csv",
            now=NOW,
        )
    sms = MemoryChannel()
    dispatcher(engine, sms).drain()
    action, attempts = only_action(engine)
    assert sms.sent == []
    assert action.status is ActionStatus.CANCELLED
    assert action.last_error == "order 1000 already paid"
    assert attempts == []


def test_a_suppressed_buyer_gets_nothing_whatever_the_playbook_says(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    with engine.begin() as conn:
        outbox.add_suppression(
            conn, store_id=shop.store_id, reason=SuppressionReason.REPLY_STOP, source="R",
            now=NOW, channel=ActionChannel.SMS, address="+86 138 0013 0000",
        )  # fmt: skip
    sms = MemoryChannel()
    dispatcher(engine, sms).drain()
    action, _ = only_action(engine)
    assert sms.sent == [] and action.status is ActionStatus.SKIPPED


def test_marketing_without_consent_is_skipped_and_with_consent_sent(
    engine: Engine, shop: Shop
) -> None:
    b0, b1 = shop.customer_ids["b0"], shop.customer_ids["b1"]
    with engine.begin() as conn:
        conn.execute(
            consents.insert(),
            [{"customer_id": b1, "channel": "sms", "granted": True, "source": "crm",
              "recorded_at": NOW}],
        )  # fmt: skip
    enqueue(
        engine,
        *[
            planned_action(shop.store_id, key=f"buyer:{c}:winback:1", order_ids=(),
                           purpose=Purpose.MARKETING, customer_id=c, playbook="winback")
            for c in (b0, b1)
        ],
    )  # fmt: skip
    sms = MemoryChannel()
    dispatcher(engine, sms).drain()
    assert statuses(engine) == {
        f"buyer:{b0}:winback:1": ActionStatus.SKIPPED,
        f"buyer:{b1}:winback:1": ActionStatus.SENT,
    }


def test_the_second_marketing_message_in_a_day_is_capped_even_within_one_batch(
    engine: Engine, shop: Shop
) -> None:
    b1 = shop.customer_ids["b1"]
    with engine.begin() as conn:
        conn.execute(
            consents.insert(),
            [{"customer_id": b1, "channel": "sms", "granted": True, "source": "crm",
              "recorded_at": NOW}],
        )  # fmt: skip
    enqueue(
        engine,
        *[
            planned_action(shop.store_id, key=f"m{n}", order_ids=(), purpose=Purpose.MARKETING,
                           customer_id=b1, playbook=f"campaign{n}")
            for n in range(2)
        ],
    )  # fmt: skip
    sms = MemoryChannel()
    dispatcher(engine, sms).drain()
    assert len(sms.sent) == 1
    assert sorted(statuses(engine).values()) == [ActionStatus.SENT, ActionStatus.SKIPPED]


def test_a_reminder_due_at_night_waits_until_morning_then_goes(engine: Engine, shop: Shop) -> None:
    night = datetime(2024, 3, 1, 23, 0, tzinfo=SHANGHAI)
    enqueue(
        engine,
        planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"], due_at=night),
    )
    clock = FixedClock(night)
    sms = MemoryChannel()
    first = dispatcher(engine, sms, clock=clock).drain()
    action, _ = only_action(engine)
    assert first.outcomes["deferred"] == 1 and sms.sent == []
    assert action.status is ActionStatus.PLANNED
    assert action.due_at == datetime(2024, 3, 2, 8, 0, tzinfo=SHANGHAI)
    clock.set(datetime(2024, 3, 2, 8, 0, tzinfo=SHANGHAI))
    dispatcher(engine, sms, clock=clock).drain()
    assert len(sms.sent) == 1 and only_action(engine)[0].status is ActionStatus.SENT


def test_a_transient_failure_is_retried_with_backoff_and_every_try_recorded(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    clock = FixedClock(NOW)
    sms = MemoryChannel(script=[SendResult.transient("503 busy")])
    dispatcher(engine, sms, clock=clock).drain()
    action, _ = only_action(engine)
    assert action.status is ActionStatus.PLANNED
    assert action.due_at == NOW + timedelta(minutes=1)
    clock.advance(timedelta(minutes=1))
    dispatcher(engine, sms, clock=clock).drain()
    action, attempts = only_action(engine)
    assert action.status is ActionStatus.SENT and action.attempts == 2
    assert [(a["number"], a["outcome"], a["answer"]) for a in attempts] == [
        (1, "transient", "503 busy"),
        (2, "sent", None),
    ]


def test_a_permanent_failure_is_not_retried(engine: Engine, shop: Shop) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel(always=SendResult.permanent("invalid number"))
    clock = FixedClock(NOW)
    dispatcher(engine, sms, clock=clock).drain()
    clock.advance(timedelta(days=1))
    dispatcher(engine, sms, clock=clock).drain()
    action, attempts = only_action(engine)
    assert sms.calls == 1
    assert action.status is ActionStatus.FAILED and action.last_error == "invalid number"
    assert len(attempts) == 1


def test_transient_failures_give_up_after_the_last_attempt(engine: Engine, shop: Shop) -> None:
    from winback.act.retry import RetryPolicy

    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel(always=SendResult.transient("timeout"))
    clock = FixedClock(NOW)
    for _ in range(4):
        dispatcher(engine, sms, clock=clock, retry=RetryPolicy(max_attempts=3)).drain()
        clock.advance(timedelta(hours=1))
    action, attempts = only_action(engine)
    assert sms.calls == 3 and len(attempts) == 3
    assert action.status is ActionStatus.FAILED


def test_a_phone_task_is_delivered_by_putting_it_on_the_worklist(
    engine: Engine, shop: Shop
) -> None:
    enqueue(
        engine,
        planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"],
                       channel=ActionChannel.PHONE_TASK, amount=Decimal("899.00")),
    )  # fmt: skip
    sms = MemoryChannel()
    dispatcher(engine, sms).drain()
    action, _ = only_action(engine)
    assert sms.calls == 0
    assert action.status is ActionStatus.SENT and action.provider_id == "task:order:1000:unpaid:1"


def test_actions_on_a_channel_the_worker_cannot_deliver_are_left_for_another(
    engine: Engine, shop: Shop
) -> None:
    enqueue(
        engine,
        planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"],
                       channel=ActionChannel.EMAIL),
    )  # fmt: skip
    report = dispatcher(engine, MemoryChannel(ActionChannel.SMS)).drain()
    assert report.claimed == 0
    assert only_action(engine)[0].status is ActionStatus.PLANNED


def test_a_worker_restarting_after_a_crash_marks_its_unfinished_send_unknown(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    store = Outbox(engine)
    (claimed,) = store.claim(now=NOW, limit=1, worker="dead")
    store.open_attempts([claimed], worker="dead", now=NOW)  # then: SIGKILL
    sms = MemoryChannel()
    clock = FixedClock(NOW + timedelta(minutes=1))
    early = dispatcher(engine, sms, clock=clock).drain()
    assert early.reconciled == {} and only_action(engine)[0].status is ActionStatus.SENDING
    clock.advance(timedelta(minutes=10))
    late = dispatcher(engine, sms, clock=clock).drain()
    action, attempts = only_action(engine)
    assert late.reconciled == {"unknown": 1}
    assert action.status is ActionStatus.UNKNOWN and sms.calls == 0
    assert attempts[0]["outcome"] == "unknown"


def test_an_abandoned_send_the_provider_confirms_is_reconciled_as_sent(
    engine: Engine, shop: Shop
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel()
    store = Outbox(engine)
    (claimed,) = store.claim(now=NOW, limit=1, worker="dead")
    sms.send(dispatcher(engine, sms).renderer.render(claimed, "13800130000"))  # then: SIGKILL
    clock = FixedClock(NOW + timedelta(hours=1))
    report = dispatcher(engine, sms, clock=clock).drain()
    action, _ = only_action(engine)
    assert report.reconciled == {"sent": 1}
    assert action.status is ActionStatus.SENT and action.provider_id == "mem-1"
    assert sms.calls == 1


def test_a_masked_contact_is_never_logged_in_full(
    engine: Engine, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    with caplog.at_level("INFO", logger="winback.dispatch"):
        dispatcher(engine, MemoryChannel()).drain()
    assert "138****0000" in caplog.text and "13800130000" not in caplog.text
    assert "138****0000" in caplog.text


class PoisonedRenderer:
    """Renders every action plainly except one, whose template blows up the way a merchant's
    template can: ``{{ 1 // 0 }}`` raises ZeroDivisionError, not a TemplateError."""

    def __init__(self, poisoned_key: str, error: Exception) -> None:
        self.poisoned_key = poisoned_key
        self.error = error
        self.plain = PlainRenderer()

    def render(self, action: Action, to: str) -> Message:
        if action.key == self.poisoned_key:
            raise self.error
        return self.plain.render(action, to)


@pytest.mark.parametrize(
    "error",
    [ZeroDivisionError("integer division or modulo by zero"), ValueError("Exceeds the limit"),
     OverflowError("int too large"), TypeError("no loader"), IndexError("list index")],
    ids=lambda e: type(e).__name__,
)  # fmt: skip
def test_one_actions_render_error_fails_it_alone_and_the_batch_is_sent_and_recorded(
    engine: Engine, error: Exception
) -> None:
    shop = make_shop(engine, buyers=6)
    enqueue(
        engine,
        *[planned_action(shop.store_id, str(1000 + n), customer_id=shop.customer_ids[f"b{n}"])
          for n in range(6)],
    )  # fmt: skip
    sms = MemoryChannel()
    clock = FixedClock(NOW)
    report = dispatcher(engine, sms, clock=clock, renderer=PoisonedRenderer(
        "order:1002:unpaid:1", error)).drain()  # fmt: skip
    clock.advance(timedelta(hours=1))  # long past the lease: nothing is left to reconcile
    later = dispatcher(engine, sms, clock=clock).drain()
    found = statuses(engine)
    assert report.outcomes == {"sent": 5, "failed": 1}
    assert later.reconciled == {} and later.claimed == 0
    assert found.pop("order:1002:unpaid:1") is ActionStatus.FAILED
    assert set(found.values()) == {ActionStatus.SENT}
    assert sorted(m.key for m in sms.sent) == sorted(found)
    with engine.connect() as conn:
        (poisoned,) = [a for a in outbox.list_actions(conn) if a.key == "order:1002:unpaid:1"]
    assert poisoned.last_error is not None
    assert poisoned.last_error.startswith(f"cannot render: {type(error).__name__}: ")


class ExplodingChannel(MemoryChannel):
    """A channel with a bug: it raises for one recipient instead of returning a result."""

    raised = 0

    def send(self, message: Message) -> SendResult:
        if message.to == "13800130001":
            self.raised += 1
            raise RuntimeError("unexpected provider answer for 13800130001")
        return super().send(message)


def test_a_channel_that_raises_fails_that_action_only_never_retried(
    engine: Engine, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(
        engine,
        *[planned_action(shop.store_id, str(1000 + n), customer_id=shop.customer_ids[f"b{n}"])
          for n in range(3)],
    )  # fmt: skip
    sms = ExplodingChannel()
    clock = FixedClock(NOW)
    with caplog.at_level("INFO", logger="winback.dispatch"):
        dispatcher(engine, sms, clock=clock).drain()
    clock.advance(timedelta(days=1))
    dispatcher(engine, sms, clock=clock).drain()
    assert statuses(engine) == {
        "order:1000:unpaid:1": ActionStatus.SENT,
        "order:1001:unpaid:1": ActionStatus.FAILED,
        "order:1002:unpaid:1": ActionStatus.SENT,
    }
    assert sms.raised == 1 and len(sms.sent) == 2  # the failed one was not tried again
    assert "RuntimeError" in caplog.text and "13800130001" not in caplog.text


def test_what_was_sent_is_recorded_even_when_the_batch_is_interrupted(
    engine: Engine, shop: Shop
) -> None:
    """An error that is not one action's (here: the worker is told to stop mid-batch) still
    leaves the sends made before it recorded as sent, not ``unknown`` after the lease."""

    class StopAfterTwo(MemoryChannel):
        def send(self, message: Message) -> SendResult:
            if self.calls == 2:
                raise KeyboardInterrupt
            return super().send(message)

    enqueue(
        engine,
        *[planned_action(shop.store_id, str(1000 + n), customer_id=shop.customer_ids[f"b{n}"])
          for n in range(3)],
    )  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        dispatcher(engine, StopAfterTwo()).drain()
    found = statuses(engine)
    assert sorted(found.values()) == [ActionStatus.SENDING, ActionStatus.SENT, ActionStatus.SENT]


def test_a_providers_answer_quoting_the_number_is_masked_in_the_record_and_the_log(
    engine: Engine, shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel(always=SendResult.permanent("invalid number +8613800130000"))
    with caplog.at_level("INFO", logger="winback.dispatch"):
        dispatcher(engine, sms).drain()
    action, attempts = only_action(engine)
    assert action.last_error == "invalid number +86138****0000"
    assert attempts[0]["answer"] == "invalid number +86138****0000"
    assert "13800130000" not in caplog.text


def test_each_store_is_held_to_its_own_send_policy(engine: Engine, shop: Shop) -> None:
    from winback.config import PolicySettings

    enqueue(engine, planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"]))
    sms = MemoryChannel()
    none_allowed = PolicySettings(reminders_per_order=0)
    dispatcher(engine, sms, store_rules={shop.store_id: none_allowed}).drain()
    action, _ = only_action(engine)
    assert sms.sent == [] and action.status is ActionStatus.SKIPPED
    assert action.last_error == "cap: 0 reminders per order"
