"""D1 invariants over any mix of orders that the order state machine allows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from diagnostic_frames import T0, orders
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.analyse.decomposition import PARTS, decompose

# The timestamps each final status carries, in the order they happen.
PATHS: dict[str, tuple[str, ...]] = {
    "pending": (),
    "closed": ("closed",),
    "paid": ("paid",),
    "shipped": ("paid", "shipped"),
    "delivered": ("paid", "shipped", "delivered"),
    "settled": ("paid", "shipped", "delivered", "settled"),
    "cancelled": ("paid", "refunded"),
    "refunded": ("paid", "shipped", "delivered", "settled", "refunded"),
}
PART_OF_STATUS = {
    "pending": "unpaid",
    "paid": "paid_not_shipped",
    "shipped": "shipped",
    "delivered": "shipped",
    "settled": "settled",
    "closed": "closed_before_payment",
    "cancelled": "refunded",
    "refunded": "refunded",
}
ZONES = st.sampled_from(["Asia/Shanghai", "UTC", "America/Los_Angeles", "Asia/Kolkata"])
AMOUNTS = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)


@st.composite
def an_order(draw: st.DrawFn, number: int) -> dict[str, Any]:
    status = draw(st.sampled_from(sorted(PATHS)))
    path = PATHS[status]
    if status == "refunded":  # refunded after any number of forward steps
        path = (*path[: draw(st.integers(1, 4))], "refunded")
    amount = draw(AMOUNTS)
    at = T0 + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    row: dict[str, Any] = {
        "order_id": f"o{number}",
        "status": status,
        "created_at": at,
        "total_amount": amount,
        "refund_amount": Decimal("0.00"),
    }
    for event in path:
        at += timedelta(minutes=draw(st.integers(0, 4 * 24 * 60)))
        if draw(st.integers(0, 9)) > 0:  # now and then a source leaves a time out
            row[f"{event}_at"] = at
    if status in ("paid", "shipped", "delivered", "settled") and draw(st.booleans()):
        row["refund_amount"] = draw(st.decimals(min_value=0, max_value=amount, places=2))
        row["refunded_at"] = at + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
    return row


@st.composite
def order_mixes(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 40))
    return [draw(an_order(number)) for number in range(count)]


AS_OF = st.integers(0, 20 * 24 * 60).map(lambda minutes: T0 + timedelta(minutes=minutes))


@settings(max_examples=60, deadline=None)
@given(mix=order_mixes(), zone=ZONES, as_of=AS_OF)
def test_the_parts_sum_exactly_to_the_total_amount_every_day(
    mix: list[dict[str, Any]], zone: str, as_of: datetime
) -> None:
    rows = decompose(orders(*mix), timezone=zone, as_of=as_of).to_pylist()
    for row in rows:
        assert sum(row[f"{part}_amount"] for part in PARTS) == row["amount"]
    placed = [order["total_amount"] for order in mix if order["created_at"] <= as_of]
    assert sum(row["amount"] for row in rows) == sum(placed, Decimal(0))


@settings(max_examples=60, deadline=None)
@given(mix=order_mixes(), zone=ZONES, as_of=AS_OF)
def test_each_order_counts_in_exactly_one_part(
    mix: list[dict[str, Any]], zone: str, as_of: datetime
) -> None:
    rows = decompose(orders(*mix), timezone=zone, as_of=as_of).to_pylist()
    for row in rows:
        assert sum(row[f"{part}_orders"] for part in PARTS) == row["orders"]
    assert sum(row["orders"] for row in rows) == sum(o["created_at"] <= as_of for o in mix)


@settings(max_examples=40, deadline=None)
@given(mix=order_mixes(), zone=ZONES)
def test_once_every_event_has_happened_each_order_is_in_its_status_part(
    mix: list[dict[str, Any]], zone: str
) -> None:
    rows = decompose(orders(*mix), timezone=zone, as_of=T0 + timedelta(days=60)).to_pylist()
    for part in PARTS:
        expected = sum(PART_OF_STATUS[order["status"]] == part for order in mix)
        assert sum(row[f"{part}_orders"] for row in rows) == expected


@st.composite
def refunded_mixes(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Orders as above, where every cancelled or refunded order carries its refund: in full,
    or part of it (a refund without the shipping fee)."""
    mix = draw(order_mixes())
    for row in mix:
        if row["status"] in ("cancelled", "refunded") and row["total_amount"] > 0:
            full = draw(st.booleans())
            low = Decimal("0.01")
            part = draw(st.decimals(min_value=low, max_value=row["total_amount"], places=2))
            row["refund_amount"] = row["total_amount"] if full else part
    return mix


def refund_done(row: dict[str, Any], as_of: datetime) -> bool:
    """Whether the stored refund of ``row`` is known as of ``as_of`` (the order was paid,
    and its refund or, without one, its close was at or before the moment)."""
    if row["created_at"] > as_of or row["status"] in ("pending", "closed"):
        return False
    paid = next(
        (row.get(f"{e}_at") for e in ("paid", "shipped", "delivered", "settled", "refunded")
         if row.get(f"{e}_at") is not None),
        None,
    )  # fmt: skip
    if paid is not None and paid > as_of:
        return False
    when = row.get("refunded_at")
    return when is None or when <= as_of


@settings(max_examples=80, deadline=None)
@given(mix=refunded_mixes(), zone=ZONES, as_of=AS_OF)
def test_the_refunded_part_is_the_stored_refund_sum(
    mix: list[dict[str, Any]], zone: str, as_of: datetime
) -> None:
    """Issue 10, point 3: full and partial refunds alike, D1 refunds what the data refunded."""
    rows = decompose(orders(*mix), timezone=zone, as_of=as_of).to_pylist()
    stored = sum(
        (
            min(row["refund_amount"], row["total_amount"])
            for row in mix
            if refund_done(row, as_of) and (row["status"] != "cancelled" or row["refund_amount"])
        ),
        Decimal(0),
    )
    stored += sum(
        (
            row["total_amount"]
            for row in mix
            if refund_done(row, as_of)
            and row["status"] in ("cancelled", "refunded")
            and not row["refund_amount"]
        ),
        Decimal(0),
    )
    assert sum(row["refunded_amount"] for row in rows) == stored
