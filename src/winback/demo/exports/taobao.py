"""Write Taobao/Tmall order and item reports the way the seller back office exports them.

``variant="2016"`` is the classic 订单报表 (41 columns, trailing spaces in some headers);
``variant="2023"`` the newer one (主订单编号, 买家实付金额, 发货/确认收货时间, 退款金额).
With ``quirks`` on, cells carry the real export's habits: ``="…"`` ids, ``'`` before phone
numbers, ``null`` for an empty buyer message, masked phones and addresses.

The writers stream rows through the csv module and keep nothing in memory, so a million
orders write in seconds.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.demo.exports.cells import (
    excel_id,
    local_time,
    masked_address,
    masked_phone,
    money,
    shop_zone,
    write_csv,
)
from winback.ingest.records import OrderLineRecord, OrderRecord
from winback.model import OrderStatus

ORDER_HEADERS = {
    "2016": [
        "订单编号",
        "买家会员名",
        "买家支付宝账号",
        "买家应付货款",
        "买家应付邮费",
        "买家支付积分",
        "总金额",
        "返点积分",
        "买家实际支付金额",
        "买家实际支付积分",
        "订单状态",
        "买家留言",
        "收货人姓名",
        "收货地址 ",
        "运送方式",
        "联系电话 ",
        "联系手机",
        "订单创建时间",
        "订单付款时间 ",
        "宝贝标题 ",
        "宝贝种类 ",
        "物流单号 ",
        "物流公司",
        "订单备注",
        "宝贝总数量",
        "店铺Id",
        "店铺名称",
        "订单关闭原因",
        "卖家服务费",
        "买家服务费",
        "发票抬头",
        "是否手机订单",
        "分阶段订单信息",
        "特权订金订单id",
        "定金排名",
        "修改后的sku",
        "修改后的收货地址",
        "异常信息",
        "天猫卡券抵扣",
        "集分宝抵扣",
        "是否是O2O交易",
    ],
    "2023": [
        "主订单编号",
        "买家会员名",
        "买家应付货款",
        "买家应付邮费",
        "总金额",
        "买家实付金额",
        "退款金额",
        "订单状态",
        "买家留言",
        "收货人姓名",
        "收货地址",
        "运送方式",
        "联系手机",
        "买家下单时间",
        "买家付款时间",
        "发货时间",
        "确认收货时间",
        "宝贝标题",
        "宝贝种类",
        "运单号",
        "物流公司",
        "商家备注",
        "宝贝总数量",
        "店铺名称",
        "订单关闭原因",
        "支付单号",
    ],
}
ITEM_HEADERS = {
    "2016": [
        "订单编号",
        "标题",
        "价格",
        "购买数量",
        "外部系统编号",
        "商品属性",
        "套餐信息",
        "备注",
        "订单状态",
        "商家编码",
    ],
    "2023": [
        "主订单编号",
        "子订单编号",
        "标题",
        "价格",
        "购买数量",
        "外部系统编号",
        "商品属性",
        "套餐信息",
        "备注",
        "订单状态",
        "商家编码",
        "支付单号",
        "退款状态",
        "退款金额",
        "订单创建时间",
        "订单付款时间",
    ],
}
STATUS_TEXT = {
    OrderStatus.PENDING: "等待买家付款",
    OrderStatus.PAID: "买家已付款，等待卖家发货",
    OrderStatus.SHIPPED: "卖家已发货，等待买家确认",
    OrderStatus.DELIVERED: "买家已签收",
    OrderStatus.SETTLED: "交易成功",
    OrderStatus.CLOSED: "交易关闭",
    OrderStatus.CANCELLED: "交易关闭",
    OrderStatus.REFUNDED: "交易关闭",
}
ATTRIBUTE_NAMES = {"colour": "颜色分类", "size": "尺码"}
SHOP_NAME = "winback演示店"
_SHIPPED = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED})


def write_order_report(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    variant: str = "2016",
    encoding: str = "gb18030",
    quirks: bool = True,
    tz: ZoneInfo | None = None,
    omit_columns: Iterable[str] = (),
) -> None:
    """Write an order report CSV (one row per order). ``omit_columns`` drops columns by
    header name (e.g. ``订单状态``, to exercise status inference)."""
    headers = _kept(ORDER_HEADERS[variant], omit_columns)
    zone = shop_zone(tz)
    keys = [h.strip() for h in headers]
    rows = ([cells.get(k, "") for k in keys] for cells in _order_dicts(orders, zone, quirks))
    write_csv(path, headers, rows, encoding=encoding)


def write_item_report(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    variant: str = "2016",
    encoding: str = "gb18030",
    quirks: bool = True,
    tz: ZoneInfo | None = None,
) -> None:
    """Write an item report CSV (one row per order line)."""
    headers = ITEM_HEADERS[variant]
    zone = shop_zone(tz)
    rows = (
        [cells.get(h, "") for h in headers]
        for order in orders
        for line in order.lines
        for cells in (_item_cells(order, line, zone, quirks),)
    )
    write_csv(path, headers, rows, encoding=encoding)


def write_order_report_html_xls(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    variant: str = "2016",
    encoding: str = "gb18030",
    tz: ZoneInfo | None = None,
) -> None:
    """Write an order report as the "xls" Taobao often serves: an HTML table."""
    headers = ORDER_HEADERS[variant]
    zone = shop_zone(tz)
    with path.open("w", encoding=encoding, newline="") as handle:
        handle.write(
            f'<html><head><meta http-equiv="Content-Type" content="text/html; '
            f'charset={encoding}"></head><body><table border="1">\n'
        )
        handle.write(_html_row(headers))
        for cells in _order_dicts(orders, zone, quirks=False):
            handle.write(_html_row([cells.get(h.strip(), "") for h in headers]))
        handle.write("</table></body></html>\n")


def write_order_report_xlsx(
    orders: Iterable[OrderRecord],
    path: Path,
    *,
    variant: str = "2023",
    tz: ZoneInfo | None = None,
) -> None:
    """Write an order report as a real ``.xlsx`` workbook (ids as text, amounts as numbers)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    headers = ORDER_HEADERS[variant]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("订单报表")
    sheet.append(headers)
    numeric = {
        "买家应付货款",
        "买家应付邮费",
        "总金额",
        "买家实付金额",
        "买家实际支付金额",
        "退款金额",
    }
    for cells in _order_dicts(orders, shop_zone(tz), quirks=False):
        sheet.append(
            [
                float(cells[h.strip()])
                if h.strip() in numeric and cells.get(h.strip())
                else cells.get(h.strip(), "")
                for h in headers
            ]
        )
    book.save(path)


