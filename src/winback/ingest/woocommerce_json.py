"""WooCommerce orders as the REST API returns them (``GET /wp-json/wc/v3/orders``).

The body is a JSON list of order objects. Times come twice: ``date_created`` in the site's
zone without an offset and ``date_created_gmt`` in UTC; the ``*_gmt`` field wins, the local one
(read in the store's zone) is the fallback. Amounts are strings (``"12.50"``), line prices
numbers; both are read as exact decimals. The status table is in ``docs/importers.md``.

Each order object is read alone: an item that is not an object, or an order whose fields have
the wrong shape (a list where an object belongs, a ``meta_data`` that is not a list of
objects, an amount too large for the store), is rejected with its position and the key, and
the other orders are read. Only a body that is not JSON, or not a list of orders, fails the
file.
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
from winback.ingest.cleaning import (
    PLAUSIBLE_DATES,
    CellError,
    DateWindow,
    clean_text,
    parse_amount,
    parse_datetime,
    parse_id,
)
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
from winback.ingest.tables import MAX_CELL_CHARS
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


def parse_json(
    file: str,
    data: bytes,
    tz: ZoneInfo,
    progress: RowProgress | None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Orders from the bytes of a REST API response saved to ``file``."""
    orders = load_orders(file, data)
    parsed = ParsedFile(file, Platform.WOOCOMMERCE, "orders", rows_read=len(orders))
    first = next(order for order in orders if isinstance(order, dict))
    parsed.unmapped_columns = sorted(set(first) - READ_KEYS)
    seen = FirstSeen()
    for position, order in enumerate(orders, start=1):
        if progress is not None and position % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
        try:
            record = order_record(
                _object(order, f"item {position}"), tz, SourceRef(file, position), dates
            )
        except FieldError as error:
            parsed.rejections.append(Rejection(file, position, error.field, error.reason))
            continue
        verdict, first_seen = seen.verdict(record.order_id, replace(record, source=None), position)
        if verdict == "new":
            parsed.records.append(record)
        elif verdict == "conflict":
            reason = duplicate_reason("order", record.order_id, first_seen)
            parsed.rejections.append(Rejection(file, position, "id", reason))
    if progress is not None and len(orders) % PROGRESS_EVERY:
        progress(len(orders) % PROGRESS_EVERY)
    return parsed


def load_orders(file: str, data: bytes) -> list[Any]:
    """The items of a response body (each an order object, or rejected when read); raises
    when the body is not JSON, not a list, or holds no order object."""
    try:
        # Numbers as exact decimals: no float rounding, no OverflowError for 1e400 and no
        # limit on the digits of an integer (Python refuses ints over 4,300 digits).
        body = json.loads(data.decode("utf-8-sig"), parse_float=Decimal, parse_int=Decimal)
    except UnicodeDecodeError as error:
        raise UnreadableFileError("the JSON file is not UTF-8 text", file=file) from error
    except json.JSONDecodeError as error:
        reason = f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        raise UnreadableFileError(f"{reason} (the file may be truncated)", file=file) from error
    except RecursionError as error:
        reason = "the JSON is nested too deeply to be an order list (brackets inside brackets)"
        raise UnreadableFileError(reason, file=file) from error
    if isinstance(body, dict) and isinstance(body.get("orders"), list):
        body = body["orders"]  # the legacy v1–v3 API wrapped the list in {"orders": [...]}
    expected = "expected a JSON list of WooCommerce order objects (GET /wp-json/wc/v3/orders)"
    if not isinstance(body, list):
        raise UnreadableFileError(f"{expected}, found {_kind(body)}", file=file)
    if not body:
        raise UnreadableFileError(f"{expected}, found an empty list", file=file)
    first = next((item for item in body if isinstance(item, dict)), None)
    if first is None:
        raise UnreadableFileError(f"{expected}; no item is an object", file=file)
    missing = [key for key in REQUIRED_KEYS if key not in first]
    if missing:
        found = ", ".join(sorted(first)) or "none"
        row = body.index(first) + 1
        reason = f"{expected}; the first object has no {missing[0]!r} (its keys: {found})"
        raise MissingColumnError(reason, file=file, row=row, column=missing[0])
    return body


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    return names.get(type(value), "a number" if isinstance(value, int | Decimal) else "null")


def _object(value: object, where: str) -> Json:
    """``value`` when it is a JSON object; rejects the order naming ``where`` otherwise."""
    if not isinstance(value, dict):
        raise FieldError(where, f"{where} is {_kind(value)}, not an object")
    return value


