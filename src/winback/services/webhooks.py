"""Webhook use cases (I4): take an event into the inbox, and apply the inbox to the store.

Receiving is cheap and separate from applying. The web layer checks the signature (pure
functions beside each platform's parser), then :func:`receive` stores the raw body under the
event's unique key (a redelivery changes nothing) and the request is answered at once.
:func:`apply_pending` runs after, in ``winback serve``'s background applier, in ``winback
reconcile`` and in ``winback webhooks apply``.

Applying goes through the importers' canonical path (:func:`winback.store.repo.apply_records`)
with one record per resource, *folded* from every event received for it so far:

* the newest snapshot wins — the one with the latest ``updated_at`` of the resource itself
  (Shopify ``updated_at``, WooCommerce ``date_modified_gmt``, a generic event's
  ``occurred_at``), then the latest trigger time, then the latest received;
* a Shopify order object carries no payment time: ``paid_at`` is when the order was first
  seen paid — the trigger time of ``orders/paid``, else the ``updated_at`` of the first paid
  snapshot — or its ``processed_at`` when no unpaid snapshot was ever received (paid at
  checkout, as most Shopify orders are).

The fold depends on the set of events, not on their order, and the store's status rule
(:func:`winback.model.advance`) refuses backward moves, so duplicated and shuffled deliveries
end in the same store as the events in order (tests/web/test_webhook_stream.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from winback.app import App
from winback.errors import WinbackError
from winback.ingest import generic_events, shopify_json, woocommerce_webhooks
from winback.ingest.cleaning import PLAUSIBLE_DATES, CellError, DateWindow, parse_datetime
from winback.ingest.generic_events import Event, EventError
from winback.ingest.mapping import Mapping as FileMapping
from winback.ingest.mapping import load_mapping
from winback.ingest.records import OrderRecord, SourceRef
from winback.ingest.rows import FieldError
from winback.ingest.woocommerce_json import order_record as woo_order_record
from winback.ingest.woocommerce_json import woo_time
from winback.services.importing import date_window
from winback.services.per_store import settings_for
from winback.store import outbox, repo
from winback.store import webhooks as inbox
from winback.store.webhooks import InboxEvent, StoredEvent

__all__ = [
    "ApplyReport",
    "EventError",
    "Receiver",
    "apply_pending",
    "decode",
    "event_mappings",
    "generic_event",
    "receive",
    "receive_many",
    "shopify_event",
    "woocommerce_event",
]

BATCH: Final = 500
UTC_ZONE: Final = ZoneInfo("UTC")
SOURCE_FILE: Final = "webhooks"


# -- receiving ------------------------------------------------------------------------------


def decode(body: bytes, *, exact: bool = True) -> Any:
    """The JSON document of a body; :class:`EventError` when it is not JSON (a 400).

    Amounts are read as exact decimals (``exact=False``: as floats, for the intake, which
    reads only ids and times); nesting deeper than Python can parse is refused like any
    malformed body.
    """
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_float=Decimal) if exact else json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise EventError("the body is not JSON (UTF-8)") from None


def shopify_event(headers: Mapping[str, str], body: bytes, document: object) -> InboxEvent:
    """The inbox entry of a verified Shopify delivery. The unique key is the shop, the topic
    and ``X-Shopify-Event-Id`` (the webhook id, else the body's hash, for older senders)."""
    topic = headers.get("x-shopify-topic", "").strip().lower()
    shop = headers.get("x-shopify-shop-domain", "").strip().lower()
    webhook_id = headers.get("x-shopify-webhook-id") or None
    event_id = headers.get("x-shopify-event-id") or webhook_id or _digest(body)
    if not topic:
        raise EventError("the X-Shopify-Topic header is missing")
    if not isinstance(document, Mapping):
        raise EventError("the body must be a JSON object")
    resource = shopify_json.TOPICS.get(topic)
    resource_id, updated = None, None
    if resource is not None:
        try:
            stamp = shopify_json.stamp(document, resource)
        except FieldError as error:
            raise EventError(f"{error.field}: {error.reason}") from None
        resource_id, updated = stamp.resource_id, stamp.updated_at
    return InboxEvent(
        source="shopify",
        event_key=f"{shop}|{topic}|{event_id}",
        topic=topic,
        resource=resource or "other",
        resource_id=resource_id,
        resource_updated_at=updated,
        webhook_id=webhook_id,
        triggered_at=_header_time(headers.get("x-shopify-triggered-at")),
        body=body.decode("utf-8"),
        state="pending" if resource is not None else "ignored",
    )


def woocommerce_event(
    headers: Mapping[str, str], body: bytes, document: object, tz: ZoneInfo
) -> InboxEvent:
    """The inbox entry of a verified WooCommerce delivery, keyed by the site, the webhook
    and ``X-WC-Webhook-Delivery-ID``."""
    topic = headers.get("x-wc-webhook-topic", "").strip().lower()
    site = headers.get("x-wc-webhook-source", "").strip().lower().rstrip("/")
    webhook_id = headers.get("x-wc-webhook-id") or None
    delivery = headers.get("x-wc-webhook-delivery-id") or _digest(body)
    if not topic:
        raise EventError("the X-WC-Webhook-Topic header is missing")
    if not isinstance(document, Mapping):
        raise EventError("the body must be a JSON object")
    resource = woocommerce_webhooks.TOPICS.get(topic)
    resource_id = _plain(document.get("id"))
    if resource is not None and resource_id is None:
        raise EventError(f"the {resource} has no 'id'")
    try:
        updated = woo_time(dict(document), "date_modified", tz)
    except FieldError:
        updated = None
    return InboxEvent(
        source="woocommerce",
        event_key=f"{site}|{webhook_id or ''}|{delivery}",
        topic=topic,
        resource=resource or "other",
        resource_id=resource_id,
        resource_updated_at=updated,
        webhook_id=webhook_id,
        triggered_at=None,
        body=body.decode("utf-8"),
        state="pending" if resource is not None else "ignored",
    )


def generic_event(body: bytes, document: object, mappings: Mapping[str, FileMapping]) -> InboxEvent:
    """The inbox entry of a verified generic event; its kind must have a mapping."""
    event = generic_events.read_event(document)
    mapping = mappings.get(event.kind)
    if mapping is None:
        raise EventError(f"no mapping for events of kind {event.kind!r} (web.events.mappings)")
    return InboxEvent(
        source="events",
        event_key=event.event_id,
        topic=event.kind,
        resource=event.kind,
        resource_id=_resource_key(event, mapping),
        resource_updated_at=event.occurred_at,
        webhook_id=None,
        triggered_at=event.occurred_at,
        body=body.decode("utf-8"),
    )


def receive(app: App, store_id: int, event: InboxEvent) -> bool:
    """Store ``event`` in the store's inbox; ``False`` for a redelivery (already stored)."""
    return receive_many(app, [(store_id, event)])[0]


def receive_many(app: App, events: Sequence[tuple[int, InboxEvent]]) -> list[bool]:
    """Store several events in one transaction (one commit: the web app's group commit);
    for each, whether it was new. Committed when this returns (see
    :class:`inbox.BatchWriter`: on PostgreSQL a batch is one statement on an autocommit
    connection, one round trip)."""
    writer = inbox.BatchWriter(app.engine)
    try:
        return writer.store(events, now=app.clock.now())
    finally:
        writer.close()


class Receiver:
    """The web app's intake writer: stores batches like :func:`receive_many`, each committed
    before the call returns, through one :class:`inbox.BatchWriter` (on PostgreSQL:
    connections kept between batches, one round trip per batch; the intake may store two
    batches at once); :meth:`close` hands the connections back (the intake does when no
    event came for a while, and when it stops)."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._writer = inbox.BatchWriter(app.engine)

    def __call__(self, events: Sequence[tuple[int, InboxEvent]]) -> list[bool]:
        return self._writer.store(events, now=self._app.clock.now())

    def close(self) -> None:
        self._writer.close()


def event_mappings(app: App, mappings: Mapping[str, str]) -> dict[str, FileMapping]:
    """The generic events' mapping files (``web.events.mappings``: kind → path, relative to
    the working directory), loaded and checked; a mapping of another kind is an error."""
    loaded = {}
    for kind, path in mappings.items():
        mapping = load_mapping((app.cwd / Path(path)).resolve())
        if mapping.kind != kind:
            raise WinbackError(f"web.events.mappings.{kind}: {path} describes {mapping.kind}")
        loaded[kind] = mapping
    return loaded


# -- applying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What one :func:`apply_pending` call did."""

    events: int
    resources: int
    rejected: int
    stores: tuple[str, ...] = ()
    """The stores whose inbox had events applied (their dashboard panels are stale)."""

    def __add__(self, other: ApplyReport) -> ApplyReport:
        return ApplyReport(
            self.events + other.events,
            self.resources + other.resources,
            self.rejected + other.rejected,
            tuple(dict.fromkeys((*self.stores, *other.stores))),
        )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    event: StoredEvent
    record: Any
    paid_hint: datetime | None = None
    processed_at: datetime | None = None

    @property
    def rank(self) -> tuple[datetime, datetime, int]:
        event = self.event
        when = event.resource_updated_at or event.triggered_at or event.received_at
        return when, event.triggered_at or event.received_at, event.id


