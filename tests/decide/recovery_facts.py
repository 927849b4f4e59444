"""Builders of planning facts for the decide tests, and the columnar planners called the
way the readable reference is (one object per order in, a list of actions out).

The facts are built as the reference's dataclasses (tests/decide/reference_planner/facts.py)
and turned into the ``winback.contracts`` tables the services hand the planners: only open
unpaid orders become ``OPEN_ORDERS`` and only closed ones ``CLOSED_ORDERS``, as
``services.recovery`` reads them (the as-of rule decides which orders those are).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
from reference_planner.closed_followup import ReasonGuesser
from reference_planner.facts import Buyer, ClosedOrder, UnpaidOrder

from winback.config import Settings
from winback.contracts import CLOSED_ORDERS, EARLIER_STEPS, OPEN_ORDERS, planned_actions
from winback.decide import closed_followup as columnar_followup
from winback.decide import unpaid as columnar_unpaid
from winback.decide.context import PlanningContext
from winback.decide.planner import Facts, PlaybookPlan
from winback.model import Channel, OrderStatus, PlannedAction
from winback.playbook_settings import ClosedFollowupSettings, UnpaidSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
WINDOWS = ((time(11), time(12)), (time(15, 30), time(16, 30)))


def default_playbooks() -> dict[str, Any]:
    return dict(Settings().playbooks)


def buyer(
    key: str | None = "buyer-1",
    *,
    paid_orders: int = 0,
    phone: bool = True,
    email: bool = False,
    masked: bool = False,
    refused: frozenset[Channel] = frozenset(),
    granted: frozenset[Channel] = frozenset(),
    chat: bool = True,
) -> Buyer:
    return Buyer(
        customer_id=None if key is None else abs(hash(key)) % 10_000,
        customer_key=key,
        paid_orders=paid_orders,
        paid_amount=Decimal(100) * paid_orders,
        phone_known=phone and not masked,
        phone_masked=masked,
        email_known=email and not masked,
        email_masked=masked,
        refused=refused,
        granted=granted,
        chat=key is not None and chat,
    )


def unpaid(
    order_id: str = "o1",
    *,
    age: timedelta = timedelta(minutes=10),
    amount: str = "99.00",
    who: Buyer | None = None,
    status: OrderStatus = OrderStatus.PENDING,
    remark: bool = False,
    now: datetime = NOW,
) -> UnpaidOrder:
    return UnpaidOrder(
        order_id=order_id,
        status=status,
        created_at=now - age,
        amount=Decimal(amount),
        buyer=who or buyer(),
        has_remark=remark,
        payment_method="alipay",
        platform="taobao",
    )


def closed(
    order_id: str,
    *,
    closed_at: datetime,
    amount: str = "99.00",
    who: Buyer | None = None,
    texts: tuple[str, ...] = (),
) -> ClosedOrder:
    return ClosedOrder(
        order_id=order_id,
        status=OrderStatus.CLOSED,
        created_at=closed_at - timedelta(hours=72),
        closed_at=closed_at,
        amount=Decimal(amount),
        buyer=who or buyer(order_id),
        texts=texts,
    )


def context(
    now: datetime = NOW, *, windows: tuple[tuple[time, time], ...] = WINDOWS
) -> PlanningContext:
    return PlanningContext(
        store_id=1,
        now=now,
        zone=SHANGHAI,
        close_after=timedelta(hours=72),
        call_windows=windows,
        ship_same_day_before=time(16),
    )


# -- facts as the services hand them over ----------------------------------------------------


def _buyer_columns(buyer: Buyer) -> dict[str, Any]:
    return {
        "customer_id": buyer.customer_id,
        "customer_key": buyer.customer_key,
        "paid_orders": buyer.paid_orders,
        "phone_known": buyer.phone_known,
        "phone_masked": buyer.phone_masked,
        "email_known": buyer.email_known,
        "email_masked": buyer.email_masked,
        "sms_granted": Channel.SMS in buyer.granted,
        "sms_refused": Channel.SMS in buyer.refused,
        "email_granted": Channel.EMAIL in buyer.granted,
        "email_refused": Channel.EMAIL in buyer.refused,
        "phone_granted": Channel.PHONE in buyer.granted,
        "phone_refused": Channel.PHONE in buyer.refused,
        "chat": buyer.chat,
    }


def open_orders_table(orders: Sequence[UnpaidOrder]) -> pa.Table:
    rows = [
        {
            "order_id": o.order_id,
            "created_at": o.created_at,
            "amount": o.amount,
            "has_remark": o.has_remark,
            "payment_method": o.payment_method,
            "platform": o.platform,
            "items": list(o.items),
            "reordered_by": o.reordered_by,
            **_buyer_columns(o.buyer),
        }
        for o in orders
        if o.status is OrderStatus.PENDING
    ]
    return pa.Table.from_pylist(rows, schema=OPEN_ORDERS)


def closed_orders_table(orders: Sequence[ClosedOrder]) -> pa.Table:
    rows = [
        {
            "order_id": o.order_id,
            "created_at": o.created_at,
            "closed_at": o.closed_at,
            "close_inferred": o.close_inferred,
            "amount": o.amount,
            "has_remark": o.has_remark,
            "items": list(o.items),
            "texts": list(o.texts),
            "reordered_by": o.reordered_by,
            **_buyer_columns(o.buyer),
        }
        for o in orders
        if o.status is OrderStatus.CLOSED
    ]
    return pa.Table.from_pylist(rows, schema=CLOSED_ORDERS)


def earlier_table(name: str, earlier: Mapping[str, tuple[int, datetime]] | None) -> pa.Table:
    rows = [
        {"playbook": name, "order_id": order_id, "step": step, "due_at": due}
        for order_id, (step, due) in (earlier or {}).items()
    ]
    return pa.Table.from_pylist(rows, schema=EARLIER_STEPS)


def unpaid_plan(
    context: PlanningContext,
    name: str,
    book: UnpaidSettings,
    orders: Sequence[UnpaidOrder],
    *,
    earlier: Mapping[str, tuple[int, datetime]] | None = None,
) -> PlaybookPlan:
    facts = Facts(
        {"open_orders": open_orders_table(orders), "earlier_steps": earlier_table(name, earlier)}
    )
    return columnar_unpaid.plan_unpaid(context, name, book, facts)


def plan_unpaid(
    context: PlanningContext,
    name: str,
    book: UnpaidSettings,
    orders: Sequence[UnpaidOrder],
    *,
    earlier: Mapping[str, tuple[int, datetime]] | None = None,
) -> list[PlannedAction]:
    """The columnar unpaid planner, called like the reference."""
    return planned_actions(unpaid_plan(context, name, book, orders, earlier=earlier).actions)


def followup_plan(
    context: PlanningContext,
    name: str,
    book: ClosedFollowupSettings,
    orders: Sequence[ClosedOrder],
    guess: ReasonGuesser,
    *,
    earlier: Mapping[str, tuple[int, datetime]] | None = None,
) -> PlaybookPlan:
    facts = Facts(
        {
            "closed_orders": closed_orders_table(orders),
            "earlier_steps": earlier_table(name, earlier),
        },
        guess=guess,
    )
    return columnar_followup.plan_closed_followup(context, name, book, facts)


def plan_closed_followup(
    context: PlanningContext,
    name: str,
    book: ClosedFollowupSettings,
    orders: Sequence[ClosedOrder],
    guess: ReasonGuesser,
    *,
    earlier: Mapping[str, tuple[int, datetime]] | None = None,
) -> list[PlannedAction]:
    """The columnar follow-up planner, called like the reference."""
    plan = followup_plan(context, name, book, orders, guess, earlier=earlier)
    return planned_actions(plan.actions)
