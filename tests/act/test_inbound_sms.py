"""Inbound SMS pushes from Aliyun, Tencent Cloud and Twilio, and the opt-outs in them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.channels.http_exchange import json_body
from winback.act.inbound_sms import (
    InboundSms,
    InboundSmsError,
    opt_outs,
    parse_aliyun_sms_up,
    parse_tencent_reply,
    parse_twilio_inbound,
    twilio_request_is_authentic,
    twilio_signature,
)
from winback.act.optout import OptOut
from winback.model import Channel
from winback.services.optouts import parse_replies


def test_an_aliyun_sms_up_batch_is_read_in_order() -> None:
    # The shape of Aliyun's documented SmsUp push (help.aliyun.com, "SmsUp", HTTP 批量推送).
    body = json.dumps(
        [
            {
                "phone_number": "13812345678",
                "send_time": "2017-09-01 00:00:00",
                "content": "TD",
                "sign_name": "签名",
                "dest_code": "1234",
                "sequence_id": 1234567890,
            },
            {
                "phone_number": "13987654321",
                "send_time": "2017-09-01 00:01:00",
                "content": "几点发货？",
                "dest_code": "1234",
                "sequence_id": "1234567891",
            },
        ]
    ).encode()
    assert parse_aliyun_sms_up(body) == [
        InboundSms("+8613812345678", "TD", "1234567890"),
        InboundSms("+8613987654321", "几点发货？", "1234567891"),
    ]


def test_a_tencent_reply_callback_is_read_as_object_or_array() -> None:
    reply = {"extend": "", "mobile": "13812345678", "nationcode": "86", "sign": "俏艺",
             "text": "退订", "time": 1457336869}  # fmt: skip
    expected = [InboundSms("+8613812345678", "退订")]
    assert parse_tencent_reply(json.dumps(reply).encode()) == expected
    assert parse_tencent_reply(json.dumps([reply]).encode()) == expected


def test_a_twilio_incoming_message_is_read_from_its_form() -> None:
    body = urlencode({"From": "+14155552671", "To": "+15005550006", "Body": "STOP",
                      "MessageSid": "SM1"}).encode()  # fmt: skip
    assert parse_twilio_inbound(body) == [InboundSms("+14155552671", "STOP", "SM1")]


def test_only_opt_out_replies_become_opt_outs() -> None:
    replies = [
        InboundSms("+8613812345678", "TD"),
        InboundSms("+8613987654321", "几点发货？"),
        InboundSms("+14155552671", "Stop"),
    ]
    assert opt_outs(replies) == [
        OptOut("+8613812345678", Channel.SMS, "td"),
        OptOut("+14155552671", Channel.SMS, "stop"),
    ]


@pytest.mark.parametrize(
    ("parse", "body", "message"),
    [
        (parse_aliyun_sms_up, b"{}", "expected a JSON array"),
        (parse_aliyun_sms_up, b"not json", "not JSON"),
        (parse_aliyun_sms_up, b'[{"content": "T"}]', "reply 1 has no 'phone_number'"),
        (parse_tencent_reply, b'{"mobile": "138"}', "reply 1 has no 'text'"),
        (parse_tencent_reply, b"[1]", "reply 1 is not an object"),
        (parse_twilio_inbound, b"Body=STOP", "has no 'From'"),
        (parse_twilio_inbound, b"\xff\xfe", "not UTF-8"),
    ],
)
def test_a_body_in_the_wrong_shape_is_a_clear_error(
    parse: Callable[[bytes], list[InboundSms]], body: bytes, message: str
) -> None:
    with pytest.raises(InboundSmsError, match=message):
        parse(body)


def test_a_reply_prints_its_phone_masked() -> None:
    assert "138****5678" in repr(InboundSms("13812345678", "T"))
    assert "13812345678" not in repr(InboundSms("13812345678", "T"))


parsers = st.sampled_from([parse_aliyun_sms_up, parse_tencent_reply, parse_twilio_inbound])


@given(parsers, st.binary(max_size=200))
def test_any_body_parses_or_fails_with_an_inbound_sms_error(
    parse: Callable[[bytes], list[InboundSms]], body: bytes
) -> None:
    try:
        replies = parse(body)
    except InboundSmsError:
        return
    assert all(isinstance(reply.text, str) for reply in replies)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=15),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
shaped = st.fixed_dictionaries(
    {},
    optional={
        "phone_number": json_values, "content": json_values, "sequence_id": json_values,
        "mobile": json_values, "nationcode": json_values, "text": json_values,
    },
)  # fmt: skip


@given(parsers, st.one_of(json_values, shaped, st.lists(shaped, max_size=3)))
def test_any_json_parses_or_fails_with_an_inbound_sms_error(
    parse: Callable[[bytes], list[InboundSms]], value: object
) -> None:
    with contextlib.suppress(InboundSmsError):
        replies = parse(json.dumps(value).encode())
        assert all(reply.phone and isinstance(reply.text, str) for reply in replies)


def test_a_reply_without_a_phone_number_is_refused() -> None:
    with pytest.raises(InboundSmsError, match="empty phone number"):
        parse_aliyun_sms_up(b'[{"phone_number": " ", "content": "T"}]')


DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}


def test_the_twilio_signature_matches_twilios_documented_example() -> None:
    # Twilio, "Webhooks security" (https://www.twilio.com/docs/usage/security): auth token
    # 12345, this URL and these parameters → RSOYDt4T1cUTdK1PDd93/VVr8B8=.
    assert twilio_signature("12345", DOC_URL, DOC_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_twilio_webhook_is_authentic_only_with_its_own_signature() -> None:
    body = urlencode(DOC_PARAMS).encode()
    good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    assert twilio_request_is_authentic("12345", DOC_URL, body, good)
    assert not twilio_request_is_authentic("12345", DOC_URL, body.replace(b"1234", b"9999"), good)
    assert not twilio_request_is_authentic("other", DOC_URL, body, good)
    assert not twilio_request_is_authentic("12345", DOC_URL + "&x=1", body, good)
    assert not twilio_request_is_authentic("12345", DOC_URL, body, None)
    assert not twilio_request_is_authentic("12345", DOC_URL, b"\xff", good)


@pytest.mark.parametrize("provider", ["http", "aliyun", "tencent"])
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_deeper_than_python_parses_is_a_malformed_push(
    provider: str, depth: int
) -> None:
    """The fuzz found it on the generic HTTP gateway: ``[[[…]]]`` a thousand deep raised
    RecursionError (a 500) instead of the 400 any malformed push gets."""
    with pytest.raises(InboundSmsError):
        parse_replies(provider, b"[" * depth + b"]" * depth)


def test_a_providers_answer_nested_too_deep_is_no_json_object() -> None:
    deep = httpx.Response(200, content=b'{"a":' * 5_000 + b"1" + b"}" * 5_000)
    assert json_body(deep) is None
