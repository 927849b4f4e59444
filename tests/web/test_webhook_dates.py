"""Issue 12.2 for webhooks: an order whose creation date is outside the store's accepted
window (``[imports] earliest_date`` … now + ``future_margin``, as for files) is rejected with
the reason and never stored, on SQLite and PostgreSQL; the readers built on it keep working."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from shopify_stream import Delivery, OrderLife
from sqlalchemy import Engine, select
from webhook_helpers import NOW, deliver, shopify_app

from winback.services import webhooks
from winback.services.summary import store_status
from winback.store.schema import orders, webhook_events


def delivery(number: int, created: str) -> Delivery:
    life = OrderLife(number, datetime(2024, 5, 1, tzinfo=UTC), buyer=number)
    body = {**life.base(), "created_at": created, "processed_at": created}
    return Delivery("orders/create", f"e{number}", NOW, json.dumps(body).encode(), str(number))


@pytest.mark.parametrize(
    "created",
    ["0001-01-01T00:00:00Z", "2002-12-31T10:00:00Z", "2099-01-01T00:00:00Z",
     (NOW + timedelta(days=5)).isoformat()],
    ids=["year 1", "before earliest_date", "far future", "past future_margin"],
)  # fmt: skip
def test_a_webhook_order_dated_outside_the_window_is_rejected_and_never_stored(
    engine: Engine, tmp_path: Path, created: str
) -> None:
    app, store_id = shopify_app(engine, tmp_path)
    deliver(app, store_id, [delivery(1, "2024-05-01T10:00:00Z"), delivery(2, created)])
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        stored = [row.order_id for row in conn.execute(select(orders.c.order_id))]
        events = select(webhook_events.c.resource_id, webhook_events.c.state)
        states = dict(conn.execute(events).all())
        problems = [p for (p,) in conn.execute(select(webhook_events.c.problem)) if p]
    assert stored == ["5000000001"]
    assert states == {"5000000001": "applied", "5000000002": "rejected"}
    [problem] = problems
    assert "created_at" in problem and ("outside" in problem or "accepted" in problem)
    summary = store_status(app)  # a reader over the store: no OverflowError
    assert summary[0].orders == 1
