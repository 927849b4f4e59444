"""The facts the send policy needs about each action of a claimed batch.

The store reads them once per batch (:class:`~winback.store.outbox_engine.BatchFacts`);
:class:`FactSheet` hands out one :class:`~winback.act.policy.SendFacts` per action, and
counts the sends decided earlier in the same batch towards the caps.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from winback.act import policy
from winback.model import Action, ActionChannel, Purpose, SuppressionReason, contact_address
from winback.store.outbox_engine import BatchFacts

__all__ = ["FactSheet", "task_address"]

log = logging.getLogger("winback.dispatch")
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


class FactSheet:
    """Turns a batch's raw facts into per-action :class:`~winback.act.policy.SendFacts`,
    counting the sends decided earlier in the same batch towards the caps."""

    def __init__(self, facts: BatchFacts) -> None:
        self.facts = facts
        self.reminders: Counter[tuple[int, str]] = Counter(facts.reminders)
        self.marketing = list(facts.marketing)

    def send_facts(self, action: Action, now: datetime) -> policy.SendFacts:
        facts = self.facts
        address = self._address(action)
        return policy.SendFacts(
            zone=self._zone(action),
            order_statuses={
                order_id: facts.orders[(action.store_id, order_id)]
                for order_id in action.order_ids
                if (action.store_id, order_id) in facts.orders
            },
            address=address,
            consent=self._consent(action),
            suppression=self._suppression(action, address),
            reminders_sent=max(
                (self.reminders[(action.store_id, o)] for o in action.order_ids), default=0
            ),
            marketing_today=sum(
                1
                for customer, channel, at in self.marketing
                if customer == action.customer_id and channel == action.channel and at > now - DAY
            ),
            marketing_week=sum(
                1
                for customer, _, at in self.marketing
                if customer == action.customer_id and at >= now - WEEK
            ),
            marketing_month=sum(
                1 for customer, _, _ in self.marketing if customer == action.customer_id
            ),
            preference=self.facts.preferences.get(action.customer_id)
            if action.customer_id is not None
            else None,
        )

    def count_send(self, action: Action, now: datetime) -> None:
        if action.is_payment_reminder:
            for order_id in action.order_ids:
                self.reminders[(action.store_id, order_id)] += 1
        if action.purpose is Purpose.MARKETING and action.customer_id is not None:
            self.marketing.append((action.customer_id, action.channel.value, now))

    def _zone(self, action: Action) -> ZoneInfo:
        for name in (action.params.get("timezone"), self.facts.zones.get(action.store_id)):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    log.warning("action %d: unknown time zone %r ignored", action.id, name)
        return ZoneInfo("UTC")

    def _address(self, action: Action) -> str | None:
        contact = self.facts.contacts.get(action.customer_id) if action.customer_id else None
        if contact is None:
            return None
        if action.channel is ActionChannel.SMS and not contact.phone_masked:
            return contact.phone
        if action.channel is ActionChannel.EMAIL and not contact.email_masked:
            return contact.email
        return None

    def _consent(self, action: Action) -> bool | None:
        governed = policy.consent_channel(action.channel)
        if governed is None or action.customer_id is None:
            return None
        return self.facts.consents.get((action.customer_id, governed.value))

    def _suppression(self, action: Action, address: str | None) -> SuppressionReason | None:
        listed = self.facts.suppressions.get(action.store_id, {})
        keys = []
        if address:
            keys.append(("address", contact_address(action.channel, address)))
        if action.customer_id is not None:
            keys.append(("customer", str(action.customer_id)))
        for kind, value in keys:
            for on in (None, action.channel.value):
                if (reason := listed.get((kind, value, on))) is not None:
                    return reason
        return None


def task_address(action: Action, facts: BatchFacts) -> str:
    """Who an agent task or a team robot message is about: the buyer's platform id."""
    contact = facts.contacts.get(action.customer_id) if action.customer_id else None
    return contact.customer_key if contact else f"store-{action.store_id}"
