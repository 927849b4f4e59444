"""The lifecycle rules, checked against a plain-Python reading of docs/lifecycle.md on
random order histories (Hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.analyse.lifecycle import (
    customer_segments,
    purchase_days,
    segment_sizes_over_time,
    segment_summary,
)

AS_OF = date(2024, 6, 30)
MONEY = pa.decimal128(18, 2)
STATUSES = ("pending", "paid", "shipped", "delivered", "settled", "closed", "cancelled", "refunded")

order_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(min_value=-20, max_value=400),  # days before AS_OF (negative: after it)
        st.sampled_from(STATUSES),
        st.integers(min_value=0, max_value=50_000),  # total, cents
        st.integers(min_value=0, max_value=60_000),  # refund, cents
    ),
    max_size=40,
)


def frame(rows: list[tuple[str, int, str, int, int]]) -> pa.Table:
    return pa.table(
        {
            "customer_key": [r[0] for r in rows],
            "status": [r[2] for r in rows],
            "created_at": pa.array(
                [datetime(2024, 6, 30, 12, tzinfo=UTC) - timedelta(days=r[1]) for r in rows],
                pa.timestamp("us", tz="UTC"),
            ),
            "total_amount": pa.array([Decimal(r[3]).scaleb(-2) for r in rows], MONEY),
            "paid_amount": pa.array([Decimal(r[3]).scaleb(-2) for r in rows], MONEY),
            "refund_amount": pa.array([Decimal(r[4]).scaleb(-2) for r in rows], MONEY),
        }
    )


def expected_segments(
    rows: list[tuple[str, int, str, int, int]], known: set[str], cutoff: int
) -> dict[str, tuple[str, Decimal]]:
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for key, before, status, total, refund in rows:
        day = AS_OF - timedelta(days=before)
        bought = status not in ("closed", "cancelled", "refunded")
        fully_refunded = refund > 0 and refund >= total
        if day <= AS_OF and bought and not fully_refunded:
            days[key][day] += Decimal(total - refund).scaleb(-2)
    result: dict[str, tuple[str, Decimal]] = {}
    for key, purchases in days.items():
        silent = (AS_OF - max(purchases)).days
        segment = (
            "lost" if silent > cutoff else "active" if len(purchases) >= 2 else "repeat_seeking"
        )
        result[key] = (segment, sum(purchases.values(), start=Decimal(0)))
    for key in known - set(result):
        result[key] = ("potential", Decimal(0))
    return result


@settings(max_examples=40, deadline=None)
@given(
    order_rows,
    st.sets(st.sampled_from(["a", "x", "y"])),
    st.integers(min_value=1, max_value=200),
)
def test_segments_follow_the_documented_rules(
    rows: list[tuple[str, int, str, int, int]], known: set[str], cutoff: int
) -> None:
    days = purchase_days(frame(rows), as_of=AS_OF, time_zone="UTC")
    table = customer_segments(
        days, pa.table({"customer_key": pa.array(sorted(known), pa.string())}),
        as_of=AS_OF, cutoff_days=cutoff,
    )  # fmt: skip
    found = {row["customer_key"]: (row["segment"], row["revenue"]) for row in table.to_pylist()}
    assert found == expected_segments(rows, known, cutoff)
    summary = segment_summary(table)
    assert sum(summary.column("customers").to_pylist()) == table.num_rows
    sizes = segment_sizes_over_time(
        days, pa.table({"customer_key": pa.array(sorted(known), pa.string())}),
        as_ofs=[AS_OF], cutoff_days=cutoff,
    )  # fmt: skip
    assert sizes.column("customers").to_pylist() == summary.column("customers").to_pylist()
