"""Buyers' SMS replies as providers deliver them, read into :class:`InboundSms` values.

Each provider pushes replies to an HTTP endpoint in its own shape:

* Aliyun (SmsUp, HTTP batch push): a JSON array of
  ``{"phone_number", "content", "send_time", "dest_code", "sequence_id"}``.
* Tencent Cloud (reply callback): a JSON object — or an array of them — with
  ``{"mobile", "nationcode", "text", "sign", "time", "extend"}``.
* Twilio (incoming message webhook): a form body with ``From``, ``Body``, ``MessageSid``.

:func:`opt_outs` turns replies into :class:`~winback.act.optout.OptOut` values for the
suppression list. Numbers are normalised to E.164 when they parse (so they match the numbers
messages were sent to) and kept as given otherwise. Twilio signs its webhooks:
:func:`twilio_request_is_authentic` checks ``X-Twilio-Signature`` in constant time (Aliyun and
Tencent push from fixed addresses without a signature). A body that is not in the provider's
shape is an :class:`InboundSmsError` naming the provider and what is wrong; the endpoint
answers it with a 400 and the provider retries or drops it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from winback.act.channels.phones import UnusablePhone, to_e164
from winback.act.optout import OptOut, parse_sms_reply
from winback.errors import WinbackError
from winback.privacy import mask_phone

__all__ = [
    "InboundSms",
    "InboundSmsError",
    "opt_outs",
    "parse_aliyun_sms_up",
    "parse_tencent_reply",
    "parse_twilio_inbound",
    "twilio_request_is_authentic",
    "twilio_signature",
]


class InboundSmsError(WinbackError):
    """The inbound SMS push is not in the provider's format."""


@dataclass(frozen=True)
class InboundSms:
    """One reply: who sent it, what it says, and the provider's id for it (for dedupe)."""

    phone: str
    text: str
    provider_id: str | None = None

    def __repr__(self) -> str:
        return f"InboundSms(phone={mask_phone(self.phone)!r}, text={self.text!r})"


def parse_aliyun_sms_up(body: bytes) -> list[InboundSms]:
    items = _json(body, "Aliyun SmsUp")
    if not isinstance(items, list):
        raise InboundSmsError("Aliyun SmsUp: expected a JSON array of replies")
    replies = []
    for index, item in enumerate(items, start=1):
        number = _field(item, "phone_number", "Aliyun SmsUp", index)
        text = _field(item, "content", "Aliyun SmsUp", index)
        replies.append(InboundSms(_phone(number), text, _optional(item, "sequence_id")))
    return replies


def parse_tencent_reply(body: bytes) -> list[InboundSms]:
    parsed = _json(body, "Tencent reply")
    items = parsed if isinstance(parsed, list) else [parsed]
    replies = []
    for index, item in enumerate(items, start=1):
        mobile = _field(item, "mobile", "Tencent reply", index)
        text = _field(item, "text", "Tencent reply", index)
        nation = _nation_code(item, index)
        number = f"+{nation}{mobile}" if not mobile.startswith("+") else mobile
        replies.append(InboundSms(_phone(number), text, None))
    return replies


def parse_twilio_inbound(body: bytes) -> list[InboundSms]:
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise InboundSmsError("Twilio inbound: the form body is not UTF-8") from None
    number = _field(form, "From", "Twilio inbound", 1)
    text = _field(form, "Body", "Twilio inbound", 1)
    return [InboundSms(_phone(number), text, form.get("MessageSid") or None)]


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature``: base64(HMAC-SHA1(auth token, URL + the POST
    parameters sorted by name, each name followed by its value))."""
    data = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_request_is_authentic(
    auth_token: str, url: str, body: bytes, signature: str | None
) -> bool:
    """Whether a Twilio webhook (form ``body`` posted to ``url``) carries a valid signature;
    compared in constant time. ``url`` is the full public URL Twilio called."""
    if not signature:
        return False
    try:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return False
    expected = twilio_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode(), signature.encode())


def opt_outs(replies: Iterable[InboundSms]) -> list[OptOut]:
    """The replies that are opt-outs (``T``, ``退订``, ``STOP`` …), in order."""
    return [opt_out for reply in replies if (opt_out := parse_sms_reply(reply.phone, reply.text))]


def _json(body: bytes, source: str) -> Any:
    """The decoded body; nesting too deep to decode is refused like any malformed body."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InboundSmsError(f"{source}: the body is not JSON") from None


def _nation_code(item: Mapping[str, object], index: int) -> str:
    """Tencent's ``nationcode`` (``"86"``, ``86``, ``"+86"``): 1–4 digits, default 86."""
    value = item.get("nationcode")
    if value is None or value == "":
        return "86"
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InboundSmsError(f"Tencent reply: reply {index} has a nationcode that is not a number")
    text = str(value).strip().lstrip("+")
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 4):
        raise InboundSmsError(f"Tencent reply: reply {index} has a nationcode that is not a number")
    return text


def _field(item: object, name: str, source: str, index: int) -> str:
    if not isinstance(item, Mapping):
        raise InboundSmsError(f"{source}: reply {index} is not an object")
    value = item.get(name)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InboundSmsError(f"{source}: reply {index} has no {name!r}")
    return str(value)


def _optional(item: Mapping[str, object], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value)


def _phone(raw: str) -> str:
    """The sender's number in E.164. A reply from a number that is not a phone number is
    refused: an opt-out must suppress a real number, never whatever text came in."""
    if not raw.strip():
        raise InboundSmsError("an inbound reply has an empty phone number")
    try:
        return to_e164(raw)
    except UnusablePhone:
        raise InboundSmsError(
            f"an inbound reply comes from {mask_phone(raw)!r}, which is not a phone number"
        ) from None
