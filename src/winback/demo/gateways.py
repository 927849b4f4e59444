"""Local gateways for the demo: an SMTP server and an HTTP SMS gateway on loopback that keep
what they receive, so ``winback dispatch`` can really send without reaching the internet.

:func:`local_gateways` starts both in this process (aiosmtpd in its own thread, a stdlib
``http.server`` in another) and yields a :class:`LocalGateways` whose :meth:`channels` is the
``[channels]`` section pointing winback at them (SMTP without TLS on loopback, the generic
``http`` SMS provider), with a fresh link secret in :attr:`LocalGateways.env`::

    with local_gateways() as gateways:
        settings = gateways.apply(app.settings)          # or write gateways.channels() to TOML
        app = App(settings, app.engine, app.cwd, app.clock)
        dispatch(app, channels=lambda a: default_channels(a, env=gateways.env))
        gateways.sms       # [CapturedSms(to="+8613800130000", text="【俏艺旗舰店】…", key=…)]
        gateways.emails    # [CapturedEmail(sender=…, recipients=[…], message=EmailMessage)]

The gateway answers ``{"code": "0", "id": "sms-1"}``, the shape the settings tell winback to
expect (``success_field = "code"``, ``id_field = "id"``).
"""

from __future__ import annotations

import email
import email.policy
import json
import secrets
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from winback.config import ChannelsSettings, Settings
from winback.privacy import mask_contact

__all__ = ["LINK_SECRET_ENV", "CapturedEmail", "CapturedSms", "LocalGateways", "local_gateways"]

LINK_SECRET_ENV = "WINBACK_DEMO_LINK_SECRET"


@dataclass(frozen=True)
class CapturedSms:
    """One SMS as the gateway received it (``to`` in E.164)."""

    to: str
    text: str
    key: str

    def __repr__(self) -> str:
        return f"CapturedSms(to={mask_contact(self.to)!r}, key={self.key!r})"


@dataclass(frozen=True)
class CapturedEmail:
    """One e-mail as the SMTP server received it."""

    sender: str
    recipients: list[str]
    message: EmailMessage

    def __repr__(self) -> str:
        to = [mask_contact(r) for r in self.recipients]
        return f"CapturedEmail(to={to!r}, subject={self.message['Subject']!r})"


@dataclass
class LocalGateways:
    """The running gateways, what they captured, and the settings that use them."""

    smtp_port: int
    sms_url: str
    public_url: str
    sms: list[CapturedSms] = field(default_factory=list)
    emails: list[CapturedEmail] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def channels(self, *, sender: str = "shop@winback.local") -> dict[str, Any]:
        """The ``[channels]`` section (as TOML-ready data) that sends through these gateways."""
        return {
            "link_secret_env": LINK_SECRET_ENV,
            "public_url": self.public_url,
            "email": {
                "host": "127.0.0.1",
                "port": self.smtp_port,
                "security": "plain",
                "sender": sender,
                "timeout": "10s",
            },
            "sms": {
                "provider": "http",
                "url": self.sms_url,
                "success_field": "code",
                "success_value": "0",
                "id_field": "id",
                "timeout": "10s",
            },
        }

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with its ``[channels]`` replaced by :meth:`channels` (costs kept)."""
        channels = ChannelsSettings.model_validate(
            {**self.channels(), "costs": settings.channels.costs.model_dump()}
        )
        return settings.model_copy(update={"channels": channels})


@contextmanager
def local_gateways(*, public_url: str = "http://127.0.0.1:8000") -> Iterator[LocalGateways]:
    """Start the SMTP server and the SMS gateway on loopback; stop them on exit.

    ``public_url`` is where the demo's ``winback serve`` would answer unsubscribe links.
    """
    captured_sms: list[CapturedSms] = []
    captured_mail: list[CapturedEmail] = []
    smtp = _start_smtp(_Inbox(captured_mail))
    http = ThreadingHTTPServer(("127.0.0.1", 0), _sms_handler(captured_sms))
    thread = threading.Thread(target=http.serve_forever, name="winback-demo-sms", daemon=True)
    try:
        thread.start()
        try:
            yield LocalGateways(
                smtp_port=smtp.port,
                sms_url=f"http://127.0.0.1:{http.server_address[1]}/sms",
                public_url=public_url,
                sms=captured_sms,
                emails=captured_mail,
                env={LINK_SECRET_ENV: secrets.token_urlsafe(32)},
            )
        finally:
            http.shutdown()
            http.server_close()
            thread.join(timeout=5)
    finally:
        smtp.stop()


def _start_smtp(inbox: _Inbox, tries: int = 3) -> Controller:
    """Start aiosmtpd on a free loopback port; a port taken meanwhile or a server slow to
    answer (a busy machine) is retried, and a failed start leaves nothing open."""
    for attempt in range(1, tries + 1):
        smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port(), ready_timeout=30)
        try:
            smtp.start()
            return smtp
        except (OSError, TimeoutError):
            smtp.stop(no_assert=True)
            if not smtp.loop.is_closed():
                smtp.loop.close()
            if attempt == tries:
                raise
    raise AssertionError("unreachable")


class _Inbox:
    """aiosmtpd handler: keep every message, parsed."""

    def __init__(self, captured: list[CapturedEmail]) -> None:
        self.captured = captured

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.captured.append(CapturedEmail(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _sms_handler(captured: list[CapturedSms]) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class SmsGateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                sent = json.loads(self.rfile.read(length))
                message = CapturedSms(str(sent["to"]), str(sent["text"]), str(sent["key"]))
            except (ValueError, KeyError, TypeError):
                self._answer(400, {"code": "400", "message": "expected to, text and key"})
                return
            with lock:
                captured.append(message)
                number = len(captured)
            self._answer(200, {"code": "0", "id": f"sms-{number}"})

        def _answer(self, status: int, body: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request line would not show a phone, but the console is the demo's."""

    return SmsGateway


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
