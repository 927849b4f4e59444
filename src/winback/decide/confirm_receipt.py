"""Confirm-receipt reminders (PRODUCT R8; seed 002: 对于收到货却没有确认的客户，催促其抓紧
时间确认收货): the money reaches the shop when the buyer confirms, not when the parcel
arrives.

Orders shipped (or signed for) and not yet confirmed get one reminder per step: step ``n``
is due ``steps[n].after`` after shipping or, when the store knows when the parcel was signed
for, ``after_delivery`` (plus the steps' spacing) after that if it comes sooner — never
before the parcel could have arrived when the store cannot tell. Nothing is planned or sent
once the platform would confirm by itself (``auto_confirm_after`` from shipping, default
per platform: :data:`winback.playbook_settings.nps.AUTO_CONFIRM_AFTER`). At send time the
dispatcher cancels a reminder whose order was confirmed, refunded or closed meanwhile
(:mod:`winback.act.policy`).
"""

from __future__ import annotations

from winback.decide.context import PlanningContext
from winback.decide.order_steps import (
    AFTER_SALE_INSTANTS,
    AFTER_SALE_RETURNING,
    OrderRule,
    plan_order_steps,
)
from winback.decide.planner import AFTER_SALE_ORDERS, EARLIER_STEPS, Facts, Planner, PlaybookPlan
from winback.decide.timing import local_sql, micros
from winback.playbook_settings import ConfirmReceiptSettings
from winback.playbook_settings.nps import AUTO_CONFIRM_AFTER

__all__ = ["CONFIRM_RECEIPT", "plan_confirm_receipt"]


def plan_confirm_receipt(
    context: PlanningContext, name: str, settings: ConfirmReceiptSettings, facts: Facts
) -> PlaybookPlan:
    """Reminders for shipped, unconfirmed orders; see the module docstring."""
    first = micros(settings.steps[0].after) if not isinstance(settings.steps[0].after, str) else 0
    confirm = _confirm_after_sql(settings)
    deadline = f"(c.shipped_us + {confirm})"
    rule = OrderRule(
        eligible="status IN ('shipped', 'delivered') AND shipped_at IS NOT NULL",
        instants=AFTER_SALE_INSTANTS,
        start=lambda step, after: (
            f"least(c.shipped_us + {after}, "
            f"coalesce(c.delivered_us + $after_delivery_us + {after - first}, "
            f"c.shipped_us + {after}))"
        ),
        expires=lambda step, after: deadline,
        fields=(
            f"shipped_at := strftime({local_sql('c.shipped_us')}, '%Y-%m-%d'), "
            f"confirm_by := strftime({local_sql(deadline)}, '%Y-%m-%d %H:%M'), "
            "goal := 'confirm_receipt', "
            "topic := 'order_updates'"
        ),
        params={"after_delivery_us": micros(settings.after_delivery)},
        returning=AFTER_SALE_RETURNING,
        unreachable_if_expired=False,
    )
    orders, earlier = facts.table(AFTER_SALE_ORDERS), facts.table(EARLIER_STEPS)
    return plan_order_steps(context, name, settings, orders, earlier, rule)


def _confirm_after_sql(settings: ConfirmReceiptSettings) -> str:
    """The auto-confirm period of the order's platform, in microseconds, as SQL (the
    setting's values are validated durations written as integers)."""
    if settings.auto_confirm_after is not None:
        return str(micros(settings.auto_confirm_after))
    branches = " ".join(
        f"WHEN '{platform}' THEN {micros(period)}"
        for platform, period in sorted(AUTO_CONFIRM_AFTER.items())
    )
    return f"(CASE c.platform {branches} ELSE {micros(settings.confirm_after(''))} END)"


CONFIRM_RECEIPT: Planner[ConfirmReceiptSettings] = Planner(
    kind="confirm_receipt",
    settings=ConfirmReceiptSettings,
    facts=(AFTER_SALE_ORDERS, EARLIER_STEPS),
    plan=plan_confirm_receipt,
)
"""The ``confirm_receipt`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""
