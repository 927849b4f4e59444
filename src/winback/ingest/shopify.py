"""Shopify exports: the orders CSV (Admin → Orders → Export) and the customers CSV.

The orders CSV has one row per line item. The order-level columns (Email, Financial Status,
Total, Created at, …) are filled on the first row of an order only; its later rows repeat
``Name`` and the ``Lineitem …`` columns. :func:`parse` tells the two exports apart by their
headers. The status table and the variant rule are documented in ``docs/importers.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow, map_headers, normalise_header
from winback.ingest.records import (
    ZERO,
    Buyer,
    OrderLineRecord,
    OrderRecord,
    ParsedFile,
    RowProgress,
    SourceRef,
)
from winback.ingest.rows import (
    Columns,
    DataRows,
    FieldError,
    Row,
    RowGroup,
    group_rows,
    require_columns,
    rows_closed,
)
from winback.ingest.shopify_customers import parse_customers
from winback.ingest.tables import WESTERN_TEXT, Table, read_table
from winback.model import OrderStatus, Platform

ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("Name",),
    "id": ("Id",),
    "email": ("Email",),
    "financial_status": ("Financial Status",),
    "paid_at": ("Paid at",),
    "fulfillment_status": ("Fulfillment Status",),
    "fulfilled_at": ("Fulfilled at",),
    "currency": ("Currency",),
    "subtotal": ("Subtotal",),
    "shipping": ("Shipping",),
    "total": ("Total",),
    "discount": ("Discount Amount",),
    "discount_code": ("Discount Code",),
    "created_at": ("Created at",),
    "cancelled_at": ("Cancelled at",),
    "billing_name": ("Billing Name",),
    "phone": ("Phone",),
    "billing_phone": ("Billing Phone",),
    "shipping_phone": ("Shipping Phone",),
    "province": ("Shipping Province",),
    "country": ("Shipping Country",),
    "notes": ("Notes",),
    "payment_method": ("Payment Method",),
    "refunded": ("Refunded Amount",),
    "line_quantity": ("Lineitem quantity",),
    "line_name": ("Lineitem name",),
    "line_price": ("Lineitem price",),
    "line_sku": ("Lineitem sku",),
}
REQUIRED_ORDER_COLUMNS = ("name", "created_at", "financial_status", "total", "currency")
ORDER_LEVEL = tuple(name for name in ORDER_COLUMNS if name != "name" and "line_" not in name)

_UNPAID = frozenset({"pending", "authorized", "partially_paid"})
_CAPTURED = frozenset({"paid", "partially_refunded", "refunded"})
_NEVER_PAID_ENDS = frozenset({"voided", "expired"})


def parse(
    path: Path,
    *,
    tz: ZoneInfo,
    progress: RowProgress | None = None,
    encoding: str = "auto",
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Parse a Shopify orders or customers CSV export. The text encoding is detected (UTF-8,
    else cp1252 as Excel on Western Windows saves it) unless ``encoding`` names it."""
    table = read_table(path, encoding=encoding, text_encodings=WESTERN_TEXT)
    with rows_closed(table):
        headers = {normalise_header(header) for header in table.headers}
        if "financial status" not in headers and "first name" in headers:
            return parse_customers(table, progress, dates)
        return parse_orders(table, tz, progress, dates)


