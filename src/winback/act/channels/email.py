"""E-mail over SMTP, with one-click unsubscribe (RFC 8058).

The message is a proper MIME message: ``text/plain`` (and a ``text/html`` alternative when
the template has one), UTF-8 headers so Chinese subjects and display names survive
(RFC 2047 encoded words), ``Message-ID``, ``Date``, and, when the action carries them,
``List-Unsubscribe: <https://…>, <mailto:…>`` with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click``. The unsubscribe URL and mailto come from the message's
``headers`` (``List-Unsubscribe-Url`` and ``List-Unsubscribe-Mailto``), built by the caller
with a signed link (:mod:`winback.act.links`).

Connection security is ``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or
``plain`` (a local relay only). The password is read by the registry from the environment
variable the settings name; it is never logged.

Outcomes: accepted → sent (the ``Message-ID``); an address masked by the platform
(``a***@…``) or a message that cannot be built (a header given twice) → permanent, without
connecting; a 4xx reply, a dropped connection or a
time-out → transient; a 5xx reply (unknown mailbox, rejected content) → permanent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

from winback.act.channels.base import Message, SendResult
from winback.clock import Clock
from winback.privacy import mask_email

__all__ = ["EmailChannel", "SmtpServer", "build_email"]

Security = Literal["starttls", "ssl", "plain"]
UNSUBSCRIBE_URL = "List-Unsubscribe-Url"
UNSUBSCRIBE_MAILTO = "List-Unsubscribe-Mailto"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def __repr__(self) -> str:
        return (
            f"SmtpServer(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, password={'***' if self.password else None})"
        )


def build_email(
    message: Message,
    *,
    sender: str,
    sender_name: str | None,
    reply_to: str | None,
    clock: Clock,
    domain: str | None = None,
) -> EmailMessage:
    """The MIME message for ``message`` (plain text, optional HTML alternative)."""
    email = EmailMessage()
    email["From"] = _address(sender, sender_name)
    email["To"] = message.to
    if reply_to:
        email["Reply-To"] = reply_to
    email["Subject"] = message.subject or ""
    email["Date"] = format_datetime(clock.now())
    email["Message-ID"] = make_msgid(domain=domain or sender.rpartition("@")[2])
    email["X-Winback-Key"] = message.key
    targets = [
        f"<{value}>" for value in (message.headers.get(UNSUBSCRIBE_URL), _mailto(message)) if value
    ]
    if targets:
        email["List-Unsubscribe"] = ", ".join(targets)
        if message.headers.get(UNSUBSCRIBE_URL):
            email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in message.headers.items():
        if name not in (UNSUBSCRIBE_URL, UNSUBSCRIBE_MAILTO):
            email[name] = value
    email.set_content(message.body, charset="utf-8")
    if message.html:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


def _mailto(message: Message) -> str | None:
    value = message.headers.get(UNSUBSCRIBE_MAILTO)
    if not value:
        return None
    return value if value.startswith("mailto:") else f"mailto:{value}"


def _address(address: str, name: str | None) -> Address | str:
    if not name:
        return address
    user, _, domain = address.rpartition("@")
    return Address(display_name=name, username=user, domain=domain)


class EmailChannel:
    """Sends e-mail through one SMTP server; a new connection per message keeps failures
    isolated (a dispatcher batch is small; connection reuse is not worth the state)."""

    def __init__(
        self,
        server: SmtpServer,
        *,
        sender: str,
        clock: Clock,
        sender_name: str | None = None,
        reply_to: str | None = None,
        tls_context: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        self._server = server
        self._sender = sender
        self._sender_name = sender_name
        self._reply_to = reply_to
        self._clock = clock
        self._tls_context = tls_context

    def __repr__(self) -> str:
        return f"EmailChannel({self._server!r}, sender={self._sender!r})"

    def send(self, message: Message) -> SendResult:
        if "*" in message.to or "@" not in message.to:
            return SendResult.permanent(f"{mask_email(message.to)} is masked or not an address")
        try:
            email = build_email(
                message,
                sender=self._sender,
                sender_name=self._sender_name,
                reply_to=self._reply_to,
                clock=self._clock,
            )
        except (ValueError, TypeError) as error:
            return SendResult.permanent(f"the e-mail cannot be built: {error}")
        try:
            with self._connect() as smtp:
                if self._server.username and self._server.password:
                    smtp.login(self._server.username, self._server.password)
                refused = smtp.send_message(email, from_addr=self._sender, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as error:
            return _reply_outcome(*next(iter(error.recipients.values())), who=message.to)
        except smtplib.SMTPResponseException as error:
            return _reply_outcome(error.smtp_code, error.smtp_error, who=message.to)
        except (smtplib.SMTPException, OSError) as error:
            return SendResult.transient(
                f"SMTP {self._server.host}:{self._server.port}: {type(error).__name__}"
            )
        if refused:
            code, reply = next(iter(refused.values()))
            return _reply_outcome(code, reply, who=message.to)
        return SendResult.sent(str(email["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        server = self._server
        if server.security == "ssl":
            return smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=self._tls_context()
            )
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        try:
            if server.security == "starttls":
                smtp.starttls(context=self._tls_context())
        except BaseException:
            smtp.close()
            raise
        return smtp


def _reply_outcome(code: int, reply: bytes | str, *, who: str) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    text = text.replace(who, mask_email(who))
    detail = f"SMTP {code} {text}".strip()
    if 400 <= code < 500:
        return SendResult.transient(detail)
    if code >= 500:
        return SendResult.permanent(detail)
    return SendResult.transient(detail)
