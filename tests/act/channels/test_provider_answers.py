"""Whatever a provider answers — any status, any JSON, any bytes — every adapter returns an
outcome and never raises (property tests over the answer parsers)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from channel_doubles import FixedClock, Recorder
from hypothesis import given
from hypothesis import strategies as st

from winback.act.channels.base import Channel, Message, Outcome, SendResult
from winback.act.channels.im_robot import ImRobot
from winback.act.channels.sms_aliyun import AliyunSms
from winback.act.channels.sms_http import GatewayFormat, HttpSmsGateway
from winback.act.channels.sms_tencent import TencentSms
from winback.act.channels.sms_twilio import TwilioSms
from winback.model import ActionChannel

CLOCK = FixedClock(datetime(2026, 11, 30, 3, 4, 5, tzinfo=UTC))
MESSAGE = Message(
    ActionChannel.SMS, "+8613812345678", "【俏艺】hi", "k", template_code="T", params={"1": "a"}
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
provider_keys = st.sampled_from(
    ["Code", "BizId", "Message", "Response", "SendStatusSet", "Error", "SerialNo", "sid",
     "code", "errcode", "errmsg", "id", "result"]
)  # fmt: skip
provider_like = st.dictionaries(provider_keys, json_values, max_size=4)
bodies = (
    st.binary(max_size=60)
    | json_values.map(lambda v: json.dumps(v).encode())
    | provider_like.map(lambda v: json.dumps(v).encode())
    | st.builds(
        lambda inner: json.dumps({"Response": inner}).encode(),
        st.dictionaries(provider_keys, json_values, max_size=3),
    )
)
statuses = st.sampled_from([200, 201, 204, 301, 400, 401, 404, 429, 500, 502, 503])


def adapters(client: httpx.Client) -> list[Channel]:
    return [
        AliyunSms(access_key_id="i", access_key_secret="s", sign_name="n", client=client,
                  clock=CLOCK),
        TencentSms(secret_id="i", secret_key="s", sdk_app_id="1", sign_name="n", client=client,
                   clock=CLOCK),
        TwilioSms(account_sid="AC", auth_token="t", from_number="+15005550006", client=client),
        HttpSmsGateway(GatewayFormat(url="https://g/x", success_field="result.code",
                                     id_field="id"), client=client),
        ImRobot(kind="wecom", url="https://r/x", client=client, clock=CLOCK),
    ]  # fmt: skip


@given(statuses, bodies)
def test_any_answer_becomes_an_outcome(status: int, body: bytes) -> None:
    recorder = Recorder(lambda request: httpx.Response(status, content=body))
    for adapter in adapters(recorder.client()):
        result = adapter.send(MESSAGE)
        assert isinstance(result, SendResult)
        if status >= 500 or status == 429:
            assert result.outcome is Outcome.TRANSIENT, (adapter, result)
        if result.outcome is Outcome.SENT:
            assert 200 <= status < 300 or isinstance(adapter, AliyunSms | TencentSms)
