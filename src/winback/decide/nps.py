"""The NPS survey after the sale (PRODUCT R8, M3; seed 000: 通过净推值（NPS）来衡量和研究其
更近下单购买客户是否满意).

Each order delivered (signed for) — or, with ``from_event = "confirmed"``, confirmed — gets a
survey ``steps[n].after`` later: 0–10 "how likely are you to recommend us" and a why,
through a signed, single-use, expiring link the renderer makes at send time
(``survey_url``, served by ``winback serve``: :mod:`winback.web.routes.survey`). An order
confirmed without a known delivery time counts from its confirmation (delivery came before
it); an order whose delivery the store does not know gets no survey. A survey not due
within ``valid_for`` of its start is dropped. At most one survey per buyer per run (their
latest order). The order's status is re-read by nobody: a survey is about the experience,
a refund included.
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
from winback.playbook_settings import NpsSettings

__all__ = ["NPS", "plan_nps"]


def plan_nps(
    context: PlanningContext, name: str, settings: NpsSettings, facts: Facts
) -> PlaybookPlan:
    """One survey per delivered (or confirmed) order; see the module docstring."""
    anchor = (
        "coalesce(c.delivered_us, c.settled_us)"
        if settings.from_event == "delivered"
        else "c.settled_us"
    )
    rule = OrderRule(
        eligible="status IN ('delivered', 'settled')",
        instants=AFTER_SALE_INSTANTS,
        start=lambda step, after: f"({anchor} + {after})",
        expires=lambda step, after: f"({anchor} + {after} + $valid_for_us)",
        fields=(
            f"received_at := strftime({local_sql(anchor)}, '%Y-%m-%d'), "
            "survey := 'nps', "
            "survey_valid_for := $link_valid_for, "
            "goal := 'survey', "
            "topic := 'surveys'"
        ),
        params={
            "valid_for_us": micros(settings.valid_for),
            "link_valid_for": str(int(settings.link_valid_for.total_seconds())),
        },
        returning=AFTER_SALE_RETURNING,
        one_per_unit=True,
        unreachable_if_expired=False,
    )
    orders, earlier = facts.table(AFTER_SALE_ORDERS), facts.table(EARLIER_STEPS)
    return plan_order_steps(context, name, settings, orders, earlier, rule)


NPS: Planner[NpsSettings] = Planner(
    kind="nps",
    settings=NpsSettings,
    facts=(AFTER_SALE_ORDERS, EARLIER_STEPS),
    plan=plan_nps,
)
"""The ``nps`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""
