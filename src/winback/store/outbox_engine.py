"""The outbox bound to an engine: the short transactions one dispatcher worker runs.

:mod:`winback.act.dispatcher` never sees SQLAlchemy; it calls these methods, each of which
is one committed transaction (a claim, the facts for a batch, opening the attempts, one
outcome). Keeping them short is what lets several workers share the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from winback.model import (
    Action,
    ActionChannel,
    OrderStatus,
    Preference,
    SuppressionReason,
    contact_address,
)
from winback.store import outbox, preferences
from winback.store.outbox import Contact, Resolver, Settlement

__all__ = ["BatchFacts", "Outbox"]

WEEK = timedelta(days=7)
MONTH = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class BatchFacts:
    """What the store says about a claimed batch at send time (raw; the dispatcher turns it
    into one :class:`winback.act.policy.SendFacts` per action)."""

    zones: dict[int, str] = field(default_factory=dict)
    orders: dict[tuple[int, str], OrderStatus] = field(default_factory=dict)
    contacts: dict[int, Contact] = field(default_factory=dict)
    consents: dict[tuple[int, str], bool | None] = field(default_factory=dict)
    suppressions: dict[int, dict[tuple[str, str, str | None], SuppressionReason]] = field(
        default_factory=dict
    )
    reminders: dict[tuple[int, str], int] = field(default_factory=dict)
    marketing: list[tuple[int, str, datetime]] = field(default_factory=list)
    preferences: dict[int, Preference] = field(default_factory=dict)


def _marketing(
    conn: Any, customer_ids: Sequence[int], now: datetime
) -> list[tuple[int, str, datetime]]:
    """Marketing sent to ``customer_ids`` in the last 30 days (the monthly preference); one
    without a send time (still being sent) counts as sent now."""
    since = now - MONTH
    return [
        (customer, channel, now if at == since else at)
        for customer, channel, at in outbox.marketing_sent_since(conn, customer_ids, since)
    ]


class Outbox:
    """The outbox on one database; safe to share between threads of one worker process.
    With ``store_ids``, only those stores' actions are claimed (a worker holding the channels
    of some stores: see :mod:`winback.services.dispatch`)."""

    def __init__(self, engine: Engine, *, store_ids: Sequence[int] | None = None) -> None:
        self.engine = engine
        self.store_ids = None if store_ids is None else tuple(store_ids)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def claim(
        self,
        *,
        now: datetime,
        limit: int,
        worker: str,
        channels: Sequence[ActionChannel] | None = None,
    ) -> list[Action]:
        with outbox.write_transaction(self.engine) as conn:
            return outbox.claim_due(
                conn,
                now=now,
                limit=limit,
                worker=worker,
                channels=channels,
                store_ids=self.store_ids,
            )

    def due(
        self, *, now: datetime, limit: int, channels: Sequence[ActionChannel] | None = None
    ) -> list[Action]:
        with self.engine.connect() as conn:
            return outbox.due_actions(
                conn, now=now, limit=limit, channels=channels, store_ids=self.store_ids
            )

    def facts(self, batch: Sequence[Action], *, now: datetime) -> BatchFacts:
        """Orders, contacts, consent, suppressions and caps for every action of ``batch``."""
        customer_ids = sorted({a.customer_id for a in batch if a.customer_id is not None})
        by_store: dict[int, set[str]] = {}
        for action in batch:
            by_store.setdefault(action.store_id, set()).update(action.order_ids)
        with self.engine.connect() as conn:
            contacts = outbox.contacts_of(conn, customer_ids) if customer_ids else {}
            facts = BatchFacts(
                zones=outbox.store_zones(conn, sorted(by_store)),
                contacts=contacts,
                consents=outbox.consents_of(conn, customer_ids) if customer_ids else {},
                marketing=_marketing(conn, customer_ids, now) if customer_ids else [],
                preferences=preferences.preferences_of(conn, customer_ids) if customer_ids else {},
            )
            for store_id, order_ids in by_store.items():
                ids = sorted(order_ids)
                for order_id, status in outbox.order_statuses(conn, store_id, ids).items():
                    facts.orders[(store_id, order_id)] = status
                for order_id, n in outbox.reminders_sent(conn, store_id, ids).items():
                    facts.reminders[(store_id, order_id)] = n
                facts.suppressions[store_id] = outbox.suppressed_among(
                    conn,
                    store_id,
                    addresses=_addresses([a for a in batch if a.store_id == store_id], contacts),
                    customer_ids=customer_ids,
                )
        return facts

    def open_attempts(
        self, batch: Sequence[Action], *, worker: str, now: datetime
    ) -> dict[int, int]:
        """Renew the claims and open one attempt row per action about to be sent; actions
        whose claim was lost are left out (they must not be sent)."""
        with outbox.write_transaction(self.engine) as conn:
            return outbox.open_attempts(conn, batch, worker=worker, now=now)

    def settle(self, settlements: Sequence[Settlement], *, worker: str, now: datetime) -> int:
        """Record outcomes in one transaction. On PostgreSQL it commits without waiting for
        the disk (``synchronous_commit = off``): if the server crashed and lost it, the
        actions would still be ``sending`` and be reconciled, never resent — whereas the
        claims and attempts, which must be durable before a send, keep the safe default."""
        with outbox.write_transaction(self.engine) as conn:
            if self.backend == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            return outbox.settle(conn, settlements, worker=worker, now=now)

    def finish(self, action_id: int, **outcome: Any) -> bool:
        with outbox.write_transaction(self.engine) as conn:
            return outbox.finish(conn, action_id, **outcome)

    def defer(self, action_id: int, **outcome: Any) -> bool:
        with outbox.write_transaction(self.engine) as conn:
            return outbox.defer(conn, action_id, **outcome)

    def reconcile(
        self, *, now: datetime, stale_before: datetime, resolve: Resolver | None = None
    ) -> dict[str, int]:
        with outbox.write_transaction(self.engine) as conn:
            return outbox.reconcile_stale_sending(
                conn, now=now, stale_before=stale_before, resolve=resolve
            )

    def count_by_status(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return outbox.count_by_status(conn)


def _addresses(batch: Sequence[Action], contacts: dict[int, Contact]) -> list[str]:
    found = set()
    for action in batch:
        contact = contacts.get(action.customer_id) if action.customer_id is not None else None
        if contact is None:
            continue
        if contact.phone:
            found.add(contact_address(ActionChannel.SMS, contact.phone))
        if contact.email:
            found.add(contact_address(ActionChannel.EMAIL, contact.email))
    return sorted(found)
