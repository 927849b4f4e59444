"""The I4 non-negotiable: no payment reminder goes to an order whose paid event arrived,
whether it arrived before the reminder was planned or after (planned, then paid, then due).

Shopify deliveries arrive late (up to 20 minutes) and duplicated (30% again, up to two hours
later), as ``winback serve`` would take them: stored, applied by the background worker; the
shop plans every hour and the dispatcher runs every 30 minutes with in-memory channels.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

import pytest
from shopify_stream import order_stream
from sqlalchemy import Engine, select
from webhook_helpers import deliver, shopify_app

from winback.act.channels.memory import MemoryChannel
from winback.model import ActionChannel
from winback.services import dashboard, recovery, webhooks
from winback.services.dispatch import ChannelSet, default_channels, dispatch
from winback.store.schema import action_orders, actions, webhook_events

STEP = timedelta(minutes=30)


def memory_channels(app: object) -> ChannelSet:
    found = default_channels(app, env={})  # type: ignore[arg-type]
    for kind in (ActionChannel.EMAIL, ActionChannel.SMS, ActionChannel.IM_ROBOT):
        found.channels[kind] = MemoryChannel()
    found.missing.clear()
    return found


@pytest.mark.slow
def test_no_reminder_reaches_an_order_whose_paid_event_had_arrived(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard, "refresh_after_change", lambda *_, **__: None)  # not tested here
    draw = random.Random(5)
    events = order_stream(90, seed=3)
    arrivals = [(d.triggered_at + timedelta(seconds=draw.randint(0, 1200)), d) for d in events]
    arrivals += [
        (d.triggered_at + timedelta(seconds=draw.randint(0, 7200)), d)
        for d in draw.sample(events, int(len(events) * 0.3))
    ]
    arrivals.sort(key=lambda pair: pair[0])
    app, store = shopify_app(
        engine, tmp_path, pay_url="https://shop.example.com/orders/{order_id}/pay"
    )
    clock = app.clock
    now = arrivals[0][0]
    end = arrivals[-1][0] + timedelta(days=1)
    position = step = 0
    while now <= end:
        clock.set(now)  # type: ignore[attr-defined]
        arrived = []
        while position < len(arrivals) and arrivals[position][0] <= now:
            arrived.append(arrivals[position][1])
            position += 1
        deliver(app, store, arrived)
        webhooks.apply_pending(app)  # serve's background worker
        if step % 2 == 0:
            recovery.plan(app, "us-shop")
        dispatch(app, channels=memory_channels)
        now += STEP
        step += 1

    with engine.connect() as conn:
        paid_arrival: dict[str, object] = {}
        for row in conn.execute(select(webhook_events)):
            if json.loads(row.body).get("financial_status") in ("paid", "refunded"):
                first = paid_arrival.get(row.resource_id)
                paid_arrival[row.resource_id] = (
                    min(first, row.received_at) if first else row.received_at
                )
        sent = conn.execute(
            select(actions.c.id, actions.c.sent_at, actions.c.channel, action_orders.c.order_id)
            .join(action_orders, action_orders.c.action_id == actions.c.id)
            .where(actions.c.playbook == "unpaid", actions.c.status == "sent")
        ).all()
        cancelled = conn.execute(
            select(actions.c.id).where(
                actions.c.playbook == "unpaid", actions.c.status == "cancelled"
            )
        ).all()
    assert len(sent) > 20, "too few reminders were sent for the check to mean anything"
    assert cancelled, (
        "no reminder planned before a payment was cancelled: the other case is untested"
    )
    late = [
        (row.order_id, row.sent_at, paid_arrival[row.order_id])
        for row in sent
        if row.order_id in paid_arrival and paid_arrival[row.order_id] <= row.sent_at
    ]
    assert late == []
