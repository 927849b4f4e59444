"""Taobao and Tmall exports: the order report (订单报表) and the item report (宝贝报表).

Both platforms export the same files. The order report has one row per order; the item
report one row per SKU line. :func:`parse` tells them apart by their headers; an item report
alone yields :class:`OrderLinesRecord` values, and :func:`parse_pair` joins the two files into
orders with their lines.

Status: 交易关闭 means ``refunded`` when the order was paid (a payment time, an amount paid,
a refund, or a close reason mentioning 退款) and ``closed`` otherwise. Without a status
column (or with an empty cell) the status is inferred, see
:func:`winback.ingest.orders_common.infer_status`. An unknown status text rejects the row.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import NoReturn
from zoneinfo import ZoneInfo

from winback.errors import ImportFileError
from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow, map_headers
from winback.ingest.order_gathering import read_orders
from winback.ingest.orders_common import (
    Evidence,
    Row,
    columns_for,
    reading,
    region_of,
)
from winback.ingest.records import (
    ZERO,
    Buyer,
    OrderLinesRecord,
    OrderRecord,
    OrderTable,
    Parsed,
    ParsedFile,
    RowProgress,
)
from winback.ingest.tables import Table
from winback.ingest.taobao_columns import NotColumnar, order_stream, read_order_table
from winback.ingest.taobao_items import ITEM_ALIASES, parse_item_table
from winback.ingest.taobao_status import NOT_CLOSED, order_status
from winback.model import Platform

ORDER_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号", "主订单编号", "订单号"),
    "buyer_id": ("买家会员名", "买家昵称", "买家账号"),
    "goods_amount": ("买家应付货款", "商品总价", "宝贝总价"),
    "shipping_fee": ("买家应付邮费", "邮费", "运费"),
    "total_amount": ("总金额", "订单金额", "应付金额"),
    "paid_amount": ("买家实际支付金额", "买家实付金额", "实付金额", "打款商家金额"),
    "refund_amount": ("退款金额",),
    "status": ("订单状态",),
    "buyer_message": ("买家留言",),
    "name": ("收货人姓名", "收货人"),
    "address": ("收货地址", "收货人地址"),
    "mobile": ("联系手机", "手机"),
    "phone": ("联系电话", "电话"),
    "created_at": ("订单创建时间", "买家下单时间", "下单时间", "创建时间"),
    "paid_at": ("订单付款时间", "买家付款时间", "付款时间"),
    "shipped_at": ("发货时间", "卖家发货时间"),
    "settled_at": ("确认收货时间", "交易成功时间"),
    "tracking_no": ("物流单号", "运单号"),
    "seller_remark": ("订单备注", "商家备注", "卖家备注"),
    "close_reason": ("订单关闭原因", "关闭原因"),
}
ORDER_REQUIRED = ("order_id", "total_amount", "created_at")


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    platform: Platform = Platform.TAOBAO,
    progress: RowProgress | None = None,
    columnar: bool = False,
    streaming: bool = False,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a Taobao/Tmall order report or item report (told apart by the headers).

    ``columnar`` lets a large clean order report be read column-wise into one
    :class:`OrderTable` (see :mod:`winback.ingest.taobao_columns`); otherwise, and whenever
    that reader declines the file, every order is an :class:`OrderRecord`. With
    ``streaming`` too, a report of at least :data:`STREAM_MIN_ROWS` rows is not read here:
    it comes back as one :class:`OrderStream`, read chunk by chunk while it is stored.
    """
    with reading(path) as table:
        if is_item_report(table.headers, file=table.file):
            return parse_item_table(table, tz=tz, platform=platform, progress=progress, dates=dates)
        if columnar:
            parsed = _read_columns(
                table,
                tz=tz,
                platform=platform,
                progress=progress,
                streaming=streaming,
                dates=dates,
            )
            if parsed is not None:
                return parsed
        return _parse_order_table(table, tz=tz, platform=platform, progress=progress, dates=dates)


STREAM_MIN_ROWS = 100_000
"""Smaller reports are read at once: a helper process would cost more than it saves."""


def _read_columns(
    table: Table,
    *,
    tz: ZoneInfo,
    platform: Platform,
    progress: RowProgress | None,
    streaming: bool,
    dates: DateWindow,
) -> ParsedFile | None:
    columns = columns_for(table, ORDER_ALIASES, ORDER_REQUIRED, tz, dates)
    records: list[Parsed]
    try:
        if streaming and table.estimated_rows >= STREAM_MIN_ROWS:
            records = [order_stream(table, columns, platform, min_rows=STREAM_MIN_ROWS)]
        else:
            records = [read_order_table(table, columns, platform)]
    except NotColumnar:
        return None
    rows = sum(len(r) for r in records if isinstance(r, OrderTable))
    if progress is not None and rows:
        progress(rows)
    return ParsedFile(
        file=table.file,
        source=platform,
        kind="order_report",
        records=records,
        rows_read=rows,
        unmapped_columns=columns.unmapped,
    )


