"""Write JD (京东) order exports: one row per SKU, the order's columns repeated on each row.

With ``quirks`` on, phones are masked (``138****5678``), addresses masked after the province
and empty cells hold ``-``. The default encoding is GB18030, as JD's back office writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.demo.exports.cells import (
    contact_cell,
    local_time,
    masked_address,
    masked_phone,
    money,
    shop_zone,
    write_csv,
)
from winback.ingest.records import OrderLineRecord, OrderRecord
from winback.model import OrderStatus

HEADERS = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间",
    "京东价", "订单金额", "结算金额", "余额支付", "应付金额", "订单状态",
    "订单类型", "下单帐号", "客户姓名", "客户地址", "联系电话", "订单备注",
    "发票类型", "发票抬头", "发票内容", "商家备注", "商家备注等级", "运费金额",
    "付款确认时间", "增值税发票", "货号", "订单完成时间", "订单来源", "订单渠道",
]  # fmt: skip
STATUS_TEXT = {
    OrderStatus.PENDING: "等待付款",
    OrderStatus.PAID: "等待出库",
    OrderStatus.SHIPPED: "等待确认收货",
    OrderStatus.SETTLED: "完成",
    OrderStatus.CLOSED: "已取消",
    OrderStatus.CANCELLED: "已取消",
    OrderStatus.REFUNDED: "配送退货",
}


def write_orders(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    encoding: str = "gb18030",
    quirks: bool = True,
    tz: ZoneInfo | None = None,
) -> None:
    """Write a JD order export CSV. JD has no "delivered" status: write those as shipped."""
    zone = shop_zone(tz)
    write_csv(path, HEADERS, _rows(orders, zone, quirks), encoding=encoding)


def _rows(orders: Iterable[OrderRecord], tz: ZoneInfo, quirks: bool) -> Iterator[list[str]]:
    for order in orders:
        head = order_cells(order, tz, quirks)
        for line in order.lines:
            cells = head | line_cells(line, quirks)
            yield [cells.get(header, "") for header in HEADERS]


def order_cells(order: OrderRecord, tz: ZoneInfo, quirks: bool) -> dict[str, str]:
    """The order's columns, repeated on each of its rows."""
    empty = "-" if quirks else ""
    buyer = order.buyer
    status = OrderStatus.SHIPPED if order.status is OrderStatus.DELIVERED else order.status
    return {
        "订单号": order.order_id,
        "支付方式": order.payment_method or "在线支付",
        "下单时间": local_time(order.created_at, tz),
        "订单金额": money(order.total_amount),
        "结算金额": money(order.total_amount),
        "余额支付": "0.00",
        "应付金额": money(order.paid_amount, empty=money(order.total_amount)),
        "订单状态": STATUS_TEXT[status],
        "订单类型": "普通订单",
        "下单帐号": buyer.buyer_id or "",
        "客户姓名": buyer.name or "",
        "客户地址": contact_cell(buyer.address, masked_address(buyer.region)),
        "联系电话": contact_cell(buyer.phone, masked_phone(order.order_id)),
        "订单备注": order.buyer_message or empty,
        "发票类型": "电子发票",
        "商家备注": order.seller_remark or "",
        "商家备注等级": "0",
        "运费金额": money(order.shipping_fee),
        "付款确认时间": local_time(order.paid_at, tz),
        "增值税发票": "否",
        "订单完成时间": local_time(order.settled_at, tz),
        "订单来源": "移动端",
        "订单渠道": "京东",
    }


def line_cells(line: OrderLineRecord, quirks: bool) -> dict[str, str]:
    """One SKU's columns."""
    return {
        "商品ID": line.product_id or "",
        "商品名称": line.title,
        "订购数量": str(line.quantity),
        "京东价": money(line.unit_price),
        "货号": line.sku or ("-" if quirks else ""),
    }
