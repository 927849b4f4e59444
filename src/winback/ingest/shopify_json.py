"""Shopify's JSON: webhook payloads and Admin REST API objects (orders, checkouts, customers).

A webhook's body is the same object the REST API returns for that resource
(``GET /admin/api/VERSION/orders.json`` lists them under ``"orders"``), so one reader serves
both the webhooks (I4) and ``winback reconcile --source shopify``.

Shopify signs every webhook: ``X-Shopify-Hmac-Sha256`` is the base64 HMAC-SHA256 of the raw
body under the app's client secret; :func:`webhook_is_authentic` checks it in constant time
(https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook).

What a payload says is turned into the canonical records of :mod:`winback.ingest.records`
with the same rules as the orders CSV (:func:`winback.ingest.shopify.order_status`; a buyer is
known by their e-mail, else their phone). An order object has no "paid at": the caller gives
it (:mod:`winback.services.webhooks` takes the time of the first event that shows the order
paid). A value that cannot be read raises :class:`~winback.ingest.rows.FieldError` naming
its key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, Literal, TypeVar
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import CellError, clean_text, is_masked, parse_amount, parse_datetime
from winback.ingest.records import (
    MASKED,
    NO_CONTACT,
    ZERO,
    Buyer,
    CartItem,
    CartRecord,
    Contact,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
    SourceRef,
)
from winback.ingest.rows import FieldError
from winback.ingest.shopify import order_status, split_variant
from winback.model import OrderStatus, Platform

__all__ = [
    "TOPICS",
    "Resource",
    "Stamp",
    "cart_record",
    "customer_record",
    "order_record",
    "stamp",
    "webhook_is_authentic",
    "webhook_signature",
]

Json = Mapping[str, Any]
T = TypeVar("T")
Resource = Literal["order", "checkout", "customer"]
UTC_ZONE: Final = ZoneInfo("UTC")

TOPICS: Final[dict[str, Resource]] = {
    "orders/create": "order",
    "orders/updated": "order",
    "orders/paid": "order",
    "orders/cancelled": "order",
    "orders/fulfilled": "order",
    "orders/partially_fulfilled": "order",
    "checkouts/create": "checkout",
    "checkouts/update": "checkout",
    "customers/create": "customer",
    "customers/update": "customer",
    "customers/enable": "customer",
    "customers/disable": "customer",
}
"""The topics winback takes, and the resource each one's body is."""


def webhook_signature(secret: str, body: bytes) -> str:
    """``X-Shopify-Hmac-Sha256`` for ``body``: base64(HMAC-SHA256(secret, body))."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_is_authentic(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the header) signs ``body``; compared in constant time."""
    if not secret or not signature:
        return False
    expected = webhook_signature(secret, body).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Stamp:
    """Which resource a payload is and how new it is: its id and ``updated_at``."""

    resource_id: str
    updated_at: datetime | None


def stamp(payload: Json, resource: Resource) -> Stamp:
    """The id and ``updated_at`` of a payload (a checkout is known by its token)."""
    key = "token" if resource == "checkout" else "id"
    resource_id = _text(payload, key) or _text(payload, "id")
    if resource_id is None:
        raise FieldError(key, f"the {resource} has no {key!r}")
    return Stamp(resource_id, _time(payload, "updated_at"))


def order_record(payload: Json, *, paid_at: datetime | None, source: SourceRef) -> OrderRecord:
    """One order object. ``paid_at`` is when the order was first seen paid (the object does
    not say); it is dropped for an order that was never paid."""
    financial = (_text(payload, "financial_status") or "pending").lower()
    fulfillment = (_text(payload, "fulfillment_status") or "unfulfilled").lower()
    cancelled_at = _time(payload, "cancelled_at")
    status = order_status(financial, fulfillment, cancelled=cancelled_at is not None)
    total = _required_amount(payload, "total_price")
    paid = status.was_paid
    refunds = _refunds(payload)
    return OrderRecord(
        platform=Platform.SHOPIFY,
        order_id=_required(_text(payload, "id"), "id"),
        status=status,
        created_at=_required(_time(payload, "created_at"), "created_at"),
        total_amount=total,
        buyer=_buyer(payload),
        currency=_text(payload, "currency") or "USD",
        goods_amount=_amount(payload, "subtotal_price"),
        shipping_fee=_shipping(payload),
        discount=_amount(payload, "total_discounts") or ZERO,
        paid_amount=total if paid else None,
        refund_amount=sum((amount for amount, _ in refunds), ZERO),
        paid_at=paid_at if paid else None,
        shipped_at=_first_fulfilment(payload),
        closed_at=cancelled_at,
        refunded_at=max((at for _, at in refunds if at), default=None)
        if status is OrderStatus.REFUNDED
        else None,
        payment_method=", ".join(_texts(payload, "payment_gateway_names")) or None,
        buyer_message=_text(payload, "note"),
        cancel_reason=_text(payload, "cancel_reason"),
        raw_status=f"{financial}/{fulfillment}" + ("/cancelled" if cancelled_at else ""),
        lines=tuple(_line(item, n) for n, item in enumerate(_objects(payload, "line_items"))),
        source=source,
        coupon_code=next(
            (code for d in _objects(payload, "discount_codes") if (code := _text(d, "code"))),
            None,
        ),
    )


