"""SMS through any HTTP gateway (a carrier's or an in-house one).

The request is ``{method} {url}`` with a JSON body whose field names are configurable::

    {"to": "+8613812345678", "text": "【店名】…", "key": "order:T1:unpaid:1"}

With a secret, the raw body is signed: ``{signature_header}: hex(HMAC-SHA256(secret, body))``
so the gateway can check the request came from this shop. Success is a 2xx status and, when
``success_field`` is set, that JSON field (a dotted path such as ``result.code``) equal to
``success_value``; ``id_field`` names the gateway's message id.

Outcomes: 429 and 5xx → transient; other 4xx → permanent; 2xx whose success field does not
match → permanent (the gateway refused the message itself).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from winback.act.channels.base import Message, SendResult
from winback.act.channels.http_exchange import (
    exchange,
    hide_numbers,
    json_body,
    status_outcome,
)
from winback.act.channels.phones import UnusablePhone, to_e164

__all__ = ["GatewayFormat", "HttpSmsGateway", "body_signature"]


@dataclass(frozen=True)
class GatewayFormat:
    """How the gateway wants the request and how it says yes."""

    url: str
    method: Literal["POST", "PUT"] = "POST"
    to_field: str = "to"
    text_field: str = "text"
    key_field: str = "key"
    signature_header: str = "X-Signature"
    success_field: str | None = None
    success_value: str = "0"
    id_field: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    default_region: str = "CN"


def body_signature(secret: bytes, body: bytes) -> str:
    """Hex HMAC-SHA256 of the exact body bytes sent."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


class HttpSmsGateway:
    """Sends SMS as JSON to a configurable gateway; ``client`` is injectable."""

    def __init__(
        self, gateway: GatewayFormat, *, client: httpx.Client, secret: bytes | None = None
    ) -> None:
        self._gateway = gateway
        self._client = client
        self._secret = secret

    def __repr__(self) -> str:
        return f"HttpSmsGateway(url={self._gateway.url!r})"

    def send(self, message: Message) -> SendResult:
        gateway = self._gateway
        try:
            number = to_e164(message.to, gateway.default_region)
        except UnusablePhone as error:
            return SendResult.permanent(str(error))
        body = json.dumps(
            {
                gateway.to_field: number,
                gateway.text_field: message.body,
                gateway.key_field: message.key,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", **gateway.headers}
        if self._secret is not None:
            headers[gateway.signature_header] = body_signature(self._secret, body)
        request = self._client.build_request(
            gateway.method, gateway.url, content=body, headers=headers
        )
        response = exchange(self._client, request)
        if isinstance(response, SendResult):
            return response
        return hide_numbers(self._outcome(response), number)

    def _outcome(self, response: httpx.Response) -> SendResult:
        answer = json_body(response)
        refused = status_outcome(response, _short(response.text))
        if refused is not None:
            return refused
        gateway = self._gateway
        if gateway.success_field is not None:
            value = _path(answer, gateway.success_field)
            if value is None or str(value) != gateway.success_value:
                return SendResult.permanent(
                    f"gateway refused: {gateway.success_field}={value!r}: {_short(response.text)}"
                )
        provider_id = _path(answer, gateway.id_field) if gateway.id_field else None
        return SendResult.sent(None if provider_id is None else str(provider_id))


def _path(document: Mapping[str, Any] | None, dotted: str) -> object:
    value: object = document
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _short(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"
