"""Yesterday's orders closed before payment (PRODUCT R5): a list for agents to re-contact.

Every order closed before payment during the store's previous calendar day becomes one agent
task (phone or platform chat, by the playbook's rules), due in the next call window, with a
guess of why the order was lost: the D3 classifier reads the close/cancel reason and the
buyer's last chat lines. Steps are at least ``min_gap`` apart (after the call windows), and
steps an earlier run planned (``earlier``) are not planned again. Keys are
``order:<order_id>:<playbook>:<step>``; the buyer (or the order) decides the holdout, as for
reminders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

from reference_planner.channels import ChannelFacts, choose_channel
from reference_planner.facts import ClosedOrder, unit_of
from reference_planner.timing import amount_text, into_call_window, items_text, yesterday
from reference_planner.unpaid import Earlier
from winback.analyse.reasons import LossReason, Prediction, label
from winback.decide.context import PlanningContext
from winback.decide.holdout import is_held_out
from winback.model import OrderStatus, PlannedAction
from winback.playbook_settings import ClosedFollowupSettings as Playbook

__all__ = ["ReasonGuesser", "closed_yesterday", "plan_closed_followup"]

_NO_CHANNEL: Final = object()
"""What :func:`_task` answers when no channel reaches the buyer."""

ReasonGuesser = Callable[[Sequence[str]], Sequence[Prediction]]
"""Classifies texts into D3 reasons, e.g. ``default_classifier().predict``."""


def closed_yesterday(orders: Sequence[ClosedOrder], context: PlanningContext) -> list[ClosedOrder]:
    """The orders closed before payment during the store's previous calendar day, except
    those their buyer placed again (:mod:`winback.decide.reorders`)."""
    start, end = yesterday(context.now, context.zone)
    return [
        o
        for o in orders
        if o.status is OrderStatus.CLOSED and o.reordered_by is None and start <= o.closed_at < end
    ]


def plan_closed_followup(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    orders: Sequence[ClosedOrder],
    guess: ReasonGuesser,
    *,
    earlier: Earlier | None = None,
    unreachable: set[str] | None = None,
) -> list[PlannedAction]:
    """One agent task per order closed yesterday, with its reason guess; orders no channel
    reaches get none and are added to ``unreachable`` when given."""
    if playbook.kind != "closed_followup" or not playbook.enabled:
        return []
    chosen = sorted(closed_yesterday(orders, context), key=lambda o: o.order_id)
    with_text = [order for order in chosen if _text(order)]
    predictions = dict(
        zip((o.order_id for o in with_text), guess([_text(o) for o in with_text]), strict=True)
    )
    actions: list[PlannedAction] = []
    for order in chosen:
        done_step, previous = (earlier or {}).get(order.order_id, (0, None))
        planned, missed = [], False
        for number in range(done_step + 1, len(playbook.steps) + 1):
            action = _task(
                context, name, playbook, order, number, predictions.get(order.order_id), previous
            )
            missed = missed or action is _NO_CHANNEL
            if isinstance(action, PlannedAction):
                planned.append(action)
                previous = action.due_at
        actions += planned
        if missed and not planned and unreachable is not None:
            unreachable.add(order.order_id)
    return actions


def _task(
    context: PlanningContext,
    name: str,
    playbook: Playbook,
    order: ClosedOrder,
    number: int,
    prediction: Prediction | None,
    previous: datetime | None,
) -> PlannedAction | object | None:
    """Step ``number``'s task for ``order``: a :class:`PlannedAction`, ``_NO_CHANNEL`` when no
    channel reaches the buyer, or None when it would come too late."""
    step = playbook.steps[number - 1]
    assert not isinstance(step.after, str)  # refused for this kind by Playbook's validator
    expires = order.closed_at + playbook.valid_for
    nominal = max(context.now, order.closed_at + step.after)
    if previous is not None:
        nominal = max(nominal, previous + playbook.min_gap)
    facts = ChannelFacts(
        amount=order.amount,
        buyer=order.buyer,
        has_remark=order.has_remark,
        age=nominal - order.created_at,
        purpose=playbook.purpose,
    )
    channel = choose_channel(playbook.rules, facts)
    if channel is None:
        return _NO_CHANNEL
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
    """The task's parameters. A close time the export did not give is not stated as a fact:
    ``closed_at`` is empty, ``closed_by`` the latest it can have been (the deadline).
    A reason is given only with the words that say it (the classifier's evidence);
    otherwise the reason is ``unknown`` and the label, confidence and evidence are empty."""
    closed = _local(order.closed_at, context)
    params = {
        "shop": context.shop,
        "order_id": order.order_id,
        "order_ids": order.order_id,
        "item": items_text(order.items),
        "amount": amount_text(order.amount),
        "buyer_type": "returning" if order.buyer.returning else "new",
        "ordered_at": _local(order.created_at, context),
        "closed_at": "" if order.close_inferred else closed,
        "closed_by": closed,
        "closed_at_inferred": "yes" if order.close_inferred else "no",
    }
    return params | _reason_params(prediction)


def _reason_params(prediction: Prediction | None) -> dict[str, str]:
    """No words behind the guess, or a guess of ``unknown`` (a platform's boilerplate such
    as 买家未付款 says the order timed out, not why): the reason is unknown."""
    if prediction is None or not prediction.evidence or prediction.guess is LossReason.UNKNOWN:
        return {
            "reason": str(LossReason.UNKNOWN),
            "reason_guess": str(LossReason.UNKNOWN),
            "reason_label": "",
            "reason_label_en": "",
            "reason_confidence": "",
            "reason_evidence": "",
        }
    return {
        "reason": str(prediction.reason),
        "reason_guess": str(prediction.guess),
        "reason_label": label(prediction.guess, "zh"),
        "reason_label_en": label(prediction.guess, "en"),
        "reason_confidence": f"{prediction.confidence:.2f}",
        "reason_evidence": ", ".join(prediction.evidence),
    }


def _text(order: ClosedOrder) -> str:
    return " ".join(text.strip() for text in order.texts if text and text.strip())


def _local(at: datetime, context: PlanningContext) -> str:
    return at.astimezone(context.zone).strftime("%Y-%m-%d %H:%M")