def cart_record(payload: Json, *, source: SourceRef) -> CartRecord:
    """One abandoned-checkout object (``checkouts/create``, ``checkouts/update``)."""
    created = _required(_time(payload, "created_at"), "created_at")
    email = _contact(_text(payload, "email"))
    customer = payload.get("customer") if isinstance(payload.get("customer"), Mapping) else {}
    phone = _contact(_text(payload, "phone") or _text(customer or {}, "phone"))
    items = [_cart_item(item, n) for n, item in enumerate(_objects(payload, "line_items"))]
    return CartRecord(
        platform=Platform.SHOPIFY,
        cart_id=_required(_text(payload, "token") or _text(payload, "id"), "token"),
        buyer_id=_buyer_key(email, phone),
        created_at=created,
        updated_at=_time(payload, "updated_at") or created,
        items=tuple(items),
        currency=_text(payload, "currency") or _text(payload, "presentment_currency") or "USD",
        email=email,
        phone=phone,
        order_id=_text(payload, "order_id"),
        source=source,
    )


def customer_record(payload: Json, *, source: SourceRef) -> CustomerRecord:
    """One customer object, with its marketing consents when the payload states them."""
    email = _contact(_text(payload, "email"))
    phone = _contact(_text(payload, "phone"))
    key = _buyer_key(email, phone) or _text(payload, "id")
    if key is None:
        raise FieldError("email", "no email, phone or id: the customer has no id")
    names = (_text(payload, "first_name"), _text(payload, "last_name"))
    address = payload.get("default_address")
    region = _region(address if isinstance(address, Mapping) else {})
    tags = _text(payload, "tags")
    return CustomerRecord(
        platform=Platform.SHOPIFY,
        customer_id=key,
        name=" ".join(name for name in names if name) or None,
        email=email,
        phone=phone,
        accepts_email_marketing=_consent(payload, "email_marketing_consent"),
        accepts_sms_marketing=_consent(payload, "sms_marketing_consent"),
        created_at=_time(payload, "created_at"),
        region=region,
        tags=tuple(tag.strip() for tag in tags.split(",") if tag.strip()) if tags else (),
        source=source,
    )


# -- pieces ---------------------------------------------------------------------------------


def _buyer(payload: Json) -> Buyer:
    customer = payload.get("customer")
    customer = customer if isinstance(customer, Mapping) else {}
    billing = payload.get("billing_address")
    billing = billing if isinstance(billing, Mapping) else {}
    shipping = payload.get("shipping_address")
    shipping = shipping if isinstance(shipping, Mapping) else {}
    email = _contact(_text(payload, "email") or _text(customer, "email"))
    phone = _contact(
        _text(payload, "phone")
        or _text(customer, "phone")
        or _text(billing, "phone")
        or _text(shipping, "phone")
    )
    names = (_text(billing, "first_name"), _text(billing, "last_name"))
    name = " ".join(part for part in names if part) or None
    if name is None:
        names = (_text(customer, "first_name"), _text(customer, "last_name"))
        name = " ".join(part for part in names if part) or None
    return Buyer(
        buyer_id=_buyer_key(email, phone),
        name=name,
        phone=phone,
        email=email,
        region=_region(shipping) or _region(billing),
    )


def _buyer_key(email: Contact, phone: Contact) -> str | None:
    """As the CSV importer keys a Shopify buyer: the e-mail in lower case, else the phone."""
    if email.value:
        return email.value.lower()
    return phone.value


def _region(address: Json) -> str | None:
    parts = (_text(address, "province"), _text(address, "country"))
    return ", ".join(part for part in parts if part) or None


def _contact(value: str | None) -> Contact:
    if value is None:
        return NO_CONTACT
    return MASKED if is_masked(value) else Contact(value=value)