def parse_pair(
    order_report: Path,
    item_report: Path,
    *,
    tz: ZoneInfo,
    platform: Platform = Platform.TAOBAO,
    progress: RowProgress | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse an order report and its item report together: each order gets its lines.

    Lines of orders the order report does not hold stay :class:`OrderLinesRecord` values
    (the store may know the order from an earlier import).
    """
    orders = parse(order_report, tz=tz, platform=platform, progress=progress, dates=dates)
    items = parse(item_report, tz=tz, platform=platform, progress=progress, dates=dates)
    if orders.kind != "order_report" or items.kind != "item_report":
        _refuse_mixed_up(order_report, orders.kind, item_report, items.kind)
    lines = {r.order_id: r for r in items.records if isinstance(r, OrderLinesRecord)}
    records: list[Parsed] = []
    for record in orders.records:
        if isinstance(record, OrderRecord) and record.order_id in lines:
            record = replace(record, lines=lines.pop(record.order_id).lines)
        records.append(record)
    records.extend(lines.values())
    return ParsedFile(
        file=orders.file,
        source=platform,
        kind="order_and_item_reports",
        records=records,
        rejections=orders.rejections + items.rejections,
        rows_read=orders.rows_read + items.rows_read,
        unmapped_columns=orders.unmapped_columns
        + [c for c in items.unmapped_columns if c not in orders.unmapped_columns],
    )


def _refuse_mixed_up(
    order_report: Path, order_kind: str, item_report: Path, item_kind: str
) -> NoReturn:
    """Refuse a pair whose files are not an order report and an item report."""
    file = order_report if order_kind != "order_report" else item_report
    kind = order_kind if order_kind != "order_report" else item_kind
    raise ImportFileError(f"expected the other kind of report, found an {kind}", file=file)


def is_item_report(headers: list[str], *, file: str | None = None) -> bool:
    """An item report has title, price and quantity columns and no order total."""
    items = map_headers(headers, ITEM_ALIASES, file=file)
    orders = map_headers(headers, {"total_amount": ORDER_ALIASES["total_amount"]}, file=file)
    has_lines = all(items.has(name) for name in ("title", "unit_price", "quantity"))
    return has_lines and not orders.has("total_amount")


def _parse_order_table(
    table: Table,
    *,
    tz: ZoneInfo,
    platform: Platform,
    progress: RowProgress | None,
    dates: DateWindow,
) -> ParsedFile:
    columns = columns_for(table, ORDER_ALIASES, ORDER_REQUIRED, tz, dates)
    return read_orders(
        table,
        columns,
        platform=platform,
        kind="order_report",
        parse_row=lambda row: (order_from_row(row, platform), None),
        progress=progress,
    )


def order_from_row(row: Row, platform: Platform) -> OrderRecord:
    """One order report row as an order (lines come from the item report)."""
    total = row.required_amount("total_amount")
    paid_column = row.amount("paid_amount")
    refund = row.amount("refund_amount") or ZERO
    paid = gross_paid(paid_column, refund, total)
    paid_at = row.time("paid_at")
    shipped_at = row.time("shipped_at")
    settled_at = row.time("settled_at")
    close_reason = row.text("close_reason")
    if close_reason in NOT_CLOSED:
        close_reason = None
    evidence = Evidence(
        paid=paid_at is not None
        or bool(paid_column)
        or refund > 0
        or "退款" in (close_reason or ""),
        shipped=shipped_at is not None or row.text("tracking_no") is not None,
        settled=settled_at is not None,
        closed=close_reason is not None,
        refunded_in_full=refund > 0 and refund >= (total if paid is None else paid),
    )
    raw_status = row.text("status")
    status = order_status(raw_status, evidence, row.columns)
    goods = row.amount("goods_amount")
    shipping = row.amount("shipping_fee") or ZERO
    return OrderRecord(
        platform=platform,
        order_id=row.required_id("order_id"),
        status=status,
        created_at=row.required_time("created_at"),
        total_amount=total,
        buyer=_buyer(row),
        goods_amount=goods,
        shipping_fee=shipping,
        discount=max(goods + shipping - total, ZERO) if goods is not None else ZERO,
        paid_amount=paid if status.was_paid else None,
        refund_amount=refund,
        paid_at=paid_at,
        shipped_at=shipped_at,
        settled_at=settled_at,
        buyer_message=row.text("buyer_message"),
        seller_remark=row.text("seller_remark"),
        close_reason=close_reason,
        raw_status=raw_status,
        source=row.source(),
        status_inferred=raw_status is None,
    )


def gross_paid(paid: Decimal | None, refund: Decimal, total: Decimal) -> Decimal | None:
    """The amount paid before refunds. Some Tmall/Taobao exports write 买家实际支付金额 net
    of the refund: on a row with a refund where paid + refund equals the total, the column
    is net and the gross amount is the total; otherwise the column is the gross amount."""
    if paid is not None and refund > 0 and paid + refund == total:
        return total
    return paid


def _buyer(row: Row) -> Buyer:
    address_text = row.text("address")
    return Buyer(
        buyer_id=row.text("buyer_id"),
        name=row.name("name"),
        phone=row.first_contact("mobile", "phone"),
        address=row.contact("address"),
        region=region_of(address_text),
    )
