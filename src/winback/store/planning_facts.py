"""What planning reads besides the orders (docs/playbooks.md, "Planning at scale"), as Arrow
tables, never one Python object per order.

The orders themselves come judged as of the moment (``services.known``); the planning facts
of :mod:`winback.contracts` are made of them and of what is read here:

* :func:`buyers` — ``BUYERS``: each buyer's contacts, masks, latest consent per channel and
  whether the platform's chat reaches them (their paid history is the orders');
* :func:`order_lines_since` — the lines of the orders placed in a window (the items of a
  message, and of the re-order rule);
* :func:`closed_texts` — what the buyer and the shop said about given orders: the close and
  cancel reasons and the buyer's last chat lines (the material of a reason guess);
* :func:`earlier_steps` — ``EARLIER_STEPS``: what earlier plan runs put in the outbox.
* :func:`earlier_first_steps` — ``EARLIER_FIRST_STEPS``: their first steps per buyer, over
  a year (per-buyer cooldowns).

Rows travel from the database in chunks (:mod:`winback.store._arrow`) and become Arrow
column by column. On SQLite, a read that covers most of a store scans the table in storage
order instead of walking an index row by row (ten times faster on a million orders); the
share is counted first, from the index alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, text

from winback.contracts import BUYERS, EARLIER_FIRST_STEPS, EARLIER_STEPS
from winback.model import Channel
from winback.platforms import CHINESE_MARKETPLACES
from winback.store._arrow import read_arrow
from winback.store._bulk import Bulk
from winback.store.recovery import last_chat_lines
from winback.store.schema import to_epoch_us

__all__ = [
    "LINES",
    "buyers",
    "closed_texts",
    "earlier_first_steps",
    "earlier_steps",
    "order_lines_since",
]

LINES: Final = pa.schema(
    [("order_id", pa.string()), ("title", pa.string()), ("product_id", pa.string())]
)
"""The lines :func:`order_lines_since` reads, in order and line order."""

SCAN_SHARE: Final = 0.2
"""On SQLite, a read of more than this share of a store's rows scans the table."""
KEYS_PER_QUERY: Final = 20_000

_CHAT: Final = ", ".join(f"'{p}'" for p in sorted(CHINESE_MARKETPLACES))
_CONSENT: Final = (Channel.SMS, Channel.EMAIL, Channel.PHONE)


def buyers(conn: Connection, store_id: int, keys: Sequence[str] | None = None) -> pa.Table:
    """``BUYERS`` of the store (only those whose ``customer_key`` is in ``keys``, when
    given): contacts known or masked, the latest consent statement per channel (refused or
    granted; a statement without an answer counts as neither), and the platform's chat."""
    bulk = Bulk(conn)
    consent = ", ".join(
        f"max(CASE WHEN channel = '{c}' AND granted THEN 1 ELSE 0 END), "
        f"max(CASE WHEN channel = '{c}' AND NOT granted THEN 1 ELSE 0 END)"
        for c in _CONSENT
    )
    zeros = ", ".join(f"coalesce(s.g_{c}, 0), coalesce(s.r_{c}, 0)" for c in _CONSENT)
    named = ", ".join(f"g_{c}, r_{c}" for c in _CONSENT)
    sql = (
        "WITH latest AS ("
        " SELECT n.customer_id, n.channel, n.granted, row_number() OVER ("
        "  PARTITION BY n.customer_id, n.channel ORDER BY n.recorded_at DESC, n.id DESC) AS rn"
        " FROM consents n JOIN customers k ON k.id = n.customer_id WHERE k.store_id = :store"
        f"), consent (customer_id, {named}) AS ("
        f" SELECT customer_id, {consent} FROM latest"
        " WHERE rn = 1 AND granted IS NOT NULL GROUP BY customer_id"
        ") SELECT c.customer_key, c.id, "
        "CASE WHEN coalesce(c.phone, '') <> '' THEN 1 ELSE 0 END, "
        "CASE WHEN c.phone_masked THEN 1 ELSE 0 END, "
        "CASE WHEN coalesce(c.email, '') <> '' THEN 1 ELSE 0 END, "
        f"CASE WHEN c.email_masked THEN 1 ELSE 0 END, {zeros}, "
        f"CASE WHEN c.platform IN ({_CHAT}) THEN 1 ELSE 0 END "
        "FROM customers c LEFT JOIN consent s ON s.customer_id = c.id WHERE c.store_id = :store"
    )
    if keys is None or len(keys) > KEYS_PER_QUERY:
        everyone = read_arrow(conn, sql, {"store": store_id}, BUYERS)
        if keys is None:
            return everyone
        return everyone.filter(pc.is_in(everyone["customer_key"], pa.array(keys)))
    chosen = f"{sql} AND {bulk.in_keys('c.customer_key')}"
    return read_arrow(conn, chosen, {"store": store_id, "keys": bulk.keys(keys)}, BUYERS)


