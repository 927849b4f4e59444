"""The contract every channel meets: take a rendered :class:`Message`, return a
:class:`SendResult` value. A channel never raises for a delivery problem: a refusal, a
time-out or an unreachable server is an outcome the dispatcher decides on (retry or not).

Outcomes::

    sent        the provider accepted the message (``provider_id`` when it gives one)
    transient   try again later (time-out, 5xx, rate limit); ``retry_after`` when known
    permanent   never retry (invalid number, unsubscribed at the provider, bad template)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol, runtime_checkable

from winback.model import ActionChannel
from winback.privacy import mask_email, mask_phone


class Outcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class Message:
    """One rendered message for one recipient.

    ``body`` is the final text (SMS text, e-mail plain text, task script). Providers that
    send pre-approved templates (Aliyun, Tencent Cloud) use ``template_code`` and ``params``
    instead of ``body``. ``key`` is the action's idempotency key; adapters pass it to
    providers that de-duplicate on a client reference.
    """

    channel: ActionChannel
    to: str
    body: str
    key: str
    subject: str | None = None
    html: str | None = None
    template_code: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        """Masks the recipient: a message printed in a log must not expose a phone or an
        address (the body is left out too; it is the template's text with the buyer's data)."""
        to = mask_email(self.to) if "@" in self.to else mask_phone(self.to)
        return (
            f"Message(channel={self.channel!s}, to={to!r}, key={self.key!r}, "
            f"template_code={self.template_code!r})"
        )


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    provider_id: str | None = None
    detail: str = ""
    retry_after: timedelta | None = None

    @classmethod
    def sent(cls, provider_id: str | None = None, detail: str = "") -> SendResult:
        return cls(Outcome.SENT, provider_id, detail)

    @classmethod
    def transient(cls, detail: str, retry_after: timedelta | None = None) -> SendResult:
        return cls(Outcome.TRANSIENT, None, detail, retry_after)

    @classmethod
    def permanent(cls, detail: str) -> SendResult:
        return cls(Outcome.PERMANENT, None, detail)


class Channel(Protocol):
    """Delivers messages of one :class:`~winback.model.ActionChannel` kind."""

    def send(self, message: Message) -> SendResult: ...


@runtime_checkable
class LooksUpSends(Protocol):
    """Optional: a channel whose provider can say whether a message was accepted, for an
    action left in ``sending`` by a crash (the provider may or may not have it).

    ``lookup`` finds the message by its ``key`` (the client reference the adapter sent), not
    by a provider id: an interrupted send never recorded one. ``None`` means the provider
    has no such message, so sending is safe; ``sent`` / ``permanent`` are what happened to
    it; ``transient`` means the question cannot be answered now.
    """

    def lookup(self, message: Message, sent_at: datetime) -> SendResult | None: ...
