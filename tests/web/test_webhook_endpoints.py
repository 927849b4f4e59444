"""The webhook endpoints (I4) through the ASGI app: what is stored, what is refused and
with which status, and that stored events reach the store through the importers' path."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

from act_factories import Shop
from shopify_stream import order_stream
from sqlalchemy import Engine, select
from web_helpers import (
    EVENTS_SECRET,
    SHOPIFY_SECRET,
    WOO_SECRET,
    call,
    calls,
    make_app,
    rows,
)

from winback.ingest import generic_events, woocommerce_webhooks
from winback.ingest.shopify_json import webhook_signature
from winback.services import webhooks
from winback.store.schema import cart_items, carts, customers, order_lines, orders, webhook_events

SHOPIFY = "/webhooks/shop/shopify"


def shopify_headers(
    body: bytes, *, topic: str = "orders/create", event: str = "e1"
) -> dict[str, str]:
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "qiaoyi.myshopify.com",
        "X-Shopify-Event-Id": event,
        "X-Shopify-Webhook-Id": "wh-9",
        "X-Shopify-Triggered-At": "2024-03-01T01:00:00Z",
        "X-Shopify-Hmac-Sha256": webhook_signature(SHOPIFY_SECRET, body),
        "Content-Type": "application/json",
    }


def first_order_body() -> bytes:
    return order_stream(1)[0].body


def test_a_signed_shopify_order_is_stored_once_and_applied_to_the_store(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = first_order_body()
    first, again = calls(
        app,
        [
            ("POST", SHOPIFY, {"content": body, "headers": shopify_headers(body)}),
            ("POST", SHOPIFY, {"content": body, "headers": shopify_headers(body)}),
        ],
    )
    assert first.status_code == 200 and first.json()["stored"] is True
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]  # the intake let go
    with engine.connect() as conn:
        event = conn.execute(select(webhook_events)).one()
    assert (event.topic, event.webhook_id, event.state) == ("orders/create", "wh-9", "pending")
    assert event.event_key == "qiaoyi.myshopify.com|orders/create|e1"
    assert event.triggered_at is not None and event.body == body.decode()

    webhooks.apply_pending(app)
    with engine.connect() as conn:
        order = conn.execute(select(orders).where(orders.c.order_id == "5000000000")).one()
        lines = conn.execute(
            select(order_lines).where(order_lines.c.order_row_id == order.id)
        ).all()
        state = conn.scalar(select(webhook_events.c.state))
    assert order.platform == "shopify" and order.currency == "USD"
    assert [(line.title, line.colour, line.size) for line in lines] == [
        ("Linen Shirt", "Blue", "M")
    ]
    assert state == "applied"


def test_forged_missing_and_foreign_signatures_are_401_and_nothing_is_stored(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = first_order_body()
    forged = {**shopify_headers(body), "X-Shopify-Hmac-Sha256": webhook_signature("guess", body)}
    missing = {k: v for k, v in shopify_headers(body).items() if k != "X-Shopify-Hmac-Sha256"}
    tampered = body.replace(b'"USD"', b'"CNY"')
    answers = calls(
        app,
        [
            ("POST", SHOPIFY, {"content": body, "headers": forged}),
            ("POST", SHOPIFY, {"content": body, "headers": missing}),
            ("POST", SHOPIFY, {"content": tampered, "headers": shopify_headers(body)}),
        ],
    )
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert rows(engine, webhook_events) == 0


def test_malformed_json_is_400_an_oversized_body_413_and_nothing_is_stored(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    broken = b'{"id": 1, "created_at": '
    deep = b"[" * 100_000 + b"]" * 100_000
    huge = b'{"id": 1, "note": "' + b"x" * (65 * 1024) + b'"}'
    answers = calls(
        app,
        [
            ("POST", SHOPIFY, {"content": broken, "headers": shopify_headers(broken)}),
            (
                "POST",
                SHOPIFY,
                {"content": deep[:60_000], "headers": shopify_headers(deep[:60_000])},
            ),
            ("POST", SHOPIFY, {"content": huge, "headers": shopify_headers(huge)}),
            ("POST", SHOPIFY, {"content": b"[]", "headers": shopify_headers(b"[]")}),
        ],
    )
    assert [a.status_code for a in answers] == [400, 400, 413, 400]
    assert "not JSON" in answers[0].json()["detail"]
    assert rows(engine, webhook_events) == 0


def test_an_unconfigured_source_is_404_and_another_shop_is_403(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    body = first_order_body()
    off = make_app(engine, tmp_path, shopify={})
    assert (
        call(off, "POST", SHOPIFY, content=body, headers=shopify_headers(body)).status_code == 404
    )
    pinned = make_app(
        engine,
        tmp_path,
        shopify={"webhook_secret_env": "SHOPIFY_SECRET", "shop": "other.myshopify.com"},
    )
    answer = call(pinned, "POST", SHOPIFY, content=body, headers=shopify_headers(body))
    assert answer.status_code == 403 and "other.myshopify.com" in answer.json()["detail"]
    assert call(off, "POST", "/webhooks/nowhere/shopify", content=body).status_code == 404
    assert rows(engine, webhook_events) == 0


def test_a_topic_winback_does_not_use_is_kept_for_the_record_and_never_applied(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = b'{"id": 77}'
    answer = call(
        app, "POST", SHOPIFY, content=body, headers=shopify_headers(body, topic="products/update")
    )
    assert answer.status_code == 200
    assert webhooks.apply_pending(app).events == 0
    with engine.connect() as conn:
        assert conn.scalar(select(webhook_events.c.state)) == "ignored"


CHECKOUT = {
    "id": 981,
    "token": "ck-7f3a",
    "created_at": "2024-03-01T09:00:00+08:00",
    "updated_at": "2024-03-01T09:05:00+08:00",
    "currency": "USD",
    "email": "li.na@example.com",
    "line_items": [{"title": "Linen Shirt", "variant_title": "Blue / M", "quantity": 1,
                    "price": "29.00", "sku": "LS-B-M", "product_id": 11, "variant_id": 12}],
}  # fmt: skip
CUSTOMER = {
    "id": 6001,
    "email": "wang.fang@example.com",
    "phone": "+8613800138000",
    "first_name": "Fang",
    "last_name": "Wang",
    "tags": "vip",
    "created_at": "2024-02-01T09:00:00+08:00",
    "updated_at": "2024-03-01T09:00:00+08:00",
}


def test_checkout_and_customer_topics_are_stored_and_reach_carts_and_customers(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    checkout, customer = json.dumps(CHECKOUT).encode(), json.dumps(CUSTOMER).encode()
    answers = calls(
        app,
        [
            ("POST", SHOPIFY, {"content": checkout,
                               "headers": shopify_headers(checkout, topic="checkouts/create")}),
            ("POST", SHOPIFY, {"content": customer,
                               "headers": shopify_headers(customer, topic="customers/create")}),
        ],
    )  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json()["topic"] for a in answers] == ["checkouts/create", "customers/create"]
    report = webhooks.apply_pending(app)
    assert report.events == 2
    with engine.connect() as conn:
        states = conn.scalars(select(webhook_events.c.state)).all()
        cart = conn.execute(select(carts)).one()
        items = conn.execute(select(cart_items)).all()
        people = conn.execute(select(customers)).all()
    assert states == ["applied", "applied"]
    assert (cart.cart_id, cart.currency, len(items)) == ("ck-7f3a", "USD", 1)
    found = {p.customer_key: (p.name, json.loads(p.tags or "[]")) for p in people}
    assert found["wang.fang@example.com"] == ("Fang Wang", ["vip"])


def test_a_chunked_body_over_the_limit_is_413_and_nothing_is_stored(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = b'{"id": 1, "note": "' + b"x" * (200 * 1024) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    headers = shopify_headers(body)
    answer = call(app, "POST", SHOPIFY, content=chunks(), headers=headers)
    assert answer.status_code == 413
    assert "web.max_body_bytes" in answer.json()["detail"]
    assert rows(engine, webhook_events) == 0


# -- WooCommerce ------------------------------------------------------------------------------

WOO_ORDER = {
    "id": 727,
    "status": "pending",
    "currency": "USD",
    "date_created": "2024-03-01T10:00:00",
    "date_created_gmt": "2024-03-01T02:00:00",
    "date_modified_gmt": "2024-03-01T02:00:00",
    "date_paid_gmt": None,
    "total": "29.35",
    "shipping_total": "10.00",
    "discount_total": "0.00",
    "customer_id": 26,
    "billing": {"first_name": "John", "last_name": "Doe", "email": "john.doe@example.com",
                "phone": "(555) 555-5555", "state": "CA", "country": "US"},
    "payment_method_title": "Direct Bank Transfer",
    "line_items": [{"id": 315, "name": "Woo Single #1", "product_id": 93, "quantity": 2,
                    "sku": "", "price": 3.0, "meta_data": []}],
    "refunds": [],
}  # fmt: skip


def woo_headers(body: bytes, *, delivery: str = "d1") -> dict[str, str]:
    return {
        "X-WC-Webhook-Source": "https://shop.example.com/",
        "X-WC-Webhook-Topic": "order.created",
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": "created",
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery,
        "X-WC-Webhook-Signature": woocommerce_webhooks.webhook_signature(WOO_SECRET, body),
        "Content-Type": "application/json",
    }


def test_woocommerce_answers_its_unsigned_activation_ping_and_stores_a_signed_order(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    body = json.dumps(WOO_ORDER).encode()
    ping, order, forged = calls(
        app,
        [
            ("POST", "/webhooks/shop/woocommerce", {"content": b"webhook_id=12",
             "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
            ("POST", "/webhooks/shop/woocommerce", {"content": body, "headers": woo_headers(body)}),
            ("POST", "/webhooks/shop/woocommerce", {"content": body, "headers": {
                **woo_headers(body, delivery="d2"), "X-WC-Webhook-Signature": "AAAA"}}),
        ],
    )  # fmt: skip
    assert ping.status_code == 200 and ping.json() == {"ping": True}
    assert order.status_code == 200 and forged.status_code == 401
    assert rows(engine, webhook_events) == 1
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        stored = conn.execute(select(orders).where(orders.c.order_id == "727")).one()
    assert (stored.status, str(stored.total_amount), stored.platform) == (
        "pending",
        "29.35",
        "woocommerce",
    )


# -- generic events ---------------------------------------------------------------------------

MAPPING = """
kind = "orders"
[columns]
order_id = "no"
created_at = "created"
status = "state"
total_amount = "total"
phone = "buyer.phone"
line_title = "lines.title"
line_quantity = "lines.qty"
line_unit_price = "lines.price"
[values.status]
"waiting" = "pending"
"""


def test_a_generic_signed_event_is_read_with_its_mapping_and_applied(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    (tmp_path / "orders-events.toml").write_text(MAPPING, encoding="utf-8")
    app = make_app(
        engine,
        tmp_path,
        events={"secret_env": "EVENTS_SECRET", "mappings": {"orders": "orders-events.toml"}},
    )
    event = {
        "id": "evt-1",
        "kind": "orders",
        "occurred_at": "2024-03-01T10:00:00+08:00",
        "data": {
            "no": "A-1001", "created": "2024-03-01 09:58:00", "state": "waiting",
            "total": "99.00", "buyer": {"phone": "13800138000"},
            "lines": [{"title": "T恤", "qty": 2, "price": "49.50"}],
        },
    }  # fmt: skip
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"X-Winback-Signature": generic_events.sign(EVENTS_SECRET, body)}
    wrong_kind = json.dumps({**event, "id": "evt-2", "kind": "stock"}).encode()
    forged_headers = {"X-Winback-Signature": "sha256=00"}
    kind_headers = {"X-Winback-Signature": generic_events.sign(EVENTS_SECRET, wrong_kind)}
    good, forged, unmapped = calls(
        app,
        [
            ("POST", "/webhooks/shop/events", {"content": body, "headers": headers}),
            ("POST", "/webhooks/shop/events", {"content": body, "headers": forged_headers}),
            ("POST", "/webhooks/shop/events", {"content": wrong_kind, "headers": kind_headers}),
        ],
    )
    assert good.status_code == 200 and forged.status_code == 401
    assert unmapped.status_code == 400 and "no mapping" in unmapped.json()["detail"]
    webhooks.apply_pending(app)
    with engine.connect() as conn:
        stored = conn.execute(select(orders).where(orders.c.order_id == "A-1001")).one()
    assert stored.status == "pending" and str(stored.total_amount) == "99.00"
