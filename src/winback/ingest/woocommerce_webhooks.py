"""WooCommerce webhooks: the signature, the activation ping, topics and customer objects.

WooCommerce signs each delivery: ``X-WC-Webhook-Signature`` is the base64 HMAC-SHA256 of the
raw body under the webhook's secret (``WC_Webhook::generate_signature``). When a webhook is
saved, WooCommerce first posts an *unsigned* form body ``webhook_id=N`` to check the URL
answers; :func:`is_activation_ping` recognises it so the endpoint can answer 200 and store
nothing. An order delivery's body is the REST order object that
:func:`winback.ingest.woocommerce_json.order_record` reads; a customer delivery's is the REST
customer object read here. WooCommerce does not retry a failed delivery: ``winback
reconcile --source woocommerce`` re-reads the orders over the REST API instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import clean_text, is_masked
from winback.ingest.records import MASKED, NO_CONTACT, Contact, CustomerRecord, SourceRef
from winback.ingest.rows import FieldError
from winback.ingest.woocommerce_json import woo_time
from winback.model import Platform

__all__ = [
    "TOPICS",
    "Resource",
    "customer_record",
    "is_activation_ping",
    "webhook_is_authentic",
    "webhook_signature",
]

Json = Mapping[str, Any]
Resource = Literal["order", "customer"]
TOPICS: Final[dict[str, Resource]] = {
    "order.created": "order",
    "order.updated": "order",
    "order.restored": "order",
    "customer.created": "customer",
    "customer.updated": "customer",
}
"""The topics winback takes (``X-WC-Webhook-Topic``), and the resource of each one's body."""

_PING: Final = re.compile(rb"^webhook_id=\d{1,20}$")


def webhook_signature(secret: str, body: bytes) -> str:
    """``X-WC-Webhook-Signature`` for ``body``: base64(HMAC-SHA256(secret, body))."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def webhook_is_authentic(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` (the header) signs ``body``; compared in constant time."""
    if not secret or not signature:
        return False
    expected = webhook_signature(secret, body).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def is_activation_ping(body: bytes, signature: str | None) -> bool:
    """WooCommerce's check of a new webhook's URL: the unsigned form body ``webhook_id=N``."""
    return signature is None and _PING.match(body.strip()) is not None


def customer_record(payload: Json, tz: ZoneInfo, *, source: SourceRef) -> CustomerRecord:
    """One REST customer object (``GET /wp-json/wc/v3/customers/ID``)."""
    billing = payload.get("billing")
    billing = billing if isinstance(billing, Mapping) else {}
    email = _contact(_text(payload, "email") or _text(billing, "email"))
    phone = _contact(_text(billing, "phone"))
    key = (email.value.lower() if email.value else None) or phone.value or _text(payload, "id")
    if key is None:
        raise FieldError("email", "no email, phone or id: the customer has no id")
    names = (_text(payload, "first_name"), _text(payload, "last_name"))
    region = ", ".join(p for p in (_text(billing, "state"), _text(billing, "country")) if p)
    created: datetime | None = woo_time(dict(payload), "date_created", tz)
    return CustomerRecord(
        platform=Platform.WOOCOMMERCE,
        customer_id=key,
        name=" ".join(name for name in names if name) or None,
        email=email,
        phone=phone,
        created_at=created,
        region=region or None,
        source=source,
    )


def _contact(value: str | None) -> Contact:
    if value is None:
        return NO_CONTACT
    return MASKED if is_masked(value) else Contact(value=value)


def _text(data: Json, key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list | bool):
        return None
    return clean_text(str(value))
