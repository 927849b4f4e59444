"""Every order's times agree with its status (winback.model.OrderStatus)."""

from __future__ import annotations

from datetime import datetime

from winback.demo.simulator import DemoShop
from winback.ingest.records import OrderRecord
from winback.model import OrderStatus


def times_of(order: OrderRecord) -> list[datetime | None]:
    return [
        order.created_at, order.paid_at, order.shipped_at, order.delivered_at,
        order.settled_at, order.closed_at, order.refunded_at,
    ]  # fmt: skip


def test_every_timestamp_is_aware_and_not_after_the_export(shop: DemoShop) -> None:
    for order in shop.orders:
        for moment in times_of(order):
            assert moment is None or (moment.tzinfo is not None and moment <= shop.cutoff)
    for record in [*shop.chats, *shop.feedback, *shop.stock]:
        moment = getattr(record, "sent_at", None) or record.at  # type: ignore[union-attr]
        assert moment.tzinfo is not None and moment <= shop.cutoff


def test_paid_at_is_set_exactly_when_the_status_implies_payment(shop: DemoShop) -> None:
    for order in shop.orders:
        assert (order.paid_at is not None) == order.status.was_paid, order
        assert (order.paid_amount is not None) == order.status.was_paid, order
        assert (order.payment_method is not None) == order.status.was_paid, order


def test_the_lifecycle_times_only_move_forward(shop: DemoShop) -> None:
    for order in shop.orders:
        chain = [order.created_at, order.paid_at, order.shipped_at, order.delivered_at,
                 order.settled_at]  # fmt: skip
        reached = [moment for moment in chain if moment is not None]
        assert reached == sorted(reached), order
        present = [moment is not None for moment in chain]
        assert present == sorted(present, reverse=True), order  # no gaps in the chain


def test_each_status_shows_exactly_the_times_it_implies(shop: DemoShop) -> None:
    for order in shop.orders:
        status = order.status
        if status is OrderStatus.PENDING:
            assert order.paid_at is None and order.closed_at is None
        elif status is OrderStatus.CLOSED:
            assert order.paid_at is None and order.closed_at is not None
            assert order.close_reason and order.refund_amount == 0
        elif status is OrderStatus.CANCELLED:
            assert order.paid_at is not None and order.shipped_at is None
            assert order.closed_at is not None and order.closed_at >= order.paid_at
            assert order.cancel_reason and order.refund_amount == order.paid_amount
        elif status is OrderStatus.REFUNDED:
            assert order.shipped_at is not None and order.refunded_at is not None
            assert order.refunded_at >= order.shipped_at
        else:
            assert order.closed_at is None
            expected = {OrderStatus.PAID: 1, OrderStatus.SHIPPED: 2, OrderStatus.DELIVERED: 3,
                        OrderStatus.SETTLED: 4}[status]  # fmt: skip
            reached = [order.paid_at, order.shipped_at, order.delivered_at, order.settled_at]
            assert sum(moment is not None for moment in reached) == expected, order


def test_amounts_add_up(shop: DemoShop) -> None:
    for order in shop.orders:
        assert order.goods_amount == sum(line.unit_price * line.quantity for line in order.lines)
        assert order.total_amount == order.goods_amount - order.discount + order.shipping_fee
        assert order.total_amount > 0
