"""Payment reminders for open unpaid orders (PRODUCT R1/R2): the ``unpaid`` playbook.

For each buyer (or each order without a known buyer) with open unpaid orders, one merged
reminder per step:

* the first step waits for the segment's payers' P90 after the *latest* order (the buyer may
  still be paying it), at least ``first_not_before``, returning buyers ``returning_delay``
  longer; later steps wait their fixed ``after``; no step is due sooner than
  ``first_not_before`` after the latest order;
* nothing is due after ``auto-close − close_margin`` of the *earliest* order (a later time is
  moved back to it); a step that would not come after the previous one is dropped, and so
  is every step when the limit comes before ``first_not_before``;
* when planning runs late and several steps are already overdue, only the last overdue one
  is planned, due now (the buyer gets one reminder, not a burst);
* agent tasks move into the next call window when that is still before the limit;
* two reminders about the same orders are at least ``min_gap`` apart, counting the steps an
  earlier run planned (``earlier``): a step is moved later to keep the gap, and dropped when
  the gap ends after the limit. Steps an earlier run planned are not planned again.

Keys are ``buyer:<customer_key>:<playbook>:<step>@<first order id>`` (merged) or
``order:<order_id>:<playbook>:<step>``. The ``@<first order id>`` names the episode: a buyer
whose unpaid orders were settled and who later leaves a new unpaid order gets reminders again,
while planning twice (or after the buyer adds an order) yields the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from reference_planner.channels import ChannelFacts, choose_channel
from reference_planner.facts import UnpaidOrder, unit_of
from reference_planner.timing import (
    amount_text,
    first_delay,
    into_call_window,
    items_text,
    payment_probability,
    segment_of,
)
from winback.decide.context import PlanningContext
from winback.decide.holdout import is_held_out
from winback.model import OrderStatus, PlannedAction
from winback.playbook_settings import UnpaidSettings as Playbook

__all__ = ["Earlier", "open_unpaid", "plan_unpaid"]

Earlier = Mapping[str, tuple[int, datetime]]
"""order id → (the highest step, the latest due time) of the actions an earlier run of the
same playbook planned about the order."""


def open_unpaid(orders: Iterable[UnpaidOrder], context: PlanningContext) -> list[UnpaidOrder]:
    """The orders a reminder may be about: unpaid, not yet auto-closed at ``now``, and not
    placed again by their buyer (a re-order is reminded about, or paid, on its own)."""
    return [
        order
        for order in orders
        if order.status is OrderStatus.PENDING
        and order.reordered_by is None
        and order.created_at <= context.now < order.created_at + context.close_after
    ]


def plan_unpaid(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    orders: Sequence[UnpaidOrder],
    *,
    earlier: Earlier | None = None,
    unreachable: set[str] | None = None,
) -> list[PlannedAction]:
    """The reminders ``playbook`` (called ``name``) wants for ``orders``, deterministic.
    The orders of a buyer no channel could reach (no action planned for them, for want of a
    channel) are added to ``unreachable`` when given."""
    if playbook.kind != "unpaid" or not playbook.enabled:
        return []
    groups: dict[str, list[UnpaidOrder]] = {}
    for order in open_unpaid(orders, context):
        groups.setdefault(unit_of(order.buyer, order.order_id), []).append(order)
    actions: list[PlannedAction] = []
    for unit in sorted(groups):
        group = sorted(groups[unit], key=lambda o: (o.created_at, o.order_id))
        planned, missed = _plan_group(context, name, playbook, unit, group, earlier or {})
        actions += planned
        if missed and not planned and unreachable is not None:
            unreachable.update(order.order_id for order in group)
    return actions


def _plan_group(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    unit: str,
    group: list[UnpaidOrder],
    earlier: Earlier,
) -> tuple[list[PlannedAction], bool]:
    """The group's actions, and whether a step found no channel that reaches the buyer."""
    first, latest = group[0], group[-1]
    expires = first.created_at + context.close_after
    limit = expires - playbook.close_margin
    done = [earlier[o.order_id] for o in group if o.order_id in earlier]
    done_step = max((step for step, _ in done), default=0)
    previous = max((due for _, due in done), default=None)
    dues = _step_dues(context.now, playbook, latest, limit, context, after_step=done_step)
    held_out = is_held_out(context.store_id, name, unit, playbook.holdout_share)
    actions = []
    missed = False
    for step, due in dues:
        if previous is not None:
            due = max(due, previous + playbook.min_gap)
            if due > limit:
                continue
        action = _action(context, name, playbook, (unit, group), step, due, limit, held_out)
        missed = missed or action is None
        if action is not None and action.due_at < expires:
            actions.append(action)
            previous = action.due_at
    return actions, missed


