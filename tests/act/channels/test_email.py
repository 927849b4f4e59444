"""E-mail over SMTP against a real aiosmtpd server on loopback: the MIME message as received,
STARTTLS with login, and how SMTP replies map to outcomes."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from channel_doubles import FixedClock

from winback.act.channels.base import Message, Outcome
from winback.act.channels.email import EmailChannel, SmtpServer, build_email
from winback.model import ActionChannel

MESSAGE = Message(
    channel=ActionChannel.EMAIL,
    to="alice@example.com",
    subject="您的订单3012等待付款",
    body="张女士，您好：\n订单3012还未付款，16:00前付款今天发货。",
    html="<p>张女士，您好：订单<b>3012</b>还未付款。</p>",
    key="order:3012:unpaid:1",
    headers={
        "List-Unsubscribe-Url": "https://s.example.com/u/tok123",
        "List-Unsubscribe-Mailto": "unsubscribe@shop.example.com?subject=tok123",
    },
)


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it receives, or answers RCPT/DATA with a code."""

    rcpt_reply: str | None = None
    data_reply: str | None = None
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def channel(port: int, clock: FixedClock, **server: Any) -> EmailChannel:
    return EmailChannel(
        SmtpServer(host="127.0.0.1", port=port, security=server.pop("security", "plain"), **server),
        sender="shop@shop.example.com",
        sender_name="俏艺旗舰店",
        reply_to="service@shop.example.com",
        clock=clock,
    )


def test_the_received_message_has_utf8_headers_both_parts_and_one_click_unsubscribe(
    smtp_server: tuple[Inbox, int], clock: FixedClock
) -> None:
    inbox, port = smtp_server
    result = channel(port, clock).send(MESSAGE)
    assert result.outcome is Outcome.SENT
    mail_from, rcpt_tos, received = inbox.received[0]
    assert (mail_from, rcpt_tos) == ("shop@shop.example.com", ["alice@example.com"])
    assert received["Subject"] == "您的订单3012等待付款"
    assert received["From"].addresses[0].display_name == "俏艺旗舰店"
    assert received["From"].addresses[0].addr_spec == "shop@shop.example.com"
    assert received["Reply-To"] == "service@shop.example.com"
    assert received["Message-ID"] == result.provider_id
    assert received["Message-ID"].endswith("@shop.example.com>")
    assert received["Date"] == "Mon, 30 Nov 2026 03:04:05 +0000"
    assert received["List-Unsubscribe"] == (
        "<https://s.example.com/u/tok123>, <mailto:unsubscribe@shop.example.com?subject=tok123>"
    )
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["X-Winback-Key"] == "order:3012:unpaid:1"
    assert received.get_content_type() == "multipart/alternative"
    plain = received.get_body(("plain",))
    html = received.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n").strip() == MESSAGE.body
    assert "<b>3012</b>" in html.get_content()
    raw_subject = received.as_bytes().split(b"\nSubject: ")[1].split(b"\n")[0]
    assert raw_subject.startswith(b"=?utf-8?")


def test_a_plain_message_without_unsubscribe_headers_is_single_part(
    smtp_server: tuple[Inbox, int], clock: FixedClock
) -> None:
    inbox, port = smtp_server
    plain = Message(ActionChannel.EMAIL, "bob@example.com", "Hello", "k1", subject="Order 1")
    assert channel(port, clock).send(plain).outcome is Outcome.SENT
    received = inbox.received[0][2]
    assert received.get_content_type() == "text/plain"
    assert "List-Unsubscribe" not in received
    assert "List-Unsubscribe-Post" not in received


def test_one_click_post_is_only_announced_with_an_https_link(clock: FixedClock) -> None:
    mailto_only = Message(
        ActionChannel.EMAIL, "a@example.com", "x", "k", subject="s",
        headers={"List-Unsubscribe-Mailto": "u@shop.example.com"},
    )  # fmt: skip
    built = build_email(mailto_only, sender="s@shop.example.com", sender_name=None,
                        reply_to=None, clock=clock)  # fmt: skip
    assert built["List-Unsubscribe"] == "<mailto:u@shop.example.com>"
    assert "List-Unsubscribe-Post" not in built


