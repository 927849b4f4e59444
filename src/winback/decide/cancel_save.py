"""Orders cancelled after payment, before shipping (PRODUCT R4, seed 001): "sorry to see you
go — can we help?" with a one-click reason form, quickly.

Every order of the ``CANCELLED_ORDERS`` facts cancelled within ``valid_for`` before the
moment of the plan gets one action per step, due ``after`` the cancellation (not before now)
and useful until ``valid_for`` after it; the channel by the playbook's rules (a direct
message when the buyer can be reached, else a task on the platform's chat: contacts masked
by the platform). Orders the buyer placed again get nothing; steps an earlier run planned
are not planned again. The action's parameters name the reason form
(``reason_form_subject``: store, playbook, order — ids only — and
``reason_form_valid_for``), from which the renderer signs the link
(:meth:`winback.act.rendering.TemplateRenderer.reason_url`). Keys are
``order:<order_id>:<playbook>:<step>``; the buyer (or the order) decides the holdout, as
for every kind. The offer comes later, from the buyer's answer (:mod:`winback.decide.offers`).

The rest is common to the per-order kinds (:mod:`winback.decide.order_steps`); a save keeps
no ``min_gap`` between its steps and no call windows (it is meant to come quickly).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.decide.context import PlanningContext
from winback.decide.order_steps import OrderRule, plan_order_steps
from winback.decide.planner import EARLIER_STEPS, Facts, Planner, PlaybookPlan, reordered
from winback.decide.timing import micros
from winback.playbook_settings import CancelSaveSettings

__all__ = ["CANCELLED_ORDERS", "CANCEL_SAVE", "plan_cancel_save"]

CANCELLED_ORDERS: Final = "cancelled_orders"
"""The fact table of this kind (contract ``CANCELLED_ORDERS`` of :mod:`winback.contracts`)."""


def plan_cancel_save(
    context: PlanningContext, name: str, settings: CancelSaveSettings, facts: Facts
) -> PlaybookPlan:
    """One action per step for each order cancelled within ``valid_for``; see the module
    docstring."""
    orders = facts.table(CANCELLED_ORDERS)
    since = context.now - settings.valid_for
    kind = orders["cancelled_at"].type
    recent = orders.filter(
        pc.and_(
            pc.greater(orders["cancelled_at"], pa.scalar(since, kind)),
            pc.less_equal(orders["cancelled_at"], pa.scalar(context.now, kind)),
        )
    )
    rule = OrderRule(
        eligible="reordered_by IS NULL",
        instants=("cancelled_at",),
        start=lambda step, after: f"(c.cancelled_us + {after})",
        expires=lambda step, after: "(c.cancelled_us + $valid_for_us)",
        fields=(
            "reason_form_subject := "
            "CAST($store_id AS VARCHAR) || ':' || $playbook || ':' || c.order_id, "
            "reason_form_valid_for := CAST($form_seconds AS VARCHAR), "
            "goal := 'answer'"
        ),
        params={
            "valid_for_us": micros(settings.valid_for),
            "form_seconds": int(settings.form_valid_for.total_seconds()),
        },
        spaced=False,
        in_call_windows=False,
    )
    found = plan_order_steps(context, name, settings, recent, facts.table(EARLIER_STEPS), rule)
    return replace(found, orders=recent.num_rows, reordered=reordered(recent))


CANCEL_SAVE: Planner[CancelSaveSettings] = Planner(
    kind="cancel_save",
    settings=CancelSaveSettings,
    facts=(CANCELLED_ORDERS, EARLIER_STEPS),
    plan=plan_cancel_save,
)
"""The ``cancel_save`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""
