"""Payment reminders for open unpaid orders (PRODUCT R1/R2): the ``unpaid`` playbook.

For each buyer (or each order without a known buyer) with open unpaid orders, one merged
reminder per step:

* the first step waits for the segment's payers' P90 after the *latest* order (the buyer may
  still be paying it), returning buyers ``returning_delay`` longer; later steps wait their
  fixed ``after``;
* nothing is due after ``auto-close − close_margin`` of the *earliest* order (a later time is
  moved back to it); a step that would not come after the previous one is dropped;
* when planning runs late and several steps are already overdue, only the last overdue one
  is planned, due now (the buyer gets one reminder, not a burst);
* agent tasks move into the next call window when that is still before the limit.

Keys are ``buyer:<customer_key>:<playbook>:<step>@<first order id>`` (merged) or
``order:<order_id>:<playbook>:<step>``. The ``@<first order id>`` names the episode: a buyer
whose unpaid orders were settled and who later leaves a new unpaid order gets reminders again,
while planning twice (or after the buyer adds an order) yields the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from winback.decide.channels import ChannelFacts, choose_channel
from winback.decide.context import PlanningContext, unit_of
from winback.decide.facts import UnpaidOrder
from winback.decide.holdout import is_held_out
from winback.decide.playbooks import Playbook
from winback.decide.timing import (
    amount_text,
    first_delay,
    into_call_window,
    items_text,
    payment_probability,
    segment_of,
)
from winback.model import OrderStatus, PlannedAction

__all__ = ["open_unpaid", "plan_unpaid"]


def open_unpaid(orders: Iterable[UnpaidOrder], context: PlanningContext) -> list[UnpaidOrder]:
    """The orders a reminder may be about: unpaid and not yet auto-closed at ``now``."""
    return [
        order
        for order in orders
        if order.status is OrderStatus.PENDING
        and order.created_at <= context.now < order.created_at + context.close_after
    ]


def plan_unpaid(
    context: PlanningContext, name: str, playbook: Playbook, orders: Sequence[UnpaidOrder]
) -> list[PlannedAction]:
    """The reminders ``playbook`` (called ``name``) wants for ``orders``, deterministic."""
    if playbook.kind != "unpaid" or not playbook.enabled:
        return []
    groups: dict[str, list[UnpaidOrder]] = {}
    for order in open_unpaid(orders, context):
        groups.setdefault(unit_of(order.buyer, order.order_id), []).append(order)
    actions: list[PlannedAction] = []
    for unit in sorted(groups):
        group = sorted(groups[unit], key=lambda o: (o.created_at, o.order_id))
        actions += _plan_group(context, name, playbook, unit, group)
    return actions


def _plan_group(
    context: PlanningContext, name: str, playbook: Playbook, unit: str, group: list[UnpaidOrder]
) -> list[PlannedAction]:
    first, latest = group[0], group[-1]
    expires = first.created_at + context.close_after
    limit = expires - playbook.close_margin
    dues = _step_dues(context.now, playbook, latest, limit, context)
    held_out = is_held_out(context.store_id, name, unit, playbook.holdout_share)
    actions = []
    for step, due in dues:
        action = _action(context, name, playbook, (unit, group), step, due, limit, held_out)
        if action is not None and action.due_at < expires:
            actions.append(action)
    return actions


def _step_dues(
    now: datetime,
    playbook: Playbook,
    latest: UnpaidOrder,
    limit: datetime,
    context: PlanningContext,
) -> list[tuple[int, datetime]]:
    """(step number, due) of the steps still to plan; see the module docstring."""
    nominal: list[tuple[int, datetime]] = []
    for number, step in enumerate(playbook.steps, start=1):
        wait = (
            step.after
            if isinstance(step.after, timedelta)
            else first_delay(latest, playbook, context.report)
        )
        due = min(latest.created_at + wait, limit)
        if nominal and due <= nominal[-1][1]:
            continue
        nominal.append((number, due))
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
