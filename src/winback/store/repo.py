"""The store's named queries: every read and write the rest of winback makes.

Writes take a connection and never commit: the caller owns the transaction::

    with engine.begin() as conn:
        store_id = repo.ensure_store(conn, name="shop", platform="taobao",
                                     timezone="Asia/Shanghai", currency="CNY")
        result = repo.apply_records(conn, store_id, parsed.records, source_file=parsed.file)

The order update rule lives in :mod:`winback.store._orders` (docs/store.md has the diagram).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
from sqlalchemy import Connection, and_, case, func, insert, select, update

from winback.clock import SystemClock
from winback.errors import StoreError
from winback.ingest.records import (
    CartRecord,
    ChatMessageRecord,
    CustomerRecord,
    FeedbackRecord,
    OrderLinesRecord,
    OrderRecord,
    OrderTable,
    Parsed,
    Rejection,
    StockRecord,
    WishlistRecord,
)
from winback.model import OrderStatus, PaymentDelays
from winback.store import _activity, coupons
from winback.store._bulk import Bulk
from winback.store._customers import CustomerBook, apply_consents, customer_sighting
from winback.store._lines import attach_lines
from winback.store._order_table import incoming_orders
from winback.store._orders import (
    Converter,
    OrderWriter,
    bad_field,
    in_rounds,
    problem,
    rejection,
)
from winback.store.schema import (
    carts,
    chat_messages,
    customers,
    feedback,
    imports,
    order_events,
    order_lines,
    orders,
    stock_levels,
    stores,
    to_epoch_us,
    wishlists,
)
from winback.store.types import (
    ApplyResult,
    ImportEntry,
    KindCounts,
    StatusTotals,
    StoreInfo,
    StoreSummary,
)

if TYPE_CHECKING:  # the streamed importer (pandas through pyarrow) loads when it is used
    from winback.ingest.taobao_columns import OrderStream


def write_stream(*args: Any, **kwargs: Any) -> KindCounts:
    """:func:`winback.store._streamed.write_stream`, loaded when an import streams (it loads the
    streamed importer: pandas through pyarrow)."""
    from winback.store._streamed import write_stream as write

    return write(*args, **kwargs)


__all__ = [
    "apply_records",
    "ensure_store",
    "import_log",
    "list_stores",
    "order_lines_table",
    "orders_table",
    "record_import",
    "store_summary",
]

CHUNK: Final = 20_000
"""Records applied per round trip; ``progress`` is called after each chunk."""

# The kinds apply_records understands, in the order it applies them (customers first so
# their consent lands before the orders that mention them).
KINDS: Final[dict[type, str]] = {
    CustomerRecord: "customer",
    OrderRecord: "order",
    ChatMessageRecord: "chat",
    CartRecord: "cart",
    WishlistRecord: "wishlist",
    FeedbackRecord: "feedback",
    StockRecord: "stock",
}

Progress = Callable[[int], None]
_MICROSECOND: Final = timedelta(microseconds=1)


# -- stores --------------------------------------------------------------------------------


def ensure_store(
    conn: Connection,
    *,
    name: str,
    platform: str,
    timezone: str,
    currency: str,
    now: datetime | None = None,
) -> int:
    """The id of the store called ``name``, created if new; its platform, time zone and
    currency are updated when they changed. A store that holds orders never changes its
    currency (:class:`~winback.errors.StoreError`)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r} for store {name!r}") from exc
    settings = {"platform": str(platform), "timezone": timezone, "currency": currency}
    row = conn.execute(
        select(stores.c.id, stores.c.platform, stores.c.timezone, stores.c.currency).where(
            stores.c.name == name
        )
    ).first()
    if row is None:
        values = {"name": name, **settings, "created_at": now or SystemClock().now()}
        return int(conn.execute(insert(stores).values(values).returning(stores.c.id)).scalar_one())
    if row.currency != currency and has_orders(conn, row.id):
        raise StoreError(
            f"store {name!r} holds orders in {row.currency}; its settings now say {currency}: "
            "refused (amounts in two currencies are never mixed in one store)"
        )
    if (row.platform, row.timezone, row.currency) != tuple(settings.values()):
        conn.execute(update(stores).where(stores.c.id == row.id).values(settings))
    return int(row.id)


