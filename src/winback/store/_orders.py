"""Orders: upsert by (store, order_id), the status rule, the timeline and the lines.

The update rule, in one place:

* the status moves only through :func:`winback.model.advance`;
* a record whose status ``advance`` ignored is *stale* (an older export row, a late webhook):
  it may fill what is still unknown (NULL) but overwrites nothing;
* any other record is current: its known values replace the stored ones, and what it does
  not know (None) keeps the stored value;
* lines are replaced when a current record carries lines and they differ (a stale record only
  fills an order that has none); a record without lines keeps the stored ones;
* the timeline (``order_events``) holds every status the order reached: the current status,
  and each earlier status on its path whose time is known.

A record whose fingerprint equals the stored one is a no-op and costs one dictionary lookup.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import text

from winback.ingest.records import OrderLineRecord, OrderRecord, Rejection
from winback.model import OrderStatus, Platform, advance, can_move, progress
from winback.store._bulk import Bulk
from winback.store._customers import CustomerBook, Sighting, contact_parts
from winback.store.schema import (
    EPOCH,
    order_events,
    order_lines,
    orders,
    to_epoch_us,
    to_minor_units,
)
from winback.store.types import KindCounts

ORDER_COLUMNS: Final = (
    "platform", "order_id", "status",
    "created_at", "paid_at", "shipped_at", "delivered_at", "settled_at", "closed_at",
    "refunded_at",
    "total_amount", "goods_amount", "shipping_fee", "discount", "paid_amount", "refund_amount",
    "currency", "payment_method", "buyer_message", "seller_remark", "close_reason",
    "cancel_reason", "raw_status",
)  # fmt: skip
ORDER_ID: Final = 1
STATUS: Final = 2
INSTANT_COLUMNS: Final = frozenset(ORDER_COLUMNS[3:10])
LINE_COLUMNS: Final = (
    "line_id", "title", "sku", "product_id", "quantity", "unit_price", "colour", "size",
    "attributes", "refund_amount",
)  # fmt: skip
NEW_ORDER_COLUMNS: Final = (
    "id", "store_id", "customer_id", *ORDER_COLUMNS, "fingerprint", "updated_at",
)  # fmt: skip
EVENT_COLUMNS: Final = ("order_row_id", "status", "at", "recorded_at", "source_file")

# Where a status's time sits in a canonical order row (first known wins).
_TIME_OF: Final[dict[str, tuple[int, ...]]] = {
    OrderStatus.PENDING: (3,),
    OrderStatus.PAID: (4,),
    OrderStatus.SHIPPED: (5,),
    OrderStatus.DELIVERED: (6,),
    OrderStatus.SETTLED: (7,),
    OrderStatus.CLOSED: (8,),
    OrderStatus.CANCELLED: (8, 9),
    OrderStatus.REFUNDED: (9, 8),
}
# The statuses an order in a given status has passed through, in order (from model.py).
_PATH: Final[dict[str, tuple[str, ...]]] = {
    status.value: tuple(
        s.value
        for s in sorted(OrderStatus, key=progress)
        if not s.is_terminal and can_move(s, status)
    )
    for status in OrderStatus
}

Row = tuple[Any, ...]


def _timeline_sql() -> str:
    """One ``INSERT … SELECT``: the timeline of newly inserted orders, computed by the
    database from the rows (the same rule as :func:`timeline`). Each order meets every
    status once (``CROSS JOIN`` keeps orders as the outer loop), so the rows arrive in key
    order and extend the table's B-tree instead of splitting pages across it."""
    times = []
    reached = []
    for status in OrderStatus:
        columns = [ORDER_COLUMNS[i] for i in _TIME_OF[status]]
        at = columns[0] if len(columns) == 1 else f"coalesce({', '.join(columns)})"
        later = [s.value for s in OrderStatus if status.value in _PATH[s.value]]
        condition = f"o.status = '{status.value}'"
        if later:
            listed = ", ".join(f"'{s}'" for s in later)
            condition = f"({condition} OR (o.status IN ({listed}) AND {at} IS NOT NULL))"
        times.append(f"WHEN '{status.value}' THEN {at}")
        reached.append(f"(e.column1 = '{status.value}' AND {condition})")
    statuses = ", ".join(f"('{status.value}')" for status in OrderStatus)
    return (
        "INSERT INTO order_events (order_row_id, status, at, recorded_at, source_file) "
        f"SELECT o.id, e.column1, CASE e.column1 {' '.join(times)} END, :now, :source "
        f"FROM orders o CROSS JOIN (VALUES {statuses}) AS e "
        f"WHERE {{new_rows}} AND ({' OR '.join(reached)}) "
        "ORDER BY o.id"
    )


