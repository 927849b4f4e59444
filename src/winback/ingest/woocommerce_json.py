"""WooCommerce orders as the REST API returns them (``GET /wp-json/wc/v3/orders``).

The body is a JSON list of order objects. Times come twice: ``date_created`` in the site's
zone without an offset and ``date_created_gmt`` in UTC; the ``*_gmt`` field wins, the local one
(read in the store's zone) is the fallback. Amounts are strings (``"12.50"``), line prices
numbers; both are read as exact decimals. The status table is in ``docs/importers.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError, UnreadableFileError
from winback.ingest.cleaning import CellError, clean_text, parse_amount, parse_datetime
from winback.ingest.records import (
    ZERO,
    Buyer,
    Contact,
    OrderLineRecord,
    OrderRecord,
    ParsedFile,
    Rejection,
    RowProgress,
    SourceRef,
)
from winback.ingest.rows import PROGRESS_EVERY, FieldError, FirstSeen, duplicate_reason
from winback.model import OrderStatus, Platform

REQUIRED_KEYS = ("id", "status", "date_created", "total")
READ_KEYS = frozenset(
    {*REQUIRED_KEYS, "currency", "date_created_gmt", "date_paid", "date_paid_gmt"}
    | {"date_completed", "date_completed_gmt", "date_modified", "date_modified_gmt"}
    | {"shipping_total", "discount_total", "customer_id", "customer_note", "billing"}
    | {"payment_method", "payment_method_title", "line_items", "refunds"}
)
STATUSES: Mapping[str, OrderStatus] = {
    "pending": OrderStatus.PENDING,
    "pending-payment": OrderStatus.PENDING,
    "checkout-draft": OrderStatus.PENDING,
    "draft": OrderStatus.PENDING,
    "on-hold": OrderStatus.PENDING,
    "failed": OrderStatus.CLOSED,
    "processing": OrderStatus.PAID,
    "completed": OrderStatus.SHIPPED,
    "refunded": OrderStatus.REFUNDED,
}
Json = dict[str, Any]
T = TypeVar("T")


def order_status(raw: str, *, paid: bool) -> OrderStatus:
    """The canonical status for a WooCommerce status slug or label (``on-hold``, ``On hold``,
    ``wc-processing``); ``cancelled`` depends on whether the order was ever paid."""
    slug = raw.strip().lower().removeprefix("wc-").replace(" ", "-")
    if slug == "cancelled":
        return OrderStatus.CANCELLED if paid else OrderStatus.CLOSED
    if slug == "trash":
        raise FieldError("status", "the order is in the WooCommerce trash; it was not imported")
    if slug not in STATUSES:
        known = ", ".join([*STATUSES, "cancelled"])
        raise FieldError("status", f"unknown WooCommerce status {raw!r} (known: {known})")
    return STATUSES[slug]


def parse_json(file: str, data: bytes, tz: ZoneInfo, progress: RowProgress | None) -> ParsedFile:
    """Orders from the bytes of a REST API response saved to ``file``."""
    orders = load_orders(file, data)
    parsed = ParsedFile(file, Platform.WOOCOMMERCE, "orders", rows_read=len(orders))
    parsed.unmapped_columns = sorted({key for order in orders[:1] for key in order} - READ_KEYS)
    seen = FirstSeen()
    for position, order in enumerate(orders, start=1):
        if progress is not None and position % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        try:
            record = order_record(order, tz, SourceRef(file, position))
        except FieldError as error:
            parsed.rejections.append(Rejection(file, position, error.field, error.reason))
            continue
        verdict, first = seen.verdict(record.order_id, replace(record, source=None), position)
        if verdict == "new":
            parsed.records.append(record)
        elif verdict == "conflict":
            reason = duplicate_reason("order", record.order_id, first)
            parsed.rejections.append(Rejection(file, position, "id", reason))
    if progress is not None and len(orders) % PROGRESS_EVERY:
        progress(len(orders) % PROGRESS_EVERY)
    return parsed


def load_orders(file: str, data: bytes) -> list[Json]:
    """The order objects of a response body; raises when it is not a list of orders."""
    try:
        body = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    except UnicodeDecodeError as error:
        raise UnreadableFileError("the JSON file is not UTF-8 text", file=file) from error
    except json.JSONDecodeError as error:
        reason = f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        raise UnreadableFileError(f"{reason} (the file may be truncated)", file=file) from error
    if isinstance(body, dict) and isinstance(body.get("orders"), list):
        body = body["orders"]  # the legacy v1–v3 API wrapped the list in {"orders": [...]}
    expected = "expected a JSON list of WooCommerce order objects (GET /wp-json/wc/v3/orders)"
    if not isinstance(body, list):
        raise UnreadableFileError(f"{expected}, found {_kind(body)}", file=file)
    if not body:
        raise UnreadableFileError(f"{expected}, found an empty list", file=file)
    for position, item in enumerate(body, start=1):
        if not isinstance(item, dict):
            reason = f"{expected}; item {position} is {_kind(item)}"
            raise UnreadableFileError(reason, file=file, row=position)
    missing = [key for key in REQUIRED_KEYS if key not in body[0]]
    if missing:
        found = ", ".join(sorted(body[0])) or "none"
        reason = f"{expected}; the first object has no {missing[0]!r} (its keys: {found})"
        raise MissingColumnError(reason, file=file, row=1, column=missing[0])
    return body


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | Decimal) else "null")


def order_record(order: Json, tz: ZoneInfo, source: SourceRef) -> OrderRecord:
    """One REST order object; raises :class:`FieldError` naming the key of a bad value."""
    paid_at = woo_time(order, "date_paid", tz)
    status = order_status(_text(order, "status") or "", paid=paid_at is not None)
    modified = woo_time(order, "date_modified", tz)
    total = _required_amount(order, "total")
    return OrderRecord(
        platform=Platform.WOOCOMMERCE,
        order_id=_required(_text(order, "id"), "id"),
        status=status,
        created_at=_required(woo_time(order, "date_created", tz), "date_created"),
        total_amount=total,
        buyer=_buyer(order),
        currency=_text(order, "currency") or "USD",
        shipping_fee=_amount(order, "shipping_total") or ZERO,
        discount=_amount(order, "discount_total") or ZERO,
        paid_amount=total if paid_at is not None else None,
        refund_amount=_refunded(order),
        paid_at=paid_at,
        shipped_at=woo_time(order, "date_completed", tz),
        closed_at=modified if status in (OrderStatus.CLOSED, OrderStatus.CANCELLED) else None,
        refunded_at=modified if status is OrderStatus.REFUNDED else None,
        payment_method=_text(order, "payment_method_title") or _text(order, "payment_method"),
        buyer_message=_text(order, "customer_note"),
        raw_status=_text(order, "status"),
        lines=tuple(_line(item, f"line_items[{n}]") for n, item in enumerate(_items(order))),
        source=source,
    )


def woo_time(data: Json, name: str, tz: ZoneInfo) -> datetime | None:
    """``name_gmt`` read as UTC when present, else ``name`` in the site's zone ``tz``."""
    for key, zone in ((f"{name}_gmt", ZoneInfo("UTC")), (name, tz)):
        text = _text(data, key)
        if text is None:
            continue
        try:
            value = parse_datetime(text, zone)
        except CellError as error:
            raise FieldError(key, str(error)) from None
        return value
    return None