def has_orders(conn: Connection, store_id: int) -> bool:
    """Whether the store holds any order."""
    query = select(orders.c.id).where(orders.c.store_id == store_id).limit(1)
    return conn.execute(query).first() is not None


def payment_delays(conn: Connection, store_id: int, deadline: timedelta) -> PaymentDelays:
    """How long the store's buyers took to pay: paid orders with both times, the longest
    delay, and how many were paid later than ``deadline`` (see
    :mod:`winback.analyse.deadline_check`)."""
    bulk = Bulk(conn)
    delay = f"({bulk.instant('paid_at')} - {bulk.instant('created_at')})"
    sql = (
        f"SELECT count(*), max({delay}), "
        f"coalesce(sum(CASE WHEN {delay} > :deadline THEN 1 ELSE 0 END), 0) "
        "FROM orders WHERE store_id = :store AND paid_at IS NOT NULL"
    )
    paid, longest, late = bulk.rows(sql, store=store_id, deadline=deadline // _MICROSECOND)[0]
    return PaymentDelays(
        paid=int(paid),
        longest=None if longest is None else timedelta(microseconds=int(longest)),
        after_deadline=int(late),
    )


def list_stores(conn: Connection) -> list[StoreInfo]:
    return [StoreInfo(**row._mapping) for row in conn.execute(select(stores).order_by(stores.c.id))]


def _store(conn: Connection, store_id: int) -> StoreInfo:
    row = conn.execute(select(stores).where(stores.c.id == store_id)).first()
    if row is None:
        raise LookupError(f"no store with id {store_id}")
    return StoreInfo(**row._mapping)


# -- writing records -----------------------------------------------------------------------


def apply_records(
    conn: Connection,
    store_id: int,
    records: Sequence[Parsed],
    *,
    source_file: str,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ApplyResult:
    """Store ``records`` for ``store_id``: create what is new, update what changed, skip what
    is already stored; idempotent. Runs in a savepoint of the caller's transaction: on any
    error nothing of this call remains, and the caller decides to commit or roll back.

    An :class:`OrderStream` is read while it is stored (by a helper process when the store is
    empty, see :mod:`winback.store._streamed`); if it turns out to need the row reader, this
    raises :class:`~winback.ingest.taobao_columns.NotColumnar` with nothing stored.

    ``progress`` is called with the number of records just applied (an increment).
    """
    from winback.ingest.taobao_columns import OrderStream

    by_kind: dict[type, list[Any]] = {kind: [] for kind in KINDS}
    lines: list[OrderLinesRecord] = []
    tables: list[OrderTable] = []
    streams: list[OrderStream] = []
    for record in records:
        if isinstance(record, OrderTable):
            tables.append(record)
            continue
        if isinstance(record, OrderStream):
            streams.append(record)
            continue
        if isinstance(record, OrderLinesRecord):
            lines.append(record)
            continue
        bucket = by_kind.get(type(record))
        if bucket is None:
            raise TypeError(
                f"apply_records cannot store a {type(record).__name__}; "
                f"it stores {', '.join(k.__name__ for k in KINDS)}"
            )
        bucket.append(record)
    if not conn.in_transaction():
        conn.begin()
    new_orders = (
        sum(len(table) for table in tables)
        + sum(stream.most_rows for stream in streams)
        + len(by_kind[OrderRecord])
    )
    order_tables = (customers, orders, order_lines, order_events)
    with conn.begin_nested(), Bulk(conn).loading(order_tables, new_orders, counted=orders):
        run = _Run(conn, store_id, source_file, progress, now or SystemClock().now())
        for table in tables:
            run.counts["order"] = run.counts.get("order", KindCounts()) + run.order_table(table)
        for stream in streams:
            run.counts["order"] = run.counts.get("order", KindCounts()) + run.order_stream(stream)
        for kind, name in KINDS.items():
            if by_kind[kind]:
                run.counts[name] = run.counts.get(name, KindCounts()) + run.apply(
                    kind, by_kind[kind]
                )
        if lines:
            run.counts["order_lines"] = run.attach(lines)
        coupons.redeem(conn, store_id, coupons.uses_of(by_kind[OrderRecord]))
        order = run.counts.get("order", KindCounts())
        return ApplyResult(
            created=order.created,
            updated=order.updated,
            unchanged=order.unchanged,
            kinds=run.counts,
            rejections=run.rejections,
        )


class _Run:
    """One apply_records call: shared customer book, rejections and counts."""

    def __init__(
        self,
        conn: Connection,
        store_id: int,
        source_file: str,
        progress: Progress | None,
        now: datetime,
    ) -> None:
        self.bulk = Bulk(conn)
        self.store_id = store_id
        self.source_file = source_file
        self.progress = progress
        self.now_us = to_epoch_us(now)
        self.book = CustomerBook(self.bulk, store_id)
        self.rejections: list[Rejection] = []
        self.counts: dict[str, KindCounts] = {}

    def apply(self, kind: type, records: list[Any]) -> KindCounts:
        if kind is OrderRecord:
            return self._orders(records)
        total = KindCounts()
        for start in range(0, len(records), CHUNK):
            chunk = self._valid(records[start : start + CHUNK])
            if chunk:
                total += self._other(kind, chunk)
            self._advance(min(CHUNK, len(records) - start))
        return total

    def _orders(self, records: list[OrderRecord]) -> KindCounts:
        writer = OrderWriter(
            self.bulk, self.store_id, self.book, source_file=self.source_file, now_us=self.now_us
        )
        convert = Converter(self.source_file)
        chunks = [
            (number, round_[start : start + CHUNK])
            for number, round_ in enumerate(in_rounds(records))
            for start in range(0, len(round_), CHUNK)
        ]
        total = KindCounts()
        for number, chunk in chunks:
            batch, rejected = convert.chunk(chunk)
            self.rejections.extend(rejected)
            if batch:
                total += writer.apply(batch, first_round=number == 0)
            self._advance(len(chunk))
        return total

    def attach(self, lines: list[OrderLinesRecord]) -> KindCounts:
        """Lines of orders from earlier imports (an item report on its own)."""
        counts, refused = attach_lines(
            self.bulk, self.store_id, lines, source_file=self.source_file
        )
        self.rejections.extend(refused)
        self._advance(len(lines))
        return counts

    def order_table(self, orders: OrderTable) -> KindCounts:
        """Orders read column-wise: every order id occurs once (the reader checked)."""
        writer = OrderWriter(
            self.bulk, self.store_id, self.book, source_file=self.source_file, now_us=self.now_us
        )
        total = KindCounts()
        for batch in incoming_orders(orders, chunk=CHUNK):
            total += writer.apply(batch, first_round=True)
            self._advance(len(batch))
        return total

    def order_stream(self, stream: OrderStream) -> KindCounts:
        """A large order report read while it is stored: by a helper process into an empty
        store (see :mod:`winback.store._streamed`), chunk by chunk here otherwise."""
        empty = self.book.store_is_empty and not self.bulk.rows(
            "SELECT 1 FROM orders WHERE store_id = :store LIMIT 1", store=self.store_id
        )
        if empty:
            counts = write_stream(
                self.bulk,
                self.store_id,
                stream,
                source_file=self.source_file,
                now_us=self.now_us,
                progress=self.progress,
            )
            self.book = CustomerBook(self.bulk, self.store_id)  # it holds customers now
            return counts
        total = KindCounts()
        for table in stream.chunks():
            total += self.order_table(table)
        return total

    def _other(self, kind: type, chunk: list[Any]) -> KindCounts:
        bulk, store, book = self.bulk, self.store_id, self.book
        if kind is CustomerRecord:
            return self._customers(chunk)
        if kind is ChatMessageRecord:
            return _activity.apply_chats(bulk, store, book, chunk)
        if kind is CartRecord:
            return _activity.apply_carts(bulk, store, book, chunk)
        if kind is WishlistRecord:
            return _activity.apply_wishlists(bulk, store, book, chunk)
        if kind is FeedbackRecord:
            return _activity.apply_feedback(bulk, store, book, chunk)
        return _activity.apply_stock(bulk, store, chunk)

    def _customers(self, chunk: list[CustomerRecord]) -> KindCounts:
        sightings: dict[str, list[Any]] = {}
        for record in chunk:
            sightings.setdefault(record.customer_id, []).append(customer_sighting(record))
        ids, counts = self.book.settle(sightings)
        consented = apply_consents(
            self.bulk, ids, chunk, source=self.source_file, now_us=self.now_us
        )
        updated = min(counts.updated + consented, len(sightings) - counts.created)
        return KindCounts(counts.created, updated, len(chunk) - counts.created - updated)

    def _valid(self, chunk: list[Any]) -> list[Any]:
        valid = []
        for record in chunk:
            field = bad_field(record)
            if field is None:
                valid.append(record)
                continue
            self.rejections.append(
                rejection(record, self.source_file, problem(record, field), field)
            )
        return valid

    def _advance(self, count: int) -> None:
        if self.progress is not None and count > 0:
            self.progress(count)


# -- import log ----------------------------------------------------------------------------


def record_import(
    conn: Connection,
    store_id: int,
    *,
    file_name: str,
    source: str,
    kind: str,
    started_at: datetime,
    finished_at: datetime | None = None,
    sha256: str | None = None,
    rows_read: int = 0,
    created: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    rejected: int = 0,
) -> int:
    """Add one line to the import log; returns its id."""
    values = {
        "store_id": store_id,
        "file_name": file_name,
        "sha256": sha256,
        "source": str(source),
        "kind": kind,
        "started_at": started_at,
        "finished_at": finished_at,
        "rows_read": rows_read,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected,
    }
    return int(conn.execute(insert(imports).values(values).returning(imports.c.id)).scalar_one())


def import_log(conn: Connection, store_id: int, *, limit: int | None = None) -> list[ImportEntry]:
    """The store's imports, newest first."""
    query = (
        select(*(c for c in imports.c if c.name != "store_id"))
        .where(imports.c.store_id == store_id)
        .order_by(imports.c.started_at.desc(), imports.c.id.desc())
        .limit(limit)
    )
    return [ImportEntry(**row._mapping) for row in conn.execute(query)]


# -- reading -------------------------------------------------------------------------------


def store_summary(
    conn: Connection, store_id: int, *, as_of: datetime, close_after: timedelta
) -> StoreSummary:
    """Counts and amounts for one store: orders by status, customers, activity, imports.

    Orders placed after ``as_of`` are left out, and an order still ``pending`` once its
    deadline (``close_after`` after it was placed) passed before ``as_of`` counts as closed:
    the deadline rule of :mod:`winback.analyse.orders_as_of`."""
    status = case(
        (
            and_(
                orders.c.status == OrderStatus.PENDING.value,
                orders.c.created_at <= as_of - close_after,
            ),
            OrderStatus.CLOSED.value,
        ),
        else_=orders.c.status,
    ).label("status")
    # What went back, as D1 counts it: the stored refund; a cancelled or refunded order whose
    # data carries no refund amount (Taobao's 订单列表 has none) gave all of it back.
    returned = orders.c.status.in_([OrderStatus.CANCELLED.value, OrderStatus.REFUNDED.value])
    refund = case(
        (and_(returned, func.coalesce(orders.c.refund_amount, 0) == 0), orders.c.total_amount),
        else_=orders.c.refund_amount,
    ).label("refund_amount")
    inner = (
        select(
            status,
            orders.c.total_amount,
            orders.c.paid_amount,
            refund,
        )
        .where(orders.c.store_id == store_id, orders.c.created_at <= as_of)
        .subquery()
    )
    by_status = conn.execute(
        select(
            inner.c.status,
            func.count(),
            func.coalesce(func.sum(inner.c.total_amount), 0),
            func.coalesce(func.sum(inner.c.paid_amount), 0),
            func.coalesce(func.sum(inner.c.refund_amount), 0),
        )
        .group_by(inner.c.status)
        .order_by(inner.c.status)
    ).all()
    first, last = conn.execute(
        select(func.min(orders.c.created_at), func.max(orders.c.created_at)).where(
            orders.c.store_id == store_id
        )
    ).one()
    lines = conn.execute(
        select(func.count())
        .select_from(order_lines.join(orders))
        .where(orders.c.store_id == store_id)
    ).scalar_one()
    return StoreSummary(
        store=_store(conn, store_id),
        orders_by_status=tuple(StatusTotals(*row) for row in by_status),
        customers=_count(conn, customers, store_id),
        first_order_at=first,
        last_order_at=last,
        order_lines=lines,
        chat_messages=_count(conn, chat_messages, store_id),
        carts=_count(conn, carts, store_id),
        wishlists=_count(conn, wishlists, store_id),
        feedback=_count(conn, feedback, store_id),
        stock_levels=_count(conn, stock_levels, store_id),
        last_imports=tuple(import_log(conn, store_id, limit=5)),
    )


def _count(conn: Connection, table: Any, store_id: int) -> int:
    query = select(func.count()).select_from(table).where(table.c.store_id == store_id)
    return int(conn.execute(query).scalar_one())


_ORDER_TIMES: Final = (
    "created_at", "paid_at", "shipped_at", "delivered_at", "settled_at", "closed_at",
    "refunded_at",
)  # fmt: skip

ORDERS_SCHEMA: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        *((name, pa.timestamp("us", tz="UTC")) for name in _ORDER_TIMES),
        ("total_amount", pa.decimal128(18, 2)),
        ("paid_amount", pa.decimal128(18, 2)),
        ("refund_amount", pa.decimal128(18, 2)),
        ("payment_method", pa.string()),
        ("platform", pa.string()),
        ("has_remark", pa.bool_()),
    ]
)

