"""Aliyun SendSms: the signed RPC request, and how its answers map to outcomes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest
from channel_doubles import FixedClock, Recorder, answer, raising

from winback.act.channels.base import LooksUpSends, Message, Outcome
from winback.act.channels.sms_aliyun import AliyunSms, rpc_signature
from winback.model import ActionChannel

NOW = datetime(2026, 11, 30, 3, 4, 5, tzinfo=UTC)
MESSAGE = Message(
    channel=ActionChannel.SMS,
    to="138 1234 5678",
    body="",
    key="order:T1:unpaid:1",
    template_code="SMS_154950909",
    params={"order_id": "T1", "pay_before": "16:00"},
)


def test_the_signature_matches_aliyuns_documented_example() -> None:
    # Alibaba Cloud, "Request signatures" (ECS, https://www.alibabacloud.com/help/doc-detail/25492.htm):
    # AccessKeySecret "testsecret", DescribeRegions at 2016-02-23T12:46:24Z →
    # Signature "CT9X0VtwR86fNWSnsc6v8YGOjuE=".
    params = {
        "TimeStamp": "2016-02-23T12:46:24Z",
        "Format": "XML",
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "Version": "2014-05-26",
        "SignatureVersion": "1.0",
    }
    assert rpc_signature("GET", params, "testsecret") == "CT9X0VtwR86fNWSnsc6v8YGOjuE="


def channel(recorder: Recorder, clock: FixedClock) -> AliyunSms:
    return AliyunSms(
        access_key_id="LTAI-test",
        access_key_secret="secret-value",
        sign_name="俏艺旗舰店",
        client=recorder.client(),
        clock=clock,
        nonce=lambda: "nonce-1",
    )


def test_send_sms_posts_the_signed_form_with_template_and_out_id(clock: FixedClock) -> None:
    recorder = Recorder(
        answer(json={"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"})
    )
    result = channel(recorder, clock).send(MESSAGE)
    assert result.outcome is Outcome.SENT
    assert result.provider_id == "900619746936498440^0"
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == "https://dysmsapi.aliyuncs.com/"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
    signature = form.pop("Signature")
    assert form == {
        "AccessKeyId": "LTAI-test",
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "nonce-1",
        "SignatureVersion": "1.0",
        "Timestamp": "2026-11-30T03:04:05Z",
        "Version": "2017-05-25",
        "PhoneNumbers": "13812345678",
        "SignName": "俏艺旗舰店",
        "TemplateCode": "SMS_154950909",
        "TemplateParam": '{"order_id": "T1", "pay_before": "16:00"}',
        "OutId": "order:T1:unpaid:1",
    }
    assert signature == rpc_signature("POST", form, "secret-value")
    assert json.loads(form["TemplateParam"]) == dict(MESSAGE.params)


def test_spaces_are_encoded_as_percent_20_not_plus(clock: FixedClock) -> None:
    recorder = Recorder(answer(json={"Code": "OK", "BizId": "1"}))
    message = Message(**{**MESSAGE.__dict__, "params": {"item": "白色 开衫"}})
    channel(recorder, clock).send(message)
    body = recorder.only.content.decode()
    assert "%20" in body and "+" not in body


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}, Outcome.TRANSIENT),
        ({"Code": "Throttling.User", "Message": "Request was denied"}, Outcome.TRANSIENT),
        ({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, Outcome.PERMANENT),
        ({"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模版不合法"}, Outcome.PERMANENT),
        ({"Code": "SignatureDoesNotMatch", "Message": "bad signature"}, Outcome.PERMANENT),
    ],
)
def test_aliyun_codes_map_to_transient_or_permanent(
    clock: FixedClock, reply: dict[str, str], outcome: Outcome
) -> None:
    result = channel(Recorder(answer(json=reply)), clock).send(MESSAGE)
    assert result.outcome is outcome
    assert reply["Code"] in result.detail


def test_a_server_error_without_json_is_transient(clock: FixedClock) -> None:
    result = channel(Recorder(answer(503, content=b"busy")), clock).send(MESSAGE)
    assert result.outcome is Outcome.TRANSIENT


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
)
def test_network_errors_and_timeouts_are_transient(clock: FixedClock, error: Exception) -> None:
    result = channel(Recorder(raising(error)), clock).send(MESSAGE)
    assert result.outcome is Outcome.TRANSIENT
    assert "dysmsapi.aliyuncs.com" in result.detail


def test_a_masked_number_is_refused_without_a_request(clock: FixedClock) -> None:
    recorder = Recorder(answer(json={"Code": "OK"}))
    result = channel(recorder, clock).send(Message(**{**MESSAGE.__dict__, "to": "138****5678"}))
    assert result.outcome is Outcome.PERMANENT
    assert recorder.requests == []


def test_a_message_without_a_template_code_is_permanent(clock: FixedClock) -> None:
    recorder = Recorder(answer(json={"Code": "OK"}))
    result = channel(recorder, clock).send(Message(**{**MESSAGE.__dict__, "template_code": None}))
    assert result.outcome is Outcome.PERMANENT
    assert recorder.requests == []


def test_the_secret_is_not_in_the_channels_repr(clock: FixedClock) -> None:
    assert "secret-value" not in repr(channel(Recorder(answer()), clock))


def details(*records: dict[str, object], total: int | None = None) -> dict[str, object]:
    return {
        "Code": "OK",
        "Message": "OK",
        "TotalCount": total if total is not None else len(records),
        "SmsSendDetailDTOs": {"SmsSendDetailDTO": list(records)},
    }


def record(out_id: str, status: int) -> dict[str, object]:
    return {
        "OutId": out_id, "SendStatus": status, "ErrCode": "DELIVERED", "PhoneNum": "13812345678",
        "TemplateCode": "SMS_154950909", "SendDate": "2026-11-30 11:04:05",
    }  # fmt: skip


def test_an_aliyun_channel_can_look_up_an_interrupted_send() -> None:
    assert isinstance(channel(Recorder(answer()), FixedClock(NOW)), LooksUpSends)


def test_lookup_asks_query_send_details_for_the_number_and_china_day(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=details(record("other", 3), record(MESSAGE.key, 3))))
    sent_at = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in China
    result = channel(recorder, clock).lookup(MESSAGE, sent_at)
    assert result is not None and result.outcome is Outcome.SENT
    form = dict(parse_qsl(recorder.only.content.decode()))
    signature = form.pop("Signature")
    asked = ("Action", "PhoneNumber", "SendDate", "PageSize", "CurrentPage")
    assert {k: form[k] for k in asked} == {
        "Action": "QuerySendDetails", "PhoneNumber": "13812345678", "SendDate": "20261201",
        "PageSize": "50", "CurrentPage": "1",
    }  # fmt: skip
    assert signature == rpc_signature("POST", form, "secret-value")


def test_lookup_of_a_message_aliyun_never_got_is_none(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=details(record("other", 3))))
    assert channel(recorder, clock).lookup(MESSAGE, NOW) is None


def test_lookup_of_a_message_that_failed_at_the_carrier_is_permanent(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=details(record(MESSAGE.key, 2))))
    result = channel(recorder, clock).lookup(MESSAGE, NOW)
    assert result is not None and result.outcome is Outcome.PERMANENT


def test_lookup_reads_further_pages_when_a_page_is_full(clock: FixedClock) -> None:
    pages = [details(*[record(f"o{i}", 3) for i in range(50)]), details(record(MESSAGE.key, 1))]
    recorder = Recorder(lambda request: httpx.Response(200, json=pages[len(recorder.requests) - 1]))
    result = channel(recorder, clock).lookup(MESSAGE, NOW)
    assert result is not None and result.outcome is Outcome.SENT
    assert [dict(parse_qsl(r.content.decode()))["CurrentPage"] for r in recorder.requests] == [
        "1",
        "2",
    ]


def test_lookup_that_cannot_reach_aliyun_is_transient(clock: FixedClock) -> None:
    result = channel(Recorder(raising(httpx.ConnectError("down"))), clock).lookup(MESSAGE, NOW)
    assert result is not None and result.outcome is Outcome.TRANSIENT
