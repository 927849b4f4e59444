"""Twilio Messages API: the form request with basic auth, and outcomes by status."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl

import httpx
import pytest
from channel_doubles import Recorder, answer, raising

from winback.act.channels.base import Message, Outcome
from winback.act.channels.sms_twilio import TwilioSms
from winback.model import ActionChannel

MESSAGE = Message(
    channel=ActionChannel.SMS,
    to="(415) 555-2671",
    body="[Qiaoyi] Your order 1001 is waiting for payment.",
    key="order:1001:unpaid:1",
)


def channel(recorder: Recorder, **options: str) -> TwilioSms:
    return TwilioSms(
        account_sid="ACxxxx",
        auth_token="twilio-token",
        client=recorder.client(),
        **({"from_number": "+15005550006"} | options),  # type: ignore[arg-type]
    )


def test_a_message_is_posted_as_a_form_with_basic_auth() -> None:
    recorder = Recorder(answer(201, json={"sid": "SM123", "status": "queued"}))
    result = channel(recorder).send(MESSAGE)
    assert (result.outcome, result.provider_id) == (Outcome.SENT, "SM123")
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == "https://api.twilio.com/2010-04-01/Accounts/ACxxxx/Messages.json"
    expected = base64.b64encode(b"ACxxxx:twilio-token").decode()
    assert request.headers["authorization"] == f"Basic {expected}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.content.decode())) == {
        "To": "+14155552671",
        "Body": MESSAGE.body,
        "From": "+15005550006",
    }


def test_a_messaging_service_replaces_the_from_number() -> None:
    recorder = Recorder(answer(201, json={"sid": "SM1"}))
    TwilioSms(
        account_sid="ACxxxx",
        auth_token="t",
        messaging_service_sid="MG9",
        client=recorder.client(),
    ).send(MESSAGE)
    form = dict(parse_qsl(recorder.only.content.decode()))
    assert form["MessagingServiceSid"] == "MG9"
    assert "From" not in form


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(429, Outcome.TRANSIENT), (500, Outcome.TRANSIENT), (503, Outcome.TRANSIENT),
     (400, Outcome.PERMANENT), (401, Outcome.PERMANENT), (404, Outcome.PERMANENT)],
)  # fmt: skip
def test_429_and_5xx_are_transient_and_other_4xx_permanent(status: int, outcome: Outcome) -> None:
    reply = {"code": 21211, "message": "The 'To' number is not valid.", "status": status}
    assert channel(Recorder(answer(status, json=reply))).send(MESSAGE).outcome is outcome


def test_retry_after_is_honoured_on_429() -> None:
    recorder = Recorder(answer(429, json={}, headers={"Retry-After": "30"}))
    result = channel(recorder).send(MESSAGE)
    assert result.retry_after is not None and result.retry_after.total_seconds() == 30


@pytest.mark.parametrize("failure", [httpx.ConnectTimeout("slow"), httpx.RemoteProtocolError("x")])
def test_network_errors_and_timeouts_are_transient(failure: Exception) -> None:
    assert channel(Recorder(raising(failure))).send(MESSAGE).outcome is Outcome.TRANSIENT


def test_a_masked_number_is_refused_without_a_request() -> None:
    recorder = Recorder(answer(201, json={"sid": "SM1"}))
    result = channel(recorder).send(Message(**{**MESSAGE.__dict__, "to": "415****671"}))
    assert result.outcome is Outcome.PERMANENT
    assert recorder.requests == []


def test_twilio_needs_a_sender() -> None:
    with pytest.raises(ValueError, match="from number or a messaging service"):
        TwilioSms(account_sid="AC", auth_token="t", client=httpx.Client())


def test_a_number_echoed_in_the_providers_error_is_masked() -> None:
    reply = {"code": 21211, "message": "The 'To' number +14155552671 is not a valid phone number."}
    result = channel(Recorder(answer(400, json=reply))).send(MESSAGE)
    assert "+14155552671" not in result.detail
    assert "4155552671" not in result.detail
    assert "****2671" in result.detail