def parse_orders(
    table: Table,
    tz: ZoneInfo,
    progress: RowProgress | None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Orders from an already opened Shopify orders export."""
    header_map = map_headers(table.headers, ORDER_COLUMNS, file=table.file)
    columns = Columns.found(table.file, table.headers, header_map, dates=dates)
    require_columns(columns, REQUIRED_ORDER_COLUMNS, ORDER_COLUMNS)
    parsed = ParsedFile(table.file, Platform.SHOPIFY, "orders")
    parsed.unmapped_columns = header_map.unmapped
    data = DataRows(table, progress)
    rows = list(data)
    parsed.rows_read = data.read
    parsed.rejections.extend(data.rejections)
    groups = group_rows(
        rows, columns, key="name", order_fields=ORDER_LEVEL, rejections=parsed.rejections
    )
    for group in groups:
        try:
            parsed.records.append(order_record(group, tz))
        except FieldError as error:
            parsed.rejections.append(columns.rejection(group.first.number, error))
    parsed.rejections.sort(key=lambda rejection: rejection.row)
    return parsed


def order_record(group: RowGroup, tz: ZoneInfo) -> OrderRecord:
    """One order from its rows; raises :class:`FieldError` for the first bad cell."""
    first = group.first
    financial = _status_text(first.required_text("financial_status"))
    fulfillment = _status_text(first.text("fulfillment_status") or "unfulfilled")
    cancelled_at = first.time("cancelled_at", tz)
    status = order_status(financial, fulfillment, cancelled=cancelled_at is not None)
    total = first.required_amount("total")
    return OrderRecord(
        platform=Platform.SHOPIFY,
        order_id=first.id("id") or group.key,
        status=status,
        created_at=first.required_time("created_at", tz),
        total_amount=total,
        buyer=_buyer(first),
        currency=first.required_text("currency"),
        goods_amount=first.amount("subtotal"),
        shipping_fee=first.amount("shipping") or ZERO,
        discount=first.amount("discount") or ZERO,
        paid_amount=total if financial in _CAPTURED else None,
        refund_amount=first.amount("refunded") or ZERO,
        paid_at=first.time("paid_at", tz),
        shipped_at=first.time("fulfilled_at", tz),
        closed_at=cancelled_at,
        payment_method=first.text("payment_method"),
        buyer_message=first.text("notes"),
        raw_status=f"{financial}/{fulfillment}" + ("/cancelled" if cancelled_at else ""),
        lines=_lines(group.rows),
        source=SourceRef(first.columns.file, first.number),
        coupon_code=first.text("discount_code"),
    )


def _status_text(text: str) -> str:
    return text.strip().lower().replace(" ", "_")


def order_status(financial: str, fulfillment: str, *, cancelled: bool) -> OrderStatus:
    """The canonical status for Shopify's financial and fulfillment status and cancel flag."""
    if financial in _NEVER_PAID_ENDS:
        return OrderStatus.CLOSED
    if financial in _UNPAID:
        return OrderStatus.CLOSED if cancelled else OrderStatus.PENDING
    if financial not in _CAPTURED:
        raise FieldError("financial_status", f"unknown Shopify financial status {financial!r}")
    if cancelled:
        shipped_any = fulfillment in ("fulfilled", "partial")
        return OrderStatus.REFUNDED if shipped_any else OrderStatus.CANCELLED
    if financial == "refunded":
        return OrderStatus.REFUNDED
    return OrderStatus.SHIPPED if fulfillment == "fulfilled" else OrderStatus.PAID


def _buyer(first: Row) -> Buyer:
    email = first.contact("email")
    phone = next(
        (
            contact
            for contact in map(first.contact, ("phone", "billing_phone", "shipping_phone"))
            if contact.value is not None or contact.masked
        ),
        first.contact("phone"),
    )
    buyer_id = email.value.lower() if email.value else phone.value
    region_parts = (first.text("province"), first.text("country"))
    region = ", ".join(part for part in region_parts if part) or None
    return Buyer(buyer_id, first.text("billing_name"), phone, email, region=region)


def _lines(rows: list[Row]) -> tuple[OrderLineRecord, ...]:
    lines: list[OrderLineRecord] = []
    for row in rows:
        name = row.text("line_name")
        if name is None:
            continue
        try:
            lines.append(_line(row, name, len(lines) + 1))
        except FieldError as error:
            error.row = row.number
            raise
    return tuple(lines)


def _line(row: Row, name: str, position: int) -> OrderLineRecord:
    title, attributes = split_variant(name)
    return OrderLineRecord(
        line_id=str(position),
        title=title,
        quantity=_quantity(row),
        unit_price=row.required_amount("line_price"),
        sku=row.text("line_sku"),
        attributes=attributes,
    )


def _quantity(row: Row) -> int:
    quantity = row.integer("line_quantity")
    return 1 if quantity is None else quantity


_SIZE = re.compile(
    r"^(?:x{0,3}s|m|x{0,4}l|[2-6]xl|one size|os|free size|small|medium|large|x+-large"
    r"|\d{1,3}(?:[.,]\d)?(?:\s?(?:cm|mm|eu|us|uk))?|(?:eu|us|uk)\s?\d{1,2}(?:[.,]\d)?|均码)$",
    re.IGNORECASE,
)
_COLOUR_WORDS = (
    "black white grey gray red blue navy green yellow orange purple pink brown beige cream "
    "ivory gold silver khaki olive teal maroon burgundy charcoal tan coral turquoise lavender "
    "mint violet indigo multi multicolor multicolour natural clear denim camel nude"
)
_COLOURS = frozenset(_COLOUR_WORDS.split())


def split_variant(name: str) -> tuple[str, dict[str, str]]:
    """``"T-Shirt - Blue / M"`` → ``("T-Shirt", {"colour": "Blue", "size": "M"})``.

    Shopify names a line ``<product title> - <variant title>`` and a variant title joins the
    option values with ``" / "``. The export does not name the options, so a value that looks
    like a size becomes ``size``, one ending in a colour word (or in 色) ``colour``, and the rest
    ``option1``…``option3`` by position. A single unrecognised value after `` - `` is left in
    the title: product titles contain `` - `` too ("Vans - Old Skool").
    """
    product, separator, variant = name.rpartition(" - ")
    if not separator or not product.strip():
        return name, {}
    values = [value.strip() for value in variant.split(" / ")]
    if not all(values) or len(values) > 3:
        return name, {}
    if len(values) == 1 and _option_kind(values[0]) is None:
        return name, {}
    attributes: dict[str, str] = {}
    for position, value in enumerate(values, start=1):
        kind = _option_kind(value)
        key = kind if kind is not None and kind not in attributes else f"option{position}"
        attributes[key] = value
    return product.strip(), attributes


def _option_kind(value: str) -> str | None:
    if _SIZE.match(value):
        return "size"
    words = value.lower().split()
    if (words and words[-1] in _COLOURS) or value.endswith("色"):
        return "colour"
    return None