TIMELINE_SQL: Final = _timeline_sql()


@dataclass(slots=True)
class Incoming:
    """An order record in canonical form (µs instants, minor-unit money)."""

    values: Row
    buyer_key: str | None
    buyer: Sighting | None
    lines: tuple[Row, ...] | None
    fingerprint: str


def timeline(values: Row) -> list[tuple[str, int | None]]:
    """(status, at) for every status an order with these values has reached."""
    status = values[STATUS]
    events: list[tuple[str, int | None]] = [
        (s, t) for s in _PATH[status] if (t := _time_of(values, s)) is not None
    ]
    events.append((status, _time_of(values, status)))
    return events


def _time_of(values: Row, status: str) -> int | None:
    for index in _TIME_OF[status]:
        if values[index] is not None:
            return values[index]  # type: ignore[no-any-return]
    return None


_STATUS: Final = {status: status.value for status in OrderStatus}
_PLATFORM: Final = {platform: platform.value for platform in Platform}
_MICROSECOND: Final = timedelta(microseconds=1)


class Converter:
    """OrderRecord → :class:`Incoming`, or a :class:`Rejection` naming the bad field.

    This is the hot loop of every import, hence the local names and the money cache."""

    def __init__(self, source_file: str) -> None:
        self.source_file = source_file
        self._money: dict[Decimal, int] = {}

    def __call__(self, record: OrderRecord) -> Incoming | Rejection:
        try:
            return self._convert(record)
        except (ValueError, TypeError, KeyError, ArithmeticError):
            field = bad_field(record)
            return rejection(record, self.source_file, problem(record, field), field)

    def chunk(self, records: Sequence[OrderRecord]) -> tuple[list[Incoming], list[Rejection]]:
        """Convert ``records``: the ones the store can hold, and the refused ones."""
        batch: list[Incoming] = []
        rejected: list[Rejection] = []
        for record in records:
            converted = self(record)
            if isinstance(converted, Incoming):
                batch.append(converted)
            else:
                rejected.append(converted)
        return batch, rejected

    def minor(self, value: Decimal) -> int:
        if type(value) is not Decimal:
            return to_minor_units(value)
        minor = self._money.get(value)
        if minor is None:
            minor = to_minor_units(value)
            if len(self._money) < 100_000:
                self._money[value] = minor
        return minor

    def _convert(self, r: OrderRecord) -> Incoming:
        minor, epoch, micro = self.minor, EPOCH, _MICROSECOND

        def us(value: datetime | None) -> int | None:
            # Subtracting an aware datetime raises TypeError for a naive one: refused.
            return None if value is None else (value - epoch) // micro

        platform = _PLATFORM[r.platform]
        created = (r.created_at - epoch) // micro
        values = (
            platform, r.order_id, _STATUS[r.status],
            created, us(r.paid_at), us(r.shipped_at), us(r.delivered_at),
            us(r.settled_at), us(r.closed_at), us(r.refunded_at),
            minor(r.total_amount),
            None if r.goods_amount is None else minor(r.goods_amount),
            minor(r.shipping_fee), minor(r.discount),
            None if r.paid_amount is None else minor(r.paid_amount),
            minor(r.refund_amount),
            r.currency, r.payment_method, r.buyer_message, r.seller_remark, r.close_reason,
            r.cancel_reason, r.raw_status,
        )  # fmt: skip
        if type(r.order_id) is not str:
            raise TypeError(f"order id must be a string, not {type(r.order_id).__name__}")
        buyer = r.buyer
        key = buyer.buyer_id
        who = (
            platform, buyer.name, buyer.region,
            contact_parts(buyer.phone), contact_parts(buyer.email), contact_parts(buyer.address),
            None, created,
        )  # fmt: skip
        lines = tuple(self.line(line) for line in r.lines) if r.lines else None
        digest = hashlib.blake2b(marshal.dumps((values, key, who, lines), 2), digest_size=16)
        return Incoming(values, key, who if key is not None else None, lines, digest.hexdigest())

    def line(self, line: OrderLineRecord) -> Row:
        colour, size, rest = split_attributes(line.attributes)
        return (
            line.line_id, line.title, line.sku, line.product_id, int(line.quantity),
            self.minor(line.unit_price), colour, size, rest, self.minor(line.refund_amount),
        )  # fmt: skip


