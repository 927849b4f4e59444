"""SMS through Tencent Cloud (SMS API 2021-01-11, ``SendSms``), signed with TC3-HMAC-SHA256.

Signature v3 (https://www.tencentcloud.com/document/api/382/40467)::

    CanonicalRequest = "POST\\n/\\n\\n" "content-type:application/json; charset=utf-8\\n"
                       "host:sms.tencentcloudapi.com\\n\\n" "content-type;host\\n" sha256hex(body)
    StringToSign     = "TC3-HMAC-SHA256\\n" timestamp "\\n" date "/sms/tc3_request\\n"
                       sha256hex(CanonicalRequest)
    key              = HMAC(HMAC(HMAC("TC3" + SecretKey, date), "sms"), "tc3_request")
    Signature        = hex(HMAC-SHA256(key, StringToSign))

``date`` is the UTC date of the timestamp. Tencent sends approved templates: the message's
``template_code`` is the ``TemplateId`` and its ``params`` are ``TemplateParamSet`` in order
(keys ``"1"``, ``"2"`` … are sorted numerically). ``SessionContext`` carries the action key.

Outcomes: ``SendStatusSet[0].Code == "Ok"`` → sent (``SerialNo``); ``LimitExceeded.*``,
``RequestLimitExceeded``, ``InternalError.*`` → transient; ``InvalidParameterValue.*``,
``FailedOperation.*``, ``AuthFailure.*``, ``UnauthorizedOperation.*`` and the rest → permanent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

import httpx

from winback.act.channels.base import Message, SendResult
from winback.act.channels.http_exchange import exchange, hide_numbers, json_body
from winback.act.channels.phones import UnusablePhone, to_e164
from winback.clock import Clock

__all__ = ["TencentSms", "tc3_authorization"]

HOST: Final = "sms.tencentcloudapi.com"
CONTENT_TYPE: Final = "application/json; charset=utf-8"
TRANSIENT_PREFIXES: Final = ("LimitExceeded", "RequestLimitExceeded", "InternalError")


def tc3_signature(
    secret_key: str, *, service: str, host: str, payload: bytes, timestamp: int
) -> tuple[str, str]:
    """The credential scope and hex signature of a JSON POST to ``host``."""
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        (
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        )
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ("TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest())
    )
    key = _hmac(f"TC3{secret_key}".encode(), date)
    key = _hmac(_hmac(key, service), "tc3_request")
    return scope, hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    secret_id: str, secret_key: str, *, service: str, host: str, payload: bytes, timestamp: int
) -> str:
    """The ``Authorization`` header value for a TC3-signed JSON POST."""
    scope, signature = tc3_signature(
        secret_key, service=service, host=host, payload=payload, timestamp=timestamp
    )
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


class TencentSms:
    """Sends template SMS through Tencent Cloud; ``client`` is injectable."""

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        client: httpx.Client,
        clock: Clock,
        region: str = "ap-guangzhou",
        endpoint: str = f"https://{HOST}/",
    ) -> None:
        self._secret_id = secret_id
        self._secret_key = secret_key
        self._app_id = sdk_app_id
        self._sign_name = sign_name
        self._client = client
        self._clock = clock
        self._region = region
        self._endpoint = endpoint

    def __repr__(self) -> str:
        return f"TencentSms(app={self._app_id!r}, sign_name={self._sign_name!r})"

    def send(self, message: Message) -> SendResult:
        if not message.template_code:
            return SendResult.permanent(
                "Tencent sends approved templates: template_code is missing"
            )
        try:
            number = to_e164(message.to)
        except UnusablePhone as error:
            return SendResult.permanent(str(error))
        payload = json.dumps(
            {
                "PhoneNumberSet": [number],
                "SmsSdkAppId": self._app_id,
                "SignName": self._sign_name,
                "TemplateId": message.template_code,
                "TemplateParamSet": ordered_params(message.params),
                "SessionContext": message.key,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        timestamp = int(self._clock.now().timestamp())
        request = self._client.build_request(
            "POST",
            self._endpoint,
            content=payload,
            headers={
                "Authorization": tc3_authorization(
                    self._secret_id,
                    self._secret_key,
                    service="sms",
                    host=HOST,
                    payload=payload,
                    timestamp=timestamp,
                ),
                "Content-Type": CONTENT_TYPE,
                "Host": HOST,
                "X-TC-Action": "SendSms",
                "X-TC-Version": "2021-01-11",
                "X-TC-Timestamp": str(timestamp),
                "X-TC-Region": self._region,
            },
        )
        response = exchange(self._client, request)
        if isinstance(response, SendResult):
            return response
        return hide_numbers(_outcome(response), number)


def ordered_params(params: Mapping[str, str]) -> list[str]:
    """Template parameters in template order: numeric keys sorted, others as given."""
    if params and all(key.isdigit() for key in params):
        return [params[key] for key in sorted(params, key=int)]
    return list(params.values())


def _outcome(response: httpx.Response) -> SendResult:
    body = json_body(response)
    answer = body.get("Response") if body else None
    if response.status_code >= 500 or response.status_code == 429:
        return SendResult.transient(f"HTTP {response.status_code} from Tencent Cloud")
    if not isinstance(answer, dict):
        return SendResult.permanent(f"HTTP {response.status_code} without a Tencent Cloud answer")
    error = answer.get("Error")
    if isinstance(error, dict):
        return _by_code(str(error.get("Code", "")), str(error.get("Message", "")))
    statuses = answer.get("SendStatusSet")
    if not isinstance(statuses, list) or not statuses or not isinstance(statuses[0], dict):
        return SendResult.permanent("Tencent Cloud answered without a send status")
    status = statuses[0]
    if status.get("Code") == "Ok":
        return SendResult.sent(str(status.get("SerialNo") or "") or None)
    return _by_code(str(status.get("Code", "")), str(status.get("Message", "")))


def _by_code(code: str, message: str) -> SendResult:
    detail = f"{code}: {message}"
    if code.startswith(TRANSIENT_PREFIXES):
        return SendResult.transient(detail)
    return SendResult.permanent(detail)