LINES_SCHEMA: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("line_id", pa.string()),
        ("title", pa.string()),
        ("sku", pa.string()),
        ("product_id", pa.string()),
        ("colour", pa.string()),
        ("size", pa.string()),
        ("quantity", pa.int64()),
        ("unit_price", pa.decimal128(18, 2)),
        ("refund_amount", pa.decimal128(18, 2)),
        ("attributes", pa.string()),
    ]
)


def orders_table(conn: Connection, store_id: int) -> pa.Table:
    """The store's orders for the analytics layer (schema :data:`ORDERS_SCHEMA`), oldest
    first. ``has_remark`` is true when the buyer left a message or the seller a remark."""
    bulk = Bulk(conn)
    instants = ", ".join(bulk.instant(f"o.{name}") for name in ORDERS_SCHEMA.names[3:10])
    sql = (
        f"SELECT o.order_id, c.customer_key, o.status, {instants}, "
        "o.total_amount, o.paid_amount, o.refund_amount, o.payment_method, o.platform, "
        "CASE WHEN coalesce(o.buyer_message, '') <> '' OR coalesce(o.seller_remark, '') <> '' "
        "THEN 1 ELSE 0 END "
        "FROM orders o LEFT JOIN customers c ON c.id = o.customer_id "
        "WHERE o.store_id = :store ORDER BY o.created_at, o.id"
    )
    return _table(ORDERS_SCHEMA, bulk.rows(sql, store=store_id))


