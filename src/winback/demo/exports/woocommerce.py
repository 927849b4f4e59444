"""Write WooCommerce orders as the REST API's JSON and as an order-export CSV.

The JSON is what ``GET /wp-json/wc/v3/orders`` returns: a list of order objects with the
site-local ``date_*`` and the UTC ``date_*_gmt`` times, amounts as strings and line prices as
JSON numbers. The CSV follows the common order-export plugins: one row per line item with the
order-level cells repeated, times in the site's zone. ``tz`` is the site's zone.

Statuses are mapped back so that :mod:`winback.ingest.woocommerce` reads the same status again;
WooCommerce has no delivered or settled state, so those orders are written ``completed``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from winback.ingest.records import OrderLineRecord, OrderRecord
from winback.ingest.rows import FieldError
from winback.ingest.woocommerce import order_status
from winback.model import OrderStatus, Platform

SLUGS = {
    OrderStatus.PENDING: "pending",
    OrderStatus.PAID: "processing",
    OrderStatus.SHIPPED: "completed",
    OrderStatus.DELIVERED: "completed",
    OrderStatus.SETTLED: "completed",
    OrderStatus.CLOSED: "cancelled",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REFUNDED: "refunded",
}
LABELS = {
    "pending": "Pending payment",
    "checkout-draft": "Draft",
    "on-hold": "On hold",
    "failed": "Failed",
    "processing": "Processing",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
}
CSV_HEADERS = (
    "Order Number",
    "Order Status",
    "Order Date",
    "Paid Date",
    "Completed Date",
    "Customer Email",
    "Billing First Name",
    "Billing Last Name",
    "Billing Phone",
    "Billing State",
    "Billing Country",
    "Order Currency",
    "Order Total",
    "Order Shipping",
    "Cart Discount",
    "Order Refund",
    "Payment Method Title",
    "Customer Note",
    "Item ID",
    "Item Name",
    "Product ID",
    "SKU",
    "Quantity",
    "Item Cost",
)
_NUMBER = "\x00number:"
_NUMBER_TOKEN = re.compile(r'"\\u0000number:(-?[0-9.]+)"')


def woo_slug(order: OrderRecord) -> str:
    """The WooCommerce status slug for ``order``: its own raw status when that is a
    WooCommerce status meaning the same thing (``on-hold``, ``failed``), else from the table."""
    if order.platform is Platform.WOOCOMMERCE and order.raw_status:
        try:
            if order_status(order.raw_status, paid=order.paid_at is not None) is order.status:
                return order.raw_status.strip().lower().removeprefix("wc-").replace(" ", "-")
        except FieldError:
            pass
    return SLUGS[order.status]


def write_orders_json(
    orders: Iterable[OrderRecord], path: Path, *, tz: ZoneInfo | None = None
) -> None:
    """Write ``orders`` as a REST API response body at ``path`` (site zone ``tz``, UTC by
    default)."""
    site = tz or ZoneInfo("UTC")
    body = json.dumps([order_object(order, site) for order in orders], indent=2)
    path.write_text(_NUMBER_TOKEN.sub(r"\1", body), encoding="utf-8")


def order_object(order: OrderRecord, tz: ZoneInfo) -> dict[str, Any]:
    """One order as the REST API shows it."""
    first, _, last = (order.buyer.name or "").partition(" ")
    state, _, country = _split_region(order.buyer.region)
    changed = order.closed_at or order.refunded_at or order.created_at
    return {
        "id": _id(order.order_id),
        "parent_id": 0,
        "number": order.order_id,
        "order_key": f"wc_order_{order.order_id}",
        "created_via": "checkout",
        "status": woo_slug(order),
        "currency": order.currency,
        **_times("date_created", order.created_at, tz),
        **_times("date_modified", changed, tz),
        "discount_total": _amount(order.discount),
        "discount_tax": "0.00",
        "shipping_total": _amount(order.shipping_fee),
        "shipping_tax": "0.00",
        "cart_tax": "0.00",
        "total": _amount(order.total_amount),
        "total_tax": "0.00",
        "prices_include_tax": False,
        "customer_id": _customer_id(order),
        "customer_note": order.buyer_message or "",
        "billing": {
            "first_name": first,
            "last_name": last,
            "company": "",
            "state": state,
            "country": country,
            "email": order.buyer.email.value,
            "phone": order.buyer.phone.value or "",
        },
        "payment_method": (order.payment_method or "").lower().replace(" ", "_"),
        "payment_method_title": order.payment_method or "",
        "transaction_id": "",
        **_times("date_paid", order.paid_at, tz),
        **_times("date_completed", order.shipped_at, tz),
        "meta_data": [],
        "line_items": [_line_object(line) for line in order.lines],
        "shipping_lines": [],
        "coupon_lines": [],
        "refunds": _refunds(order),
    }


def _times(name: str, value: datetime | None, tz: ZoneInfo) -> dict[str, str | None]:
    if value is None:
        return {name: None, f"{name}_gmt": None}
    local = value.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds")
    gmt = value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    return {name: local, f"{name}_gmt": gmt}


def _line_object(line: OrderLineRecord) -> dict[str, Any]:
    subtotal = _amount(line.unit_price * line.quantity)
    return {
        "id": _id(line.line_id),
        "name": line.title,
        "product_id": _id(line.product_id or "0"),
        "variation_id": 0,
        "quantity": line.quantity,
        "tax_class": "",
        "subtotal": subtotal,
        "subtotal_tax": "0.00",
        "total": subtotal,
        "total_tax": "0.00",
        "taxes": [],
        "meta_data": [
            _meta(position, *item) for position, item in enumerate(line.attributes.items())
        ],
        "sku": line.sku or "",
        "price": f"{_NUMBER}{_amount(line.unit_price)}",
    }


def _meta(position: int, key: str, value: str) -> dict[str, Any]:
    names = {"colour": ("pa_colour", "Colour"), "size": ("pa_size", "Size")}
    slug, label = names.get(key, (key, key))
    return {
        "id": position + 1,
        "key": slug,
        "value": value,
        "display_key": label,
        "display_value": value,
    }


def _refunds(order: OrderRecord) -> list[dict[str, Any]]:
    if not order.refund_amount:
        return []
    return [{"id": 1, "reason": "", "total": _amount(-order.refund_amount)}]


def _customer_id(order: OrderRecord) -> int:
    buyer = order.buyer
    by_contact = buyer.email.value or buyer.phone.value
    return (
        int(buyer.buyer_id) if buyer.buyer_id and buyer.buyer_id.isdigit() and not by_contact else 0
    )


def _id(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def _amount(value: Decimal) -> str:
    return format(value, "f")


def _split_region(region: str | None) -> tuple[str, str, str]:
    if region is None:
        return "", "", ""
    state, separator, country = region.rpartition(", ")
    return (state, separator, country) if separator else (region, "", "")


def write_orders_csv(
    orders: Iterable[OrderRecord], path: Path, *, tz: ZoneInfo | None = None
) -> None:
    """Write ``orders`` as an order-export CSV (UTF-8 with BOM) at ``path``; times in the site's
    zone ``tz`` (UTC by default)."""
    site = tz or ZoneInfo("UTC")
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_HEADERS, lineterminator="\r\n")
        writer.writeheader()
        for order in orders:
            writer.writerows(csv_rows(order, site))


def csv_rows(order: OrderRecord, tz: ZoneInfo) -> list[dict[str, str]]:
    """One row per line item, order-level cells repeated on each."""
    first, _, last = (order.buyer.name or "").partition(" ")
    state, _, country = _split_region(order.buyer.region)
    common = {
        "Order Number": order.order_id,
        "Order Status": LABELS.get(woo_slug(order), woo_slug(order)),
        "Order Date": _local(order.created_at, tz),
        "Paid Date": _local(order.paid_at, tz),
        "Completed Date": _local(order.shipped_at, tz),
        "Customer Email": order.buyer.email.value or "",
        "Billing First Name": first,
        "Billing Last Name": last,
        "Billing Phone": order.buyer.phone.value or "",
        "Billing State": state,
        "Billing Country": country,
        "Order Currency": order.currency,
        "Order Total": _amount(order.total_amount),
        "Order Shipping": _amount(order.shipping_fee),
        "Cart Discount": _amount(order.discount),
        "Order Refund": _amount(order.refund_amount),
        "Payment Method Title": order.payment_method or "",
        "Customer Note": order.buyer_message or "",
    }
    if not order.lines:
        return [common]
    return [{**common, **_csv_line(line)} for line in order.lines]


def _csv_line(line: OrderLineRecord) -> dict[str, str]:
    return {
        "Item ID": line.line_id,
        "Item Name": line.title,
        "Product ID": line.product_id or "",
        "SKU": line.sku or "",
        "Quantity": str(line.quantity),
        "Item Cost": _amount(line.unit_price),
    }


def _local(value: datetime | None, tz: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
