"""Write Pinduoduo (拼多多) order exports: one row per order, one SKU per order.

With ``quirks`` on, buyer names, phones and addresses are masked the way the merchant
back office shows them since 2022, and amounts sit under headers ending in ``(元)``.
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
from winback.ingest.records import ZERO, OrderRecord
from winback.model import OrderStatus

HEADERS = [
    "商品", "订单号", "订单状态", "商品总价(元)", "店铺优惠折扣(元)", "平台优惠折扣(元)",
    "邮费(元)", "用户实付金额(元)", "商家实收金额(元)", "商品数量(件)", "身份证姓名", "身份证号码",
    "收货人", "手机", "是否审核中", "省", "市", "区",
    "详细地址", "拼单成功时间", "订单成交时间", "商品规格", "样式ID", "商家编码-规格维度",
    "商家编码-商品维度", "商家备注", "买家留言", "快递单号", "快递公司", "发货时间",
    "确认收货时间", "商品id", "售后状态",
]  # fmt: skip
SPEC_NAMES = {"colour": "颜色", "size": "尺码"}
STATUS_TEXT = {
    OrderStatus.PENDING: "待支付",
    OrderStatus.PAID: "待发货",
    OrderStatus.SHIPPED: "已发货，待收货",
    OrderStatus.DELIVERED: "已签收",
    OrderStatus.SETTLED: "已收货",
    OrderStatus.CLOSED: "已取消",
    OrderStatus.CANCELLED: "未发货，退款成功",
    OrderStatus.REFUNDED: "已发货，退款成功",
}


def write_orders(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    encoding: str = "utf-8-sig",
    quirks: bool = True,
    tz: ZoneInfo | None = None,
) -> None:
    """Write a Pinduoduo order export CSV (an order's first line; Pinduoduo orders have one)."""
    zone = shop_zone(tz)
    write_csv(path, HEADERS, _rows(orders, zone, quirks), encoding=encoding)


def _rows(orders: Iterable[OrderRecord], tz: ZoneInfo, quirks: bool) -> Iterator[list[str]]:
    for order in orders:
        cells = order_cells(order, tz, quirks)
        yield [cells.get(header, "") for header in HEADERS]


def order_cells(order: OrderRecord, tz: ZoneInfo, quirks: bool) -> dict[str, str]:
    """One order as the export's cells."""
    buyer = order.buyer
    line = order.lines[0] if order.lines else None
    refunded = order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    paid = order.paid_amount if order.paid_amount is not None else order.total_amount
    goods = order.goods_amount if order.goods_amount is not None else order.total_amount
    spec = spec_text(line.attributes) if line else ""
    return {
        "商品": line.title if line else "",
        "订单号": order.order_id,
        "订单状态": STATUS_TEXT[order.status],
        "商品总价(元)": money(goods),
        "店铺优惠折扣(元)": money(order.discount),
        "平台优惠折扣(元)": money(ZERO),
        "邮费(元)": money(order.shipping_fee),
        "用户实付金额(元)": money(paid),
        "商家实收金额(元)": money(paid),
        "商品数量(件)": str(line.quantity) if line else "1",
        "收货人": buyer.name or "",
        "手机": contact_cell(buyer.phone, masked_phone(order.order_id)),
        "是否审核中": "否",
        "省": buyer.region or "",
        "详细地址": contact_cell(buyer.address, masked_address(buyer.region)),
        "拼单成功时间": local_time(order.created_at, tz),
        "订单成交时间": local_time(order.created_at, tz),
        "商品规格": spec,
        "商家编码-规格维度": (line.sku if line else None) or "",
        "商家备注": order.seller_remark or "",
        "买家留言": order.buyer_message or "",
        "快递单号": "",
        "发货时间": local_time(order.shipped_at, tz),
        "确认收货时间": local_time(order.settled_at, tz),
        "商品id": (line.product_id if line else None) or "",
        "售后状态": "退款成功" if refunded else ("无售后或售后取消" if quirks else ""),
    }


def spec_text(attributes: dict[str, str]) -> str:
    """``颜色:白色;尺码:M``; a spec the source kept whole (``规格``) is written as it was."""
    if set(attributes) == {"规格"}:
        return attributes["规格"]
    return ";".join(f"{SPEC_NAMES.get(k, k)}:{v}" for k, v in attributes.items())
