"""The NPS survey after the sale (PRODUCT R8, M3; seed 000: 通过净推值（NPS）来衡量和研究其
更近下单购买客户是否满意).

Each order delivered (signed for) — or, with ``from_event = "confirmed"``, confirmed — gets a
survey ``steps[n].after`` later: 0–10 "how likely are you to recommend us" and a why,
through a signed, single-use, expiring link the renderer makes at send time
(``survey_url``, served by ``winback serve``: :mod:`winback.web.routes.survey`). An order
confirmed without a known delivery time counts from its confirmation (delivery came before
it); an order whose delivery the store does not know gets no survey. A survey not due
within ``valid_for`` of its start is dropped. At most one survey per buyer per run (their
latest order), and per ``cooldown`` (default 90 days) across runs: when the outbox
(``EARLIER_FIRST_STEPS``) holds a survey of this playbook about another order of the
buyer's, due less than ``cooldown`` before, the new survey waits until the cooldown ends,
and is dropped if that is past its ``valid_for``. A buyer the store cannot name (no buyer
id) has no history to count. The order's status is re-read by nobody: a survey is about
the experience, a refund included.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from winback.decide.context import PlanningContext
from winback.decide.order_steps import (
    AFTER_SALE_INSTANTS,
    AFTER_SALE_RETURNING,
    OrderRule,
    plan_order_steps,
)
from winback.decide.planner import (
    AFTER_SALE_ORDERS,
    EARLIER_FIRST_STEPS,
    EARLIER_STEPS,
    Facts,
    Planner,
    PlaybookPlan,
)
from winback.decide.queries import table
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
    first = f"({anchor} + {{after}})"
    cooling = settings.cooldown > timedelta(0)

    def start(step: int, after: int) -> str:
        due = first.format(after=after)
        if step > 1 or not cooling:
            return due  # later steps remind of the same survey
        return f"greatest({due}, coalesce(c.surveyed_us + $cooldown_us, {due}))"

    rule = OrderRule(
        eligible="status IN ('delivered', 'settled')",
        instants=AFTER_SALE_INSTANTS,
        start=start,
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
            "cooldown_us": micros(settings.cooldown),
        },
        returning=AFTER_SALE_RETURNING,
        one_per_unit=True,
        unreachable_if_expired=False,
        annotate=_last_survey(facts.table(EARLIER_FIRST_STEPS)) if cooling else None,
    )
    orders, earlier = facts.table(AFTER_SALE_ORDERS), facts.table(EARLIER_STEPS)
    return plan_order_steps(context, name, settings, orders, earlier, rule)


def _last_survey(
    first_steps: pa.Table,
) -> Callable[[duckdb.DuckDBPyConnection, Mapping[str, Any]], pa.Table]:
    """Per chosen order, ``surveyed_us``: when the latest survey of this playbook about
    another order of the same buyer was due (none: no row)."""

    def annotate(con: duckdb.DuckDBPyConnection, params: Mapping[str, Any]) -> pa.Table:
        con.register("first_steps", first_steps)
        query = (
            "SELECT c.order_id, max(epoch_us(s.due_at)) AS surveyed_us "
            "FROM chosen AS c JOIN first_steps AS s "
            "ON s.customer_id = c.customer_id AND s.order_id <> c.order_id "
            "WHERE s.playbook = $playbook GROUP BY c.order_id"
        )
        return table(con, query, params)

    return annotate


NPS: Planner[NpsSettings] = Planner(
    kind="nps",
    settings=NpsSettings,
    facts=(AFTER_SALE_ORDERS, EARLIER_STEPS, EARLIER_FIRST_STEPS),
    plan=plan_nps,
)
"""The ``nps`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""