def _consent(payload: Json, key: str) -> bool | None:
    """``{"state": "subscribed"}`` → True; ``not_subscribed``/``unsubscribed`` → False."""
    consent = payload.get(key)
    if not isinstance(consent, Mapping):
        return None
    state = (_text(consent, "state") or "").lower()
    if state == "subscribed":
        return True
    if state in ("not_subscribed", "unsubscribed", "redacted"):
        return False
    return None


def _line(item: Json, position: int) -> OrderLineRecord:
    where = f"line_items[{position}]"
    title = _text(item, "title") or _text(item, "name") or ""
    variant = _text(item, "variant_title")
    attributes = split_variant(f"{title} - {variant}")[1] if variant else {}
    return OrderLineRecord(
        line_id=_text(item, "id") or str(position + 1),
        title=title,
        quantity=_quantity(item, where),
        unit_price=_required_amount(item, "price", where),
        sku=_text(item, "sku"),
        product_id=_text(item, "product_id"),
        attributes=attributes,
    )


def _cart_item(item: Json, position: int) -> CartItem:
    where = f"line_items[{position}]"
    title = _text(item, "title") or _text(item, "presentment_title") or ""
    variant = _text(item, "variant_title")
    return CartItem(
        title=title,
        quantity=_quantity(item, where),
        unit_price=_required_amount(item, "price", where),
        sku=_text(item, "sku"),
        product_id=_text(item, "product_id"),
        attributes=split_variant(f"{title} - {variant}")[1] if variant else {},
    )


def _quantity(item: Json, where: str) -> int:
    value = item.get("quantity", 1)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(f"{where}.quantity", f"not a whole number: {value!r}")
    text = str(value).strip()
    if not text.lstrip("-").isdigit() or int(text) < 0:
        raise FieldError(f"{where}.quantity", f"not a whole number: {value!r}")
    return int(text)


def _shipping(payload: Json) -> Decimal:
    """``total_shipping_price_set.shop_money.amount``, else the sum of ``shipping_lines``."""
    price_set = payload.get("total_shipping_price_set")
    if isinstance(price_set, Mapping) and isinstance(price_set.get("shop_money"), Mapping):
        amount = _amount(price_set["shop_money"], "amount", "total_shipping_price_set.shop_money")
        if amount is not None:
            return amount
    return sum(
        (
            _amount(line, "price", f"shipping_lines[{n}]") or ZERO
            for n, line in enumerate(_objects(payload, "shipping_lines"))
        ),
        ZERO,
    )


def _refunds(payload: Json) -> list[tuple[Decimal, datetime | None]]:
    """Each successful refund transaction's amount, with the refund's time."""
    found: list[tuple[Decimal, datetime | None]] = []
    for n, refund in enumerate(_objects(payload, "refunds")):
        at = _time(refund, "created_at")
        for m, transaction in enumerate(_objects(refund, "transactions")):
            kind = (_text(transaction, "kind") or "refund").lower()
            state = (_text(transaction, "status") or "success").lower()
            if kind == "refund" and state == "success":
                where = f"refunds[{n}].transactions[{m}]"
                found.append((abs(_amount(transaction, "amount", where) or ZERO), at))
    return found


def _first_fulfilment(payload: Json) -> datetime | None:
    times = [
        at
        for fulfilment in _objects(payload, "fulfillments")
        if (at := _time(fulfilment, "created_at")) is not None
    ]
    return min(times, default=None)


def _objects(data: Json, key: str) -> list[Json]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise FieldError(key, f"{key} is not a list of objects")
    return value


def _texts(data: Json, key: str) -> list[str]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [text for item in value if isinstance(item, str) and (text := clean_text(item))]


def _text(data: Json, key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list | bool):
        return None
    return clean_text(str(value))


def _time(data: Json, key: str) -> datetime | None:
    text = _text(data, key)
    if text is None:
        return None
    try:
        return parse_datetime(text, UTC_ZONE)
    except CellError as error:
        raise FieldError(key, str(error)) from None


def _amount(data: Json, key: str, where: str | None = None) -> Decimal | None:
    name = f"{where}.{key}" if where else key
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal | float):
        raise FieldError(name, f"not an amount: {value!r}")
    try:
        amount = parse_amount(str(value))
    except CellError as error:
        raise FieldError(name, str(error)) from None
    if amount is not None and amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise FieldError(name, f"more than two decimal places: {value!r}")
    return amount


def _required_amount(data: Json, key: str, where: str | None = None) -> Decimal:
    return _required(_amount(data, key, where), f"{where}.{key}" if where else key)


def _required(value: T | None, key: str) -> T:
    if value is None:
        raise FieldError(key, "the value is missing")
    return value