def _buyer(order: Json) -> Buyer:
    billing = order.get("billing") or {}
    email = Contact(_text(billing, "email"))
    phone = Contact(_text(billing, "phone"))
    customer = _text(order, "customer_id")
    buyer_id = email.value.lower() if email.value else phone.value
    names = (_text(billing, "first_name"), _text(billing, "last_name"))
    region = ", ".join(
        part for part in (_text(billing, "state"), _text(billing, "country")) if part
    )
    return Buyer(
        buyer_id=buyer_id or (customer if customer not in (None, "0") else None),
        name=" ".join(name for name in names if name) or None,
        phone=phone,
        email=email,
        region=region or None,
    )


def _items(order: Json) -> list[Json]:
    items = order.get("line_items") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise FieldError("line_items", "line_items is not a list of objects")
    return items


def _line(item: Json, where: str) -> OrderLineRecord:
    quantity = _text(item, "quantity")
    if quantity is None or not quantity.lstrip("-").isdigit():
        raise FieldError(f"{where}.quantity", f"not a whole number: {quantity!r}")
    product = _text(item, "product_id")
    return OrderLineRecord(
        line_id=_text(item, "id") or "",
        title=_text(item, "name") or "",
        quantity=int(quantity),
        unit_price=_required_amount(item, "price", where),
        sku=_text(item, "sku"),
        product_id=product if product not in (None, "0") else None,
        attributes=line_attributes(item.get("meta_data") or []),
    )


def line_attributes(meta: list[Json]) -> dict[str, str]:
    """Variation attributes from a line's ``meta_data``; hidden keys (``_…``) are skipped.
    ``pa_color``/``Color``/``Colour`` become ``colour``, ``pa_size``/``Size`` ``size``."""
    attributes: dict[str, str] = {}
    for entry in meta:
        key = _text(entry, "key") or ""
        if key.startswith("_"):
            continue
        label = _text(entry, "display_key") or key
        value = _text(entry, "display_value") or _text(entry, "value")
        plain = label.lower().removeprefix("pa_")
        if value is not None and label:
            attributes[_ATTRIBUTE_KEYS.get(plain, label)] = value
    return attributes


_ATTRIBUTE_KEYS = {"color": "colour", "colour": "colour", "size": "size"}


def _refunded(order: Json) -> Decimal:
    refunds = order.get("refunds") or []
    total = ZERO
    for position, refund in enumerate(refunds):
        amount = (
            _amount(refund, "total", f"refunds[{position}]") if isinstance(refund, dict) else None
        )
        total += abs(amount or ZERO)
    return total


def _text(data: Json, key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    return clean_text(str(value))


def _amount(data: Json, key: str, where: str | None = None) -> Decimal | None:
    try:
        return parse_amount(str(data.get(key) if data.get(key) is not None else ""))
    except CellError as error:
        raise FieldError(f"{where}.{key}" if where else key, str(error)) from None


def _required_amount(data: Json, key: str, where: str | None = None) -> Decimal:
    return _required(_amount(data, key, where), f"{where}.{key}" if where else key)


def _required(value: T | None, key: str) -> T:
    if value is None:
        raise FieldError(key, "the value is missing")
    return value
