"""The generic HTTP SMS gateway: JSON body, HMAC signature, success rules; once against a
real HTTP server on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import httpx
import pytest
from channel_doubles import Recorder, answer, raising

from winback.act.channels.base import Message, Outcome
from winback.act.channels.sms_http import GatewayFormat, HttpSmsGateway, body_signature
from winback.model import ActionChannel

MESSAGE = Message(
    channel=ActionChannel.SMS,
    to="13812345678",
    body="【俏艺】您的订单T1还未付款",
    key="order:T1:unpaid:1",
)
SECRET = b"gateway-secret"


def gateway(recorder: Recorder, **options: object) -> HttpSmsGateway:
    fmt = GatewayFormat(url="https://sms.example.com/send", **options)  # type: ignore[arg-type]
    return HttpSmsGateway(fmt, client=recorder.client(), secret=SECRET)


def test_the_request_is_json_with_to_text_and_key_signed_over_the_exact_body() -> None:
    recorder = Recorder(answer(200, json={"code": 0, "id": "m-1"}))
    result = gateway(recorder, success_field="code", id_field="id").send(MESSAGE)
    assert (result.outcome, result.provider_id) == (Outcome.SENT, "m-1")
    request = recorder.only
    assert request.method == "POST"
    assert str(request.url) == "https://sms.example.com/send"
    assert json.loads(request.content) == {
        "to": "+8613812345678",
        "text": "【俏艺】您的订单T1还未付款",
        "key": "order:T1:unpaid:1",
    }
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert (
        request.headers["x-signature"]
        == hmac.new(SECRET, request.content, hashlib.sha256).hexdigest()
    )


def test_field_names_method_and_signature_header_are_configurable() -> None:
    recorder = Recorder(answer(202, json={}))
    gateway(
        recorder, method="PUT", to_field="mobile", text_field="content", key_field="ref",
        signature_header="X-Hub-Signature",
    ).send(MESSAGE)  # fmt: skip
    request = recorder.only
    assert request.method == "PUT"
    assert set(json.loads(request.content)) == {"mobile", "content", "ref"}
    assert request.headers["x-hub-signature"] == body_signature(SECRET, request.content)


def test_a_2xx_whose_success_field_says_no_is_permanent() -> None:
    recorder = Recorder(answer(200, json={"result": {"code": "E42", "msg": "blacklisted"}}))
    result = gateway(recorder, success_field="result.code", success_value="0").send(MESSAGE)
    assert result.outcome is Outcome.PERMANENT
    assert "E42" in result.detail


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, Outcome.SENT), (429, Outcome.TRANSIENT), (500, Outcome.TRANSIENT),
     (400, Outcome.PERMANENT), (403, Outcome.PERMANENT)],
)  # fmt: skip
def test_outcomes_follow_the_status_code(status: int, outcome: Outcome) -> None:
    assert gateway(Recorder(answer(status, json={}))).send(MESSAGE).outcome is outcome


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
def test_network_errors_and_timeouts_are_transient(failure: Exception) -> None:
    assert gateway(Recorder(raising(failure))).send(MESSAGE).outcome is Outcome.TRANSIENT


def test_a_masked_number_is_refused_without_a_request() -> None:
    recorder = Recorder(answer(200, json={}))
    result = gateway(recorder).send(Message(**{**MESSAGE.__dict__, "to": "138****5678"}))
    assert result.outcome is Outcome.PERMANENT
    assert recorder.requests == []


class GatewayHandler(BaseHTTPRequestHandler):
    """A tiny SMS gateway: checks the signature, answers like a real provider."""

    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        GatewayHandler.received.append((self.path, dict(self.headers), body))
        good = hmac.compare_digest(self.headers["X-Signature"], body_signature(SECRET, body))
        status = GatewayHandler.status if good else 401
        answer = json.dumps({"code": 0 if status == 200 else 1, "msgid": "gw-77"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_gateway() -> Iterator[str]:
    GatewayHandler.received = []
    GatewayHandler.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), GatewayHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_real_gateway_on_loopback_receives_the_signed_message(local_gateway: str) -> None:
    fmt = GatewayFormat(url=local_gateway, success_field="code", id_field="msgid")
    with httpx.Client(timeout=5) as client:
        result = HttpSmsGateway(fmt, client=client, secret=SECRET).send(MESSAGE)
    assert (result.outcome, result.provider_id) == (Outcome.SENT, "gw-77")
    path, headers, body = GatewayHandler.received[0]
    assert path == "/v1/sms"
    assert json.loads(body)["text"] == "【俏艺】您的订单T1还未付款"
    assert headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_real_gateway_refusing_a_wrong_signature_is_permanent(local_gateway: str) -> None:
    fmt = GatewayFormat(url=local_gateway)
    with httpx.Client(timeout=5) as client:
        result = HttpSmsGateway(fmt, client=client, secret=b"wrong").send(MESSAGE)
    assert result.outcome is Outcome.PERMANENT
    assert "HTTP 401" in result.detail


def test_a_real_gateway_that_is_down_is_transient(local_gateway: str) -> None:
    GatewayHandler.status = 503
    with httpx.Client(timeout=5) as client:
        result = HttpSmsGateway(
            GatewayFormat(url=local_gateway), client=client, secret=SECRET
        ).send(MESSAGE)
    assert result.outcome is Outcome.TRANSIENT


def test_nothing_listening_is_transient() -> None:
    with httpx.Client(timeout=2) as client:
        fmt = GatewayFormat(url="http://127.0.0.1:9/sms")
        assert HttpSmsGateway(fmt, client=client).send(MESSAGE).outcome is Outcome.TRANSIENT
