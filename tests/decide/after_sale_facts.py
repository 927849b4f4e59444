"""Builders of ``AFTER_SALE_ORDERS`` facts for the after-sale planners' tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from winback.config import Settings
from winback.contracts import AFTER_SALE_ORDERS, EARLIER_FIRST_STEPS, EARLIER_STEPS, planned_actions
from winback.decide.context import PlanningContext
from winback.decide.planner import Facts
from winback.decide.playbooks import planner_for
from winback.model import PlannedAction
from winback.playbook_settings import PlaybookBase


def after_sale(
    order_id: str,
    *,
    status: str = "delivered",
    shipped_at: datetime | None = None,
    delivered_at: datetime | None = None,
    settled_at: datetime | None = None,
    platform: str = "taobao",
    buyer: str | None = None,
    paid_orders: int = 1,
    phone: bool = True,
    email: bool = False,
    masked: bool = False,
    amount: str = "99.00",
    items: Sequence[str] = ("白色针织开衫",),
) -> dict[str, Any]:
    key = buyer if buyer is not None else f"b-{order_id}"
    first = shipped_at or delivered_at or settled_at
    assert first is not None
    return {
        "order_id": order_id,
        "status": status,
        "platform": platform,
        "created_at": first - timedelta(days=2),
        "shipped_at": shipped_at,
        "delivered_at": delivered_at,
        "settled_at": settled_at,
        "amount": Decimal(amount),
        "has_remark": False,
        "items": list(items),
        "reordered_by": None,
        "customer_id": customer_id(key),
        "customer_key": key,
        "paid_orders": paid_orders,
        "phone_known": phone and not masked,
        "phone_masked": masked,
        "email_known": email and not masked,
        "email_masked": masked,
        "sms_granted": False,
        "sms_refused": False,
        "email_granted": False,
        "email_refused": False,
        "phone_granted": False,
        "phone_refused": False,
        "chat": platform in ("taobao", "tmall", "jd", "pdd", "douyin"),
    }


def customer_id(buyer: str) -> int:
    """The ``customer_id`` :func:`after_sale` gives the buyer ``buyer``."""
    return abs(hash(buyer)) % 100_000


def book(kind: str, **keys: Any) -> PlaybookBase:
    settings = Settings.model_validate({"playbooks": {kind: {"kind": kind, **keys}}})
    return settings.playbooks[kind]


def plan(
    context: PlanningContext,
    name: str,
    settings: PlaybookBase,
    orders: Sequence[dict[str, Any]],
    earlier: Sequence[dict[str, Any]] = (),
    first_steps: Sequence[dict[str, Any]] = (),
) -> list[PlannedAction]:
    facts = Facts(
        {
            "after_sale_orders": pa.Table.from_pylist(list(orders), schema=AFTER_SALE_ORDERS),
            "earlier_steps": pa.Table.from_pylist(list(earlier), schema=EARLIER_STEPS),
            "earlier_first_steps": pa.Table.from_pylist(
                list(first_steps), schema=EARLIER_FIRST_STEPS
            ),
        }
    )
    found = planner_for(settings.kind).plan(context, name, settings, facts)
    return planned_actions(found.actions)
