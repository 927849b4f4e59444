"""Pinduoduo (拼多多) order exports: one row per order, and a Pinduoduo order holds one SKU.

Amounts: 商品总价 is the goods amount; the discount is 店铺优惠折扣 + 平台优惠折扣;
``total_amount`` = goods + 邮费 − discount (what the buyer owes); 用户实付金额 is the amount
paid, kept only for paid orders. A Pinduoduo order is 成交 when it is paid: without a 支付时间
column a paid order's payment time is its 订单成交时间. The line's unit price is
商品总价 ÷ 商品数量, to the cent.

Status (订单状态): 待支付 → pending; 待发货 → paid; 已发货(，待收货) → shipped; 已签收 →
delivered; 已收货 → settled; 已取消 → closed before payment, cancelled after it; 未发货，退款成功
→ cancelled; (已发货|已收货)，退款成功 → refunded. A 售后状态 of 退款成功 makes a paid order
refunded. Pinduoduo's export carries no refund amount, so a refunded or cancelled order's
``refund_amount`` is what was paid. An unknown status text rejects the row.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow
from winback.ingest.order_gathering import parse_order_export
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
from winback.model import OrderStatus, Platform

ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("订单号", "订单编号"),
    "created_at": ("订单成交时间", "下单时间", "订单创建时间"),
    "paid_at": ("支付时间", "付款时间"),
    "title": ("商品", "商品名称"),
    "status": ("订单状态",),
    "goods_amount": ("商品总价(元)", "商品总价"),
    "shipping_fee": ("邮费(元)", "邮费"),
    "shop_discount": ("店铺优惠折扣(元)", "店铺优惠折扣", "店铺优惠"),
    "platform_discount": ("平台优惠折扣(元)", "平台优惠折扣", "平台优惠"),
    "paid_amount": ("用户实付金额(元)", "用户实付金额", "实付金额"),
    "quantity": ("商品数量(件)", "商品数量"),
    "shipped_at": ("发货时间",),
    "settled_at": ("确认收货时间",),
    "product_id": ("商品id", "商品ID"),
    "spec": ("商品规格", "规格"),
    "sku": ("商家编码-规格维度", "商家编码-商品维度", "商家编码"),
    "seller_remark": ("商家备注",),
    "buyer_message": ("买家留言",),
    "after_sale": ("售后状态",),
    "tracking_no": ("快递单号", "运单号"),
    "name": ("收货人",),
    "phone": ("手机", "收货人手机号", "收货人电话"),
    "address": ("详细地址", "收货地址"),
    "province": ("省", "省份"),
}
REQUIRED = ("order_id", "created_at", "title", "goods_amount", "quantity")

STATUS_LABELS: dict[str, OrderStatus] = {
    "待支付": OrderStatus.PENDING,
    "未支付": OrderStatus.PENDING,
    "待发货": OrderStatus.PAID,
    "已发货": OrderStatus.SHIPPED,
    "已发货，待收货": OrderStatus.SHIPPED,
    "待收货": OrderStatus.SHIPPED,
    "已签收": OrderStatus.DELIVERED,
    "已收货": OrderStatus.SETTLED,
    "已完成": OrderStatus.SETTLED,
    "未发货，退款成功": OrderStatus.CANCELLED,
    "已发货，退款成功": OrderStatus.REFUNDED,
    "已收货，退款成功": OrderStatus.REFUNDED,
    "退款成功": OrderStatus.REFUNDED,
}
CANCEL_LABELS = frozenset({"已取消", "交易关闭", "已关闭"})
REFUND_DONE = "退款成功"


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    platform: Platform = Platform.PDD,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a Pinduoduo order export."""
    return parse_order_export(
        path,
        aliases=ALIASES,
        required=REQUIRED,
        tz=tz,
        platform=platform,
        parse_row=lambda row: order_row(row, platform),
        progress=progress,
        dates=dates,
    )


def order_row(row: Row, platform: Platform) -> tuple[OrderRecord, OrderLineRecord]:
    """One Pinduoduo row: the order and its single line."""
    goods = row.required_amount("goods_amount")
    shipping = row.amount("shipping_fee") or ZERO
    discount = (row.amount("shop_discount") or ZERO) + (row.amount("platform_discount") or ZERO)
    paid_raw = row.amount("paid_amount")
    paid_at = row.time("paid_at")
    shipped_at = row.time("shipped_at")
    settled_at = row.time("settled_at")
    after_sale = row.text("after_sale") or ""
    evidence = Evidence(
        paid=paid_at is not None or REFUND_DONE in after_sale,
        shipped=shipped_at is not None or row.text("tracking_no") is not None,
        settled=settled_at is not None,
        refunded_in_full=REFUND_DONE in after_sale,
    )
    if discount > goods + shipping:  # the total would be negative
        column = "shop_discount" if row.columns.has("shop_discount") else "platform_discount"
        reason = f"the discounts ({discount}) exceed the goods and shipping ({goods + shipping})"
        raise RowRejected(row.columns.header(column), reason)
    raw_status = row.text("status")
    status = pdd_status(raw_status, after_sale, evidence, row)
    paid = paid_raw if status.was_paid else None
    created_at = row.required_time("created_at")
    if paid_at is None and status.was_paid and not row.columns.has("paid_at"):
        paid_at = created_at  # 订单成交时间: a Pinduoduo order is 成交 when it is paid
    refunded = status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
    head = OrderRecord(
        platform=platform,
        order_id=row.required_id("order_id"),
        status=status,
        created_at=created_at,
        total_amount=goods + shipping - discount,
        buyer=_buyer(row),
        goods_amount=goods,
        shipping_fee=shipping,
        discount=discount,
        paid_amount=paid,
        refund_amount=(paid or ZERO) if refunded else ZERO,
        paid_at=paid_at,
        shipped_at=shipped_at,
        settled_at=settled_at,
        buyer_message=row.text("buyer_message"),
        seller_remark=row.text("seller_remark"),
        raw_status=raw_status,
        status_inferred=raw_status is None,
        source=row.source(),
    )
    line = _line(row, goods)
    return head, replace(line, refund_amount=head.refund_amount)


def pdd_status(raw: str | None, after_sale: str, evidence: Evidence, row: Row) -> OrderStatus:
    """A Pinduoduo 订单状态 (and 售后状态) as an :class:`OrderStatus`."""
    if raw is None:
        return infer_status(evidence)
    if raw in CANCEL_LABELS:
        return closed_status(evidence)
    found = STATUS_LABELS.get(raw)
    if found is None:
        raise RowRejected(row.columns.header("status"), f"unknown order status {raw!r}")
    if REFUND_DONE in after_sale and found.was_paid and not found.is_terminal:
        return OrderStatus.REFUNDED
    return found


def _line(row: Row, goods: Decimal) -> OrderLineRecord:
    quantity = row.required_count("quantity")
    product_id = row.id("product_id")
    return OrderLineRecord(
        line_id=product_id or "1",
        title=row.required_text("title"),
        quantity=quantity,
        unit_price=unit_price(goods, quantity, row.columns.header("quantity")),
        sku=row.text("sku"),
        product_id=product_id,
        attributes=row.spec("spec"),
    )


def _buyer(row: Row) -> Buyer:
    address = row.text("address")
    return Buyer(
        name=row.name("name"),
        phone=row.contact("phone"),
        address=row.contact("address"),
        region=row.text("province") or region_of(address),
    )