def apply_pending(app: App, *, store_id: int | None = None, batch: int = BATCH) -> ApplyReport:
    """Apply every pending event (of ``store_id``, or of every store) to the store."""
    with app.engine.connect() as conn:
        store_ids = inbox.stores_with_pending(conn)
        held = {info.id: info for info in repo.list_stores(conn)}
        names = {sid: info.name for sid, info in held.items()}
    total = ApplyReport(0, 0, 0)
    for sid in store_ids:
        if store_id is not None and sid != store_id:
            continue
        mappings = _store_mappings(app, names[sid])
        window = _store_window(app, names[sid])
        while True:
            done = _apply_batch(app, sid, mappings, batch, held[sid].currency, window)
            if done.events:
                done = replace(done, stores=(names[sid],))
            total += done
            if done.resources < batch:
                break
    return total


def _store_mappings(app: App, store: str) -> dict[str, FileMapping]:
    """The generic events' mappings of ``store``; none when they cannot be read (its events
    are then rejected, naming the reason)."""
    try:
        return event_mappings(app, settings_for(app, store).web.events.mappings)
    except WinbackError:
        return {}


def _store_window(app: App, store: str) -> DateWindow:
    """The dates the store accepts (``[imports]``, as for a file), as of now; the default
    window when its settings cannot be read."""
    try:
        return date_window(settings_for(app, store), app.clock.now())
    except WinbackError:
        return PLAUSIBLE_DATES


