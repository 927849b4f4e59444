"""D6 over a report period: earlier orders make buyers returning but are not analysed."""

from __future__ import annotations

from datetime import timedelta

from diagnostic_frames import T0, order, orders

from winback.analyse.payment_time import payment_time

H = timedelta(hours=1)
D = timedelta(days=1)


def test_orders_before_the_period_are_left_out_but_still_make_their_buyers_returning() -> None:
    placed = orders(
        order(
            "old",
            "settled",
            at=timedelta(hours=1),
            customer="alice",
            paid=10 * timedelta(minutes=1),
        ),
        order("a2", "paid", at=3 * D, customer="alice", paid=H),
        order("b1", "pending", at=3 * D, customer="bob"),
    )
    whole = payment_time(placed, T0 + 5 * D)
    period = payment_time(placed, T0 + 5 * D, placed_from=T0 + 2 * D)
    assert whole.segment("all", "all")["n_orders"] == 3  # type: ignore[index]
    assert sorted(period.orders["order_id"].to_pylist()) == ["a2", "b1"]
    returning = period.segment("buyer_type", "returning")
    assert returning is not None and returning["n_orders"] == 1 and returning["n_paid"] == 1
    assert period.excluded_after_cutoff == 0
    # without the earlier order in the frame, alice would look new
    alone = payment_time(placed.slice(1), T0 + 5 * D)
    assert alone.segment("buyer_type", "returning")["n_orders"] == 0  # type: ignore[index]
