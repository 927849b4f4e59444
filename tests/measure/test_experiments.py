"""Holdout lift: Newcombe's interval against the published example, a hand-computed holdout,
and a simulation with a known true lift."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from scipy.stats import binomtest
from test_attribution import T0, actions_frame, orders_frame

from winback.measure.experiments import (
    bootstrap_mean_difference,
    holdout_lift,
    newcombe_difference,
    wilson_interval,
)

WINDOW = timedelta(hours=72)


def test_newcombes_interval_reproduces_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873–890, example (a): 56/70 − 48/80,
    # method 10 gives 0.0524 to 0.3339.
    found = newcombe_difference(56, 70, 48, 80)
    assert found.estimate == pytest.approx(0.2)
    assert found.lower == pytest.approx(0.0524, abs=5e-5)
    assert found.upper == pytest.approx(0.3339, abs=5e-5)


@pytest.mark.parametrize(("x", "n"), [(0, 10), (81, 263), (10, 10), (3, 7)])
def test_wilsons_interval_agrees_with_scipy(x: int, n: int) -> None:
    ours = wilson_interval(x, n)
    theirs = binomtest(x, n).proportion_ci(method="wilson")
    assert (ours.lower, ours.upper) == pytest.approx((theirs.low, theirs.high), abs=1e-9)


def test_the_bootstrap_is_reproducible_with_its_seed() -> None:
    a, b = np.array([1.0, 2.0, 3.0, 10.0]), np.array([0.0, 1.0, 1.0])
    assert bootstrap_mean_difference(a, b, seed=7) == bootstrap_mean_difference(a, b, seed=7)


def test_the_holdout_lift_matches_hand_computed_numbers() -> None:
    hour = timedelta(hours=1)
    actions = actions_frame(
        [
            {"action_id": i, "playbook": "unpaid", "step": 1, "channel": "sms",
             "due_at": T0, "sent_at": T0, "held_out": held, "order_ids": [order]}
            for i, (order, held) in enumerate(
                [("t1", False), ("t2", False), ("t3", False), ("t4", False),
                 ("h1", True), ("h2", True)]
            )
        ]
    )  # fmt: skip
    orders = orders_frame(
        [
            ("t1", T0 + hour, "100.00"),  # converted
            ("t2", T0 + 80 * hour, "100.00"),  # paid after the window: not converted
            ("t3", None, "100.00"),
            ("t4", T0 - hour, "100.00"),  # paid before its anchor: left out
            ("h1", T0 + 2 * hour, "50.00"),
            ("h2", None, "50.00"),
        ]
    )
    (row,) = holdout_lift(actions, orders, WINDOW).to_pylist()
    assert (row["treated_orders"], row["treated_converted"]) == (3, 1)
    assert (row["held_out_orders"], row["held_out_converted"]) == (2, 1)
    assert row["lift"] == pytest.approx(1 / 3 - 1 / 2)
    assert row["amount_lift"] == Decimal("8.33")  # 100/3 − 50/2
    assert row["incremental_amount"] == Decimal("25.00")  # (100/3 − 25) × 3
    assert row["lift_lower"] < row["lift"] < row["lift_upper"]


def test_orders_whose_actions_are_still_to_come_are_left_out_until_then() -> None:
    later = T0 + timedelta(hours=5)
    actions = actions_frame(
        [
            {"action_id": 1, "playbook": "unpaid", "step": 1, "channel": "sms", "due_at": T0,
             "sent_at": T0, "order_ids": ["now"]},
            {"action_id": 2, "playbook": "unpaid", "step": 1, "channel": "sms", "due_at": later,
             "sent_at": None, "order_ids": ["later"]},
        ]
    )  # fmt: skip
    orders = orders_frame([("now", None, "1.00"), ("later", None, "1.00")])
    (before,) = holdout_lift(actions, orders, WINDOW, now=T0 + timedelta(hours=1)).to_pylist()
    (after,) = holdout_lift(actions, orders, WINDOW, now=later).to_pylist()
    assert (before["treated_orders"], after["treated_orders"]) == (1, 2)


def test_without_a_held_out_group_there_is_no_lift() -> None:
    actions = actions_frame(
        [{"action_id": 1, "playbook": "unpaid", "step": 1, "channel": "sms",
          "sent_at": T0, "order_ids": ["a"]}]
    )  # fmt: skip
    (row,) = holdout_lift(actions, orders_frame([("a", None, "1.00")]), WINDOW).to_pylist()
    assert row["lift"] is None and row["held_out_orders"] == 0


def simulated(seed: int, n: int, true_control: float, true_lift: float) -> tuple:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    held = rng.random(n) < 0.2
    rate = np.where(held, true_control, true_control + true_lift)
    paid = rng.random(n) < rate
    ids = [f"o{i}" for i in range(n)]
    actions = actions_frame(
        [
            {"action_id": i, "playbook": "unpaid", "step": 1, "channel": "sms", "due_at": T0,
             "sent_at": None if held[i] else T0, "held_out": bool(held[i]), "order_ids": [ids[i]]}
            for i in range(n)
        ]
    )  # fmt: skip
    orders = orders_frame(
        [(ids[i], T0 + timedelta(hours=5) if paid[i] else None, "100.00") for i in range(n)]
    )
    return actions, orders


def test_the_interval_covers_a_known_true_lift_in_a_simulation() -> None:
    actions, orders = simulated(seed=11, n=5000, true_control=0.20, true_lift=0.08)
    (row,) = holdout_lift(actions, orders, WINDOW, seed=1).to_pylist()
    assert row["lift_lower"] <= 0.08 <= row["lift_upper"]
    assert row["amount_lift_lower"] <= Decimal(8) <= row["amount_lift_upper"]
    assert row["lift_lower"] > 0  # 5000 orders detect an 8-point lift


def test_newcombes_interval_covers_the_true_difference_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(2026)
    trials, covered = 2000, 0
    for _ in range(trials):
        x1, x2 = rng.binomial(120, 0.30), rng.binomial(40, 0.18)
        covered += newcombe_difference(int(x1), 120, int(x2), 40).covers(0.12)
    assert 0.93 <= covered / trials <= 0.975
