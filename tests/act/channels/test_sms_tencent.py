"""Tencent Cloud SendSms: the TC3-signed request, and how its answers map to outcomes."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from channel_doubles import FixedClock, Recorder, answer, raising

from winback.act.channels.base import Message, Outcome
from winback.act.channels.sms_tencent import TencentSms, tc3_authorization, tc3_signature
from winback.model import ActionChannel

MESSAGE = Message(
    channel=ActionChannel.SMS,
    to="13812345678",
    body="",
    key="order:T1:unpaid:1",
    template_code="449739",
    params={"2": "16:00", "1": "T1"},
)


def test_the_signature_matches_tencent_clouds_documented_example() -> None:
    # Tencent Cloud API "Signature v3" (https://www.tencentcloud.com/document/api/382/40467):
    # CVM DescribeInstances, SecretKey Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, timestamp 1551113065;
    # payload hash 35e9c5b0…f064, signature 72e494ea…5168.
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    assert hashlib.sha256(payload).hexdigest() == (
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    scope, signature = tc3_signature(
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        service="cvm",
        host="cvm.tencentcloudapi.com",
        payload=payload,
        timestamp=1551113065,
    )
    assert scope == "2019-02-25/cvm/tc3_request"
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def channel(recorder: Recorder, clock: FixedClock) -> TencentSms:
    return TencentSms(
        secret_id="AKIDtest",
        secret_key="tencent-secret",
        sdk_app_id="1400006666",
        sign_name="俏艺旗舰店",
        client=recorder.client(),
        clock=clock,
    )


OK = {
    "Response": {
        "SendStatusSet": [
            {
                "SerialNo": "5000:1045710669157053657849499619",
                "PhoneNumber": "+8613812345678",
                "Fee": 1,
                "SessionContext": "order:T1:unpaid:1",
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
        ],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
    }
}


def test_send_sms_posts_the_signed_json_with_e164_numbers_and_the_action_key(
    clock: FixedClock,
) -> None:
    recorder = Recorder(answer(json=OK))
    result = channel(recorder, clock).send(MESSAGE)
    assert result.outcome is Outcome.SENT
    assert result.provider_id == "5000:1045710669157053657849499619"
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == "https://sms.tencentcloudapi.com/"
    assert json.loads(request.content) == {
        "PhoneNumberSet": ["+8613812345678"],
        "SmsSdkAppId": "1400006666",
        "SignName": "俏艺旗舰店",
        "TemplateId": "449739",
        "TemplateParamSet": ["T1", "16:00"],
        "SessionContext": "order:T1:unpaid:1",
    }
    timestamp = int(clock.instant.timestamp())
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.headers["x-tc-timestamp"] == str(timestamp)
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["host"] == "sms.tencentcloudapi.com"
    assert request.headers["authorization"] == tc3_authorization(
        "AKIDtest",
        "tencent-secret",
        service="sms",
        host="sms.tencentcloudapi.com",
        payload=request.content,
        timestamp=timestamp,
    )
    assert request.headers["authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKIDtest/2026-11-30/sms/tc3_request, "
        "SignedHeaders=content-type;host, Signature="
    )


def status(code: str) -> dict[str, object]:
    return {"Response": {"SendStatusSet": [{"Code": code, "Message": code}], "RequestId": "r"}}


def error(code: str) -> dict[str, object]:
    return {"Response": {"Error": {"Code": code, "Message": code}, "RequestId": "r"}}


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (status("LimitExceeded.PhoneNumberThirtySecondLimit"), Outcome.TRANSIENT),
        (status("LimitExceeded.PhoneNumberDailyLimit"), Outcome.TRANSIENT),
        (error("RequestLimitExceeded"), Outcome.TRANSIENT),
        (error("InternalError.Timeout"), Outcome.TRANSIENT),
        (status("InvalidParameterValue.IncorrectPhoneNumber"), Outcome.PERMANENT),
        (status("FailedOperation.TemplateIncorrectOrUnapproved"), Outcome.PERMANENT),
        (error("FailedOperation.InsufficientBalanceInSmsPackage"), Outcome.PERMANENT),
        (error("AuthFailure.SignatureFailure"), Outcome.PERMANENT),
    ],
)
def test_tencent_codes_map_to_transient_or_permanent(
    clock: FixedClock, reply: dict[str, object], outcome: Outcome
) -> None:
    assert channel(Recorder(answer(json=reply)), clock).send(MESSAGE).outcome is outcome


def test_a_gateway_error_page_is_transient(clock: FixedClock) -> None:
    result = channel(Recorder(answer(502, content=b"<html>bad gateway</html>")), clock).send(
        MESSAGE
    )
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
def test_network_errors_and_timeouts_are_transient(clock: FixedClock, failure: Exception) -> None:
    assert channel(Recorder(raising(failure)), clock).send(MESSAGE).outcome is Outcome.TRANSIENT


def test_a_masked_number_is_refused_without_a_request(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=OK))
    result = channel(recorder, clock).send(Message(**{**MESSAGE.__dict__, "to": "138****5678"}))
    assert result.outcome is Outcome.PERMANENT
    assert recorder.requests == []
