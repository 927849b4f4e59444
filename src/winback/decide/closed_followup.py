"""Yesterday's orders closed before payment (PRODUCT R5): a list for agents to re-contact.

Every order closed before payment during the store's previous calendar day becomes one agent
task (phone or platform chat, by the playbook's rules), due in the next call window, with a
guess of why the order was lost: the D3 classifier reads the close/cancel reason and the
buyer's last chat lines. Keys are ``order:<order_id>:<playbook>:<step>``; the buyer (or the
order) decides the holdout, as for reminders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from winback.analyse.reasons import LossReason, Prediction, label
from winback.decide.channels import ChannelFacts, choose_channel
from winback.decide.context import PlanningContext, unit_of
from winback.decide.facts import ClosedOrder
from winback.decide.holdout import is_held_out
from winback.decide.playbooks import Playbook
from winback.decide.timing import amount_text, into_call_window, items_text, yesterday
from winback.model import OrderStatus, PlannedAction

__all__ = ["ReasonGuesser", "closed_yesterday", "plan_closed_followup"]

ReasonGuesser = Callable[[Sequence[str]], Sequence[Prediction]]
"""Classifies texts into D3 reasons, e.g. ``default_classifier().predict``."""


def closed_yesterday(orders: Sequence[ClosedOrder], context: PlanningContext) -> list[ClosedOrder]:
    """The orders closed before payment during the store's previous calendar day."""
    start, end = yesterday(context.now, context.zone)
    return [o for o in orders if o.status is OrderStatus.CLOSED and start <= o.closed_at < end]


def plan_closed_followup(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    orders: Sequence[ClosedOrder],
    guess: ReasonGuesser,
) -> list[PlannedAction]:
    """One agent task per order closed yesterday, with its reason guess."""
    if playbook.kind != "closed_followup" or not playbook.enabled:
        return []
    chosen = sorted(closed_yesterday(orders, context), key=lambda o: o.order_id)
    with_text = [order for order in chosen if _text(order)]
    predictions = dict(
        zip((o.order_id for o in with_text), guess([_text(o) for o in with_text]), strict=True)
    )
    actions = []
    for order in chosen:
        for number in range(1, len(playbook.steps) + 1):
            action = _task(context, name, playbook, order, number, predictions.get(order.order_id))
            if action is not None:
                actions.append(action)
    return actions


def _task(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    order: ClosedOrder,
    number: int,
    prediction: Prediction | None,
) -> PlannedAction | None:
    step = playbook.steps[number - 1]
    assert not isinstance(step.after, str)  # refused for this kind by Playbook's validator
    expires = order.closed_at + playbook.valid_for
    nominal = max(context.now, order.closed_at + step.after)
    facts = ChannelFacts(
        amount=order.amount,
        buyer=order.buyer,
        has_remark=order.has_remark,
        age=nominal - order.created_at,
        purpose=playbook.purpose,
    )
    channel = choose_channel(playbook.rules, facts)
    if channel is None:
        return None
    due = (
        into_call_window(nominal, context.call_windows, context.zone)
        if channel.is_task
        else nominal
    )
    if due >= expires:
        return None
    unit = unit_of(order.buyer, order.order_id)
    return PlannedAction(
        store_id=context.store_id,
        key=f"order:{order.order_id}:{name}:{number}",
        playbook=name,
        step=number,
        channel=channel,
        purpose=playbook.purpose,
        due_at=due,
        template=step.template(channel, returning=order.buyer.returning),
        customer_id=order.buyer.customer_id,
        order_ids=(order.order_id,),
        amount=order.amount,
        params=_params(context, order, prediction),
        expires_at=expires,
        held_out=is_held_out(context.store_id, name, unit, playbook.holdout_share),
    )


def _params(
    context: PlanningContext, order: ClosedOrder, prediction: Prediction | None
) -> dict[str, str]:
    reason = prediction.reason if prediction is not None else LossReason.UNKNOWN
    guess = prediction.guess if prediction is not None else LossReason.UNKNOWN
    return {
        "shop": context.shop,
        "order_id": order.order_id,
        "order_ids": order.order_id,
        "item": items_text(order.items),
        "amount": amount_text(order.amount),
        "buyer_type": "returning" if order.buyer.returning else "new",
        "closed_at": _local(order.closed_at, context),
        "reason": str(reason),
        "reason_guess": str(guess),
        "reason_label": label(guess, "zh"),
        "reason_label_en": label(guess, "en"),
        "reason_confidence": f"{prediction.confidence:.2f}" if prediction else "0.00",
        "reason_evidence": ", ".join(prediction.evidence) if prediction else "",
    }


def _text(order: ClosedOrder) -> str:
    return " ".join(text.strip() for text in order.texts if text and text.strip())


def _local(at: datetime, context: PlanningContext) -> str:
    return at.astimezone(context.zone).strftime("%Y-%m-%d %H:%M")