@pytest.mark.parametrize(
    ("where", "reply", "outcome"),
    [
        ("rcpt", "451 4.3.0 Mailbox busy, try later", Outcome.TRANSIENT),
        ("rcpt", "550 5.1.1 No such user alice@example.com", Outcome.PERMANENT),
        ("data", "452 4.3.1 Insufficient storage", Outcome.TRANSIENT),
        ("data", "554 5.7.1 Message rejected as spam", Outcome.PERMANENT),
    ],
)
def test_smtp_4xx_replies_are_transient_and_5xx_permanent(
    smtp_server: tuple[Inbox, int], clock: FixedClock, where: str, reply: str, outcome: Outcome
) -> None:
    inbox, port = smtp_server
    if where == "rcpt":
        inbox.rcpt_reply = reply
    else:
        inbox.data_reply = reply
    result = channel(port, clock).send(MESSAGE)
    assert result.outcome is outcome
    assert reply.split()[0] in result.detail
    assert "alice@example.com" not in result.detail


def test_a_server_that_is_not_there_is_transient(clock: FixedClock) -> None:
    result = channel(free_port(), clock, timeout=2).send(MESSAGE)
    assert result.outcome is Outcome.TRANSIENT
    assert "ConnectionRefusedError" in result.detail


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def test_starttls_and_login_with_the_password_reach_a_tls_only_server(
    certificate: tuple[Path, Path], clock: FixedClock
) -> None:
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth: Any
    ) -> AuthResult:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login, auth.password))
        ok = auth.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_tls,
        require_starttls=True, authenticator=authenticator,
    )  # fmt: skip
    controller.start()
    try:
        sender = EmailChannel(
            SmtpServer("127.0.0.1", controller.port, "starttls", "shop", "s3cret"),
            sender="shop@shop.example.com",
            clock=clock,
            tls_context=lambda: ssl.create_default_context(cafile=str(cert)),
        )
        assert sender.send(MESSAGE).outcome is Outcome.SENT
        wrong = EmailChannel(
            SmtpServer("127.0.0.1", controller.port, "starttls", "shop", "nope"),
            sender="shop@shop.example.com",
            clock=clock,
            tls_context=lambda: ssl.create_default_context(cafile=str(cert)),
        )
        refused = wrong.send(MESSAGE)
    finally:
        controller.stop()
    assert len(inbox.received) == 1
    assert logins[0] == (b"shop", b"s3cret")
    assert set(logins[1:]) == {(b"shop", b"nope")}  # smtplib tries PLAIN, then LOGIN
    assert refused.outcome is Outcome.PERMANENT
    assert "535" in refused.detail


def test_an_untrusted_certificate_is_not_sent_to(
    certificate: tuple[Path, Path], clock: FixedClock
) -> None:
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=server_tls)
    controller.start()
    try:
        result = channel(controller.port, clock, security="starttls").send(MESSAGE)
    finally:
        controller.stop()
    assert result.outcome is Outcome.TRANSIENT
    assert "SSLCertVerificationError" in result.detail
    assert inbox.received == []


def test_the_password_is_not_in_the_channels_repr(clock: FixedClock) -> None:
    sender = channel(25, clock, username="shop", password="s3cret")
    assert "s3cret" not in repr(sender)


def test_implicit_tls_delivers_to_an_smtps_server(
    certificate: tuple[Path, Path], clock: FixedClock
) -> None:
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    inbox = Inbox()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=free_port(), ssl_context=server_tls,
        server_hostname="localhost",
    )  # fmt: skip
    controller.start()
    try:
        result = EmailChannel(
            SmtpServer("127.0.0.1", controller.port, "ssl"),
            sender="shop@shop.example.com",
            clock=clock,
            tls_context=lambda: ssl.create_default_context(cafile=str(cert)),
        ).send(MESSAGE)
    finally:
        controller.stop()
    assert result.outcome is Outcome.SENT
    assert inbox.received[0][2]["Subject"] == "您的订单3012等待付款"


@pytest.mark.parametrize("address", ["a***@example.com", "not-an-address"])
def test_a_masked_or_invalid_address_is_refused_without_connecting(
    address: str, clock: FixedClock
) -> None:
    result = channel(free_port(), clock).send(Message(ActionChannel.EMAIL, address, "x", "k"))
    assert result.outcome is Outcome.PERMANENT
    assert "masked or not an address" in result.detail


def test_a_header_that_would_be_given_twice_is_permanent(
    smtp_server: tuple[Inbox, int], clock: FixedClock
) -> None:
    inbox, port = smtp_server
    doubled = Message(
        ActionChannel.EMAIL, "bob@example.com", "x", "k", subject="s", headers={"Subject": "again"}
    )
    result = channel(port, clock).send(doubled)
    assert result.outcome is Outcome.PERMANENT
    assert inbox.received == []
