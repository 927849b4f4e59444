"""Build diagnostic frames (winback.analyse.frames contracts) from a few dicts per test."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from winback.analyse.frames import CHATS, FEEDBACK, ORDER_LINES, ORDERS, STOCK

T0 = datetime(2024, 7, 29, 16, 0, tzinfo=UTC)  # 2024-07-30 00:00 in Asia/Shanghai
SHANGHAI = "Asia/Shanghai"


def frame(schema: pa.Schema, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A table of ``schema``; columns a row leaves out are null."""
    rows = list(rows)
    return pa.table(
        {
            field.name: pa.array([row.get(field.name) for row in rows], field.type)
            for field in schema
        },
        schema=schema,
    )


def orders(*rows: Mapping[str, Any]) -> pa.Table:
    return frame(ORDERS, rows)


def chats(*rows: Mapping[str, Any]) -> pa.Table:
    return frame(CHATS, rows)


def lines(*rows: Mapping[str, Any]) -> pa.Table:
    return frame(ORDER_LINES, rows)


def stock(*rows: Mapping[str, Any]) -> pa.Table:
    return frame(STOCK, rows)


def feedback(*rows: Mapping[str, Any]) -> pa.Table:
    return frame(FEEDBACK, rows)


def order(
    order_id: str,
    status: str,
    *,
    at: timedelta = timedelta(hours=10),
    amount: str = "100.00",
    customer: str | None = None,
    **times: timedelta | str | None,
) -> dict[str, Any]:
    """An order placed ``at`` after T0; ``paid=timedelta(...)`` etc. are offsets from its
    creation and set ``paid_at`` and friends; other keywords are set as they are."""
    row: dict[str, Any] = {
        "order_id": order_id,
        "status": status,
        "customer_key": customer,
        "created_at": T0 + at,
        "total_amount": Decimal(amount),
        "refund_amount": Decimal("0.00"),
    }
    for key, value in times.items():
        if isinstance(value, timedelta):
            row[f"{key}_at"] = T0 + at + value
        elif key == "refund":
            row["refund_amount"] = None if value is None else Decimal(value)
        else:
            row[key] = value
    return row