def _apply_batch(
    app: App,
    store_id: int,
    mappings: Mapping[str, FileMapping],
    batch: int,
    currency: str,
    window: DateWindow = PLAUSIBLE_DATES,
) -> ApplyReport:
    """Fold up to ``batch`` resources with pending events, then write them.

    The reading and folding (most of the work: every event's JSON parsed) run outside the
    write transaction, on a read snapshot, so the write lock — SQLite's one lock, which the
    web intake's group commits need too — is held only for the writes. Under it the
    resources' events are read again (ids and states only): when another event or applier
    came in between, the batch is folded again, under the lock."""
    now = app.clock.now()
    with app.engine.connect() as conn:
        folded = _fold_batch(conn, store_id, mappings, batch, currency, window)
    if folded is None:
        return ApplyReport(0, 0, 0)
    with outbox.write_transaction(app.engine) as conn:
        inbox.lock_store(conn, store_id)
        if inbox.event_states(conn, store_id, folded.resources) != folded.seen:
            folded = _fold_batch(conn, store_id, mappings, batch, currency, window)
            if folded is None:
                return ApplyReport(0, 0, 0)
        return _write_batch(conn, store_id, folded, now)


@dataclass(frozen=True, slots=True)
class _Folded:
    """A batch of resources folded into records, ready to be written."""

    resources: list[tuple[str, str, str | None]]
    seen: list[tuple[int, str]]
    """The (id, state) of every event the fold read, to check nothing changed since."""
    events: list[StoredEvent]
    groups: dict[tuple[str, str, str | None], list[StoredEvent]]
    records: list[Any]
    group_of: dict[int, tuple[str, str, str | None]]
    rejected: list[tuple[list[int], str]]
    """Events refused before the store saw them, with the problem."""


