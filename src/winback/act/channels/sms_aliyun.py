"""SMS through Alibaba Cloud (Dysmsapi ``SendSms``, API version 2017-05-25).

The request is an RPC call signed with signature v1: the parameters, sorted by name and
percent-encoded (RFC 3986, space as ``%20``), form the canonical query;
``StringToSign = METHOD "&" enc("/") "&" enc(canonical query)`` and
``Signature = base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))``
(https://www.alibabacloud.com/help/doc-detail/25492.htm). We POST the signed parameters as
a form body.

Aliyun sends pre-approved templates only: the message's ``template_code`` (``SMS_1234``) and
``params`` (``TemplateParam`` JSON) are sent, ``body`` is not. ``OutId`` is the action's
idempotency key, so a delivery report can be matched to the action.

Outcomes: ``Code == "OK"`` → sent (``BizId``); throttling and flow control → transient;
invalid number, template or signature, and any other refusal → permanent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Final
from urllib.parse import quote

import httpx

from winback.act.channels.base import Message, SendResult
from winback.act.channels.http_exchange import exchange, hide_numbers, json_body
from winback.act.channels.phones import UnusablePhone, to_e164
from winback.clock import Clock

__all__ = ["AliyunSms", "rpc_signature"]

ENDPOINT: Final = "https://dysmsapi.aliyuncs.com/"
TRANSIENT_CODES: Final = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.OUT_OF_SERVICE",
        "isv.AMOUNT_NOT_ENOUGH",
        "Throttling",
        "Throttling.User",
        "Throttling.Api",
        "ServiceUnavailable",
        "InternalError",
        "isp.SYSTEM_ERROR",
    }
)


def percent_encode(text: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (``~`` kept, space → ``%20``)."""
    return quote(text, safe="~")


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """Signature v1 of an RPC request's parameters (everything but ``Signature``)."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AliyunSms:
    """Sends template SMS through Aliyun; ``client`` is injectable (``httpx.MockTransport``)."""

    def __init__(
        self,
        *,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        client: httpx.Client,
        clock: Clock,
        endpoint: str = ENDPOINT,
        region_id: str = "cn-hangzhou",
        nonce: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._key_id = access_key_id
        self._secret = access_key_secret
        self._sign_name = sign_name
        self._client = client
        self._clock = clock
        self._endpoint = endpoint
        self._region = region_id
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"AliyunSms(endpoint={self._endpoint!r}, sign_name={self._sign_name!r})"

    def send(self, message: Message) -> SendResult:
        if not message.template_code:
            return SendResult.permanent("Aliyun sends approved templates: template_code is missing")
        try:
            number = aliyun_number(message.to)
        except UnusablePhone as error:
            return SendResult.permanent(str(error))
        params = self.signed_params(message, number)
        request = self._client.build_request(
            "POST",
            self._endpoint,
            content=_form(params),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = exchange(self._client, request)
        if isinstance(response, SendResult):
            return response
        return hide_numbers(_outcome(response), number)

    def signed_params(self, message: Message, number: str) -> dict[str, str]:
        """The request's parameters with their ``Signature`` (public for tests and docs)."""
        params = {
            "AccessKeyId": self._key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self._clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": number,
            "SignName": self._sign_name,
            "TemplateCode": message.template_code or "",
            "TemplateParam": json.dumps(dict(message.params), ensure_ascii=False),
            "OutId": message.key,
        }
        params["Signature"] = rpc_signature("POST", params, self._secret)
        return params


def aliyun_number(phone: str) -> str:
    """Mainland numbers as 11 digits without prefix; others as country code + number."""
    e164 = to_e164(phone)
    return e164[3:] if e164.startswith("+86") else e164[1:]


def _form(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())


def _outcome(response: httpx.Response) -> SendResult:
    body = json_body(response) or {}
    code = str(body.get("Code", ""))
    detail = f"HTTP {response.status_code} {code}: {body.get('Message', '')}".strip()
    if response.status_code >= 500 or response.status_code == 429:
        return SendResult.transient(detail)
    if code == "OK":
        return SendResult.sent(str(body.get("BizId") or "") or None)
    if code in TRANSIENT_CODES or code.startswith("Throttling"):
        return SendResult.transient(detail)
    return SendResult.permanent(detail)
