"""The outbox's named queries: actions in, claims, attempts, outcomes, suppressions.

The database is the queue (docs/recovery-engine.md): an action is a row with a status,
``due_at`` and a unique key per store; a worker claims due rows with ONE statement
(``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`` on PostgreSQL; the
same statement under ``BEGIN IMMEDIATE`` on SQLite), so two workers never claim one action.
Every later move is conditional on the claim (``status = 'sending' AND claimed_by = me``):
a worker whose claim was taken from it changes nothing.

Writes take a connection and never commit: the caller owns the transaction. Use
:func:`write_transaction` for the dispatcher's short write transactions.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from winback.contracts import PLANNED_ACTIONS, planned_actions_table
from winback.model import (
    Action,
    ActionChannel,
    ActionStatus,
    OrderStatus,
    PlannedAction,
    Purpose,
    SuppressionReason,
    advance_action,
    contact_address,
)
from winback.store._bulk import Bulk
from winback.store.schema import (
    action_attempts,
    action_orders,
    actions,
    consents,
    customers,
    orders,
    stores,
    suppressions,
    to_epoch_us,
)

__all__ = [
    "Contact",
    "EnqueueCounts",
    "Settlement",
    "add_suppression",
    "attempts_of",
    "claim_due",
    "consents_of",
    "contacts_of",
    "count_by_status",
    "defer",
    "due_actions",
    "enqueue",
    "enqueue_table",
    "finish",
    "is_suppressed",
    "list_actions",
    "marketing_sent_since",
    "open_attempts",
    "order_currencies",
    "order_statuses",
    "reconcile_stale_sending",
    "record_attempt",
    "reminders_sent",
    "settle",
    "store_zones",
    "suppressed_among",
    "write_transaction",
]

CHUNK: Final = 5_000
"""Actions stored per round of ``enqueue`` (SQLAlchemy splits each into multi-row INSERTs)."""
DELIVERED: Final = (ActionStatus.SENT.value, ActionStatus.UNKNOWN.value)
"""Statuses that count as "reached the buyer" for the caps: ``unknown`` may have."""


@dataclass(frozen=True, slots=True)
class EnqueueCounts:
    """What :func:`enqueue` did: new actions (of which ``held_out``), and keys already stored."""

    created: int = 0
    held_out: int = 0
    existing: int = 0


@dataclass(frozen=True, slots=True)
class Contact:
    """How a customer can be reached; a masked contact is known to exist but not readable."""

    customer_key: str
    phone: str | None
    email: str | None
    phone_masked: bool
    email_masked: bool


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, committed on success, rolled back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``: it holds the write lock from
    the start, so concurrent claimers queue (busy timeout) instead of failing mid-way.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(immediate=True)
        with conn.begin():
            yield conn


# -- planning → outbox ----------------------------------------------------------------------


def enqueue(conn: Connection, planned: Sequence[PlannedAction], *, now: datetime) -> EnqueueCounts:
    """Store planned actions; a key already stored for the store is left as it is.

    Idempotent on (store, key): planning twice, or two planners at once, store each action
    once (a key given twice: the last one). A held-out action is stored with status
    ``held_out`` and is never sent. The same bulk path as :func:`enqueue_table`.
    """
    unique = list({(p.store_id, p.key): p for p in planned}.values())
    return enqueue_table(conn, planned_actions_table(unique), now=now)


def enqueue_table(conn: Connection, planned: pa.Table, *, now: datetime) -> EnqueueCounts:
    """Store a :data:`~winback.contracts.PLANNED_ACTIONS` table, with each new action's order
    links, in the caller's transaction; keys already stored are left as they are (a key
    given twice: the last row). Rows keep their order, so new ids follow it.

    The bulk path of planning at scale: on PostgreSQL the rows travel by ``COPY`` into a
    temporary table and one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` writes the
    actions and their links; on SQLite multi-row ``INSERT … ON CONFLICT DO NOTHING``
    statements (the caller holds the write lock: :func:`write_transaction`), then the new ids
    are read back to write the links.
    """
    planned = _last_per_key(planned.select(PLANNED_ACTIONS.names))
    if planned.num_rows == 0:
        return EnqueueCounts()
    if conn.dialect.name == "postgresql":
        created, held = _enqueue_postgres(conn, planned, now)
    else:
        created, held = _enqueue_sqlite(conn, planned, now)
    return EnqueueCounts(created=created, held_out=held, existing=planned.num_rows - created)


def _last_per_key(planned: pa.Table) -> pa.Table:
    """``planned`` with one row per (store, key): the last one given, in first-seen order."""
    keys = pc.binary_join_element_wise(
        pc.cast(planned["store_id"], pa.string()), planned["key"], "\x1f"
    )
    if pc.count_distinct(keys).as_py() == planned.num_rows:
        return planned
    last: dict[str, int] = {}
    for position, key in enumerate(keys.to_pylist()):
        last[key] = position  # dict keeps the first-seen position of the key
    return planned.take(pa.array(list(last.values()), pa.int64()))


def _canonical(planned: pa.Table, now: datetime) -> dict[str, list[Any]]:
    """The action rows' columns in the store's canonical forms (instants as microseconds,
    money as minor units, the order ids and parameters as JSON text)."""
    now_us = to_epoch_us(now)
    count = planned.num_rows
    held = planned["held_out"].to_pylist()
    return {
        "store_id": planned["store_id"].to_pylist(),
        "key": planned["key"].to_pylist(),
        "playbook": planned["playbook"].to_pylist(),
        "step": planned["step"].to_pylist(),
        "channel": planned["channel"].to_pylist(),
        "purpose": planned["purpose"].to_pylist(),
        "status": [_HELD if h else _PLANNED for h in held],
        "customer_id": planned["customer_id"].to_pylist(),
        "order_ids": [
            json.dumps(list(dict.fromkeys(ids or ())), ensure_ascii=False)
            for ids in planned["order_ids"].to_pylist()
        ],
        "amount": _minor_units(planned["amount"]),
        "template": planned["template"].to_pylist(),
        "params": planned["params"].to_pylist(),
        "due_at": planned["due_at"].cast(pa.int64()).to_pylist(),
        "expires_at": planned["expires_at"].cast(pa.int64()).to_pylist(),
        "created_at": [now_us] * count,
        "updated_at": [now_us] * count,
        "attempts": [0] * count,
    }


_HELD: Final = ActionStatus.HELD_OUT.value
_PLANNED: Final = ActionStatus.PLANNED.value
_COLUMNS: Final = (
    "store_id", "key", "playbook", "step", "channel", "purpose", "status", "customer_id",
    "order_ids", "amount", "template", "params", "due_at", "expires_at", "created_at",
    "updated_at", "attempts",
)  # fmt: skip
ENQUEUE_ROWS: Final = 25_000
"""Actions written per part by :func:`enqueue_table`."""
_SQLITE_ROWS: Final = 100
"""Action rows per SQLite statement: SQLite rebuilds a ``CHECK (x IN (…))`` list per
statement, so one statement per row would cost a fifth more (see ``store._bulk``)."""


def _minor_units(amounts: pa.ChunkedArray) -> list[int]:
    """Amounts (``decimal128(18, 2)``) as integer minor units: exact, and refused (an Arrow
    error) for a value with more than two places."""
    cents = pc.multiply(amounts, pa.scalar(Decimal(100), pa.decimal128(3, 0)))
    values: list[int] = cents.cast(pa.int64()).to_pylist()
    return values


def _enqueue_sqlite(conn: Connection, planned: pa.Table, now: datetime) -> tuple[int, int]:
    """Write the actions :data:`ENQUEUE_ROWS` at a time (so a large plan never becomes all its
    rows in Python at once), each part's links after its new ids are read back."""
    created = held = 0
    for start in range(0, planned.num_rows, ENQUEUE_ROWS):
        part = planned.slice(start, ENQUEUE_ROWS)
        part_created, part_held = _enqueue_sqlite_part(conn, part, now)
        created += part_created
        held += part_held
    return created, held


def _enqueue_sqlite_part(conn: Connection, planned: pa.Table, now: datetime) -> tuple[int, int]:
    before = int(conn.execute(text("SELECT coalesce(max(id), 0) FROM actions")).scalar() or 0)
    columns = _canonical(planned, now)
    rows = list(zip(*(columns[name] for name in _COLUMNS), strict=True))
    marks = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
    head = f"INSERT INTO actions ({', '.join(_COLUMNS)}) VALUES "
    tail = " ON CONFLICT (store_id, key) DO NOTHING"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        whole = len(rows) - len(rows) % _SQLITE_ROWS
        many = head + ", ".join([marks] * _SQLITE_ROWS) + tail
        for start in range(0, whole, _SQLITE_ROWS):
            cursor.execute(many, [v for row in rows[start : start + _SQLITE_ROWS] for v in row])
        if whole < len(rows):
            cursor.executemany(head + marks + tail, rows[whole:])
    finally:
        cursor.close()
    del rows
    new = conn.execute(
        text("SELECT id, store_id, key, status FROM actions WHERE id > :before ORDER BY id"),
        {"before": before},
    ).all()
    position = {
        (store, key): i
        for i, (store, key) in enumerate(zip(columns["store_id"], columns["key"], strict=True))
    }
    order_ids = planned["order_ids"].to_pylist()
    links = []
    held = 0
    for action_id, store_id, key, status in new:
        at = position.get((store_id, key))
        if at is None:
            continue
        held += status == _HELD
        links += [
            (action_id, order_id, store_id) for order_id in dict.fromkeys(order_ids[at] or ())
        ]
    Bulk(conn).insert(action_orders, ("action_id", "order_id", "store_id"), links)
    return len(new), held


_PG_STAGE: Final = (
    "CREATE TEMP TABLE planned_stage (position bigint, store_id bigint, key text, "
    "playbook text, step integer, channel text, purpose text, status text, customer_id bigint, "
    "order_ids text, amount bigint, template text, params text, due_at bigint, "
    "expires_at bigint)"
)
_PG_LINK_STAGE: Final = "CREATE TEMP TABLE planned_link_stage (position bigint, order_id text)"
_PG_WRITE: Final = text(
    "WITH new AS ("
    " INSERT INTO actions (store_id, key, playbook, step, channel, purpose, status,"
    " customer_id, order_ids, amount, template, params, due_at, expires_at, created_at,"
    " updated_at, attempts)"
    " SELECT store_id, key, playbook, step, channel, purpose, status, customer_id, order_ids,"
    " amount, template, params,"
    " TIMESTAMPTZ 'epoch' + due_at * INTERVAL '1 microsecond',"
    " TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 microsecond', :now, :now, 0"
    " FROM planned_stage ORDER BY position"
    " ON CONFLICT (store_id, key) DO NOTHING"
    " RETURNING id, store_id, key, status"
    "), linked AS ("
    " INSERT INTO action_orders (action_id, order_id, store_id)"
    " SELECT new.id, l.order_id, new.store_id FROM new"
    " JOIN planned_stage p ON p.store_id = new.store_id AND p.key = new.key"
    " JOIN planned_link_stage l ON l.position = p.position"
    " RETURNING 1"
    ") SELECT count(*), count(*) FILTER (WHERE status = 'held_out') FROM new"
)


def _enqueue_postgres(conn: Connection, planned: pa.Table, now: datetime) -> tuple[int, int]:
    """COPY the rows into temporary tables (CSV written by Arrow, :data:`ENQUEUE_ROWS` at a
    time), then one statement writes the new actions and their links."""
    conn.execute(text("DROP TABLE IF EXISTS planned_stage, planned_link_stage"))
    conn.execute(text(_PG_STAGE))
    conn.execute(text(_PG_LINK_STAGE))
    starts = range(0, planned.num_rows, ENQUEUE_ROWS)
    _copy_csv(conn, "planned_stage", (_stage(planned, start) for start in starts))
    _copy_csv(conn, "planned_link_stage", (_links(planned, start) for start in starts))
    created, held = conn.execute(_PG_WRITE, {"now": now}).one()
    conn.execute(text("DROP TABLE planned_stage, planned_link_stage"))
    return int(created), int(held)


def _stage(planned: pa.Table, first: int) -> pa.Table:
    """Rows of ``planned_stage`` for the part of ``planned`` from row ``first``."""
    part = planned.slice(first, ENQUEUE_ROWS)
    return pa.table(
        {
            "position": pa.array(range(first, first + part.num_rows), pa.int64()),
            "store_id": part["store_id"],
            "key": part["key"],
            "playbook": part["playbook"],
            "step": part["step"],
            "channel": part["channel"],
            "purpose": part["purpose"],
            "status": pc.if_else(part["held_out"], _HELD, _PLANNED),
            "customer_id": part["customer_id"],
            "order_ids": pa.array(
                [json.dumps(list(dict.fromkeys(ids or ())), ensure_ascii=False)
                 for ids in part["order_ids"].to_pylist()],
                pa.string(),
            ),
            "amount": pa.array(_minor_units(part["amount"]), pa.int64()),
            "template": part["template"],
            "params": part["params"],
            "due_at": part["due_at"].cast(pa.int64()),
            "expires_at": part["expires_at"].cast(pa.int64()),
        }
    )  # fmt: skip


def _links(planned: pa.Table, first: int) -> pa.Table:
    """Rows of ``planned_link_stage`` for the part of ``planned`` from row ``first``: one per
    (action, order), an order named twice by one action linked once."""
    part = planned.slice(first, ENQUEUE_ROWS)
    owners = pc.add(pc.list_parent_indices(part["order_ids"]).cast(pa.int64()), first)
    links = pa.table({"position": owners, "order_id": pc.list_flatten(part["order_ids"])})
    return links.group_by(["position", "order_id"], use_threads=False).aggregate([])


def _copy_csv(conn: Connection, table: str, parts: Iterator[pa.Table]) -> None:
    """``COPY table FROM STDIN`` in CSV, each part's bytes written by Arrow in one pass."""
    columns = {
        "planned_stage": "position, store_id, key, playbook, step, channel, purpose, status, "
        "customer_id, order_ids, amount, template, params, due_at, expires_at",
        "planned_link_stage": "position, order_id",
    }[table]
    driver: Any = conn.connection.driver_connection
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for part in parts:
            buffer = io.BytesIO()
            pa_csv.write_csv(part, buffer, pa_csv.WriteOptions(include_header=False))
            copy.write(buffer.getbuffer())


# -- claiming and finishing -----------------------------------------------------------------


def claim_due(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    worker: str,
    channels: Sequence[ActionChannel] | None = None,
    store_ids: Sequence[int] | None = None,
) -> list[Action]:
    """Claim up to ``limit`` due actions for ``worker`` (planned → sending), oldest due first;
    only actions on ``channels`` when given (the ones the worker can deliver), and of
    ``store_ids`` when given (the stores whose channels the worker holds).

    One statement: on PostgreSQL the inner ``SELECT … FOR UPDATE SKIP LOCKED`` passes over
    rows another worker is claiming; on SQLite run it in :func:`write_transaction` (the
    write lock is held from BEGIN). Each claim counts as an attempt.
    """
    due = (
        _due(now, channels, store_ids)
        .order_by(actions.c.due_at, actions.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(actions)
        .where(actions.c.id.in_(due.scalar_subquery()))
        .values(
            status=ActionStatus.SENDING.value,
            claimed_by=worker,
            claimed_at=now,
            updated_at=now,
            attempts=actions.c.attempts + 1,
        )
        .returning(*actions.c)
    )
    claimed = [_action(row) for row in conn.execute(statement)]
    return sorted(claimed, key=lambda a: (a.due_at, a.id))


def due_actions(
    conn: Connection,
    *,
    now: datetime,
    limit: int,
    channels: Sequence[ActionChannel] | None = None,
    store_ids: Sequence[int] | None = None,
) -> list[Action]:
    """The actions :func:`claim_due` would claim, read without claiming (for a dry run)."""
    ids = _due(now, channels, store_ids).order_by(actions.c.due_at, actions.c.id).limit(limit)
    query = select(actions).where(actions.c.id.in_(ids.scalar_subquery()))
    return sorted((_action(row) for row in conn.execute(query)), key=lambda a: (a.due_at, a.id))


def _due(
    now: datetime, channels: Sequence[ActionChannel] | None, store_ids: Sequence[int] | None
) -> Any:
    query = select(actions.c.id).where(
        actions.c.status == ActionStatus.PLANNED.value, actions.c.due_at <= now
    )
    if channels is not None:
        query = query.where(actions.c.channel.in_([str(c) for c in channels]))
    if store_ids is not None:
        query = query.where(actions.c.store_id.in_(list(store_ids)))
    return query


def record_attempt(conn: Connection, action: Action, *, worker: str, now: datetime) -> int | None:
    """Open the attempt row for one claimed action just before its send (see
    :func:`open_attempts`); None when ``worker`` no longer holds the claim."""
    return open_attempts(conn, [action], worker=worker, now=now).get(action.id)


@dataclass(frozen=True, slots=True)
class Settlement:
    """Where one claimed action goes next: ``status`` sent, failed, cancelled, skipped, or
    planned again at ``until`` (deferred); the attempt it closes, if one was opened."""

    action_id: int
    status: ActionStatus
    until: datetime | None = None
    attempt_id: int | None = None
    outcome: str | None = None
    provider_id: str | None = None
    answer: str | None = None

    def __post_init__(self) -> None:
        advance_action(ActionStatus.SENDING, self.status)
        if (self.status is ActionStatus.PLANNED) != (self.until is not None):
            raise ValueError("a deferred action needs the time it is due again, and only it")


def settle(
    conn: Connection, settlements: Sequence[Settlement], *, worker: str, now: datetime
) -> int:
    """Apply outcomes to actions ``worker`` holds (a few statements for any number of them)
    and close their attempts. Returns how many actions moved: an action whose claim was
    taken from the worker (reconciled as stale) does not move.
    """
    done = [s for s in settlements if s.status is not ActionStatus.PLANNED]
    deferred = [s for s in settlements if s.status is ActionStatus.PLANNED]
    held = and_(
        actions.c.id == bindparam("b_id"),
        actions.c.status == ActionStatus.SENDING.value,
        actions.c.claimed_by == worker,
    )
    moved = 0
    if done:
        moved += conn.execute(
            update(actions).where(held).values(
                status=bindparam("b_status"), updated_at=now, sent_at=bindparam("b_sent_at"),
                provider_id=bindparam("b_provider"), last_error=bindparam("b_error"),
            ),
            [
                {"b_id": s.action_id, "b_status": s.status.value,
                 "b_sent_at": now if s.status is ActionStatus.SENT else None,
                 "b_provider": s.provider_id,
                 "b_error": None if s.status is ActionStatus.SENT else s.answer}
                for s in done
            ],
        ).rowcount  # fmt: skip
    if deferred:
        moved += conn.execute(
            update(actions).where(held).values(
                status=ActionStatus.PLANNED.value, due_at=bindparam("b_until"), updated_at=now,
                claimed_by=None, claimed_at=None, last_error=bindparam("b_error"),
            ),
            [{"b_id": s.action_id, "b_until": s.until, "b_error": s.answer} for s in deferred],
        ).rowcount  # fmt: skip
    opened = [s for s in settlements if s.attempt_id is not None]
    if opened:
        conn.execute(
            update(action_attempts)
            .where(action_attempts.c.id == bindparam("b_id"))
            .values(finished_at=now, outcome=bindparam("b_outcome"),
                    provider_id=bindparam("b_provider"), answer=bindparam("b_answer")),
            [{"b_id": s.attempt_id, "b_outcome": s.outcome, "b_provider": s.provider_id,
              "b_answer": s.answer} for s in opened],
        )  # fmt: skip
    return moved


def finish(
    conn: Connection,
    action_id: int,
    *,
    worker: str,
    status: ActionStatus,
    now: datetime,
    attempt_id: int | None = None,
    outcome: str | None = None,
    provider_id: str | None = None,
    answer: str | None = None,
) -> bool:
    """Move a claimed action out of ``sending`` (sent, failed, cancelled or skipped) and
    close its attempt. False (and nothing changed) when ``worker`` lost the claim."""
    settlement = Settlement(action_id, status, None, attempt_id, outcome, provider_id, answer)
    return settle(conn, [settlement], worker=worker, now=now) == 1


def defer(
    conn: Connection,
    action_id: int,
    *,
    worker: str,
    until: datetime,
    now: datetime,
    attempt_id: int | None = None,
    outcome: str | None = None,
    answer: str | None = None,
) -> bool:
    """Put a claimed action back in the queue (sending → planned) due at ``until``: quiet
    hours, or a transient failure to retry. False when ``worker`` lost the claim."""
    settlement = Settlement(
        action_id, ActionStatus.PLANNED, until, attempt_id, outcome, None, answer
    )
    return settle(conn, [settlement], worker=worker, now=now) == 1


def open_attempts(
    conn: Connection, batch: Sequence[Action], *, worker: str, now: datetime
) -> dict[int, int]:
    """Renew ``worker``'s claims on ``batch`` and open one attempt row per action, just
    before sending: action id → attempt id. Actions whose claim was lost are left out and
    must not be sent."""
    if not batch:
        return {}
    renewed = conn.execute(
        update(actions)
        .where(
            actions.c.id.in_([a.id for a in batch]),
            actions.c.status == ActionStatus.SENDING.value,
            actions.c.claimed_by == worker,
        )
        .values(claimed_at=now, updated_at=now)
        .returning(actions.c.id, actions.c.attempts)
    ).all()
    if not renewed:
        return {}
    rows = conn.execute(
        insert(action_attempts).returning(action_attempts.c.id, action_attempts.c.action_id),
        [
            {"action_id": r.id, "number": r.attempts, "worker": worker, "started_at": now}
            for r in renewed
        ],
    ).all()
    return {int(r.action_id): int(r.id) for r in rows}


Resolver = Callable[[Action], tuple[ActionStatus, str | None, str]]
"""Given a stale action: its status (sent, failed or unknown), provider id and a note."""


def reconcile_stale_sending(
    conn: Connection,
    *,
    now: datetime,
    stale_before: datetime,
    resolve: Resolver | None = None,
) -> dict[str, int]:
    """Resolve actions left in ``sending`` by a dead worker (claim older than
    ``stale_before``): ``resolve`` asks the provider (sent / failed); without it, or when
    the provider cannot tell, the action becomes ``unknown`` and is never resent.

    Returns the count per resulting status.
    """
    stale = conn.execute(
        select(actions)
        .where(actions.c.status == ActionStatus.SENDING.value, actions.c.claimed_at < stale_before)
        .order_by(actions.c.id)
        .with_for_update(skip_locked=True)
    ).all()
    counts: dict[str, int] = {}
    for row in stale:
        action = _action(row)
        status, provider_id, note = (
            resolve(action) if resolve else (ActionStatus.UNKNOWN, None, "worker died")
        )
        advance_action(ActionStatus.SENDING, status)
        values: dict[str, Any] = {"status": status.value, "updated_at": now, "last_error": note}
        if status is ActionStatus.SENT:
            values |= {"sent_at": now, "provider_id": provider_id, "last_error": None}
        conn.execute(
            update(actions)
            .where(actions.c.id == action.id, actions.c.claimed_at == action.claimed_at)
            .values(values)
        )
        conn.execute(
            update(action_attempts)
            .where(
                action_attempts.c.action_id == action.id, action_attempts.c.finished_at.is_(None)
            )
            .values(
                finished_at=now,
                outcome="sent" if status is ActionStatus.SENT else "unknown",
                provider_id=provider_id,
                answer=f"reconciled: {note}",
            )
        )
        counts[status.value] = counts.get(status.value, 0) + 1
    return counts


# -- reading actions ------------------------------------------------------------------------


def list_actions(
    conn: Connection,
    *,
    store_id: int | None = None,
    status: ActionStatus | None = None,
    playbook: str | None = None,
    limit: int | None = None,
) -> list[Action]:
    """Actions, newest due first, optionally of one store, status and playbook."""
    query = select(actions).order_by(actions.c.due_at.desc(), actions.c.id.desc())
    if store_id is not None:
        query = query.where(actions.c.store_id == store_id)
    if status is not None:
        query = query.where(actions.c.status == status.value)
    if playbook is not None:
        query = query.where(actions.c.playbook == playbook)
    if limit is not None:
        query = query.limit(limit)
    return [_action(row) for row in conn.execute(query)]


def count_by_status(conn: Connection, *, store_id: int | None = None) -> dict[str, int]:
    """How many actions are in each status."""
    query = select(actions.c.status, func.count()).group_by(actions.c.status)
    if store_id is not None:
        query = query.where(actions.c.store_id == store_id)
    return {status: int(n) for status, n in conn.execute(query)}


def attempts_of(conn: Connection, action_id: int) -> list[dict[str, Any]]:
    """The attempt rows of one action, first try first."""
    query = (
        select(action_attempts)
        .where(action_attempts.c.action_id == action_id)
        .order_by(action_attempts.c.number)
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def _action(row: Any) -> Action:
    m = row._mapping
    return Action(
        id=int(m["id"]),
        store_id=int(m["store_id"]),
        key=m["key"],
        playbook=m["playbook"],
        step=int(m["step"]),
        channel=ActionChannel(m["channel"]),
        purpose=Purpose(m["purpose"]),
        status=ActionStatus(m["status"]),
        due_at=m["due_at"],
        template=m["template"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        customer_id=m["customer_id"],
        order_ids=tuple(json.loads(m["order_ids"])),
        amount=m["amount"],
        params=json.loads(m["params"]),
        expires_at=m["expires_at"],
        claimed_by=m["claimed_by"],
        claimed_at=m["claimed_at"],
        sent_at=m["sent_at"],
        provider_id=m["provider_id"],
        attempts=int(m["attempts"]),
        last_error=m["last_error"],
        converted_at=m["converted_at"],
        converted_order_id=m["converted_order_id"],
    )


# -- what the send policy reads -------------------------------------------------------------


def store_zones(conn: Connection, store_ids: Sequence[int]) -> dict[int, str]:
    """Each store's IANA time zone."""
    query = select(stores.c.id, stores.c.timezone).where(stores.c.id.in_(list(store_ids)))
    return {int(i): zone for i, zone in conn.execute(query)}


def order_statuses(
    conn: Connection, store_id: int, order_ids: Sequence[str]
) -> dict[str, OrderStatus]:
    """The current status of each named order of a store (orders not stored are absent)."""
    query = select(orders.c.order_id, orders.c.status).where(
        orders.c.store_id == store_id, orders.c.order_id.in_(list(order_ids))
    )
    return {order_id: OrderStatus(status) for order_id, status in conn.execute(query)}


def order_currencies(conn: Connection, store_id: int, order_ids: Sequence[str]) -> dict[str, str]:
    """The currency of each named order of a store (orders not stored are absent)."""
    query = select(orders.c.order_id, orders.c.currency).where(
        orders.c.store_id == store_id, orders.c.order_id.in_(list(order_ids))
    )
    return {order_id: currency for order_id, currency in conn.execute(query)}


def contacts_of(conn: Connection, customer_ids: Sequence[int]) -> dict[int, Contact]:
    """Phone and e-mail of each customer (masked ones are flagged, value None)."""
    query = select(
        customers.c.id,
        customers.c.customer_key,
        customers.c.phone,
        customers.c.email,
        customers.c.phone_masked,
        customers.c.email_masked,
    ).where(customers.c.id.in_(list(customer_ids)))
    return {
        int(row.id): Contact(
            row.customer_key, row.phone, row.email, bool(row.phone_masked), bool(row.email_masked)
        )
        for row in conn.execute(query)
    }


def consents_of(
    conn: Connection, customer_ids: Sequence[int]
) -> dict[tuple[int, str], bool | None]:
    """The newest consent statement per (customer, channel); no row means unknown."""
    newest = (
        select(func.max(consents.c.id))
        .where(consents.c.customer_id.in_(list(customer_ids)))
        .group_by(consents.c.customer_id, consents.c.channel)
    )
    query = select(consents.c.customer_id, consents.c.channel, consents.c.granted).where(
        consents.c.id.in_(newest.scalar_subquery())
    )
    return {(int(c), channel): granted for c, channel, granted in conn.execute(query)}


def reminders_sent(conn: Connection, store_id: int, order_ids: Sequence[str]) -> dict[str, int]:
    """How many transactional actions reached (or may have reached) each order's buyer,
    across all playbooks: the per-order reminder cap counts these."""
    query = (
        select(action_orders.c.order_id, func.count())
        .join(actions, actions.c.id == action_orders.c.action_id)
        .where(
            action_orders.c.store_id == store_id,
            action_orders.c.order_id.in_(list(order_ids)),
            actions.c.purpose == Purpose.TRANSACTIONAL.value,
            actions.c.status.in_(DELIVERED),
        )
        .group_by(action_orders.c.order_id)
    )
    return {order_id: int(n) for order_id, n in conn.execute(query)}


def marketing_sent_since(
    conn: Connection, customer_ids: Sequence[int], since: datetime
) -> list[tuple[int, str, datetime]]:
    """(customer, channel, sent_at) of every marketing action sent since ``since``."""
    query = select(actions.c.customer_id, actions.c.channel, actions.c.sent_at).where(
        actions.c.customer_id.in_(list(customer_ids)),
        actions.c.purpose == Purpose.MARKETING.value,
        actions.c.status.in_(DELIVERED),
        or_(actions.c.sent_at >= since, actions.c.sent_at.is_(None)),
    )
    return [(int(c), channel, at or since) for c, channel, at in conn.execute(query)]


# -- the suppression list -------------------------------------------------------------------


def add_suppression(
    conn: Connection,
    *,
    store_id: int,
    reason: SuppressionReason,
    source: str,
    now: datetime,
    channel: ActionChannel | None = None,
    address: str | None = None,
    customer_id: int | None = None,
) -> bool:
    """Suppress an address and/or a customer on ``channel`` (None: every channel).

    The address is stored in its comparable form (:func:`winback.model.contact_address`).
    Returns False when the same suppression is already listed.
    """
    if address is None and customer_id is None:
        raise ValueError("a suppression needs an address or a customer")
    normal = contact_address(channel or _guess_channel(address), address) if address else None
    same = select(suppressions.c.id).where(
        suppressions.c.store_id == store_id,
        _equals(suppressions.c.channel, str(channel) if channel else None),
        _equals(suppressions.c.address, normal),
        _equals(suppressions.c.customer_id, customer_id),
    )
    if conn.execute(same.limit(1)).first() is not None:
        return False
    conn.execute(
        insert(suppressions).values(
            store_id=store_id,
            channel=str(channel) if channel else None,
            address=normal,
            customer_id=customer_id,
            reason=reason.value,
            source=source,
            created_at=now,
        )
    )
    return True


def is_suppressed(
    conn: Connection,
    *,
    store_id: int,
    channel: ActionChannel,
    address: str | None = None,
    customer_id: int | None = None,
) -> SuppressionReason | None:
    """Why the address or customer must not be contacted on ``channel``, or None."""
    found = suppressed_among(
        conn,
        store_id,
        addresses=[contact_address(channel, address)] if address else [],
        customer_ids=[customer_id] if customer_id is not None else [],
    )
    for (kind, value, on), reason in found.items():
        if on in (None, str(channel)) and (
            (kind == "address" and address and value == contact_address(channel, address))
            or (kind == "customer" and value == str(customer_id))
        ):
            return reason
    return None


def suppressed_among(
    conn: Connection, store_id: int, *, addresses: Sequence[str], customer_ids: Sequence[int]
) -> dict[tuple[str, str, str | None], SuppressionReason]:
    """Suppressions of a store matching any of the (normalised) addresses or customers,
    keyed ``("address", value, channel)`` or ``("customer", id, channel)``."""
    if not addresses and not customer_ids:
        return {}
    query = select(
        suppressions.c.address, suppressions.c.customer_id, suppressions.c.channel,
        suppressions.c.reason,
    ).where(
        suppressions.c.store_id == store_id,
        or_(
            suppressions.c.address.in_(list(addresses)),
            suppressions.c.customer_id.in_(list(customer_ids)),
        ),
    )  # fmt: skip
    found: dict[tuple[str, str, str | None], SuppressionReason] = {}
    for address, customer_id, channel, reason in conn.execute(query):
        if address is not None:
            found[("address", address, channel)] = SuppressionReason(reason)
        if customer_id is not None:
            found[("customer", str(customer_id), channel)] = SuppressionReason(reason)
    return found


def _equals(column: Any, value: Any) -> Any:
    return column.is_(None) if value is None else column == value


def _guess_channel(address: str | None) -> ActionChannel:
    return ActionChannel.EMAIL if address and "@" in address else ActionChannel.SMS
