"""The status rule is order-independent where it can be.

``advance`` is a strict partial order: ``pending → paid → shipped → delivered → settled →
refunded``, ``pending → closed``, ``paid → cancelled`` and so on (transitive). When every pair
of reported statuses is comparable (they lie on one chain, e.g. pending, paid, settled,
refunded), the order ends in the greatest of them *whatever the order of arrival*, which is
what applying them in progress order gives. That is not true of incomparable reports (closed
vs paid: whichever arrives first wins), so the property is stated for chains only.

Stronger, for snapshots of one true history (each export shows the times known so far):
any arrival order stores the same status, timestamps and timeline as the chronological one.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from store_factories import apply, new_store, order, stored_order, timeline

from winback.model import OrderStatus, advance, can_move, progress

CHAINS = [
    # Every maximal chain of the state machine; any subset of one is a chain too.
    (OrderStatus.PENDING, OrderStatus.CLOSED),
    (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.CANCELLED),
    (
        OrderStatus.PENDING,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.SETTLED,
        OrderStatus.REFUNDED,
    ),
]


@st.composite
def reports_on_a_chain(draw: st.DrawFn) -> list[OrderStatus]:
    chain = draw(st.sampled_from(CHAINS))
    statuses = draw(st.lists(st.sampled_from(chain), min_size=1, max_size=7))
    return draw(st.permutations(statuses))


def test_the_chains_are_chains() -> None:
    for chain in CHAINS:
        for a, b in itertools.combinations(chain, 2):
            assert can_move(a, b), (a, b)


@given(reports=reports_on_a_chain())
def test_advance_ends_in_the_greatest_report_whatever_the_order(
    reports: list[OrderStatus],
) -> None:
    status = reports[0]
    for reported in reports[1:]:
        status = advance(status, reported)
    in_order = sorted(reports, key=progress)
    expected = in_order[0]
    for reported in in_order[1:]:
        expected = advance(expected, reported)
    assert status == expected == max(reports, key=progress)


_examples = itertools.count()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(reports=reports_on_a_chain(), batched=st.booleans())
def test_the_store_ends_in_the_same_state_whatever_order_snapshots_arrive_in(
    engine: Engine, reports: list[OrderStatus], batched: bool
) -> None:
    def stored(arrivals: list[OrderStatus]) -> tuple[object, ...]:
        with engine.begin() as conn:
            store = new_store(conn, f"shop-{next(_examples)}")
        snapshots = [order("1", status) for status in arrivals]
        if batched:
            apply(engine, store, snapshots)
        else:
            for snapshot in snapshots:
                apply(engine, store, [snapshot])
        row = stored_order(engine, store, "1")
        times: tuple[datetime | None, ...] = (
            row.paid_at, row.shipped_at, row.delivered_at, row.settled_at, row.closed_at,
            row.refunded_at,
        )  # fmt: skip
        return (row.status, times, row.paid_amount, row.refund_amount, timeline(engine, store, "1"))

    assert stored(reports) == stored(sorted(reports, key=progress))
