"""What the after-sale kinds share (PRODUCT R8): one action per step for each order a
playbook's rule makes due, planned in columns over ``AFTER_SALE_ORDERS``.

A kind says which orders are eligible, when a step starts and when it expires (SQL over the
order's instants in microseconds: ``shipped_us``, ``delivered_us``, ``settled_us``) and
which template parameters it adds; the rest is common: the holdout (the buyer, or the
order, decides it, as for every kind), the channel rules, the call windows for agent tasks,
``min_gap`` between two steps about one order, the steps earlier runs planned
(``EARLIER_STEPS``) and keys ``order:<order_id>:<playbook>:<step>`` (planning twice
creates nothing new).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import pyarrow as pa

from winback.decide.channels import channel_sql
from winback.decide.context import PlanningContext
from winback.decide.holdout import holdout_sql
from winback.decide.planner import AFTER_SALE_ORDERS, EARLIER_STEPS, Facts, PlaybookPlan, no_actions
from winback.decide.queries import as_planned_actions, connect, run_script, scalar, sql_text, table
from winback.decide.timing import into_window_sql, items_text_sql, micros
from winback.model import ActionChannel
from winback.playbook_settings import PlaybookBase

__all__ = ["AfterSaleRule", "plan_after_sale"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_PLANNED: Final = "order_id VARCHAR, step BIGINT, channel VARCHAR, due_us BIGINT, expires_us BIGINT"


@dataclass(frozen=True, slots=True)
class AfterSaleRule:
    """One after-sale kind's rule, as SQL over ``chosen`` (the eligible orders).

    ``eligible``: which orders; ``start(step, after_us)``: when step ``step`` (its ``after``
    in microseconds) is due at the earliest; ``expires(step, after_us)``: after when it is
    not planned (or sent); ``fields``: the kind's own template parameters, as
    ``name := VARCHAR expression,`` pairs; ``params``: the values these bind;
    ``one_per_unit``: at most one order per buyer per run (the latest start)."""

    eligible: str
    start: Callable[[int, int], str]
    expires: Callable[[int, int], str]
    fields: str
    params: dict[str, Any]
    one_per_unit: bool = False


def plan_after_sale(
    context: PlanningContext,
    name: str,
    settings: PlaybookBase,
    facts: Facts,
    rule: AfterSaleRule,
) -> PlaybookPlan:
    """One action per step for each eligible order; see the module docstring."""
    orders = facts.table(AFTER_SALE_ORDERS)
    if not settings.enabled or orders.num_rows == 0:
        return PlaybookPlan(no_actions(), orders.num_rows)
    params = {
        "now_us": micros(context.now - _EPOCH),
        "gap_us": micros(settings.min_gap),
        "playbook": name,
        "store_id": context.store_id,
        "share": settings.holdout_share,
        "zone": context.zone.key,
        "purpose": str(settings.purpose),
        "shop": context.shop,
        "one_per_unit": rule.one_per_unit,
        **rule.params,
    }
    with connect() as con:
        con.register("orders", orders)
        con.register("earlier", facts.table(EARLIER_STEPS))
        text = sql_text("after_sale.sql").format(
            holdout=holdout_sql("c.unit"), eligible=rule.eligible
        )
        run_script(con, text, params)
        considered = int(scalar(con, "SELECT count(*) FROM chosen"))
        con.register("templates", _templates(settings))
        _passes(con, context, settings, rule, params)
        found = table(
            con,
            sql_text("after_sale_actions.sql").format(
                item=items_text_sql("coalesce(c.items, [])"), fields=rule.fields
            ),
            params,
        )
        missed = scalar(
            con,
            "SELECT count(DISTINCT order_id) FROM missed "
            "WHERE order_id NOT IN (SELECT order_id FROM planned)",
        )
    return PlaybookPlan(as_planned_actions(found), considered, 0, int(missed))


def _passes(
    con: Any,
    context: PlanningContext,
    settings: PlaybookBase,
    rule: AfterSaleRule,
    params: dict[str, Any],
) -> None:
    con.execute(f"CREATE TEMP TABLE planned ({_PLANNED})")
    con.execute("CREATE TEMP TABLE missed (order_id VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE last AS "
        "SELECT order_id, prev_us AS last_us FROM chosen WHERE prev_us IS NOT NULL"
    )
    channel = channel_sql(settings.rules, settings.purpose, "after_sale")
    for number, step in enumerate(settings.steps, start=1):
        assert not isinstance(step.after, str)  # refused for these kinds by their settings
        after = micros(step.after)
        text = sql_text("after_sale_pass.sql").format(
            start=rule.start(number, after),
            expires=rule.expires(number, after),
            channel=channel.text,
            window=into_window_sql("due0", context.call_windows),
        )
        run_script(con, text, {**params, **channel.params, "step": number})


def _templates(settings: PlaybookBase) -> pa.Table:
    rows = [
        {
            "step": number,
            "channel": str(channel),
            "is_returning": returning,
            "template": step.template(channel, returning=returning),
        }
        for number, step in enumerate(settings.steps, start=1)
        for channel in ActionChannel
        for returning in (False, True)
    ]
    schema = pa.schema(
        [("step", pa.int64()), ("channel", pa.string()), ("is_returning", pa.bool_()),
         ("template", pa.string())]
    )  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema)