def split_attributes(attributes: dict[str, str]) -> tuple[str | None, str | None, str | None]:
    """(colour, size, JSON of the other attributes or None)."""
    if not attributes:
        return None, None, None
    rest = {k: v for k, v in attributes.items() if k not in ("colour", "size")}
    encoded = json.dumps(rest, ensure_ascii=False, sort_keys=True) if rest else None
    return attributes.get("colour"), attributes.get("size"), encoded


def join_attributes(colour: str | None, size: str | None, rest: str | None) -> dict[str, str]:
    attributes: dict[str, str] = {}
    if colour is not None:
        attributes["colour"] = colour
    if size is not None:
        attributes["size"] = size
    if rest:
        attributes.update(json.loads(rest))
    return attributes


def _optional_us(value: Any) -> int | None:
    return None if value is None else to_epoch_us(value)


def rejection(record: Any, source_file: str, exc: Exception, column: str | None) -> Rejection:
    source = getattr(record, "source", None)
    file = source.file if source is not None else source_file
    row = source.row if source is not None else 0
    return Rejection(file, row, column, f"the store refused the record: {exc}")


def problem(record: Any, field: str | None) -> Exception:
    """Why the store refuses ``field`` of ``record`` (as found by :func:`bad_field`)."""
    if field is None:
        return ValueError("a value has the wrong type")
    value: Any = record
    for part in field.replace("]", "").replace("[", ".").split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    try:
        if isinstance(value, datetime):
            to_epoch_us(value)
        else:
            to_minor_units(value)
    except (ValueError, TypeError, ArithmeticError) as exc:
        return exc
    return ValueError(f"invalid value {value!r}")


def bad_field(record: Any) -> str | None:
    """The first field of ``record`` (or of its lines/items) that the store cannot
    represent: a naive timestamp, money that is not a Decimal or has three decimals."""
    for name in getattr(record, "__slots__", ()):
        value = getattr(record, name)
        if isinstance(value, tuple):
            for index, part in enumerate(value):
                inner = bad_field(part)
                if inner is not None:
                    return f"{name}[{index}].{inner}"
            continue
        try:
            if isinstance(value, Decimal | float):
                to_minor_units(value)  # type: ignore[arg-type]
            elif isinstance(value, datetime):
                to_epoch_us(value)
        except (ValueError, TypeError, ArithmeticError):
            return str(name)
    return None


def in_rounds(records: Sequence[OrderRecord]) -> list[list[OrderRecord]]:
    """Split so that each round holds each order id at most once, keeping every order's
    records in their original sequence (round 2 holds second occurrences, …)."""
    seen: dict[str, int] = {}
    rounds: list[list[OrderRecord]] = [[]]
    for record in records:
        k = seen.get(record.order_id, 0)
        seen[record.order_id] = k + 1
        if k == len(rounds):
            rounds.append([])
        rounds[k].append(record)
    return rounds


def insert_orders(
    bulk: Bulk,
    ids: Sequence[int],
    order_rows: Sequence[Row],
    line_rows: Sequence[Row] = (),
    *,
    now_us: int,
    source_file: str,
) -> None:
    """Insert new orders, rows ``(*NEW_ORDER_COLUMNS)`` with the ``ids`` (as returned by
    :meth:`Bulk.allocate_ids`), their lines, and their timelines."""
    bulk.insert(orders, NEW_ORDER_COLUMNS, order_rows)
    bulk.insert(order_lines, ("order_row_id", *LINE_COLUMNS), line_rows)
    if order_rows:
        new_rows, params = bulk.among("id", ids)
        params |= {"now": bulk.instant_value(now_us), "source": source_file}
        statement = TIMELINE_SQL.format(new_rows=new_rows.replace("id", "o.id", 1))
        bulk.conn.execute(text(statement), params)


