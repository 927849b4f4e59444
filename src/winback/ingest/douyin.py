"""Douyin (抖店) order exports: one row per sub-order (子订单), i.e. per SKU line.

The export is UTF-8 with a BOM and every cell prefixed by a tab (to keep Excel from
mangling long ids); buyer names, phones and addresses are encrypted (``##…``) and kept as
masked contacts.

Amounts are per sub-order row and are summed into the order: 订单应付金额 (the total), 运费,
优惠总金额, and the goods amount 商品金额 × 商品数量 (商品金额 is the unit price; without it,
(应付 − 运费 + 优惠) ÷ 数量). A sub-order whose 售后状态 is 退款成功 counts its payable amount as
refunded; when every sub-order is refunded the order is ``refunded``.

Status (订单状态): 待支付 → pending; 待发货/备货中 → paid; 已发货 → shipped; 已签收 →
delivered; 已完成 → settled; 已关闭/已取消 → closed before payment, cancelled after payment,
refunded after shipment. When sub-orders disagree the order takes the most advanced open
status (a closed sub-order is a partial refund). 订单完成时间 is the settlement time of a
completed order (a closed order's is not kept).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import MAX_AMOUNT, PLAUSIBLE_DATES, DateWindow
from winback.ingest.order_gathering import Merge, add_amounts, parse_order_export
from winback.ingest.orders_common import (
    Evidence,
    Row,
    RowRejected,
    closed_status,
    infer_status,
    region_of,
    unit_price,
)
from winback.ingest.records import (
    ZERO,
    Buyer,
    OrderLineRecord,
    OrderRecord,
    ParsedFile,
    RowProgress,
)
from winback.model import OrderStatus, Platform, progress

ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("主订单编号", "订单编号", "订单号"),
    "line_id": ("子订单编号",),
    "title": ("选购商品", "商品名称"),
    "spec": ("商品规格",),
    "quantity": ("商品数量",),
    "product_id": ("商品ID", "商品id"),
    "sku": ("商家编码", "货号"),
    "unit_price": ("商品金额", "商品单价"),
    "payable": ("订单应付金额", "应付金额"),
    "shipping_fee": ("运费",),
    "discount": ("优惠总金额",),
    "payment_method": ("支付方式",),
    "name": ("收件人",),
    "phone": ("收件人手机号", "收件人电话"),
    "address": ("详细地址", "收货地址"),
    "province": ("省", "省份"),
    "buyer_message": ("买家留言",),
    "created_at": ("订单提交时间", "下单时间"),
    "paid_at": ("支付完成时间", "支付时间"),
    "seller_remark": ("商家备注",),
    "finished_at": ("订单完成时间",),
    "status": ("订单状态",),
    "after_sale": ("售后状态",),
    "cancel_reason": ("取消原因",),
    "shipped_at": ("发货时间",),
    "tracking_no": ("运单号", "快递单号"),
}
REQUIRED = ("order_id", "title", "quantity", "payable", "created_at")

STATUS_LABELS: dict[str, OrderStatus] = {
    "待支付": OrderStatus.PENDING,
    "待付款": OrderStatus.PENDING,
    "待发货": OrderStatus.PAID,
    "备货中": OrderStatus.PAID,
    "已支付": OrderStatus.PAID,
    "已发货": OrderStatus.SHIPPED,
    "待收货": OrderStatus.SHIPPED,
    "已签收": OrderStatus.DELIVERED,
    "已完成": OrderStatus.SETTLED,
}
CANCEL_LABELS = frozenset({"已关闭", "已取消", "交易关闭"})
REFUND_DONE = "退款成功"


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    platform: Platform = Platform.DOUYIN,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a Douyin (抖店) order export."""
    parsed = parse_order_export(
        path,
        aliases=ALIASES,
        required=REQUIRED,
        tz=tz,
        platform=platform,
        parse_row=lambda row: order_row(row, platform),
        progress=progress,
        dates=dates,
        merge=MERGE,
    )
    parsed.records = [
        refunded_if_all_lines_were(r) if isinstance(r, OrderRecord) else r for r in parsed.records
    ]
    return parsed


