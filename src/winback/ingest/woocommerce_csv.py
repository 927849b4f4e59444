"""WooCommerce orders CSV, as the common order-export plugins write it.

One row per line item; the order-level columns are repeated on every row (or left blank after
the first, which reads the same). Headers differ between plugins, so columns are found through
an alias table covering the "Order Export" style (``Order Number``, ``Order Status``, ``Item
Cost``), the "Advanced Order Export" style (``Email (Billing)``, ``Order Total Amount``) and the
raw field names (``billing_email``). Times are the site's local time, read in the store's zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow, map_headers
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
)
from winback.ingest.tables import Table
from winback.ingest.woocommerce_json import order_status
from winback.model import Platform

ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("Order Number", "Order ID", "Order #", "order_number", "order_id"),
    "status": ("Order Status", "Status", "status"),
    "created_at": ("Order Date", "Date Created", "order_date", "date_created"),
    "paid_at": ("Paid Date", "Date Paid", "Order Paid Date", "date_paid"),
    "completed_at": ("Completed Date", "Date Completed", "Order Completed Date", "date_completed"),
    "email": ("Customer Email", "Email (Billing)", "Billing Email", "billing_email"),
    "phone": ("Billing Phone", "Phone (Billing)", "billing_phone"),
    "first_name": ("Billing First Name", "First Name (Billing)", "billing_first_name"),
    "last_name": ("Billing Last Name", "Last Name (Billing)", "billing_last_name"),
    "state": ("Billing State", "State Code (Billing)", "billing_state"),
    "country": ("Billing Country", "Country Code (Billing)", "billing_country"),
    "currency": ("Order Currency", "Currency", "currency"),
    "total": ("Order Total", "Order Total Amount", "order_total"),
    "shipping": ("Order Shipping", "Order Shipping Amount", "shipping_total"),
    "discount": ("Cart Discount", "Cart Discount Amount", "discount_total"),
    "refund": ("Order Refund", "Order Refund Amount", "Refund Amount", "refunded_total"),
    "payment_method": ("Payment Method Title", "payment_method_title", "Payment Method"),
    "note": ("Customer Note", "customer_note"),
    "line_id": ("Item ID", "Item #", "line_id"),
    "line_name": ("Item Name", "Product Name", "item_name"),
    "line_product_id": ("Product ID", "product_id"),
    "line_sku": ("SKU", "Item SKU", "sku"),
    "line_quantity": ("Quantity", "Quantity (- Refund)", "Item Quantity", "item_quantity"),
    "line_price": ("Item Cost", "Item Price", "item_price"),
}
REQUIRED_COLUMNS = ("order_id", "status", "created_at", "total")
ORDER_LEVEL = tuple(
    name for name in ORDER_COLUMNS if name != "order_id" and not name.startswith("line_")
)
DEFAULT_CURRENCY = "USD"


def parse_csv(
    table: Table,
    tz: ZoneInfo,
    progress: RowProgress | None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Orders from an already opened WooCommerce orders CSV."""
    header_map = map_headers(table.headers, ORDER_COLUMNS, file=table.file)
    columns = Columns.found(table.file, table.headers, header_map, dates=dates)
    require_columns(columns, REQUIRED_COLUMNS, ORDER_COLUMNS)
    parsed = ParsedFile(table.file, Platform.WOOCOMMERCE, "orders")
    parsed.unmapped_columns = header_map.unmapped
    data = DataRows(table, progress)
    rows = list(data)
    parsed.rows_read = data.read
    parsed.rejections.extend(data.rejections)
    groups = group_rows(
        rows, columns, key="order_id", order_fields=ORDER_LEVEL, rejections=parsed.rejections
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
    paid_at = first.time("paid_at", tz)
    raw_status = first.required_text("status")
    status = order_status(raw_status, paid=paid_at is not None)
    total = first.required_amount("total")
    return OrderRecord(
        platform=Platform.WOOCOMMERCE,
        order_id=group.key,
        status=status,
        created_at=first.required_time("created_at", tz),
        total_amount=total,
        buyer=_buyer(first),
        currency=first.text("currency") or DEFAULT_CURRENCY,
        shipping_fee=first.amount("shipping") or ZERO,
        discount=first.amount("discount") or ZERO,
        paid_amount=total if paid_at is not None else None,
        refund_amount=abs(first.amount("refund", signed=True) or ZERO),
        paid_at=paid_at,
        shipped_at=first.time("completed_at", tz),
        payment_method=first.text("payment_method"),
        buyer_message=first.text("note"),
        raw_status=raw_status,
        lines=_lines(group.rows),
        source=SourceRef(first.columns.file, first.number),
    )


def _buyer(first: Row) -> Buyer:
    email, phone = first.contact("email"), first.contact("phone")
    names = (first.text("first_name"), first.text("last_name"))
    region = ", ".join(part for part in (first.text("state"), first.text("country")) if part)
    return Buyer(
        buyer_id=email.value.lower() if email.value else phone.value,
        name=" ".join(name for name in names if name) or None,
        phone=phone,
        email=email,
        region=region or None,
    )


def _lines(rows: list[Row]) -> tuple[OrderLineRecord, ...]:
    lines: list[OrderLineRecord] = []
    for row in rows:
        title = row.text("line_name")
        if title is None:
            continue
        try:
            quantity = row.integer("line_quantity")
            line = OrderLineRecord(
                line_id=row.id("line_id") or str(len(lines) + 1),
                title=title,
                quantity=1 if quantity is None else quantity,
                unit_price=row.required_amount("line_price"),
                sku=row.text("line_sku"),
                product_id=row.id("line_product_id"),
            )
        except FieldError as error:
            error.row = row.number
            raise
        lines.append(line)
    return tuple(lines)