def _objects(value: object, where: str) -> list[Json]:
    """``value`` when it is a list of JSON objects (null is an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise FieldError(where, f"{where} is not a list of objects")
    return value


def order_record(
    order: Json, tz: ZoneInfo, source: SourceRef, dates: DateWindow = PLAUSIBLE_DATES
) -> OrderRecord:
    """One REST order object; raises :class:`FieldError` naming the key of a bad value."""
    paid_at = woo_time(order, "date_paid", tz, dates)
    status = order_status(_text(order, "status") or "", paid=paid_at is not None)
    modified = woo_time(order, "date_modified", tz, dates)
    total = _required_amount(order, "total")
    return OrderRecord(
        platform=Platform.WOOCOMMERCE,
        order_id=_required(_id(order, "id"), "id"),
        status=status,
        created_at=_required(woo_time(order, "date_created", tz, dates), "date_created"),
        total_amount=total,
        buyer=_buyer(order),
        currency=_text(order, "currency") or "USD",
        shipping_fee=_amount(order, "shipping_total") or ZERO,
        discount=_amount(order, "discount_total") or ZERO,
        paid_amount=total if paid_at is not None else None,
        refund_amount=_refunded(order),
        paid_at=paid_at,
        shipped_at=woo_time(order, "date_completed", tz, dates),
        closed_at=modified if status in (OrderStatus.CLOSED, OrderStatus.CANCELLED) else None,
        refunded_at=modified if status is OrderStatus.REFUNDED else None,
        payment_method=_text(order, "payment_method_title") or _text(order, "payment_method"),
        buyer_message=_text(order, "customer_note"),
        raw_status=_text(order, "status"),
        lines=tuple(_line(item, f"line_items[{n}]") for n, item in enumerate(_items(order))),
        source=source,
    )


def woo_time(
    data: Json, name: str, tz: ZoneInfo, dates: DateWindow = PLAUSIBLE_DATES
) -> datetime | None:
    """``name_gmt`` read as UTC when present, else ``name`` in the site's zone ``tz``."""
    for key, zone in ((f"{name}_gmt", ZoneInfo("UTC")), (name, tz)):
        text = _text(data, key)
        if text is None:
            continue
        try:
            value = parse_datetime(text, zone, window=dates)
        except CellError as error:
            raise FieldError(key, str(error)) from None
        return value
    return None


def _buyer(order: Json) -> Buyer:
    billing = _object(order.get("billing") or {}, "billing")
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
    return _objects(order.get("line_items"), "line_items")


def _line(item: Json, where: str) -> OrderLineRecord:
    quantity = _text(item, "quantity", where)
    if quantity is None or not quantity.isdigit() or len(quantity) > 9:
        raise FieldError(f"{where}.quantity", f"not a whole number: {quantity!r}")
    product = _id(item, "product_id", where)
    return OrderLineRecord(
        line_id=_id(item, "id", where) or "",
        title=_text(item, "name", where) or "",
        quantity=int(quantity),
        unit_price=_required_amount(item, "price", where),
        sku=_text(item, "sku", where),
        product_id=product if product not in (None, "0") else None,
        attributes=line_attributes(_objects(item.get("meta_data"), f"{where}.meta_data")),
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
    """The sum of the refunds, which the API writes as negative totals (``"-5.00"``)."""
    total = ZERO
    for position, refund in enumerate(_objects(order.get("refunds"), "refunds")):
        amount = _amount(refund, "total", f"refunds[{position}]", signed=True)
        total += abs(amount or ZERO)
    return total


def _text(data: Json, key: str, where: str | None = None) -> str | None:
    """A scalar value as clean text; a list or object where a value belongs, a NUL
    character or a value longer than any field rejects the order."""
    value = data.get(key)
    if value is None:
        return None
    name = f"{where}.{key}" if where else key
    if isinstance(value, dict | list):
        raise FieldError(name, f"{name} is {_kind(value)}, not a value")
    if isinstance(value, Decimal):
        value = _plain_number(value, name)
    text = str(value)
    if "\x00" in text:
        raise FieldError(name, "the value holds a NUL character (\\x00), which no database stores")
    if len(text) > MAX_CELL_CHARS:
        raise FieldError(name, f"the value holds {len(text):,} characters, more than any field")
    return clean_text(text)


def _plain_number(value: Decimal, name: str) -> str:
    """A JSON number as the digits it stands for (``1E+2`` → ``100``), refused when it
    could not be an amount, a quantity or an id (``1e400``)."""
    if not value.is_finite() or value.adjusted() > 30:
        raise FieldError(name, f"the number {value} is too large for any field")
    return format(value, "f")


def _id(data: Json, key: str, where: str | None = None) -> str | None:
    """An id; a JSON number written with a fraction or an exponent (``2.1E+18``,
    ``1234.0``) is an id some program read as a float, refused like Excel's."""
    value = data.get(key)
    name = f"{where}.{key}" if where else key
    try:
        if isinstance(value, Decimal) and value.as_tuple().exponent != 0:
            raise CellError(
                f"the id {value} is a number with a fraction or an exponent: a program read "
                "the ids as floats, and long ids lose their last digits that way; export the "
                "ids as text"
            )
        text = _text(data, key, where)
        return None if text is None else parse_id(text)
    except CellError as error:
        raise FieldError(name, str(error)) from None


def _amount(
    data: Json, key: str, where: str | None = None, *, signed: bool = False
) -> Decimal | None:
    text = _text(data, key, where)
    try:
        return None if text is None else parse_amount(text, signed=signed)
    except CellError as error:
        raise FieldError(f"{where}.{key}" if where else key, str(error)) from None


def _required_amount(data: Json, key: str, where: str | None = None) -> Decimal:
    return _required(_amount(data, key, where), f"{where}.{key}" if where else key)


def _required(value: T | None, key: str) -> T:
    if value is None:
        raise FieldError(key, "the value is missing")
    return value