def order_lines_since(
    conn: Connection, store_id: int, *, placed_after: datetime, now: datetime
) -> pa.Table:
    """The lines (:data:`LINES`) of the orders placed in (``placed_after``, ``now``], in
    order and line order."""
    scan = "NOT INDEXED " if _most_of_the_store(conn, store_id, placed_after) else ""
    sql = (
        "SELECT o.order_id, l.title, l.product_id FROM order_lines l "
        f"JOIN orders o {scan}ON o.id = l.order_row_id "
        "WHERE o.store_id = :store AND o.created_at > :after AND o.created_at <= :now "
        "ORDER BY o.id, l.id"
    )
    params = {"store": store_id, "after": placed_after, "now": now}
    return read_arrow(conn, sql, params, LINES)


def closed_texts(
    conn: Connection,
    store_id: int,
    order_ids: Sequence[str],
    *,
    now: datetime,
    chat_lines: int = 5,
) -> pa.Table:
    """``order_id`` and ``texts`` of ``order_ids``: the close and cancel reasons, then the
    buyer's last ``chat_lines`` chat messages before ``now`` (the buyer's own words)."""
    schema = pa.schema([("order_id", pa.string()), ("texts", pa.list_(pa.string()))])
    if not order_ids:
        return schema.empty_table()
    bulk = Bulk(conn)
    rows = bulk.rows(
        "SELECT order_id, close_reason, cancel_reason, customer_id FROM orders "
        f"WHERE store_id = :store AND {bulk.in_keys('order_id')}",
        store=store_id,
        keys=bulk.keys(order_ids),
    )
    customers = {row[3] for row in rows if row[3] is not None}
    said = last_chat_lines(conn, store_id, customers, limit=chat_lines, sender="buyer", before=now)
    texts = {
        order_id: [t for t in (close, cancel, *(line.text for line in said.get(customer, ()))) if t]
        for order_id, close, cancel, customer in rows
    }
    return pa.table(
        {"order_id": list(order_ids), "texts": [texts.get(o, []) for o in order_ids]},
        schema=schema,
    )


def earlier_steps(
    conn: Connection, store_id: int, *, playbooks: Sequence[str], due_since: datetime
) -> pa.Table:
    """``EARLIER_STEPS``: per playbook of ``playbooks`` and order, the highest step and the
    latest due time of the actions in the outbox due since ``due_since`` (any status, held
    out included: the control group is timed like the others)."""
    if not playbooks:
        return EARLIER_STEPS.empty_table()
    bulk = Bulk(conn)
    sql = (
        f"SELECT a.playbook, ao.order_id, max(a.step), max({bulk.instant('a.due_at')}) "
        "FROM action_orders ao JOIN actions a ON a.id = ao.action_id "
        f"WHERE ao.store_id = :store AND a.due_at >= :since AND {bulk.in_keys('a.playbook')} "
        "GROUP BY a.playbook, ao.order_id"
    )
    params = {"store": store_id, "since": due_since, "keys": bulk.keys(playbooks)}
    return read_arrow(conn, sql, params, EARLIER_STEPS)


def earlier_first_steps(
    conn: Connection, store_id: int, *, playbooks: Sequence[str], due_since: datetime
) -> pa.Table:
    """``EARLIER_FIRST_STEPS``: the first steps of ``playbooks`` in the outbox due since
    ``due_since``, per playbook, buyer and order (the latest due time). Left out: those
    that reached nobody (failed, cancelled, skipped by the send policy) and those without a
    buyer id (nothing to count them against); held out ones count (the control group is
    timed like the others)."""
    if not playbooks:
        return EARLIER_FIRST_STEPS.empty_table()
    bulk = Bulk(conn)
    sql = (
        f"SELECT a.playbook, a.customer_id, ao.order_id, max({bulk.instant('a.due_at')}) "
        "FROM action_orders ao JOIN actions a ON a.id = ao.action_id "
        "WHERE ao.store_id = :store AND a.step = 1 AND a.due_at >= :since "
        "AND a.customer_id IS NOT NULL AND a.status NOT IN ('failed', 'cancelled', 'skipped') "
        f"AND {bulk.in_keys('a.playbook')} "
        "GROUP BY a.playbook, a.customer_id, ao.order_id"
    )
    params = {"store": store_id, "since": due_since, "keys": bulk.keys(playbooks)}
    return read_arrow(conn, sql, params, EARLIER_FIRST_STEPS)


def _most_of_the_store(conn: Connection, store_id: int, placed_after: datetime) -> bool:
    """On SQLite, whether the orders placed since ``placed_after`` are more than
    :data:`SCAN_SHARE` of the store's (both counted from the (store, created) index)."""
    if conn.dialect.name == "postgresql":
        return False  # its planner has the statistics to choose
    total, recent = conn.execute(
        text(
            "SELECT count(*), sum(CASE WHEN created_at > :after THEN 1 ELSE 0 END) "
            "FROM orders WHERE store_id = :store"
        ),
        {"store": store_id, "after": to_epoch_us(placed_after)},
    ).one()
    return bool(total) and (recent or 0) > SCAN_SHARE * total