def _kept(headers: list[str], omit: Iterable[str]) -> list[str]:
    dropped = {name.strip() for name in omit}
    return [h for h in headers if h.strip() not in dropped]


def _html_row(cells: list[str]) -> str:
    tds = "".join(f'<td style="vnd.ms-excel.numberformat:@">{html.escape(c)}</td>' for c in cells)
    return f"<tr>{tds}</tr>\n"


def _order_dicts(
    orders: Iterable[OrderRecord], tz: ZoneInfo, quirks: bool
) -> Iterator[dict[str, str]]:
    for order in orders:
        yield order_cells(order, tz, quirks)


def order_cells(order: OrderRecord, tz: ZoneInfo, quirks: bool) -> dict[str, str]:
    """One order as the order report's cells, keyed by header (without padding)."""
    buyer = order.buyer
    empty = "-" if quirks else ""
    tracking = tracking_number(order)
    phone = masked_phone(order.order_id) if buyer.phone.masked else buyer.phone.value or ""
    if quirks and phone and not buyer.phone.masked:
        phone = f"'{phone}"
    order_id = excel_id(order.order_id, quirks)
    paid = money(order.paid_amount, empty="0.00")
    created = local_time(order.created_at, tz)
    paid_at = local_time(order.paid_at, tz)
    remark = order.seller_remark or ""
    return {
        "订单编号": order_id,
        "主订单编号": order_id,
        "买家会员名": buyer.buyer_id or "",
        "买家应付货款": money(order.goods_amount),
        "买家应付邮费": money(order.shipping_fee),
        "买家支付积分": "0",
        "总金额": money(order.total_amount),
        "返点积分": "0",
        "买家实际支付金额": paid,
        "买家实付金额": paid,
        "退款金额": money(order.refund_amount),
        "买家实际支付积分": "0",
        "订单状态": STATUS_TEXT[order.status],
        "买家留言": order.buyer_message or ("null" if quirks else ""),
        "收货人姓名": buyer.name or "",
        "收货地址": masked_address(buyer.region)
        if buyer.address.masked
        else buyer.address.value or "",
        "运送方式": "快递",
        "联系电话": empty,
        "联系手机": phone,
        "订单创建时间": created,
        "买家下单时间": created,
        "订单付款时间": paid_at,
        "买家付款时间": paid_at,
        "发货时间": local_time(order.shipped_at, tz),
        "确认收货时间": local_time(order.settled_at, tz),
        "宝贝标题": order.lines[0].title if order.lines else "",
        "宝贝种类": str(len(order.lines)),
        "物流单号": f"No:{tracking}" if quirks and tracking else tracking,
        "运单号": tracking,
        "物流公司": "圆通速递" if tracking else "",
        "订单备注": remark,
        "商家备注": remark,
        "宝贝总数量": str(sum(line.quantity for line in order.lines)),
        "店铺名称": SHOP_NAME,
        "订单关闭原因": order.close_reason or "订单未关闭",
        "是否手机订单": "手机订单",
        "是否是O2O交易": "否" if quirks else "",
    }


def tracking_number(order: OrderRecord) -> str:
    """A carrier tracking number for an order that left the warehouse, else empty."""
    if order.status in _SHIPPED or order.shipped_at is not None:
        digits = order.order_id if order.order_id.isdigit() else re.sub(r"\D", "", order.order_id)
        return "YT" + digits[-12:].rjust(12, "0")
    return ""


def attribute_text(attributes: dict[str, str]) -> str:
    """``颜色分类：白色;尺码：M`` from canonical attributes."""
    return ";".join(f"{ATTRIBUTE_NAMES.get(k, k)}：{v}" for k, v in attributes.items())


def _item_cells(
    order: OrderRecord, line: OrderLineRecord, tz: ZoneInfo, quirks: bool
) -> dict[str, str]:
    refund_status = "退款成功" if line.refund_amount > 0 else "没有申请退款"
    order_id = excel_id(order.order_id, quirks)
    return {
        "订单编号": order_id,
        "主订单编号": order_id,
        "子订单编号": excel_id(line.line_id, quirks),
        "标题": line.title,
        "价格": money(line.unit_price),
        "购买数量": str(line.quantity),
        "外部系统编号": line.sku or "",
        "商品属性": attribute_text(line.attributes),
        "备注": "null" if quirks else "",
        "订单状态": STATUS_TEXT[order.status],
        "商家编码": line.sku or ("null" if quirks else ""),
        "退款状态": refund_status,
        "退款金额": money(line.refund_amount),
        "订单创建时间": local_time(order.created_at, tz),
        "订单付款时间": local_time(order.paid_at, tz),
    }
