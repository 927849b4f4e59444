"""The webhook inbox: verified events stored raw, then applied (docs/webhooks.md).

An event is stored once per (store, source, event key): a redelivery finds its key taken and
changes nothing. Its ``state`` moves ``pending`` → ``applied`` | ``rejected`` (the problem is
kept) and never back; ``ignored`` events (a topic winback does not use) are stored for the
record only. Every function takes a connection and does not commit: the caller's
transaction decides.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Final, TypeAlias

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select, text, tuple_, update

from winback.ingest.records import Rejection
from winback.store import repo
from winback.store.outbox import write_transaction
from winback.store.schema import webhook_events
from winback.store.types import InboxEvent, InboxSource, InboxState

log = logging.getLogger("winback.webhooks")

__all__ = [
    "BatchWriter",
    "InboxConnection",
    "InboxEvent",
    "StoredEvent",
    "apply_folded",
    "counts_by_state",
    "event_states",
    "events_of",
    "lock_store",
    "mark",
    "pending_resources",
    "recent_events",
    "store_event",
    "store_events",
    "stores_with_pending",
]

InboxConnection: TypeAlias = Connection
"""The connection the inbox's functions take: services hand it from one call to the next
(fold outside the lock, then write under it) without touching SQLAlchemy themselves."""

CHUNK: Final = 400
_LOCK_BASE: Final = 0x77B_0000_0000  # "wb" inbox locks: this + store id


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    source: InboxSource
    topic: str
    resource: str
    resource_id: str | None
    resource_updated_at: datetime | None
    triggered_at: datetime | None
    received_at: datetime
    body: str
    state: InboxState


def store_event(conn: Connection, store_id: int, event: InboxEvent, *, now: datetime) -> bool:
    """Store ``event`` unless its key is already stored; ``True`` when it is new."""
    return store_events(conn, [(store_id, event)], now=now)[0]


def store_events(
    conn: Connection, events: Sequence[tuple[int, InboxEvent]], *, now: datetime
) -> list[bool]:
    """Store the events whose (store, source, key) is not stored yet, with multi-row
    ``INSERT … VALUES … ON CONFLICT DO NOTHING RETURNING`` statements (one per
    :data:`ROWS_PER_STATEMENT` events); for each event, whether it was new (a key repeated
    within ``events`` is new once)."""
    keys = [(store_id, e.source, e.event_key[:400]) for store_id, e in events]
    first: dict[tuple[int, str, str], int] = {}
    rows = []
    for position, (key, (store_id, event)) in enumerate(zip(keys, events, strict=True)):
        if key not in first:
            first[key] = position
            rows.append(_row(store_id, event, now))
    inserted: set[tuple[int, str, str]] = set()
    convert = _converters(conn.dialect)
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        values = tuple(c(v) for row in chunk for c, v in zip(convert, row, strict=True))
        found = conn.exec_driver_sql(_insert_sql(conn.dialect.paramstyle, len(chunk)), values)
        inserted.update((int(row[0]), row[1], row[2]) for row in found)
    return [key in inserted and first[key] == position for position, key in enumerate(keys)]


ROWS_PER_STATEMENT: Final = 256
"""Events per insert statement (12 parameters each: 3,072, within both databases' limits)."""

_COLUMNS: Final = (
    "store_id", "source", "event_key", "topic", "resource", "resource_id",
    "resource_updated_at", "webhook_id", "triggered_at", "received_at", "body", "state",
)  # fmt: skip


@cache
def _insert_sql(paramstyle: str, rows: int) -> str:
    """``rows`` rows of values in one ``INSERT … ON CONFLICT DO NOTHING RETURNING``, sent
    to the driver as it is (SQLAlchemy compiles nothing per batch). Its text depends only on
    the number of rows, so psycopg prepares it once per connection for each batch size
    (after a few uses): the server neither parses nor plans it again. The values go as one
    parameter each, in the driver's own (C) adapters — an array per column instead
    (``unnest``) cost three times the client's CPU in psycopg's array quoting."""
    mark = "?" if paramstyle == "qmark" else "%s"
    row = f"({', '.join([mark] * len(_COLUMNS))})"
    return (
        f"INSERT INTO webhook_events ({', '.join(_COLUMNS)}) VALUES {', '.join([row] * rows)} "
        "ON CONFLICT (store_id, source, event_key) DO NOTHING "
        "RETURNING store_id, source, event_key"
    )


def _same(value: Any) -> Any:
    return value


@cache
def _converters(dialect: Any) -> tuple[Callable[[Any], Any], ...]:
    """Each column's bind processing for ``dialect`` (the instants checked aware and turned
    to UTC, or to SQLite's microseconds, as a SQLAlchemy insert would)."""
    found = []
    for name in _COLUMNS:
        process = webhook_events.c[name].type.bind_processor(dialect)
        found.append(_same if process is None else process)
    return tuple(found)


class BatchWriter:
    """Stores batches of events (:func:`store_events`) for the web intake's group commit,
    each batch committed before :meth:`store` returns.

    On PostgreSQL it keeps its connections, in autocommit, between batches: a batch of up to
    :data:`ROWS_PER_STATEMENT` events is a single statement, so its own transaction,
    committed (the server's synchronous commit) before the answer comes back — one round
    trip per batch, where a connection taken from the pool for each batch costs four (the
    pool's ping, ``BEGIN``, the insert, ``COMMIT``). A larger batch gets a transaction of
    its own. A batch that fails drops its connection: the next one takes a fresh, pinged one
    from the pool. :meth:`close` hands the idle connections back. On SQLite each batch is a
    ``BEGIN IMMEDIATE`` transaction on a pooled connection (no round trips to save)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def store(self, events: Sequence[tuple[int, InboxEvent]], *, now: datetime) -> list[bool]:
        """For each event, whether it was new; all of them committed. Several threads may
        store at once (PostgreSQL: each on a connection of its own)."""
        if self._engine.dialect.name != "postgresql" or len(events) > ROWS_PER_STATEMENT:
            with write_transaction(self._engine) as conn:  # SQLite: the write lock first
                return store_events(conn, events, now=now)
        with self._lock:
            held = self._idle.pop() if self._idle else None
        if held is None:
            held = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        conn = held
        try:
            stored = store_events(conn, events, now=now)
        except BaseException:
            conn.close()
            raise
        with self._lock:
            self._idle.append(conn)
        return stored

    def close(self) -> None:
        """Hand the idle connections back to the pool (the next batch takes one again; a
        batch being stored keeps its own until the next close)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _row(store_id: int, event: InboxEvent, now: datetime) -> tuple[Any, ...]:
    """The values of ``event``'s row, in the order of :data:`_COLUMNS`."""
    return (
        store_id,
        event.source,
        event.event_key[:400],
        event.topic[:100],
        event.resource,
        None if event.resource_id is None else event.resource_id[:100],
        event.resource_updated_at,
        None if event.webhook_id is None else event.webhook_id[:100],
        event.triggered_at,
        now,
        event.body,
        event.state,
    )


def lock_store(conn: Connection, store_id: int) -> None:
    """Hold the store's inbox for this transaction: one applier at a time per store, so two
    worker processes never fold the same resource at once. PostgreSQL: an advisory
    transaction lock; SQLite: the caller's ``BEGIN IMMEDIATE`` already serialises writers."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_BASE + store_id})


def stores_with_pending(conn: Connection) -> list[int]:
    """The stores that have events waiting to be applied."""
    query = (
        select(webhook_events.c.store_id)
        .where(webhook_events.c.state == "pending")
        .group_by(webhook_events.c.store_id)
        .order_by(webhook_events.c.store_id)
    )
    return [int(store) for store in conn.scalars(query)]


def pending_resources(
    conn: Connection, store_id: int, *, limit: int
) -> list[tuple[str, str, str | None]]:
    """Up to ``limit`` resources (source, resource, id) with pending events, oldest first."""
    first = func.min(webhook_events.c.id)
    query = (
        select(webhook_events.c.source, webhook_events.c.resource, webhook_events.c.resource_id)
        .where(webhook_events.c.store_id == store_id, webhook_events.c.state == "pending")
        .group_by(webhook_events.c.source, webhook_events.c.resource, webhook_events.c.resource_id)
        .order_by(first)
        .limit(limit)
    )
    return [(row.source, row.resource, row.resource_id) for row in conn.execute(query)]


def events_of(
    conn: Connection, store_id: int, resources: Sequence[tuple[str, str, str | None]]
) -> list[StoredEvent]:
    """Every pending or applied event of ``resources``, in the order they were received."""
    found: list[StoredEvent] = []
    for condition in _of_resources(resources):
        query = (
            select(webhook_events)
            .where(webhook_events.c.store_id == store_id, condition)
            .order_by(webhook_events.c.id)
        )
        found.extend(_stored(row) for row in conn.execute(query))
    found.sort(key=lambda event: event.id)
    return found


def event_states(
    conn: Connection, store_id: int, resources: Sequence[tuple[str, str, str | None]]
) -> list[tuple[int, str]]:
    """The (id, state) of the events :func:`events_of` finds, in the same order: whether
    they are still what a fold read."""
    found: list[tuple[int, str]] = []
    for condition in _of_resources(resources):
        query = select(webhook_events.c.id, webhook_events.c.state).where(
            webhook_events.c.store_id == store_id, condition
        )
        found.extend((int(row.id), row.state) for row in conn.execute(query))
    found.sort()
    return found


def _of_resources(
    resources: Sequence[tuple[str, str, str | None]],
) -> list[ColumnElement[bool]]:
    """Conditions that together select the pending or applied events of ``resources`` (a
    resource without an id: its pending events only)."""
    keyed = [r for r in resources if r[2] is not None]
    unkeyed = {(source, resource) for source, resource, rid in resources if rid is None}
    conditions: list[ColumnElement[bool]] = []
    live = webhook_events.c.state.in_(("pending", "applied"))
    for start in range(0, len(keyed), CHUNK):
        chunk = keyed[start : start + CHUNK]
        key = tuple_(
            webhook_events.c.source, webhook_events.c.resource, webhook_events.c.resource_id
        )
        conditions.append(and_(live, key.in_(chunk)))
    for source, resource in unkeyed:
        conditions.append(
            and_(
                webhook_events.c.source == source,
                webhook_events.c.resource == resource,
                webhook_events.c.resource_id.is_(None),
                webhook_events.c.state == "pending",
            )
        )
    return conditions


def mark(
    conn: Connection,
    ids: Iterable[int],
    state: InboxState,
    *,
    now: datetime,
    problem: str | None = None,
) -> None:
    """Move pending events to ``state`` (applied, rejected or ignored)."""
    chosen = sorted(set(ids))
    for start in range(0, len(chosen), CHUNK):
        conn.execute(
            update(webhook_events)
            .where(
                webhook_events.c.id.in_(chosen[start : start + CHUNK]),
                webhook_events.c.state == "pending",
            )
            .values(state=state, applied_at=now, problem=problem)
        )


def counts_by_state(conn: Connection, store_id: int) -> dict[str, int]:
    """How many events the store's inbox holds in each state."""
    query = (
        select(webhook_events.c.state, func.count())
        .where(webhook_events.c.store_id == store_id)
        .group_by(webhook_events.c.state)
    )
    return {state: int(count) for state, count in conn.execute(query)}


def recent_events(
    conn: Connection, store_id: int, *, limit: int, problems_only: bool = False
) -> list[StoredEvent]:
    """The newest events of the store (the rejected ones only, with ``problems_only``)."""
    query = select(webhook_events).where(webhook_events.c.store_id == store_id)
    if problems_only:
        query = query.where(webhook_events.c.state == "rejected")
    query = query.order_by(webhook_events.c.id.desc()).limit(limit)
    return [_stored(row) for row in conn.execute(query)]


def _stored(row: object) -> StoredEvent:
    values = row._mapping  # type: ignore[attr-defined]
    return StoredEvent(
        id=int(values["id"]),
        source=values["source"],
        topic=values["topic"],
        resource=values["resource"],
        resource_id=values["resource_id"],
        resource_updated_at=values["resource_updated_at"],
        triggered_at=values["triggered_at"],
        received_at=values["received_at"],
        body=values["body"],
        state=values["state"],
    )


def apply_folded(
    conn: Connection, store_id: int, records: Sequence[Any], source_file: str, *, now: datetime
) -> list[Rejection]:
    """Store the records folded from the inbox in one go; if the store refuses the batch (a
    value the database cannot hold), store them one by one so only the bad ones are
    rejected: one poisoned event never blocks the inbox. Each call is its own savepoint."""
    try:
        return repo.apply_records(
            conn, store_id, records, source_file=source_file, now=now
        ).rejections
    except Exception:
        log.warning("a batch of webhook records was refused; storing them one by one")
    rejections: list[Rejection] = []
    for record in records:
        try:
            done = repo.apply_records(conn, store_id, [record], source_file=source_file, now=now)
            rejections.extend(done.rejections)
        except Exception as error:
            row = record.source.row if record.source is not None else 0
            rejections.append(Rejection(source_file, row, None, f"the store refused it: {error}"))
    return rejections
