"""Write Douyin (抖店) order exports: one row per sub-order (子订单), i.e. per SKU line.

Like the real export, the file is UTF-8 with a BOM and, with ``quirks`` on, every cell is
prefixed by a tab and buyer names, phones and addresses are ``##`` ciphertext.

Amounts are per sub-order: a line's 订单应付金额 is its goods amount, and the first line also
carries the order's 运费 and 优惠总金额 (:func:`line_payables`), so the rows add up to the
order. A line with a refund is written with 售后状态 退款成功.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.demo.exports.cells import (
    ciphertext,
    contact_cell,
    local_time,
    money,
    shop_zone,
    write_csv,
)
from winback.demo.exports.pdd import spec_text
from winback.ingest.records import ZERO, OrderLineRecord, OrderRecord
from winback.model import OrderStatus

HEADERS = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "商品数量", "商品ID",
    "商家编码", "商品金额", "订单应付金额", "运费", "优惠总金额", "支付方式",
    "收件人", "收件人手机号", "省", "市", "区", "街道",
    "详细地址", "买家留言", "订单提交时间", "商家备注", "订单完成时间", "支付完成时间",
    "APP渠道", "订单状态", "订单类型", "售后状态", "取消原因", "发货时间",
]  # fmt: skip
STATUS_TEXT = {
    OrderStatus.PENDING: "待支付",
    OrderStatus.PAID: "待发货",
    OrderStatus.SHIPPED: "已发货",
    OrderStatus.DELIVERED: "已签收",
    OrderStatus.SETTLED: "已完成",
    OrderStatus.CLOSED: "已关闭",
    OrderStatus.CANCELLED: "已关闭",
    OrderStatus.REFUNDED: "已关闭",
}


def write_orders(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    encoding: str = "utf-8-sig",
    quirks: bool = True,
    tz: ZoneInfo | None = None,
) -> None:
    """Write a Douyin order export CSV. A refunded order must carry its shipping time (that
    is how a closed order reads as refunded rather than cancelled)."""
    zone = shop_zone(tz)
    write_csv(path, HEADERS, _rows(orders, zone, quirks), encoding=encoding)


def line_payables(order: OrderRecord) -> list[Decimal]:
    """Each line's 订单应付金额: its goods, plus the order's shipping less its discount on
    the first line."""
    payables = [line.unit_price * line.quantity for line in order.lines]
    if payables:
        payables[0] += order.shipping_fee - order.discount
    return payables


def _rows(orders: Iterable[OrderRecord], tz: ZoneInfo, quirks: bool) -> Iterator[list[str]]:
    for order in orders:
        head = order_cells(order, tz, quirks)
        for index, (line, payable) in enumerate(
            zip(order.lines, line_payables(order), strict=True)
        ):
            cells = head | line_cells(order, line, payable, first=index == 0)
            yield [f"\t{c}" if quirks and c else c for c in (cells.get(h, "") for h in HEADERS)]


def order_cells(order: OrderRecord, tz: ZoneInfo, quirks: bool) -> dict[str, str]:
    """The main order's columns, repeated on each sub-order row."""
    buyer = order.buyer
    finished = order.settled_at if order.status is OrderStatus.SETTLED else None
    return {
        "主订单编号": order.order_id,
        "支付方式": order.payment_method or "",
        "收件人": ciphertext(buyer.name or "") if quirks and buyer.name else buyer.name or "",
        "收件人手机号": contact_cell(buyer.phone, ciphertext(order.order_id + "phone")),
        "省": buyer.region or "",
        "详细地址": contact_cell(buyer.address, ciphertext(order.order_id + "address")),
        "买家留言": order.buyer_message or "",
        "订单提交时间": local_time(order.created_at, tz),
        "商家备注": order.seller_remark or "",
        "订单完成时间": local_time(finished, tz),
        "支付完成时间": local_time(order.paid_at, tz),
        "APP渠道": "抖音",
        "订单状态": STATUS_TEXT[order.status],
        "订单类型": "普通订单",
        "取消原因": order.cancel_reason or "",
        "发货时间": local_time(order.shipped_at, tz),
    }


def line_cells(
    order: OrderRecord, line: OrderLineRecord, payable: Decimal, *, first: bool
) -> dict[str, str]:
    """One sub-order's columns."""
    return {
        "子订单编号": line.line_id,
        "选购商品": line.title,
        "商品规格": spec_text(line.attributes),
        "商品数量": str(line.quantity),
        "商品ID": line.product_id or "",
        "商家编码": line.sku or "",
        "商品金额": money(line.unit_price),
        "订单应付金额": money(payable),
        "运费": money(order.shipping_fee if first else ZERO),
        "优惠总金额": money(order.discount if first else ZERO),
        "售后状态": "退款成功" if line.refund_amount > 0 else "",
    }
