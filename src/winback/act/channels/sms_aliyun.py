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
from datetime import UTC, datetime
from typing import Final
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from winback.act.channels.base import Message, Outcome, SendResult
from winback.act.channels.http_exchange import exchange, hide_numbers, json_body
from winback.act.channels.phones import UnusablePhone, to_e164
from winback.clock import Clock

__all__ = ["AliyunSms", "rpc_signature"]

ENDPOINT: Final = "https://dysmsapi.aliyuncs.com/"
CHINA: Final = ZoneInfo("Asia/Shanghai")
MAX_LOOKUP_PAGES: Final = 10
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
        response = self._call(
            {
                "Action": "SendSms",
                "PhoneNumbers": number,
                "SignName": self._sign_name,
                "TemplateCode": message.template_code,
                "TemplateParam": json.dumps(dict(message.params), ensure_ascii=False),
                "OutId": message.key,
            }
        )
        if isinstance(response, SendResult):
            return response
        return hide_numbers(_outcome(response), number)

    def lookup(self, message: Message, sent_at: datetime) -> SendResult | None:
        """Did Aliyun accept ``message`` (sent around ``sent_at``)? For an interrupted send.

        Reads ``QuerySendDetails`` for the number and the China-time day of ``sent_at`` and
        looks for a record whose ``OutId`` is the message's key. ``None``: Aliyun has no such
        message, sending it is safe; ``sent``: it was accepted (``SendStatus`` 1 waiting or
        3 delivered); ``permanent``: it was accepted and failed (``SendStatus`` 2);
        ``transient``: the question could not be answered now.
        """
        try:
            number = aliyun_number(message.to)
        except UnusablePhone as error:
            return SendResult.permanent(str(error))
        day = sent_at.astimezone(CHINA).strftime("%Y%m%d")
        for page in range(1, MAX_LOOKUP_PAGES + 1):
            response = self._call(
                {
                    "Action": "QuerySendDetails",
                    "PhoneNumber": number,
                    "SendDate": day,
                    "PageSize": "50",
                    "CurrentPage": str(page),
                }
            )
            if isinstance(response, SendResult):
                return response
            found, more = _find_out_id(response, message.key)
            if found is not None or not more:
                return hide_numbers(found, number) if found is not None else None
        return SendResult.transient(f"more than {MAX_LOOKUP_PAGES * 50} messages to one number")

    def _call(self, action: Mapping[str, str]) -> httpx.Response | SendResult:
        request = self._client.build_request(
            "POST",
            self._endpoint,
            content=_form(self.signed_params(action)),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return exchange(self._client, request)

    def signed_params(self, action: Mapping[str, str]) -> dict[str, str]:
        """The common RPC parameters plus ``action``'s, with their ``Signature``."""
        params = {
            "AccessKeyId": self._key_id,
            "Format": "JSON",
            "RegionId": self._region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self._nonce(),
            "SignatureVersion": "1.0",
            "Timestamp": self._clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            **action,
        }
        params["Signature"] = rpc_signature("POST", params, self._secret)
        return params


def aliyun_number(phone: str) -> str:
    """Mainland numbers as 11 digits without prefix; others as country code + number."""
    e164 = to_e164(phone)
    return e164[3:] if e164.startswith("+86") else e164[1:]


def _form(params: Mapping[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items())


def _find_out_id(response: httpx.Response, key: str) -> tuple[SendResult | None, bool]:
    """The record of ``key`` in a QuerySendDetails page, and whether more pages follow."""
    refused = _outcome(response)
    if refused.outcome is not Outcome.SENT:
        return refused, False
    body = json_body(response) or {}
    container = body.get("SmsSendDetailDTOs")
    records = container.get("SmsSendDetailDTO") if isinstance(container, dict) else None
    if not isinstance(records, list):
        return None, False
    for record in records:
        if isinstance(record, dict) and record.get("OutId") == key:
            status = str(record.get("SendStatus"))
            detail = f"SendStatus {status} {record.get('ErrCode', '')}".strip()
            if status == "2":
                return SendResult.permanent(f"accepted, then failed: {detail}"), False
            return SendResult.sent(None, f"found by OutId: {detail}"), False
    return None, len(records) == 50


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
