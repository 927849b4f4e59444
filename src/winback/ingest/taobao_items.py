"""The Taobao/Tmall item report (宝贝报表): one row per SKU line of an order.

Rows of one order become one :class:`OrderLinesRecord`. A line's id is the 子订单编号 where
the export has it, else its position within the order (``1``, ``2``, …). The record's status
is the lines' common status; when the lines disagree (one refunded, one settled) it is None
and the order report decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow
from winback.ingest.orders_common import (
    Evidence,
    Row,
    RowRejected,
    RowStream,
    columns_for,
)
from winback.ingest.records import (
    ZERO,
    OrderLineRecord,
    OrderLinesRecord,
    Parsed,
    ParsedFile,
    Record,
    Rejection,
    RowProgress,
    SourceRef,
)
from winback.ingest.tables import Table
from winback.ingest.taobao_status import order_status
from winback.model import OrderStatus, Platform

ITEM_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号", "主订单编号", "订单号"),
    "line_id": ("子订单编号",),
    "title": ("标题", "宝贝标题", "商品标题"),
    "unit_price": ("价格", "单价", "商品价格"),
    "quantity": ("购买数量", "数量", "宝贝数量"),
    "sku": ("商家编码", "外部系统编号", "商家外部编码"),
    "product_id": ("宝贝ID", "商品ID"),
    "attributes": ("商品属性", "宝贝属性", "销售属性"),
    "status": ("订单状态",),
    "refund_status": ("退款状态",),
    "refund_amount": ("退款金额",),
    "paid_at": ("订单付款时间", "买家付款时间", "付款时间"),
}
ITEM_REQUIRED = ("order_id", "title", "unit_price", "quantity")


@dataclass
class _Order:
    row: int
    lines: dict[str, tuple[OrderLineRecord, int]] = field(default_factory=dict)
    statuses: set[OrderStatus | None] = field(default_factory=set)


def parse_item_table(
    table: Table,
    *,
    tz: ZoneInfo,
    platform: Platform,
    progress: RowProgress | None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Read an item report already opened by :func:`~winback.ingest.tables.read_table`."""
    columns = columns_for(table, ITEM_ALIASES, ITEM_REQUIRED, tz, dates)
    stream = RowStream(table, columns, progress)
    orders: dict[str, _Order] = {}
    for row in stream:
        try:
            order_id, line, status = _line_from_row(row, orders)
        except RowRejected as problem:
            stream.reject(row, problem)
            continue
        rejection = _add_line(orders.setdefault(order_id, _Order(row.number)), line, row, table)
        if rejection is None:
            orders[order_id].statuses.add(status)
        else:
            stream.rejections.append(rejection)
    records: list[Record] = [
        OrderLinesRecord(
            platform=platform,
            order_id=order_id,
            lines=tuple(line for line, _ in order.lines.values()),
            status=next(iter(order.statuses)) if len(order.statuses) == 1 else None,
            source=SourceRef(table.file, order.row),
            order_column=columns.header("order_id"),
        )
        for order_id, order in orders.items()
    ]
    return ParsedFile(
        file=table.file,
        source=platform,
        kind="item_report",
        records=list[Parsed](records),
        rejections=stream.rejections,
        rows_read=stream.rows_read,
        unmapped_columns=columns.unmapped,
    )


def _line_from_row(
    row: Row, orders: dict[str, _Order]
) -> tuple[str, OrderLineRecord, OrderStatus | None]:
    order_id = row.required_id("order_id")
    known = orders.get(order_id)
    position = 1 + (len(known.lines) if known is not None else 0)
    refund = row.amount("refund_amount") or ZERO
    refund_status = row.text("refund_status") or ""
    line = OrderLineRecord(
        line_id=row.id("line_id") or str(position),
        title=row.required_text("title"),
        quantity=row.required_count("quantity"),
        unit_price=row.required_amount("unit_price"),
        sku=row.text("sku"),
        product_id=row.id("product_id"),
        attributes=row.spec("attributes"),
        refund_amount=refund,
    )
    evidence = Evidence(
        paid=row.time("paid_at") is not None or refund > 0 or "退款成功" in refund_status
    )
    raw = row.text("status")
    status = None if raw is None else order_status(raw, evidence, row.columns)
    return order_id, line, status


def _add_line(order: _Order, line: OrderLineRecord, row: Row, table: Table) -> Rejection | None:
    """Add a line; an identical repeat is dropped, a conflicting one rejected."""
    if not row.columns.has("line_id") and any(
        replace(known, line_id=line.line_id) == line for known, _ in order.lines.values()
    ):
        return None  # the same line again: positions are no identity
    seen = order.lines.get(line.line_id)
    if seen is None:
        order.lines[line.line_id] = (line, row.number)
        return None
    if seen[0] == line:
        return None
    reason = f"line {line.line_id} of this order is on row {seen[1]} with different data"
    return Rejection(table.file, row.number, None, reason)