class OrderWriter:
    """Applies canonical orders for one store within the caller's transaction."""

    def __init__(
        self, bulk: Bulk, store_id: int, book: CustomerBook, *, source_file: str, now_us: int
    ) -> None:
        self.bulk = bulk
        self.store_id = store_id
        self.book = book
        self.source_file = source_file
        self.now_us = now_us
        self.store_was_empty = not bulk.rows(
            "SELECT 1 FROM orders WHERE store_id = :store LIMIT 1", store=store_id
        )

    def apply(self, batch: list[Incoming], *, first_round: bool) -> KindCounts:
        """Apply a batch in which every order id occurs once."""
        known = {} if self.store_was_empty and first_round else self._known(batch)
        new: list[Incoming] = []
        changed: list[tuple[Incoming, tuple[int, str, str | None]]] = []
        for incoming in batch:
            stored = known.get(incoming.values[ORDER_ID])
            if stored is None:
                new.append(incoming)
            elif stored[2] != incoming.fingerprint:
                changed.append((incoming, stored))
        sightings: dict[str, list[Sighting]] = {}
        for incoming in (*new, *(c[0] for c in changed)):
            if incoming.buyer_key is not None and incoming.buyer is not None:
                sightings.setdefault(incoming.buyer_key, []).append(incoming.buyer)
        customer_ids, _ = self.book.settle(sightings)
        self._insert(new, customer_ids)
        updated = self._update(changed, customer_ids) if changed else 0
        return KindCounts(len(new), updated, len(batch) - len(new) - updated)

    def _known(self, batch: list[Incoming]) -> dict[str, tuple[int, str, str | None]]:
        sql = (
            "SELECT order_id, id, status, fingerprint FROM orders "
            f"WHERE store_id = :store AND {self.bulk.in_keys('order_id')}"
        )
        keys = [incoming.values[ORDER_ID] for incoming in batch]
        return {
            order_id: (row_id, status, fingerprint)
            for order_id, row_id, status, fingerprint in self.bulk.rows_by_keys(
                sql, keys, store=self.store_id
            )
        }

    def _insert(self, new: list[Incoming], customer_ids: dict[str, int]) -> None:
        ids = self.bulk.allocate_ids(orders, len(new))
        now, store = self.now_us, self.store_id
        order_rows: list[Row] = []
        line_rows: list[Row] = []
        for incoming, row_id in zip(new, ids, strict=True):
            key = incoming.buyer_key
            customer = None if key is None else customer_ids.get(key)
            order_rows.append(
                (row_id, store, customer, *incoming.values, incoming.fingerprint, now)
            )
            if incoming.lines:
                line_rows.extend((row_id, *line) for line in incoming.lines)
        insert_orders(
            self.bulk, ids, order_rows, line_rows, now_us=now, source_file=self.source_file
        )

    def _update(
        self,
        changed: list[tuple[Incoming, tuple[int, str, str | None]]],
        customer_ids: dict[str, int],
    ) -> int:
        ids = [stored[0] for _, stored in changed]
        rows = self._stored_rows(ids)
        events = self._stored_events(ids)
        lines = self._stored_lines([s[0] for inc, s in changed if inc.lines])
        plan = _UpdatePlan()
        for incoming, (row_id, _, fingerprint) in changed:
            customer, values = rows[row_id]
            stored = _Stored(row_id, customer, values, fingerprint, events.get(row_id, {}))
            plan.add(stored, incoming, customer_ids, lines.get(row_id, ()))
        self._write(plan)
        return plan.updated

    def _write(self, plan: _UpdatePlan) -> None:
        now = self.now_us
        columns = ("customer_id", *ORDER_COLUMNS, "fingerprint", "updated_at")
        self.bulk.update(orders, columns, [(*r[:-1], now, r[-1]) for r in plan.order_rows])
        self.bulk.update(orders, ("fingerprint",), plan.fingerprints)
        self.bulk.delete_where_in(order_lines, "order_row_id", plan.replaced_lines)
        self.bulk.insert(order_lines, ("order_row_id", *LINE_COLUMNS), plan.line_rows)
        self.bulk.update(order_events, ("at",), plan.event_times, key=("order_row_id", "status"))
        self.bulk.insert(
            order_events,
            EVENT_COLUMNS,
            [(row_id, s, at, now, self.source_file) for row_id, s, at in plan.new_events],
        )

    def _stored_rows(self, ids: list[int]) -> dict[int, tuple[int | None, Row]]:
        b = self.bulk
        columns = ", ".join(b.instant(c) if c in INSTANT_COLUMNS else c for c in ORDER_COLUMNS)
        sql = f"SELECT id, customer_id, {columns} FROM orders WHERE {b.in_keys('id')}"
        return {row[0]: (row[1], row[2:]) for row in b.rows_by_keys(sql, ids)}

    def _stored_events(self, ids: list[int]) -> dict[int, dict[str, int | None]]:
        b = self.bulk
        sql = (
            f"SELECT order_row_id, status, {b.instant('at')} FROM order_events "
            f"WHERE {b.in_keys('order_row_id')}"
        )
        events: dict[int, dict[str, int | None]] = {}
        for order_row_id, status, at in b.rows_by_keys(sql, ids):
            events.setdefault(order_row_id, {})[status] = at
        return events

    def _stored_lines(self, ids: list[int]) -> dict[int, tuple[Row, ...]]:
        if not ids:
            return {}
        sql = (
            f"SELECT order_row_id, {', '.join(LINE_COLUMNS)} FROM order_lines "
            f"WHERE {self.bulk.in_keys('order_row_id')} ORDER BY order_row_id, id"
        )
        lines: dict[int, list[Row]] = {}
        for row in self.bulk.rows_by_keys(sql, ids):
            lines.setdefault(row[0], []).append(row[1:])
        return {k: tuple(v) for k, v in lines.items()}


