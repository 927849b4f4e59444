"""Shared by the webhook tests: an App on a test engine, delivering events through the
service, and a dump of the store by natural keys (row ids differ between runs)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopify_stream import Delivery
from sqlalchemy import Engine, select

from winback.app import App
from winback.config import Settings
from winback.services import webhooks
from winback.store import repo
from winback.store.schema import customers, order_events, order_lines, orders
from winback.testing import FixedClock

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def shopify_app(engine: Engine, cwd: Path, **store: Any) -> tuple[App, int]:
    settings = Settings.model_validate(
        {
            "store": {
                "name": "us-shop",
                "platform": "shopify",
                "timezone": "America/New_York",
                "currency": "USD",
                "language": "en",
                **store,
            }
        }
    )
    app = App(settings=settings, engine=engine, cwd=cwd, clock=FixedClock(NOW))
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name="us-shop", platform="shopify", timezone="America/New_York", currency="USD"
        )
    return app, store_id


def deliver(app: App, store_id: int, deliveries: Iterable[Delivery]) -> int:
    """Each delivery as the endpoint takes it in; how many were new."""
    new = 0
    for delivery in deliveries:
        headers = {k.lower(): v for k, v in delivery.headers().items()}
        event = webhooks.shopify_event(headers, delivery.body, webhooks.decode(delivery.body))
        new += webhooks.receive(app, store_id, event)
    return new


def store_dump(engine: Engine) -> dict[str, Any]:
    """Orders, lines, timelines and customers keyed by their platform ids."""
    with engine.connect() as conn:
        keys = dict(conn.execute(select(customers.c.id, customers.c.customer_key)).all())
        order_rows = {
            row.order_id: {
                **{k: v for k, v in row._mapping.items() if k not in ("id", "customer_id")},
                "customer": keys.get(row.customer_id),
            }
            for row in conn.execute(select(orders))
        }
        ids = dict(conn.execute(select(orders.c.id, orders.c.order_id)).all())
        lines = sorted(
            (ids[row.order_row_id], row.line_id, row.title, row.quantity, row.unit_price, row.sku)
            for row in conn.execute(select(order_lines))
        )
        events = sorted(
            (ids[row.order_row_id], row.status, row.at)
            for row in conn.execute(select(order_events))
        )
        people = {
            row.customer_key: (row.name, row.phone, row.email, row.region)
            for row in conn.execute(select(customers))
        }
    return {"orders": order_rows, "lines": lines, "events": events, "customers": people}