def _fold_batch(
    conn: inbox.InboxConnection,
    store_id: int,
    mappings: Mapping[str, FileMapping],
    batch: int,
    currency: str,
    window: DateWindow,
) -> _Folded | None:
    zones = outbox.store_zones(conn, [store_id])
    tz = ZoneInfo(zones.get(store_id, "UTC"))
    resources = inbox.pending_resources(conn, store_id, limit=batch)
    if not resources:
        return None
    events = inbox.events_of(conn, store_id, resources)
    groups: dict[tuple[str, str, str | None], list[StoredEvent]] = defaultdict(list)
    for event in events:
        groups[(event.source, event.resource, event.resource_id)].append(event)
    records: list[Any] = []
    group_of: dict[int, tuple[str, str, str | None]] = {}
    rejected: list[tuple[list[int], str]] = []
    for key, members in groups.items():
        snapshots, problems = _snapshots(members, tz, mappings, currency)
        rejected.extend(([event_id], problem) for event_id, problem in problems.items())
        record = _fold(snapshots)
        if record is not None and getattr(record, "currency", currency) != currency:
            # never merged into a store of another currency (amounts are never mixed)
            problem = f"an order in {record.currency}; the store trades in {currency}"
            rejected.append(([e.id for e in members if e.state == "pending"], problem))
        elif isinstance(record, OrderRecord) and not window.admits(record.created_at, tz):
            # as in a file (issue 12.2): a date outside the window is never stored
            problem = (
                f"created_at: {record.created_at.isoformat()} is outside the accepted "
                f"dates ({window.describe()}; [imports] in the settings)"
            )
            rejected.append(([e.id for e in members if e.state == "pending"], problem))
        elif record is not None:
            records.append(record)
            group_of[record.source.row] = key
    seen: list[tuple[int, str]] = [(e.id, e.state) for e in events]
    return _Folded(resources, seen, events, groups, records, group_of, rejected)


def _write_batch(
    conn: inbox.InboxConnection, store_id: int, folded: _Folded, now: datetime
) -> ApplyReport:
    refused = 0
    for ids, problem in folded.rejected:
        inbox.mark(conn, ids, "rejected", now=now, problem=problem)
        refused += len(ids)
    for rejection in inbox.apply_folded(conn, store_id, folded.records, SOURCE_FILE, now=now):
        refused_key = folded.group_of.get(rejection.row)
        if refused_key is None:
            continue
        ids = [e.id for e in folded.groups[refused_key] if e.state == "pending"]
        inbox.mark(conn, ids, "rejected", now=now, problem=str(rejection))
        refused += len(ids)
    pending = [e.id for e in folded.events if e.state == "pending"]
    inbox.mark(conn, pending, "applied", now=now)
    return ApplyReport(len(pending), len(folded.resources), refused)


