"""The demo's orders as one Arrow table, for benchmarks of 10 million orders and more.

:func:`simulate_orders_table` runs the same draws as :func:`winback.demo.simulator.simulate`
(same seed and size → the same orders, ids and statuses) but builds columns straight from the
numpy arrays: no Python object per order. Times are stored as UTC instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from winback.demo.buyers import buyer_handles
from winback.demo.calendar import HOUR, NEVER, ShopPlan
from winback.demo.draws import mean_orders_per_day
from winback.demo.outcomes import PAYMENT_METHODS
from winback.demo.shared import draw_world
from winback.demo.status import STATUS_CODES
from winback.model import Platform

TABLE_DAYS: Final = 60
MONEY: Final = pa.decimal128(18, 2)
INSTANT: Final = pa.timestamp("us", tz="UTC")
SCHEMA: Final = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        *[(name, INSTANT) for name in (
            "created_at", "paid_at", "shipped_at", "delivered_at", "settled_at", "closed_at",
            "refunded_at",
        )],
        ("total_amount", MONEY),
        ("paid_amount", MONEY),
        ("refund_amount", MONEY),
        ("payment_method", pa.string()),
        ("platform", pa.string()),
        ("consulted", pa.bool_()),
    ]
)  # fmt: skip


def simulate_orders_table(
    *, seed: int, n_orders: int, start: date, tz: str = "Asia/Shanghai"
) -> pa.Table:
    """About ``n_orders`` Taobao orders over 60 days, exported at the end of the last day."""
    plan = ShopPlan(
        start=start,
        days=TABLE_DAYS,
        tz=tz,
        orders_per_day=mean_orders_per_day(n_orders, TABLE_DAYS),
    )
    world = draw_world(seed, plan)
    draws, r = world.draws, world.resolve(plan.end_seconds)
    index = r.index
    to_utc = _UtcConverter(plan)
    paid = r.paid < NEVER
    status_names = pa.array([status.value for status in STATUS_CODES], pa.string())
    methods = pa.array(list(PAYMENT_METHODS), pa.string())
    method_codes = np.where(paid, draws.outcomes.payment_method[index], -1)
    columns: dict[str, pa.Array] = {
        "order_id": pa.array(draws.order_number[index]).cast(pa.string()),
        "customer_key": _customer_keys(draws.customer[index]),
        "status": status_names.take(pa.array(r.status.astype(np.int32))),
        "created_at": to_utc(draws.created[index]),
        "paid_at": to_utc(r.paid),
        "shipped_at": to_utc(r.shipped),
        "delivered_at": to_utc(r.delivered),
        "settled_at": to_utc(r.settled),
        "closed_at": to_utc(r.closed),
        "refunded_at": to_utc(r.refunded),
        "total_amount": _money(draws.total_cents[index]),
        "paid_amount": _money(r.paid_cents, valid=paid),
        "refund_amount": _money(r.refund_cents),
        "payment_method": methods.take(pa.array(method_codes, mask=~paid).cast(pa.int32())),
        "platform": pa.repeat(pa.scalar(Platform.TAOBAO.value, pa.string()), len(index)),
        "consulted": pa.array(draws.consulted[index]),
    }
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def write_orders_parquet(table: pa.Table, path: Path) -> None:
    """Write the table as one Parquet file (zstd-compressed)."""
    pq.write_table(table, path, compression="zstd")


def _customer_keys(customers: npt.NDArray[np.int64]) -> pa.Array:
    digits = pa.array(buyer_handles(customers)).cast(pa.string())
    return pc.binary_join_element_wise("tb_", digits, "")


def _money(cents: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """decimal128(18, 2) straight from integer cents (16-byte little-endian integers)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    validity = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    nulls = 0 if valid is None else int((~valid).sum())
    return pa.Array.from_buffers(
        MONEY, len(cents), [validity, pa.py_buffer(words)], null_count=nulls
    )


class _UtcConverter:
    """Shop seconds → UTC microseconds, with the zone's offset looked up per local hour."""

    def __init__(self, plan: ShopPlan) -> None:
        zone = ZoneInfo(plan.tz)
        base = datetime.combine(plan.start, time())
        hours = (plan.days + 40) * 24
        offsets = [
            (base + timedelta(hours=h)).replace(tzinfo=zone).utcoffset() or timedelta()
            for h in range(hours)
        ]
        self._offsets = np.array([int(o.total_seconds()) for o in offsets], dtype=np.int64)
        self._epoch = int(
            (base.replace(tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds()
        )

    def __call__(self, seconds: npt.NDArray[np.int64]) -> pa.Array:
        reached = seconds < NEVER
        local = np.where(reached, seconds, 0)
        hour = np.clip(local // HOUR, 0, len(self._offsets) - 1)
        micros = (self._epoch + local - self._offsets[hour]) * 1_000_000
        return pa.array(micros, type=pa.int64(), mask=~reached).cast(INSTANT)
