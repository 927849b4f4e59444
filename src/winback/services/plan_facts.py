"""The facts a plan is made from, for the planners that need them (issue 14).

Each planner names the fact tables it reads (:class:`winback.decide.planner.Planner.facts`);
:data:`FACT_READERS` says how the services make each one: from the store's orders judged
as of the moment (``services.known``, the rule every figure and plan shares) and what the
store reads besides (:mod:`winback.store.planning_facts`: buyers, lines, texts, earlier
steps), joined in columns. A new kind whose facts exist adds nothing here; a new kind of fact
adds its contract (``winback.contracts``), what the store reads for it and one line in
:data:`FACT_READERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.app import App
from winback.contracts import AFTER_SALE_ORDERS as AFTER_SALE_CONTRACT
from winback.contracts import CANCELLED_ORDERS as CANCELLED_CONTRACT
from winback.contracts import CLOSED_ORDERS as CLOSED_CONTRACT
from winback.contracts import OPEN_ORDERS as OPEN_CONTRACT
from winback.decide.cancel_save import CANCELLED_ORDERS
from winback.decide.planner import (
    AFTER_SALE_ORDERS,
    CLOSED_ORDERS,
    EARLIER_FIRST_STEPS,
    EARLIER_STEPS,
    OPEN_ORDERS,
)
from winback.model import OrderStatus
from winback.playbook_settings.nps import MAX_COOLDOWN
from winback.store import planning_facts

__all__ = [
    "AFTER_SALE_LOOKBACK",
    "CANCEL_LOOKBACK",
    "FACT_READERS",
    "KNOWN_COLUMNS",
    "FactRequest",
    "read_facts",
    "recently_cancelled",
    "with_reorders",
]

KNOWN_COLUMNS: Final = (
    "order_id", "customer_key", "status", "created_at", "paid_at", "closed_at",
    "close_inferred", "total_amount", "paid_amount", "payment_method", "platform", "has_remark",
    "shipped_at", "delivered_at", "settled_at",
)  # fmt: skip
"""The columns of the orders as of the moment that a plan keeps (of ``ORDERS_AS_OF``)."""
_PAID: Final = [str(status) for status in OrderStatus if status.was_paid]
_AFTER_SALE: Final = ["shipped", "delivered", "settled"]
AFTER_SALE_LOOKBACK: Final = timedelta(days=45)
"""How far back an order's last after-sale event (shipped, delivered, confirmed) may be for
the after-sale playbooks to consider it."""

CANCEL_LOOKBACK: Final = timedelta(days=14)
"""How far back a plan looks for cancellations (a ``cancel_save`` playbook's ``valid_for``
chooses within it)."""


def recently_cancelled(known: pa.Table, now: datetime) -> pa.Array:
    """The ids of the orders cancelled after payment within :data:`CANCEL_LOOKBACK` of
    ``now`` (the orders as of ``now``)."""
    kind = known["closed_at"].type
    found = known.filter(
        pc.and_(
            pc.equal(known["status"], str(OrderStatus.CANCELLED)),
            pc.and_(
                pc.greater(known["closed_at"], pa.scalar(now - CANCEL_LOOKBACK, kind)),
                pc.less_equal(known["closed_at"], pa.scalar(now, kind)),
            ),
        )
    )
    return found["order_id"].combine_chunks()


@dataclass(frozen=True, slots=True)
class FactRequest:
    """What a plan knows before it reads facts: the store, the moment, its orders as of then
    (``known``: :data:`KNOWN_COLUMNS`), those open and unpaid (``open_ids``), yesterday's
    orders closed before payment (``closed``: ``order_id``, ``closed_at``,
    ``close_inferred``), the lines of the orders placed since ``placed_after`` (covering
    both), the re-orders among them, the buyers of both and the playbook names."""

    store_id: int
    now: datetime
    yesterday_end: datetime
    close_after: timedelta
    known: pa.Table
    open_ids: pa.Array
    closed: pa.Table
    placed_after: datetime
    lines: pa.Table
    reorders: pa.Table
    buyers: pa.Table
    playbooks: tuple[str, ...]


def _open_orders(app: App, request: FactRequest) -> pa.Table:
    known = request.known
    rows = known.filter(pc.is_in(known["order_id"], value_set=request.open_ids))
    return _facts(rows, request, OPEN_CONTRACT, {})


def _closed_orders(app: App, request: FactRequest) -> pa.Table:
    known = request.known
    ids = request.closed["order_id"].combine_chunks()
    rows = known.filter(pc.is_in(known["order_id"], value_set=ids))
    with app.engine.connect() as conn:
        said = planning_facts.closed_texts(
            conn, request.store_id, ids.to_pylist(), now=request.yesterday_end
        )
    return _facts(rows, request, CLOSED_CONTRACT, {"texts": said})


def _cancelled_orders(app: App, request: FactRequest) -> pa.Table:
    known = request.known
    ids = recently_cancelled(known, request.now)
    rows = known.filter(pc.is_in(known["order_id"], value_set=ids))
    rows = rows.append_column("cancelled_at", rows["closed_at"])
    return _facts(rows, request, CANCELLED_CONTRACT, {})


def _earlier_steps(app: App, request: FactRequest) -> pa.Table:
    since = min(request.now - request.close_after, request.placed_after)
    with app.engine.connect() as conn:
        return planning_facts.earlier_steps(
            conn, request.store_id, playbooks=request.playbooks, due_since=since
        )


def _earlier_first_steps(app: App, request: FactRequest) -> pa.Table:
    with app.engine.connect() as conn:
        return planning_facts.earlier_first_steps(
            conn,
            request.store_id,
            playbooks=request.playbooks,
            due_since=request.now - MAX_COOLDOWN,
        )


def _after_sale_orders(app: App, request: FactRequest) -> pa.Table:
    """Orders shipped, delivered or confirmed as of the moment whose last such event is
    within :data:`AFTER_SALE_LOOKBACK`, with their buyers and items (read for them: they
    are older than the unpaid orders the request covers)."""
    known = request.known
    last = pc.coalesce(known["settled_at"], known["delivered_at"], known["shipped_at"])
    since = pa.scalar(request.now - AFTER_SALE_LOOKBACK, last.type)
    rows = known.filter(
        pc.and_(
            pc.is_in(known["status"], value_set=pa.array(_AFTER_SALE)),
            pc.greater_equal(last, since),
        )
    )
    if rows.num_rows == 0:
        return AFTER_SALE_CONTRACT.empty_table()
    placed = pc.min(rows["created_at"]).as_py()
    keys = pc.unique(rows["customer_key"]).drop_null().to_pylist()
    with app.engine.connect() as conn:
        people = planning_facts.buyers(conn, request.store_id, keys)
        lines = planning_facts.order_lines_since(
            conn,
            request.store_id,
            placed_after=placed - timedelta(microseconds=1),
            now=request.now,
        )
    lines = lines.filter(pc.is_in(lines["order_id"], value_set=rows["order_id"].combine_chunks()))
    return _facts(rows, replace(request, buyers=people, lines=lines), AFTER_SALE_CONTRACT, {})


FACT_READERS: Final[Mapping[str, Callable[[App, FactRequest], pa.Table]]] = {
    OPEN_ORDERS: _open_orders,
    CLOSED_ORDERS: _closed_orders,
    CANCELLED_ORDERS: _cancelled_orders,
    EARLIER_STEPS: _earlier_steps,
    AFTER_SALE_ORDERS: _after_sale_orders,
    EARLIER_FIRST_STEPS: _earlier_first_steps,
}
"""How each fact table is made: one line per kind of fact."""


def read_facts(app: App, names: Iterable[str], request: FactRequest) -> dict[str, pa.Table]:
    """The fact tables ``names`` for ``request``."""
    found = {}
    for name in sorted(set(names)):
        reader = FACT_READERS.get(name)
        if reader is None:
            raise KeyError(f"no reader for the {name!r} facts (known: {', '.join(FACT_READERS)})")
        found[name] = reader(app, request)
    return found


def with_reorders(facts: pa.Table, reorders: pa.Table) -> pa.Table:
    """``facts`` with ``reordered_by`` taken from ``reorders`` (:mod:`winback.decide.reorders`)."""
    at = pc.index_in(facts["order_id"], value_set=reorders["order_id"].combine_chunks())
    column = facts.schema.get_field_index("reordered_by")
    return facts.set_column(column, "reordered_by", reorders["reordered_by"].take(at))


# -- joining orders, buyers, paid history, items -----------------------------------------------


def _facts(
    rows: pa.Table, request: FactRequest, schema: pa.Schema, lists: Mapping[str, pa.Table]
) -> pa.Table:
    """``rows`` (orders as of the moment) as ``schema``: with their buyers, the buyers' paid
    orders before the moment, their items, re-orders and the list columns of ``lists``.
    Each is looked up by key and taken column by column (no hash join copying the rows)."""
    columns = {name: rows[name] for name in rows.column_names}
    people = request.buyers
    at = pc.index_in(rows["customer_key"], value_set=people["customer_key"].combine_chunks())
    for name in people.column_names:
        if name != "customer_key":
            columns[name] = people[name].take(at)
    paid = _paid_orders(request.known, request.now)
    seen = pc.index_in(rows["customer_key"], value_set=paid["customer_key"].combine_chunks())
    columns["paid_orders"] = pc.fill_null(paid["paid_orders"].take(seen), 0)
    columns["amount"] = rows["total_amount"]
    columns["items"] = _lists(rows["order_id"], _titles(request.lines), "items")
    for name, table in lists.items():
        columns[name] = _lists(rows["order_id"], table, name)
    columns["reordered_by"] = pa.nulls(rows.num_rows, pa.string())
    arrays = [columns[field.name].cast(field.type) for field in schema]
    return with_reorders(pa.Table.from_arrays(arrays, schema=schema), request.reorders)


def _paid_orders(known: pa.Table, now: datetime) -> pa.Table:
    """customer key → orders paid before ``now`` (as of the moment: later payments are not
    known yet), the returning-buyer test of seed 003."""
    paid = known.filter(
        pc.and_(
            pc.is_in(known["status"], value_set=pa.array(_PAID)),
            pc.less(known["paid_at"], pa.scalar(now, known["paid_at"].type)),
        )
    )
    counted = paid.group_by("customer_key", use_threads=False).aggregate([([], "count_all")])
    counted = counted.filter(pc.is_valid(counted["customer_key"]))
    return pa.table({"customer_key": counted["customer_key"], "paid_orders": counted["count_all"]})


def _titles(lines: pa.Table) -> pa.Table:
    """``order_id`` → ``items``: the order's line titles, in line order."""
    grouped = (
        lines.select(["order_id", "title"])
        .group_by("order_id", use_threads=False)
        .aggregate([("title", "list")])
    )
    return pa.table({"order_id": grouped["order_id"], "items": grouped["title_list"]})


def _lists(order_ids: pa.ChunkedArray, table: pa.Table, name: str) -> pa.ChunkedArray:
    """The list column ``name`` of ``table`` for each of ``order_ids`` (empty when absent)."""
    at = pc.index_in(order_ids, value_set=table["order_id"].combine_chunks())
    empty = pa.scalar([], table.schema.field(name).type)
    return pc.fill_null(table[name].take(at), empty)