@dataclass(slots=True)
class _Stored:
    row_id: int
    customer: int | None
    values: Row
    fingerprint: str | None
    events: dict[str, int | None]


class _UpdatePlan:
    """The writes that bring stored orders up to date with their incoming records."""

    def __init__(self) -> None:
        self.updated = 0
        self.order_rows: list[Row] = []
        self.fingerprints: list[Row] = []
        self.replaced_lines: list[int] = []
        self.line_rows: list[Row] = []
        self.event_times: list[Row] = []
        self.new_events: list[Row] = []

    def add(
        self,
        stored: _Stored,
        incoming: Incoming,
        customer_ids: dict[str, int],
        lines: tuple[Row, ...],
    ) -> None:
        row_id = stored.row_id
        reported = incoming.values[STATUS]
        status = advance(OrderStatus(stored.values[STATUS]), OrderStatus(reported)).value
        stale = status != reported
        merged = merge(stored.values, incoming.values, status=status, stale=stale)
        key = incoming.buyer_key
        customer = customer_ids.get(key) if key is not None else None
        if customer is None or (stale and stored.customer is not None):
            customer = stored.customer
        replace_lines = (
            bool(incoming.lines) and incoming.lines != lines and (not stale or not lines)
        )
        row_changed = merged != stored.values or customer != stored.customer
        # A stale record leaves the newer record's fingerprint: re-applying that is a no-op.
        fingerprint = stored.fingerprint if stale else incoming.fingerprint
        if row_changed:
            self.order_rows.append((customer, *merged, fingerprint, row_id))
        elif not stale:
            self.fingerprints.append((fingerprint, row_id))
        if replace_lines and incoming.lines:
            self.replaced_lines.append(row_id)
            self.line_rows.extend((row_id, *line) for line in incoming.lines)
        for event_status, at in timeline(merged):
            if event_status not in stored.events:
                self.new_events.append((row_id, event_status, at))
            elif at is not None and stored.events[event_status] != at:
                self.event_times.append((at, row_id, event_status))
        if row_changed or replace_lines:
            self.updated += 1


def merge(stored: Row, incoming: Row, *, status: str, stale: bool) -> Row:
    """The order row after applying ``incoming``: a stale record only fills unknowns."""
    if stale:
        out = [s if s is not None else i for s, i in zip(stored, incoming, strict=True)]
    else:
        out = [i if i is not None else s for s, i in zip(stored, incoming, strict=True)]
    out[STATUS] = status
    out[ORDER_ID] = stored[ORDER_ID]
    return tuple(out)
