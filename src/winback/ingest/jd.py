"""JD (京东) order exports: one row per SKU, the order's columns repeated on each row.

Amounts: ``total_amount`` is 订单金额; what was paid is 应付金额 + 余额支付 (JD's payable
amount after the buyer's balance), kept only for orders that were paid. A line's id is its
商品ID (JD's SKU id), else its 货号, else its title.

Status (订单状态): 等待付款 → pending; 等待出库 and the warehouse steps → paid; 等待确认收货
→ shipped; 完成 → settled; 已取消 → closed before payment, cancelled after payment, refunded
after shipment; 锁定/暂停 (a temporary hold) → what the other columns show
(:func:`~winback.ingest.orders_common.infer_status`). An unknown text rejects the row.
"""

from __future__ import annotations

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
    "product_id": ("商品ID", "商品编号", "SKU"),
    "title": ("商品名称",),
    "quantity": ("订购数量", "商品数量", "数量"),
    "payment_method": ("支付方式",),
    "created_at": ("下单时间",),
    "unit_price": ("京东价", "商品单价", "单价"),
    "total_amount": ("订单金额",),
    "balance_paid": ("余额支付",),
    "payable": ("应付金额",),
    "status": ("订单状态",),
    "buyer_id": ("下单帐号", "下单账号"),
    "name": ("客户姓名", "收货人"),
    "address": ("客户地址", "收货地址"),
    "phone": ("联系电话", "手机"),
    "buyer_message": ("订单备注",),
    "seller_remark": ("商家备注",),
    "shipping_fee": ("运费金额", "运费"),
    "paid_at": ("付款确认时间", "付款时间"),
    "sku": ("货号", "商家SKU"),
    "settled_at": ("订单完成时间", "完成时间"),
    "shipped_at": ("出库时间", "发货时间"),
    "cancel_reason": ("取消原因", "取消订单原因"),
    "tracking_no": ("运单号", "快递单号"),
}
REQUIRED = ("order_id", "title", "quantity", "unit_price", "created_at", "total_amount")

STATUS_LABELS: dict[str, OrderStatus] = {
    "等待付款": OrderStatus.PENDING,
    "等待付款确认": OrderStatus.PENDING,
    "待付款": OrderStatus.PENDING,
    "等待出库": OrderStatus.PAID,
    "等待发货": OrderStatus.PAID,
    "待发货": OrderStatus.PAID,
    "等待打印": OrderStatus.PAID,
    "等待拣货": OrderStatus.PAID,
    "等待打包": OrderStatus.PAID,
    "等待确认收货": OrderStatus.SHIPPED,
    "已出库": OrderStatus.SHIPPED,
    "配送中": OrderStatus.SHIPPED,
    "待收货": OrderStatus.SHIPPED,
    "已妥投": OrderStatus.DELIVERED,
    "完成": OrderStatus.SETTLED,
    "已完成": OrderStatus.SETTLED,
    "配送退货": OrderStatus.REFUNDED,
}
CANCEL_LABELS = frozenset({"已取消", "订单已取消", "取消", "已锁定取消"})
HOLD_LABELS = frozenset({"锁定", "已锁定", "暂停"})


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    platform: Platform = Platform.JD,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a JD order export (CSV in GB18030 or UTF-8, xls/xlsx, or an HTML "xls")."""
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
    """One JD row: the order's columns and its SKU line."""
    paid_at = row.time("paid_at")
    shipped_at = row.time("shipped_at")
    settled_at = row.time("settled_at")
    evidence = Evidence(
        paid=paid_at is not None,
        shipped=shipped_at is not None or row.text("tracking_no") is not None,
        settled=settled_at is not None,
    )
    raw_status = row.text("status")
    status = jd_status(raw_status, evidence, row)
    payable = row.amount("payable")
    paid = None if payable is None else payable + (row.amount("balance_paid") or ZERO)
    order_id = row.required_id("order_id")
    head = OrderRecord(
        platform=platform,
        order_id=order_id,
        status=status,
        created_at=row.required_time("created_at"),
        total_amount=row.required_amount("total_amount"),
        buyer=_buyer(row),
        shipping_fee=row.amount("shipping_fee") or ZERO,
        paid_amount=paid if status.was_paid else None,
        paid_at=paid_at,
        shipped_at=shipped_at,
        settled_at=settled_at,
        payment_method=row.text("payment_method"),
        buyer_message=row.text("buyer_message"),
        seller_remark=row.text("seller_remark"),
        cancel_reason=row.text("cancel_reason"),
        raw_status=raw_status,
        status_inferred=raw_status is None or raw_status in HOLD_LABELS,
        source=row.source(),
    )
    return head, _line(row)


def jd_status(raw: str | None, evidence: Evidence, row: Row) -> OrderStatus:
    """A JD 订单状态 text as an :class:`OrderStatus` (see the module docstring)."""
    if raw is None or raw in HOLD_LABELS:
        return infer_status(evidence)
    if raw in CANCEL_LABELS:
        return closed_status(evidence)
    found = STATUS_LABELS.get(raw)
    if found is None:
        raise RowRejected(row.columns.header("status"), f"unknown order status {raw!r}")
    return found


def _line(row: Row) -> OrderLineRecord:
    product_id = row.id("product_id")
    sku = row.text("sku")
    title = row.required_text("title")
    return OrderLineRecord(
        line_id=product_id or sku or title,
        title=title,
        quantity=row.required_count("quantity"),
        unit_price=row.required_amount("unit_price"),
        sku=sku,
        product_id=product_id,
    )


def _buyer(row: Row) -> Buyer:
    return Buyer(
        buyer_id=row.text("buyer_id"),
        name=row.name("name"),
        phone=row.contact("phone"),
        address=row.contact("address"),
        region=region_of(row.text("address")),
    )
