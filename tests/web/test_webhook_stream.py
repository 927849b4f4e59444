"""The I4 proof: duplicated, shuffled webhook deliveries end in the same store as the events
in order, and a late, older event never moves an order backwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopify_stream import duplicated_and_shuffled, order_stream
from sqlalchemy import Engine, select
from webhook_helpers import deliver, shopify_app, store_dump

from winback.model import OrderStatus
from winback.services import webhooks
from winback.store.db import connect, migrate
from winback.store.schema import orders, webhook_events


def _fresh(tmp_path: Path, name: str, url: str | None) -> Engine:
    engine = connect(url or f"sqlite:///{tmp_path / name}")
    migrate(engine)
    return engine


@pytest.mark.slow
def test_ten_thousand_duplicated_shuffled_events_give_the_store_of_the_events_in_order(
    tmp_path: Path,
) -> None:
    in_order = order_stream(1000)
    stream = duplicated_and_shuffled(in_order, total=10_000)
    assert len(stream) == 10_000
    assert 0.25 < (len(stream) - len(in_order)) / len(in_order) < 0.35

    ordered_engine = _fresh(tmp_path, "ordered.db", None)
    app, store = shopify_app(ordered_engine, tmp_path)
    for start in range(0, len(in_order), 700):  # the applier runs while events arrive
        deliver(app, store, in_order[start : start + 700])
        webhooks.apply_pending(app)
    expected = store_dump(ordered_engine)

    shuffled_engine = _fresh(tmp_path, "shuffled.db", None)
    app, store = shopify_app(shuffled_engine, tmp_path)
    new = 0
    for start in range(0, len(stream), 700):
        new += deliver(app, store, stream[start : start + 700])
        webhooks.apply_pending(app)
    assert new == len(in_order)  # every redelivery was recognised
    assert store_dump(shuffled_engine) == expected
    assert len(expected["orders"]) == 1000

    with shuffled_engine.connect() as conn:
        states = set(conn.scalars(select(webhook_events.c.state)))
        statuses = set(conn.scalars(select(orders.c.status)))
    assert states == {"applied"}
    assert {"shipped", "refunded", "closed"} <= statuses


def test_a_late_older_event_does_not_move_an_order_backwards(
    engine: Engine, tmp_path: Path
) -> None:
    life = [d for d in order_stream(3) if d.order_id == order_stream(3)[0].order_id]
    app, store = shopify_app(engine, tmp_path)
    deliver(app, store, life[-1:])  # the newest snapshot first
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        first = conn.execute(select(orders.c.status, orders.c.updated_at)).one()
    deliver(app, store, life[:-1])  # then every older one, late
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        status = conn.scalar(select(orders.c.status))
    assert status == first.status
    assert OrderStatus(status) is not OrderStatus.PENDING


def test_the_same_store_on_postgresql_as_on_sqlite(tmp_path: Path, database_url: str) -> None:
    """A smaller stream, shuffled, on each backend: the same dump as SQLite in order."""
    in_order = order_stream(60)
    stream = duplicated_and_shuffled(in_order, total=int(len(in_order) * 1.3))
    reference = _fresh(tmp_path, "reference.db", None)
    app, store = shopify_app(reference, tmp_path)
    deliver(app, store, in_order)
    webhooks.apply_pending(app)
    engine = _fresh(tmp_path, "x.db", database_url)
    try:
        app, store = shopify_app(engine, tmp_path)
        for start in range(0, len(stream), 50):
            deliver(app, store, stream[start : start + 50])
            webhooks.apply_pending(app)
        assert store_dump(engine) == store_dump(reference)
    finally:
        engine.dispose()


def test_an_order_in_another_currency_is_rejected_never_merged_into_the_store(
    engine: Engine, tmp_path: Path
) -> None:
    """Stores never mix: a webhook order in euros sent to a dollar store is rejected in the
    inbox with the reason, and nothing of it reaches the orders."""
    from dataclasses import replace

    from shopify_stream import order_stream
    from sqlalchemy import func, select
    from webhook_helpers import deliver, shopify_app

    from winback.services import webhooks
    from winback.store.schema import orders, webhook_events

    app, store_id = shopify_app(engine, tmp_path)
    euro = [
        replace(d, body=d.body.replace(b'"USD"', b'"EUR"'))
        for d in order_stream(1)
        if d.topic == "orders/create"
    ][:1]
    assert deliver(app, store_id, euro) == 1
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(orders)) == 0
        (state, problem) = conn.execute(
            select(webhook_events.c.state, webhook_events.c.problem)
        ).one()
    assert state == "rejected" and "in EUR; the store trades in USD" in problem