def order_lines_table(conn: Connection, store_id: int) -> pa.Table:
    """The store's order lines (schema :data:`LINES_SCHEMA`), in order and line order.
    ``attributes`` is a JSON object of the variant attributes other than colour and size."""
    sql = (
        "SELECT o.order_id, l.line_id, l.title, l.sku, l.product_id, l.colour, l.size, "
        "l.quantity, l.unit_price, l.refund_amount, l.attributes "
        "FROM order_lines l JOIN orders o ON o.id = l.order_row_id "
        "WHERE o.store_id = :store ORDER BY o.created_at, o.id, l.id"
    )
    return _table(LINES_SCHEMA, Bulk(conn).rows(sql, store=store_id))


def _table(schema: pa.Schema, rows: list[tuple[Any, ...]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [
        _array(field.type, list(values)) for field, values in zip(schema, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _array(kind: pa.DataType, values: list[Any]) -> pa.Array:
    if pa.types.is_timestamp(kind):
        return pa.array(values, pa.int64()).cast(kind)
    if pa.types.is_decimal(kind):
        # Minor units are the decimal's unscaled integers: reinterpret, then narrow (checked).
        unscaled = pa.array(values, pa.int64()).cast(pa.decimal128(19, 0))
        scaled = pa.Array.from_buffers(
            pa.decimal128(19, kind.scale),
            len(unscaled),
            unscaled.buffers(),
            unscaled.null_count,
            unscaled.offset,
        )
        return scaled.cast(kind)
    if pa.types.is_boolean(kind):
        return pa.array(values, pa.int8()).cast(kind)
    return pa.array(values, kind)