def _snapshots(
    events: Sequence[StoredEvent],
    tz: ZoneInfo,
    mappings: Mapping[str, FileMapping],
    currency: str,
) -> tuple[list[_Snapshot], dict[int, str]]:
    snapshots, problems = [], {}
    for event in events:
        try:
            snapshots.append(_snapshot(event, tz, mappings, currency))
        except Exception as error:  # any unreadable event is rejected, never retried forever
            where = f"{error.field}: " if isinstance(error, FieldError) else ""
            problems[event.id] = f"{where}{error}"[:2000]
    return snapshots, problems


def _snapshot(
    event: StoredEvent, tz: ZoneInfo, mappings: Mapping[str, FileMapping], currency: str
) -> _Snapshot:
    document = decode(event.body.encode("utf-8"))
    source = SourceRef(f"{event.source} event", event.id)
    if event.source == "shopify":
        return _shopify(event, document, source)
    if event.source == "woocommerce":
        if event.resource == "order":
            return _Snapshot(event, woo_order_record(document, tz, source))
        return _Snapshot(event, woocommerce_webhooks.customer_record(document, tz, source=source))
    mapping = mappings.get(event.resource)
    if mapping is None:
        raise EventError(f"no mapping for events of kind {event.resource!r}")
    event_read = generic_events.read_event(document)
    parsed = generic_events.parse_event(event_read, mapping, tz, currency)
    if parsed.rejections:
        raise EventError(str(parsed.rejections[0]))
    if len(parsed.records) != 1:
        raise EventError(f"the event holds {len(parsed.records)} records, not one")
    record: Any = parsed.records[0]
    return _Snapshot(event, replace(record, source=source))


def _shopify(event: StoredEvent, document: Any, source: SourceRef) -> _Snapshot:
    if event.resource == "checkout":
        return _Snapshot(event, shopify_json.cart_record(document, source=source))
    if event.resource == "customer":
        return _Snapshot(event, shopify_json.customer_record(document, source=source))
    record = shopify_json.order_record(document, paid_at=None, source=source)
    hint = event.triggered_at if event.topic == "orders/paid" else None
    hint = hint or event.resource_updated_at or event.triggered_at or event.received_at
    processed = _time(document, "processed_at") or record.created_at
    return _Snapshot(event, record, paid_hint=hint, processed_at=processed)


def _fold(snapshots: Sequence[_Snapshot]) -> Any:
    """One record for a resource from all its snapshots (see the module docstring)."""
    if not snapshots:
        return None
    newest = max(snapshots, key=lambda s: s.rank)
    record = newest.record
    if not isinstance(record, OrderRecord) or newest.event.source != "shopify":
        return record
    paid = [s for s in snapshots if s.record.status.was_paid]
    if not paid or not record.status.was_paid:
        return record
    if len(paid) == len(snapshots):
        paid_at = min(s.processed_at for s in paid if s.processed_at is not None)
    else:
        paid_at = min(s.paid_hint for s in paid if s.paid_hint is not None)
    return replace(record, paid_at=max(paid_at, record.created_at))


# -- small pieces ---------------------------------------------------------------------------


_IDENTITY: Final = {
    "orders": "order_id",
    "carts": "cart_id",
    "customers": "customer_id",
    "feedback": "feedback_id",
}
"""The field that names the resource of an event of each kind; the other kinds (chats,
wishlists, stock) are facts of their own: each event is its own resource."""


def _resource_key(event: Event, mapping: FileMapping) -> str:
    """The value of the kind's identity field (order_id …) in ``event.data``."""
    field = _IDENTITY.get(event.kind)
    for path in mapping.columns.get(field or "", ()):
        value: Any = event.data
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if (text := _plain(value)) is not None:
            return text
    return f"event:{event.event_id}"


def _plain(value: object) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _header_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parse_datetime(value, UTC_ZONE)
    except CellError:
        return None


def _time(document: Mapping[str, Any], key: str) -> datetime | None:
    value = document.get(key)
    return _header_time(value) if isinstance(value, str) else None
