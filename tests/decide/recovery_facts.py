"""Builders of planning facts for the decide tests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from winback.config import Settings
from winback.decide.context import PlanningContext
from winback.decide.facts import Buyer, ClosedOrder, UnpaidOrder
from winback.decide.playbooks import Playbook
from winback.model import Channel, OrderStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
WINDOWS = ((time(11), time(12)), (time(15, 30), time(16, 30)))


def default_playbooks() -> dict[str, Playbook]:
    return Settings().playbooks


def buyer(
    key: str | None = "buyer-1",
    *,
    paid_orders: int = 0,
    phone: bool = True,
    email: bool = False,
    masked: bool = False,
    refused: frozenset[Channel] = frozenset(),
    granted: frozenset[Channel] = frozenset(),
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
