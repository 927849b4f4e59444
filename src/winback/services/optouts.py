"""Use cases of the opt-out loop (A3, A5): a buyer's SMS reply or a click on an unsubscribe
link lands in the suppression list, which the dispatcher checks before every send and which
beats every rule.

* :func:`record_sms_replies` — a provider pushed buyers' replies: the opt-outs among them
  (``R``, ``T``, ``TD``, ``退订``, ``STOP`` …) suppress that phone on SMS; other replies change
  nothing. A number is suppressed in every store of the database: a reply cannot say which
  shop it answers, and silencing too much is the safe mistake.
* :func:`unsubscribe` — a verified, unexpired unsubscribe token is consumed once
  (:func:`winback.store.links.consume`) and suppresses the customer (and their current
  address) on the link's channel; a replay changes nothing and says so.

Authentication of the pushes (Twilio's signature, the generic gateway's HMAC) is the web
layer's job (:mod:`winback.web.app`), before these functions are called.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from winback.act.inbound_sms import (
    InboundSms,
    InboundSmsError,
    opt_outs,
    parse_aliyun_sms_up,
    parse_tencent_reply,
    parse_twilio_inbound,
)
from winback.act.links import LinkClaims, TamperedLink
from winback.app import App
from winback.model import ActionChannel, SuppressionReason
from winback.store import buyers, links, outbox, repo

__all__ = [
    "SMS_PROVIDERS",
    "RepliesRecorded",
    "Unsubscribed",
    "parse_replies",
    "record_sms_replies",
    "unsubscribe",
]

SmsProvider = Literal["aliyun", "tencent", "twilio", "http"]
SMS_PROVIDERS: tuple[SmsProvider, ...] = ("aliyun", "tencent", "twilio", "http")


@dataclass(frozen=True)
class RepliesRecorded:
    """What a push held: replies read, opt-outs among them, suppressions newly added."""

    replies: int
    opt_outs: int
    suppressed: int


@dataclass(frozen=True)
class Unsubscribed:
    """The outcome of an unsubscribe: ``first`` is False for a replayed link."""

    first: bool
    channel: ActionChannel


def parse_replies(provider: str, body: bytes) -> list[InboundSms]:
    """The replies in a push from ``provider``; :class:`InboundSmsError` if it is not one.

    The generic ``http`` gateway pushes JSON: an object or an array of objects with
    ``phone`` (or ``from``) and ``text`` (or ``content``), and an optional ``id``.
    """
    if provider == "aliyun":
        return parse_aliyun_sms_up(body)
    if provider == "tencent":
        return parse_tencent_reply(body)
    if provider == "twilio":
        return parse_twilio_inbound(body)
    if provider == "http":
        return _parse_gateway(body)
    raise InboundSmsError(f"unknown SMS provider {provider!r} (aliyun, tencent, twilio or http)")


def record_sms_replies(
    app: App, provider: str, body: bytes, *, store_ids: Sequence[int] | None = None
) -> RepliesRecorded:
    """Read a push of replies and suppress every number that opted out, on SMS, in the
    stores ``store_ids`` (default: every store; the web layer passes the stores whose
    settings accept this provider's pushes). A push that is not in the provider's shape is
    refused whole (:class:`InboundSmsError`) before anything is written."""
    replies = parse_replies(provider, body)
    stops = opt_outs(replies)
    added = 0
    if stops:
        now = app.clock.now()
        with app.engine.begin() as conn:
            if store_ids is None:
                store_ids = [store.id for store in repo.list_stores(conn)]
            for stop in stops:
                for store_id in store_ids:
                    added += outbox.add_suppression(
                        conn,
                        store_id=store_id,
                        reason=SuppressionReason.REPLY_STOP,
                        source=f"sms reply {stop.reason!r} via {provider}",
                        now=now,
                        channel=ActionChannel.SMS,
                        address=stop.phone,
                    )
    return RepliesRecorded(len(replies), len(stops), added)


def unsubscribe(app: App, claims: LinkClaims) -> Unsubscribed:
    """Consume a verified unsubscribe token and suppress its recipient on its channel.

    ``claims`` come from :meth:`~winback.act.links.LinkSigner.verify` (signature, purpose,
    expiry already checked). The consumption and the suppression are one transaction.
    """
    store_id, customer_id, channel = _subject(claims.subject)
    now = app.clock.now()
    with app.engine.begin() as conn:
        if buyers.customer_store(conn, customer_id) != store_id:
            raise TamperedLink()  # signed, but for a customer this store does not have
        if not links.consume(conn, claims.token_id, now, expires_at=claims.expires_at):
            return Unsubscribed(False, channel)
        contact = outbox.contacts_of(conn, [customer_id]).get(customer_id)
        address = None
        if contact is not None and channel is ActionChannel.EMAIL and not contact.email_masked:
            address = contact.email
        elif contact is not None and channel is ActionChannel.SMS and not contact.phone_masked:
            address = contact.phone
        outbox.add_suppression(
            conn,
            store_id=store_id,
            reason=SuppressionReason.UNSUBSCRIBE,
            source="unsubscribe link",
            now=now,
            channel=channel,
            customer_id=customer_id,
        )
        if address:
            outbox.add_suppression(
                conn,
                store_id=store_id,
                reason=SuppressionReason.UNSUBSCRIBE,
                source="unsubscribe link",
                now=now,
                channel=channel,
                address=address,
            )
    return Unsubscribed(True, channel)


def _subject(subject: str) -> tuple[int, int, ActionChannel]:
    """``store:customer:channel`` (see :func:`winback.act.rendering.unsubscribe_subject`)."""
    try:
        store, customer, channel = subject.split(":")
        return int(store), int(customer), ActionChannel(channel)
    except ValueError:
        raise TamperedLink() from None


def _parse_gateway(body: bytes) -> list[InboundSms]:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InboundSmsError("HTTP gateway: the body is not JSON") from None
    items = parsed if isinstance(parsed, list) else [parsed]
    replies = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InboundSmsError(f"HTTP gateway: reply {index} is not an object")
        phone = item.get("phone") or item.get("from")
        text = item.get("text") if "text" in item else item.get("content")
        if not isinstance(phone, str) or not phone.strip() or not isinstance(text, str):
            raise InboundSmsError(f"HTTP gateway: reply {index} needs 'phone' and 'text'")
        reply_id = item.get("id")
        replies.append(InboundSms(phone.strip(), text, None if reply_id is None else str(reply_id)))
    return replies
