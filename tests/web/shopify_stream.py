"""Shopify webhook deliveries as Shopify sends them: a store's orders living their lives
(created, paid later or at checkout, fulfilled, refunded, cancelled unpaid), each change an
``orders/*`` event whose body is the whole order object (the Admin REST shape) and whose
headers carry the topic, shop, event id, webhook id and trigger time.

Shapes follow https://shopify.dev/docs/api/admin-rest/latest/resources/order and
https://shopify.dev/docs/apps/build/webhooks (headers); the values are made up.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from winback.ingest.shopify_json import webhook_signature

SHOP = "qiaoyi-demo.myshopify.com"
SECRET = "shpss_0123456789abcdef0123456789abcdef"
START = datetime(2024, 3, 1, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Delivery:
    topic: str
    event_id: str
    triggered_at: datetime
    body: bytes
    order_id: str
    webhook_id: str = "wh-1"

    def headers(self, secret: str = SECRET) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "X-Shopify-Topic": self.topic,
            "X-Shopify-Shop-Domain": SHOP,
            "X-Shopify-Event-Id": self.event_id,
            "X-Shopify-Webhook-Id": self.webhook_id,
            "X-Shopify-Triggered-At": self.triggered_at.isoformat().replace("+00:00", "Z"),
            "X-Shopify-Api-Version": "2025-01",
            "X-Shopify-Hmac-Sha256": webhook_signature(secret, self.body),
        }


@dataclass
class OrderLife:
    """One order's object, changed step by step; each change is an event."""

    number: int
    created: datetime
    buyer: int
    state: dict[str, Any] = field(default_factory=dict)

    def base(self) -> dict[str, Any]:
        price = Decimal(50 + (self.number * 37) % 400) + Decimal("0.90")
        quantity = 1 + self.number % 3
        total = price * quantity + Decimal("8.00")
        email = f"buyer{self.buyer}@example.com"
        return {
            "id": 5_000_000_000 + self.number,
            "name": f"#{1000 + self.number}",
            "email": email,
            "phone": f"+1415555{self.buyer:04d}",
            "created_at": _iso(self.created),
            "updated_at": _iso(self.created),
            "processed_at": _iso(self.created),
            "cancelled_at": None,
            "cancel_reason": None,
            "closed_at": None,
            "financial_status": "pending",
            "fulfillment_status": None,
            "currency": "USD",
            "total_price": f"{total:.2f}",
            "subtotal_price": f"{price * quantity:.2f}",
            "total_discounts": "0.00",
            "total_shipping_price_set": {
                "shop_money": {"amount": "8.00", "currency_code": "USD"},
                "presentment_money": {"amount": "8.00", "currency_code": "USD"},
            },
            "note": None,
            "payment_gateway_names": ["manual"],
            "customer": {
                "id": 7_000_000 + self.buyer,
                "email": email,
                "first_name": "Avery",
                "last_name": f"Buyer{self.buyer}",
                "phone": None,
            },
            "billing_address": {"first_name": "Avery", "last_name": f"Buyer{self.buyer}",
                                "province": "California", "country": "United States"},
            "shipping_address": {"first_name": "Avery", "last_name": f"Buyer{self.buyer}",
                                 "province": "California", "country": "United States"},
            "line_items": [
                {
                    "id": 9_000_000_000 + self.number,
                    "title": "Linen Shirt",
                    "variant_title": "Blue / M",
                    "quantity": quantity,
                    "price": f"{price:.2f}",
                    "sku": f"LS-{self.number % 20:02d}",
                    "product_id": 6_000_000 + self.number % 20,
                }
            ],
            "fulfillments": [],
            "refunds": [],
        }  # fmt: skip


def order_stream(orders: int, *, seed: int = 7) -> list[Delivery]:
    """Every event of ``orders`` orders, in the order Shopify triggered them."""
    draw = random.Random(seed)
    deliveries: list[Delivery] = []
    for number in range(orders):
        created = START + timedelta(minutes=7 * number)
        deliveries.extend(_life(OrderLife(number, created, number % (orders // 3 + 1)), draw))
    deliveries.sort(key=lambda d: (d.triggered_at, d.event_id))
    return deliveries


def _life(order: OrderLife, draw: random.Random) -> list[Delivery]:
    body = order.base()
    events: list[Delivery] = []
    now = order.created
    counter = iter(range(100))

    def emit(topic: str) -> None:
        body["updated_at"] = _iso(now)
        events.append(
            Delivery(
                topic=topic,
                event_id=f"evt-{order.number}-{next(counter)}",
                triggered_at=now,
                body=json.dumps(body).encode(),
                order_id=str(body["id"]),
            )
        )

    fate = draw.random()
    paid_at_checkout = draw.random() < 0.5
    if paid_at_checkout and fate < 0.85:
        body["financial_status"] = "paid"
        body["payment_gateway_names"] = ["shopify_payments"]
    emit("orders/create")
    now += timedelta(seconds=20)
    emit("orders/updated")
    for edit in range(draw.randint(1, 4)):  # staff tag the order, add notes …
        now += timedelta(minutes=draw.randint(1, 30))
        body["tags"] = f"edit-{edit}"
        emit("orders/updated")
    if fate >= 0.85:  # never paid: the buyer walks away, the shop cancels
        now += timedelta(hours=draw.randint(2, 70))
        body["note"] = "buyer did not pay"
        emit("orders/updated")
        now += timedelta(hours=2)
        body["cancelled_at"] = _iso(now)
        body["cancel_reason"] = "customer"
        body["financial_status"] = "voided"
        emit("orders/cancelled")
        emit("orders/updated")
        return events
    if not paid_at_checkout:
        now += timedelta(minutes=draw.randint(5, 2000))
        body["financial_status"] = "paid"
        emit("orders/paid")
        now += timedelta(seconds=5)
        emit("orders/updated")
    now += timedelta(hours=draw.randint(3, 40))
    body["fulfillment_status"] = "fulfilled"
    body["fulfillments"] = [{"id": 1, "status": "success", "created_at": _iso(now)}]
    emit("orders/fulfilled")
    now += timedelta(seconds=3)
    emit("orders/updated")
    if fate < 0.1:  # returned and refunded
        now += timedelta(days=draw.randint(3, 10))
        body["financial_status"] = "refunded"
        body["refunds"] = [
            {"id": 1, "created_at": _iso(now),
             "transactions": [{"kind": "refund", "status": "success",
                               "amount": body["total_price"]}]}
        ]  # fmt: skip
        emit("orders/updated")
    return events


def duplicated_and_shuffled(
    deliveries: list[Delivery], *, total: int, seed: int = 11
) -> list[Delivery]:
    """The stream as a flaky network delivers it: events delivered again until there are
    ``total``, all shuffled."""
    draw = random.Random(seed)
    again = draw.sample(deliveries, total - len(deliveries))
    stream = [*deliveries, *again]
    draw.shuffle(stream)
    return stream


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
