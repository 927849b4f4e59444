"""WeCom and DingTalk group robots: payloads, DingTalk signing, errcode mapping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from channel_doubles import FixedClock, Recorder, answer, raising

from winback.act.channels.base import Message, Outcome
from winback.act.channels.im_robot import ImRobot, dingtalk_sign
from winback.model import ActionChannel

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
MESSAGE = Message(
    channel=ActionChannel.IM_ROBOT,
    to="team",
    subject="今日待跟进",
    body="- 订单 T1 未付款 ¥129\n- 订单 T2 已关闭",
    key="report:2026-11-30",
)
OK = {"errcode": 0, "errmsg": "ok"}


def robot(recorder: Recorder, clock: FixedClock, **options: object) -> ImRobot:
    defaults: dict[str, object] = {"kind": "wecom", "url": WECOM}
    return ImRobot(client=recorder.client(), clock=clock, **(defaults | options))  # type: ignore[arg-type]


def test_wecom_gets_a_markdown_message_on_its_webhook(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=OK))
    assert robot(recorder, clock).send(MESSAGE).outcome is Outcome.SENT
    request = recorder.only
    assert (request.method, str(request.url)) == ("POST", WECOM)
    assert json.loads(request.content) == {
        "msgtype": "markdown",
        "markdown": {"content": "**今日待跟进**\n- 订单 T1 未付款 ¥129\n- 订单 T2 已关闭"},
    }


def test_a_text_robot_gets_plain_text(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=OK))
    robot(recorder, clock, msgtype="text").send(MESSAGE)
    assert json.loads(recorder.only.content) == {
        "msgtype": "text",
        "text": {"content": "今日待跟进\n- 订单 T1 未付款 ¥129\n- 订单 T2 已关闭"},
    }


def test_dingtalk_gets_a_titled_markdown_message_and_a_signed_url(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=OK))
    robot(recorder, clock, kind="dingtalk", url=DINGTALK, secret="SECxyz").send(MESSAGE)
    request = recorder.only
    assert json.loads(request.content) == {
        "msgtype": "markdown",
        "markdown": {"title": "今日待跟进", "text": MESSAGE.body},
    }
    query = parse_qs(request.url.query.decode())
    timestamp = int(clock.instant.timestamp() * 1000)
    assert query["access_token"] == ["abc123"]
    assert query["timestamp"] == [str(timestamp)]
    expected = base64.b64encode(
        hmac.new(b"SECxyz", f"{timestamp}\nSECxyz".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


def test_the_dingtalk_sign_is_url_encoded_base64() -> None:
    # DingTalk publishes no worked example with a fixed timestamp; this follows its official
    # Python sample (open.dingtalk.com, 自定义机器人安全设置 加签): string_to_sign =
    # f"{timestamp}\n{secret}", sign = quote_plus(base64(HMAC-SHA256(secret, string_to_sign))).
    sign = dingtalk_sign("SECxyz", 1_700_000_000_000)
    raw = base64.b64decode(unquote(sign))
    assert raw == hmac.new(b"SECxyz", b"1700000000000\nSECxyz", hashlib.sha256).digest()
    assert "+" not in sign and "/" not in sign and "=" not in sign


def test_an_unsigned_dingtalk_robot_keeps_its_url(clock: FixedClock) -> None:
    recorder = Recorder(answer(json=OK))
    robot(recorder, clock, kind="dingtalk", url=DINGTALK).send(MESSAGE)
    assert str(recorder.only.url) == DINGTALK


@pytest.mark.parametrize(
    ("kind", "errcode", "outcome"),
    [
        ("wecom", 45009, Outcome.TRANSIENT),
        ("wecom", -1, Outcome.TRANSIENT),
        ("wecom", 93000, Outcome.PERMANENT),
        ("dingtalk", 130101, Outcome.TRANSIENT),
        ("dingtalk", 310000, Outcome.PERMANENT),
        ("dingtalk", 300001, Outcome.PERMANENT),
    ],
)
def test_errcodes_map_rate_limits_to_transient_and_the_rest_to_permanent(
    clock: FixedClock, kind: str, errcode: int, outcome: Outcome
) -> None:
    recorder = Recorder(answer(json={"errcode": errcode, "errmsg": "x"}))
    result = robot(recorder, clock, kind=kind).send(MESSAGE)
    assert result.outcome is outcome
    assert str(errcode) in result.detail


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
def test_network_errors_are_transient_and_do_not_leak_the_webhook_key(
    clock: FixedClock, failure: Exception
) -> None:
    result = robot(Recorder(raising(failure)), clock).send(MESSAGE)
    assert result.outcome is Outcome.TRANSIENT
    assert "693a91f6" not in result.detail
    assert "693a91f6" not in repr(robot(Recorder(answer()), clock))