def order_row(row: Row, platform: Platform) -> tuple[OrderRecord, OrderLineRecord]:
    """One sub-order row: its share of the order, and its line."""
    payable = row.required_amount("payable")
    shipping = row.amount("shipping_fee") or ZERO
    discount = row.amount("discount") or ZERO
    quantity = row.required_count("quantity")
    price = row.amount("unit_price")
    if price is None:
        price = unit_price(payable - shipping + discount, quantity, row.columns.header("quantity"))
    if price * quantity > MAX_AMOUNT:
        reason = f"{quantity} × {price} is more than any order holds ({MAX_AMOUNT:,})"
        raise RowRejected(row.columns.header("quantity"), reason)
    refunded = REFUND_DONE in (row.text("after_sale") or "")
    paid_at = row.time("paid_at")
    shipped_at = row.time("shipped_at")
    finished_at = row.time("finished_at")
    evidence = Evidence(
        paid=paid_at is not None or refunded,
        shipped=shipped_at is not None or row.text("tracking_no") is not None,
        settled=finished_at is not None,
    )
    raw_status = row.text("status")
    status = douyin_status(raw_status, evidence, row)
    refund = payable if refunded else ZERO
    head = OrderRecord(
        platform=platform,
        order_id=row.required_id("order_id"),
        status=status,
        created_at=row.required_time("created_at"),
        total_amount=payable,
        buyer=_buyer(row),
        goods_amount=price * quantity,
        shipping_fee=shipping,
        discount=discount,
        paid_amount=payable if status.was_paid else None,
        refund_amount=refund,
        paid_at=paid_at,
        shipped_at=shipped_at,
        settled_at=finished_at if status is OrderStatus.SETTLED else None,
        payment_method=row.text("payment_method"),
        buyer_message=row.text("buyer_message"),
        seller_remark=row.text("seller_remark"),
        cancel_reason=row.text("cancel_reason"),
        raw_status=raw_status,
        status_inferred=raw_status is None,
        source=row.source(),
    )
    line = OrderLineRecord(
        line_id=row.id("line_id") or row.id("product_id") or head.order_id,
        title=row.required_text("title"),
        quantity=quantity,
        unit_price=price,
        sku=row.text("sku"),
        product_id=row.id("product_id"),
        attributes=row.spec("spec"),
        refund_amount=refund,
    )
    return head, line


def douyin_status(raw: str | None, evidence: Evidence, row: Row) -> OrderStatus:
    """A Douyin 订单状态 as an :class:`OrderStatus` (see the module docstring)."""
    if raw is None:
        return infer_status(evidence)
    if raw in CANCEL_LABELS:
        return closed_status(evidence)
    found = STATUS_LABELS.get(raw)
    if found is None:
        raise RowRejected(row.columns.header("status"), f"unknown order status {raw!r}")
    return found


def most_advanced_open(first: OrderStatus, second: OrderStatus) -> OrderStatus:
    """The order's status from two sub-orders': an open one beats a closed one, then the
    one further along; two closed sub-orders keep the first."""
    if first.is_terminal != second.is_terminal:
        return second if first.is_terminal else first
    if first.is_terminal:
        return first
    return second if progress(second) > progress(first) else first


def _joined(first: str | None, second: str | None) -> str | None:
    if first is None or second is None or second in first.split("/"):
        return first or second
    return f"{first}/{second}"


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    return min(first, second) if first and second else first or second


def _latest(first: datetime | None, second: datetime | None) -> datetime | None:
    return max(first, second) if first and second else first or second


MERGE: dict[str, Merge] = {
    "total_amount": add_amounts,
    "goods_amount": add_amounts,
    "shipping_fee": add_amounts,
    "discount": add_amounts,
    "paid_amount": add_amounts,
    "refund_amount": add_amounts,
    "status": most_advanced_open,
    "raw_status": _joined,
    "status_inferred": lambda first, second: first and second,  # inferred for every sub-order
    "cancel_reason": _joined,
    "shipped_at": _earliest,
    "settled_at": _latest,
}


def refunded_if_all_lines_were(order: OrderRecord) -> OrderRecord:
    """An open paid order whose every sub-order was refunded is ``refunded``."""
    paid = order.paid_amount or ZERO
    status = order.status
    if status.was_paid and not status.is_terminal and order.refund_amount >= paid > 0:
        return replace(order, status=OrderStatus.REFUNDED, settled_at=None)
    return order


def _buyer(row: Row) -> Buyer:
    return Buyer(
        name=row.name("name"),
        phone=row.contact("phone"),
        address=row.contact("address"),
        region=row.text("province") or region_of(row.text("address")),
    )
