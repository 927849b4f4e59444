"""The store's orders as known at a moment: the one read every figure and plan starts from.

:func:`orders_known` applies :func:`winback.analyse.orders_as_of.orders_as_of` (the deadline
rule: an unpaid order past its platform's deadline is closed) to the store's orders, so that
``diagnose``, ``plan``, ``tasks``, the reports and the API judge every order alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa

from winback.analyse.orders_as_of import orders_as_of
from winback.app import App
from winback.config import Settings
from winback.contracts import ORDERS
from winback.model import OrderStatus
from winback.store import frames
from winback.store.types import StoreInfo

__all__ = ["orders_known", "orders_known_in_chunks", "statuses_known"]


def orders_known(app: App, info: StoreInfo, settings: Settings, now: datetime) -> pa.Table:
    """The orders of ``info``'s store as they stood at ``now`` (``ORDERS_AS_OF`` contract)."""
    with app.engine.connect() as conn:
        orders = frames.orders_frame(conn, info.id)
    return orders_as_of(orders, as_of=now, close_after=settings.store.close_after)


def orders_known_in_chunks(
    app: App, info: StoreInfo, settings: Settings, now: datetime, columns: Sequence[str]
) -> pa.Table:
    """:func:`orders_known` reduced to ``columns`` (of ``ORDERS_AS_OF``), read and judged a
    chunk at a time by the same rule: the same rows, in no particular order, without ever
    holding the whole store's orders with every column (a plan over a million orders)."""
    kept = list(columns)
    parts = []
    with app.engine.connect() as conn:
        for chunk in frames.orders_frame_chunks(conn, info.id):
            judged = orders_as_of(chunk, as_of=now, close_after=settings.store.close_after)
            parts.append(judged.select(kept))
    if not parts:
        empty = orders_as_of(
            ORDERS.empty_table(), as_of=now, close_after=settings.store.close_after
        )
        return empty.select(kept)
    return pa.concat_tables(parts)


def statuses_known(
    app: App,
    info: StoreInfo,
    settings: Settings,
    now: datetime,
    order_ids: Sequence[str],
) -> dict[str, OrderStatus]:
    """The status of each of ``order_ids`` as of ``now`` (orders not stored, or placed after
    ``now``, are absent)."""
    with app.engine.connect() as conn:
        frame = frames.orders_frame(conn, info.id, order_ids=order_ids)
    known = orders_as_of(frame, as_of=now, close_after=settings.store.close_after)
    return {
        order_id: OrderStatus(status)
        for order_id, status in zip(
            known["order_id"].to_pylist(), known["status"].to_pylist(), strict=True
        )
    }
