"""A Shopify order webhook carrying a save coupon's code redeems it, through the inbox."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from shopify_stream import Delivery
from sqlalchemy import Engine
from webhook_helpers import NOW, deliver, shopify_app

from winback.services import saves, webhooks
from winback.store import coupons
from winback.store.types import Coupon


def test_a_webhooked_paid_order_with_the_code_redeems_the_coupon(
    engine: Engine, tmp_path: Path
) -> None:
    app, store_id = shopify_app(engine, tmp_path)
    with engine.begin() as conn:
        coupons.issue(
            conn, store_id,
            Coupon("SAVEK7M2P9", None, "5001", "save", "changed_mind", False, Decimal(10),
                   Decimal(50), "USD", Decimal(10), NOW - timedelta(days=1),
                   NOW + timedelta(days=29)),
        )  # fmt: skip
    order = {
        "id": 820982911946154500, "created_at": "2024-06-01T07:30:00-04:00",
        "updated_at": "2024-06-01T07:31:00-04:00", "financial_status": "paid",
        "currency": "USD", "total_price": "70.00", "subtotal_price": "80.00",
        "total_discounts": "10.00", "email": "ann@example.com",
        "discount_codes": [{"code": "savek7m2p9", "amount": "10.00", "type": "fixed_amount"}],
        "line_items": [{"id": 1, "title": "Wool scarf", "quantity": 1, "price": "80.00"}],
    }  # fmt: skip
    body = json.dumps(order).encode()
    delivery = Delivery("orders/paid", "ev-1", NOW, body, str(order["id"]))
    assert deliver(app, store_id, [delivery]) == 1
    webhooks.apply_pending(app, store_id=store_id)
    (found,) = saves.coupons_of(app).coupons
    assert found.state(NOW) == "redeemed"
    assert found.redeemed_order_id == "820982911946154500"
    assert found.redeemed_cost == Decimal("10.00")
