"""Payment reminders for unpaid orders: timing, merging, channels, holdout, idempotent keys."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from recovery_facts import (
    NOW,
    SHANGHAI,
    buyer,
    context,
    default_playbooks,
    plan_unpaid,
    unpaid,
    unpaid_plan,
)
from reference_planner.facts import UnpaidOrder

from winback.analyse.payment_time import PaymentTimeSettings, payment_time
from winback.contracts import planned_actions
from winback.decide.holdout import holdout_draw, is_held_out
from winback.model import ActionChannel, Channel, OrderStatus
from winback.playbook_settings import ChannelRule

BOOK = default_playbooks()["unpaid"].model_copy(update={"holdout_share": 0.0})


def test_a_new_buyer_gets_an_sms_at_the_fallback_delay_then_a_last_call() -> None:
    order = unpaid("o1", age=timedelta(minutes=10))
    first, second = plan_unpaid(context(), "unpaid", BOOK, [order])
    assert first.key == "buyer:buyer-1:unpaid:1@o1"
    assert first.channel is ActionChannel.SMS
    assert first.due_at == order.created_at + timedelta(hours=2)
    assert first.template == "unpaid_new_buyer"
    assert first.expires_at == order.created_at + timedelta(hours=72)
    assert (first.params["pay_before"], first.params["ships_today"]) == ("16:00", "yes")
    assert second.key == "buyer:buyer-1:unpaid:2@o1"
    assert second.due_at == order.created_at + timedelta(hours=24)
    assert second.template == "unpaid_new_buyer"


def test_a_returning_buyer_is_called_an_hour_later_inside_a_call_window() -> None:
    order = unpaid("o1", age=timedelta(minutes=10), who=buyer(paid_orders=2))
    first = plan_unpaid(context(), "unpaid", BOOK, [order])[0]
    # created 09:50 Shanghai; 2 h + 1 h later is 12:50, after the morning window: 15:30.
    assert first.channel is ActionChannel.PHONE_TASK
    assert first.due_at.astimezone(SHANGHAI).strftime("%H:%M") == "15:30"
    assert first.template == "unpaid_phone_script"


def test_large_orders_and_orders_with_a_remark_become_phone_tasks() -> None:
    large = unpaid("o1", amount="300.00", who=buyer("a"))
    remark = unpaid("o2", remark=True, who=buyer("b"))
    plans = plan_unpaid(context(), "unpaid", BOOK, [large, remark])
    assert {a.channel for a in plans} == {ActionChannel.PHONE_TASK}


def test_masked_contacts_make_a_platform_chat_task() -> None:
    order = unpaid("o1", who=buyer(masked=True))
    assert plan_unpaid(context(), "unpaid", BOOK, [order])[0].channel is ActionChannel.CHAT_TASK


def test_a_buyer_who_refused_sms_gets_email_when_an_address_is_known() -> None:
    order = unpaid("o1", who=buyer(email=True, refused=frozenset({Channel.SMS})))
    assert plan_unpaid(context(), "unpaid", BOOK, [order])[0].channel is ActionChannel.EMAIL


def test_one_buyer_with_several_unpaid_orders_gets_one_merged_reminder_per_step() -> None:
    older = unpaid("o1", age=timedelta(hours=1), amount="50.00")
    newer = unpaid("o2", age=timedelta(minutes=5), amount="60.00")
    plans = plan_unpaid(context(), "unpaid", BOOK, [newer, older])
    assert [a.step for a in plans] == [1, 2]
    assert plans[0].order_ids == ("o1", "o2")
    assert plans[0].amount == Decimal("110.00")
    assert plans[0].template == "unpaid_merged"
    assert plans[0].params["order_id"] == "o1, o2"
    assert plans[0].due_at == newer.created_at + timedelta(hours=2)
    assert plans[0].expires_at == older.created_at + timedelta(hours=72)


def test_paid_closed_and_auto_closed_orders_are_never_reminded() -> None:
    orders = [
        unpaid("paid", status=OrderStatus.PAID, who=buyer("a")),
        unpaid("closed", status=OrderStatus.CLOSED, who=buyer("b")),
        unpaid("too-old", age=timedelta(hours=73), who=buyer("c")),
    ]
    assert plan_unpaid(context(), "unpaid", BOOK, orders) == []


def test_when_planning_runs_late_only_the_last_overdue_step_is_planned_now() -> None:
    order = unpaid("o1", age=timedelta(hours=30))
    (only,) = plan_unpaid(context(), "unpaid", BOOK, [order])
    assert (only.step, only.due_at) == (2, NOW)


def test_a_reminder_is_moved_before_the_auto_close_deadline() -> None:
    book = BOOK.model_copy(update={"fallback_delay": timedelta(hours=80)})
    order = unpaid("o1", age=timedelta(minutes=10))
    (first,) = plan_unpaid(context(), "unpaid", book, [order])
    assert first.due_at == order.created_at + timedelta(hours=71)


def payment_history(paid_after: timedelta, payers: int) -> pa.Table:
    created = [datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(payers)]
    return pa.table(
        {
            "order_id": [f"h{i}" for i in range(payers)],
            "customer_key": [f"c{i}" for i in range(payers)],
            "status": ["paid"] * payers,
            "created_at": pa.array(created, pa.timestamp("us", "UTC")),
            "paid_at": pa.array([c + paid_after for c in created], pa.timestamp("us", "UTC")),
            "closed_at": pa.array([None] * payers, pa.timestamp("us", "UTC")),
            "total_amount": pa.array([Decimal("10.00")] * payers, pa.decimal128(18, 2)),
            "payment_method": ["alipay"] * payers,
            "platform": ["taobao"] * payers,
        }
    )


def test_the_first_reminder_waits_for_the_segments_90_percent_payment_time() -> None:
    # (a P90 above the 2 h floor: see the floor's own test below)
    report = payment_time(payment_history(timedelta(hours=3), 40), NOW, PaymentTimeSettings())
    with_history = replace(context(), report=report)
    order = unpaid("o1", age=timedelta(minutes=10))
    sms_only = BOOK.model_copy(update={"rules": (ChannelRule(channel=ActionChannel.SMS),)})
    first = plan_unpaid(with_history, "unpaid", sms_only, [order])[0]
    assert first.due_at == order.created_at + timedelta(hours=3)
    assert first.params["payment_probability"] == "0.00"


def test_an_order_past_every_payers_time_goes_to_the_platform_chat() -> None:
    report = payment_time(payment_history(timedelta(hours=3), 40), NOW, PaymentTimeSettings())
    order = unpaid("o1", age=timedelta(minutes=10))
    first = plan_unpaid(replace(context(), report=report), "unpaid", BOOK, [order])[0]
    # Every past payer paid within 3 hours: at the reminder (12:50) the chance is 0 → a chat
    # task, in the afternoon call window.
    assert first.channel is ActionChannel.CHAT_TASK
    assert first.due_at.astimezone(SHANGHAI).strftime("%H:%M") == "15:30"


def test_planning_twice_yields_the_same_actions() -> None:
    book = BOOK.model_copy(update={"holdout_share": 0.5})
    orders = [unpaid(f"o{i}", who=buyer(f"b{i % 7}"), age=timedelta(hours=i)) for i in range(20)]
    assert plan_unpaid(context(), "unpaid", book, orders) == plan_unpaid(
        context(), "unpaid", book, list(reversed(orders))
    )


def test_the_holdout_draw_is_stable_and_differs_between_playbooks() -> None:
    assert holdout_draw(1, "unpaid", "buyer:x") == holdout_draw(1, "unpaid", "buyer:x")
    draws = {holdout_draw(1, name, "buyer:x") for name in ("unpaid", "closed", "vip")}
    assert len(draws) == 3


def test_the_held_out_share_converges_to_the_setting() -> None:
    units = 20_000
    held = sum(is_held_out(3, "unpaid", f"buyer:{i}", 0.1) for i in range(units))
    assert abs(held / units - 0.1) < 0.007  # about 3 standard errors


def test_a_held_out_buyer_is_held_out_of_every_step() -> None:
    book = BOOK.model_copy(update={"holdout_share": 0.5})
    orders = [unpaid(f"o{i}", who=buyer(f"b{i}")) for i in range(40)]
    plans = plan_unpaid(context(), "unpaid", book, orders)
    by_buyer: dict[tuple[str, ...], set[bool]] = {}
    for action in plans:
        by_buyer.setdefault(action.order_ids, set()).add(action.held_out)
    assert all(len(flags) == 1 for flags in by_buyer.values())
    assert 0 < sum(a.held_out for a in plans) < len(plans)


order_strategy = st.builds(
    lambda i, key, age_min, amount, status, masked, paid: unpaid(
        f"o{i}",
        age=timedelta(minutes=age_min),
        amount=f"{amount}.00",
        status=status,
        who=buyer(None if key is None else f"b{key}", masked=masked, paid_orders=paid),
    ),
    st.integers(0, 10_000),
    st.one_of(st.none(), st.integers(0, 5)),
    st.integers(0, 100 * 60),
    st.integers(0, 1000),
    st.sampled_from(list(OrderStatus)),
    st.booleans(),
    st.integers(0, 3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(order_strategy, max_size=25, unique_by=lambda o: o.order_id))
def test_plans_respect_every_invariant(orders: list[UnpaidOrder]) -> None:
    ctx = context()
    book = BOOK.model_copy(update={"holdout_share": 0.3})
    plans = plan_unpaid(ctx, "unpaid", book, orders)
    by_id = {o.order_id: o for o in orders}
    for action in plans:
        for order_id in action.order_ids:
            order = by_id[order_id]
            assert order.status is OrderStatus.PENDING
            assert order.created_at + ctx.close_after > ctx.now
        assert action.expires_at is not None
        assert ctx.now <= action.due_at < action.expires_at
        latest = max(by_id[o].created_at for o in action.order_ids)
        assert action.due_at >= latest + book.first_not_before
    by_unit: dict[tuple[str, ...], list[datetime]] = {}
    for action in plans:
        by_unit.setdefault(action.order_ids, []).append(action.due_at)
    for dues in by_unit.values():
        assert all(b - a >= book.min_gap for a, b in itertools.pairwise(dues))
    assert len({a.key for a in plans}) == len(plans)
    assert plans == plan_unpaid(ctx, "unpaid", book, orders)


# -- issue 10.6: reminder timing that makes sense to a person -------------------------------


def test_the_first_reminder_waits_for_the_floor_when_payers_pay_within_seconds() -> None:
    # Real data: the payers' P90 is 51 s. A reminder then would reach a buyer still on the
    # checkout page; the floor (seed 003: new buyers 2 h, returning buyers an hour later).
    report = payment_time(payment_history(timedelta(seconds=51), 40), NOW, PaymentTimeSettings())
    sms_only = BOOK.model_copy(update={"rules": (ChannelRule(channel=ActionChannel.SMS),)})
    new = unpaid("o1", age=timedelta(minutes=10), who=buyer("a"))
    returning = unpaid("o2", age=timedelta(minutes=10), who=buyer("b", paid_orders=1))
    plans = plan_unpaid(replace(context(), report=report), "unpaid", sms_only, [new, returning])
    first = {a.order_ids: a for a in plans if a.step == 1}
    assert first[("o1",)].due_at == new.created_at + timedelta(hours=2)
    assert first[("o2",)].due_at == returning.created_at + timedelta(hours=3)


def test_no_reminder_is_planned_when_the_deadline_comes_before_the_floor() -> None:
    short = replace(context(), close_after=timedelta(hours=2))
    order = unpaid("o1", age=timedelta(minutes=10))
    assert plan_unpaid(short, "unpaid", BOOK, [order]) == []


def test_two_steps_never_land_at_the_same_instant_in_a_call_window() -> None:
    # Planned at 10:00 for a returning buyer's order placed 23.5 h ago: step 1 is overdue
    # (due now) and step 2 is due at 10:30; both are phone tasks, and the 11:00 call window
    # used to take both at 11:00 (33 orders on real data).
    order = unpaid("o1", age=timedelta(hours=23, minutes=30), who=buyer(paid_orders=1))
    plans = plan_unpaid(context(), "unpaid", BOOK, [order])
    assert [a.step for a in plans] == [1, 2]
    assert plans[0].due_at.astimezone(SHANGHAI).strftime("%d %H:%M") == "30 11:00"
    assert plans[1].due_at - plans[0].due_at >= BOOK.min_gap


def test_a_step_planned_by_an_earlier_run_keeps_the_next_one_a_minimum_gap_away() -> None:
    order = unpaid("o1", age=timedelta(hours=23))
    earlier = {"o1": (1, NOW - timedelta(minutes=5))}  # step 1 went out five minutes ago
    (only,) = plan_unpaid(context(), "unpaid", BOOK, [order], earlier=earlier)
    assert only.step == 2
    assert only.due_at == NOW - timedelta(minutes=5) + BOOK.min_gap


def test_a_step_that_cannot_keep_the_gap_before_the_deadline_is_not_planned() -> None:
    order = unpaid("o1", age=timedelta(hours=60))  # closes in 12 h
    earlier = {"o1": (1, NOW - timedelta(hours=1))}
    assert plan_unpaid(context(), "unpaid", BOOK, [order], earlier=earlier) == []


# -- issue 11.2: buyers who already bought ----------------------------------------------------


def test_an_order_its_buyer_placed_again_is_not_reminded_nor_merged() -> None:
    replaced = replace(unpaid("o1", age=timedelta(hours=3)), reordered_by="o2")
    again = unpaid("o2", age=timedelta(hours=2))
    plans = plan_unpaid(context(), "unpaid", BOOK, [replaced, again])
    assert plans and all(a.order_ids == ("o2",) for a in plans)
    paid_elsewhere = replace(unpaid("o3", who=buyer("c")), reordered_by="o9")
    assert plan_unpaid(context(), "unpaid", BOOK, [paid_elsewhere]) == []


# -- issue 11.4: tasks nobody can do -------------------------------------------------------------


def test_a_masked_number_makes_no_phone_task_whatever_the_amount_or_the_buyer() -> None:
    # The amount and returning-buyer rules used to be checked before the contact rule.
    big = unpaid("o1", amount="560.00", who=buyer("a", masked=True))
    loyal = unpaid("o2", who=buyer("b", masked=True, paid_orders=3))
    plans = plan_unpaid(context(), "unpaid", BOOK, [big, loyal])
    assert plans and {a.channel for a in plans} == {ActionChannel.CHAT_TASK}


def test_a_buyer_no_channel_reaches_gets_no_action_and_is_counted_unreachable() -> None:
    # A web-shop buyer (no platform chat) with no contact at all, and one who refused SMS.
    nobody = unpaid("o1", who=buyer("a", phone=False, chat=False))
    refused = unpaid("o2", who=buyer("b", chat=False, refused=frozenset({Channel.SMS})))
    reachable = unpaid("o3", who=buyer("c", chat=False))
    plan = unpaid_plan(context(), "unpaid", BOOK, [nobody, refused, reachable])
    plans = planned_actions(plan.actions)
    assert {a.order_ids for a in plans} == {("o3",)}
    assert {a.channel for a in plans} == {ActionChannel.SMS}
    assert plan.unreachable == 2  # o1 and o2


def test_a_chat_task_needs_the_platforms_chat() -> None:
    order = unpaid("o1", who=buyer("a", masked=True, chat=False))
    assert plan_unpaid(context(), "unpaid", BOOK, [order]) == []