def _step_dues(
    now: datetime,
    playbook: Playbook,
    latest: UnpaidOrder,
    limit: datetime,
    context: PlanningContext,
    *,
    after_step: int = 0,
) -> list[tuple[int, datetime]]:
    """(step number, due) of the steps still to plan (those after ``after_step``), before
    the gap between steps is kept; see the module docstring."""
    floor = latest.created_at + playbook.first_not_before
    nominal: list[tuple[int, datetime]] = []
    for number, step in enumerate(playbook.steps, start=1):
        wait = (
            step.after
            if isinstance(step.after, timedelta)
            else first_delay(latest, playbook, context.report)
        )
        due = min(max(latest.created_at + wait, floor), limit)
        if due < floor or (nominal and due <= nominal[-1][1]):
            continue
        nominal.append((number, due))
    nominal = [item for item in nominal if item[0] > after_step]
    overdue = [item for item in nominal if item[1] <= now]
    upcoming = [item for item in nominal if item[1] > now]
    if overdue and now < limit:
        return [(overdue[-1][0], now), *upcoming]
    return upcoming


def _action(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    unit_group: tuple[str, list[UnpaidOrder]],
    number: int,
    due: datetime,
    limit: datetime,
    held_out: bool,
) -> PlannedAction | None:
    unit, group = unit_group
    first, latest = group[0], group[-1]
    buyer = latest.buyer
    amount = sum((order.amount for order in group), Decimal(0))
    segment = segment_of(latest, playbook.segment, context.report)
    facts = ChannelFacts(
        amount=amount,
        buyer=buyer,
        has_remark=any(order.has_remark for order in group),
        age=due - first.created_at,
        purpose=playbook.purpose,
        payment_probability=payment_probability(
            context.report, playbook.segment, segment, due - latest.created_at, context.close_after
        ),
    )
    channel = choose_channel(playbook.rules, facts)
    if channel is None:
        return None
    if channel.is_task:
        in_window = into_call_window(due, context.call_windows, context.zone)
        due = in_window if in_window <= limit else due
    step = playbook.steps[number - 1]
    key = (
        f"{unit}:{name}:{number}@{first.order_id}"
        if unit.startswith("buyer:")
        else f"{unit}:{name}:{number}"
    )
    return PlannedAction(
        store_id=context.store_id,
        key=key,
        playbook=name,
        step=number,
        channel=channel,
        purpose=playbook.purpose,
        due_at=due,
        template=step.template(channel, returning=buyer.returning, orders=len(group)),
        customer_id=buyer.customer_id,
        order_ids=tuple(order.order_id for order in group),
        amount=amount,
        params=_params(context, group, due, first.created_at + context.close_after, facts),
        expires_at=first.created_at + context.close_after,
        held_out=held_out,
    )


def _params(
    context: PlanningContext,
    group: list[UnpaidOrder],
    due: datetime,
    expires: datetime,
    facts: ChannelFacts,
) -> dict[str, str]:
    """Template parameters (the names of the shipped templates): the shop, the orders, the
    amount, the close time, and for new buyers the time before which payment ships today
    (seed 003: 几点之前付款就今天能够发货)."""
    local_due = due.astimezone(context.zone)
    cutoff = context.ship_same_day_before
    ids = ", ".join(order.order_id for order in group)
    params = {
        "shop": context.shop,
        "order_id": ids,
        "order_ids": ids,
        "orders": str(len(group)),
        "order_count": str(len(group)),
        "total": amount_text(facts.amount),
        "item": items_text([item for order in group for item in order.items]),
        "ordered_at": group[-1].created_at.astimezone(context.zone).strftime("%m-%d %H:%M"),
        "amount": amount_text(facts.amount),
        "buyer_type": "returning" if facts.buyer.returning else "new",
        "closes_at": expires.astimezone(context.zone).strftime("%Y-%m-%d %H:%M"),
        "pay_before": cutoff.strftime("%H:%M") if cutoff is not None else "",
        "ships_today": "yes" if cutoff is not None and local_due.time() < cutoff else "no",
    }
    if facts.payment_probability is not None:
        params["payment_probability"] = f"{facts.payment_probability:.2f}"
    return params
