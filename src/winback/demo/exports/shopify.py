"""Write Shopify's orders and customers CSV exports from canonical records.

The bytes follow Shopify's own export: UTF-8, a comma-separated header of the real columns,
one row per line item with the order-level cells on the first row only, times as
``2024-01-31 13:45:07 +0800``. Statuses are mapped back so that
:func:`winback.ingest.shopify.parse` reads the same status again; Shopify has no delivered or
settled state, so those orders are written as fulfilled (read back as ``shipped``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from winback.ingest.records import CustomerRecord, OrderLineRecord, OrderRecord
from winback.model import OrderStatus

_ORDER_HEADER_LINE = (
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,"
    "Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"
    "Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,"
    "Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,"
    "Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,"
    "Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,"
    "Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,"
    "Payment Terms Name,Next Payment Due At,Payment References"
)
_CUSTOMER_HEADER_LINE = (
    "Customer ID,First Name,Last Name,Email,Accepts Email Marketing,Default Address Company,"
    "Default Address Address1,Default Address Address2,Default Address City,"
    "Default Address Province Code,Default Address Country Code,Default Address Zip,"
    "Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Note,"
    "Tax Exempt,Tags"
)
ORDER_HEADERS = _ORDER_HEADER_LINE.split(",")
CUSTOMER_HEADERS = _CUSTOMER_HEADER_LINE.split(",")
_SHIPPED = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED)


def write_orders_csv(orders: Iterable[OrderRecord], path: Path) -> None:
    """Write ``orders`` as a Shopify orders export at ``path``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ORDER_HEADERS, lineterminator="\n")
        writer.writeheader()
        for order in orders:
            writer.writerows(order_rows(order))


def order_rows(order: OrderRecord) -> list[dict[str, str]]:
    """The CSV rows of one order: order-level cells on the first row only."""
    name = order.order_id if order.order_id.startswith("#") else f"#{order.order_id}"
    lines: list[OrderLineRecord | None] = list(order.lines) or [None]
    rows = [{"Name": name, **_line_cells(order, line)} for line in lines]
    rows[0].update(_order_cells(order))
    return rows


def _order_cells(order: OrderRecord) -> dict[str, str]:
    financial, fulfillment = shopify_status(order)
    province, _, country = _split_region(order.buyer.region)
    cancelled = order.status in (OrderStatus.CLOSED, OrderStatus.CANCELLED)
    phone = order.buyer.phone.value or ""
    return {
        "Email": order.buyer.email.value or "",
        "Financial Status": financial,
        "Paid at": shopify_time(order.paid_at),
        "Fulfillment Status": fulfillment,
        "Fulfilled at": shopify_time(order.shipped_at if fulfillment == "fulfilled" else None),
        "Currency": order.currency,
        "Subtotal": _amount(order.goods_amount),
        "Shipping": _amount(order.shipping_fee),
        "Taxes": "0.00",
        "Total": _amount(order.total_amount),
        "Discount Code": order.coupon_code or "",
        "Discount Amount": _amount(order.discount),
        "Created at": shopify_time(order.created_at),
        "Billing Name": order.buyer.name or "",
        "Billing Phone": phone,
        "Shipping Province": province,
        "Shipping Country": country,
        "Notes": order.buyer_message or "",
        "Cancelled at": shopify_time(order.closed_at or order.created_at) if cancelled else "",
        "Payment Method": order.payment_method or "",
        "Refunded Amount": _amount(order.refund_amount),
        "Outstanding Balance": "0.00" if order.status.was_paid else _amount(order.total_amount),
        "Id": order.order_id.removeprefix("#"),
        "Source": "web",
        "Phone": phone,
    }


def _line_cells(order: OrderRecord, line: OrderLineRecord | None) -> dict[str, str]:
    if line is None:
        return {}
    variant = " / ".join(line.attributes.values())
    shipped = order.status in _SHIPPED
    return {
        "Lineitem quantity": str(line.quantity),
        "Lineitem name": f"{line.title} - {variant}" if variant else line.title,
        "Lineitem price": _amount(line.unit_price),
        "Lineitem sku": line.sku or "",
        "Lineitem requires shipping": "true",
        "Lineitem taxable": "true",
        "Lineitem fulfillment status": "fulfilled" if shipped else "pending",
        "Lineitem discount": "0.00",
    }


def shopify_status(order: OrderRecord) -> tuple[str, str]:
    """The (Financial Status, Fulfillment Status) Shopify shows for ``order``."""
    fulfillment = "fulfilled" if order.status in _SHIPPED else "unfulfilled"
    if order.status is OrderStatus.PENDING:
        return "pending", fulfillment
    if order.status is OrderStatus.CLOSED:
        return "voided", fulfillment
    if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return "refunded", "fulfilled" if order.shipped_at else fulfillment
    return ("partially_refunded" if order.refund_amount else "paid"), fulfillment


def shopify_time(value: datetime | None) -> str:
    """``2024-01-31 13:45:07 +0800``, Shopify's export form; blank for None."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S %z")


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _split_region(region: str | None) -> tuple[str, str, str]:
    if region is None:
        return "", "", ""
    province, separator, country = region.rpartition(", ")
    return (province, separator, country) if separator else (region, "", "")


def write_customers_csv(customers: Iterable[CustomerRecord], path: Path) -> None:
    """Write ``customers`` as a Shopify customers export at ``path``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, CUSTOMER_HEADERS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(customer_row(customer) for customer in customers)


def customer_row(customer: CustomerRecord) -> dict[str, str]:
    """One customers-export row."""
    first, _, last = (customer.name or "").partition(" ")
    province, _, country = _split_region(customer.region)
    return {
        "Customer ID": customer.customer_id,
        "First Name": first,
        "Last Name": last,
        "Email": customer.email.value or "",
        "Accepts Email Marketing": _yes_no(customer.accepts_email_marketing),
        "Default Address Province Code": province,
        "Default Address Country Code": country,
        "Phone": customer.phone.value or "",
        "Accepts SMS Marketing": _yes_no(customer.accepts_sms_marketing),
        "Total Spent": "0.00",
        "Total Orders": "0",
        "Tax Exempt": "no",
        "Tags": ", ".join(customer.tags),
    }


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
