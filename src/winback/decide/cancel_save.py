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
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from winback.decide.channels import channel_sql
from winback.decide.context import PlanningContext
from winback.decide.holdout import holdout_sql
from winback.decide.planner import EARLIER_STEPS, Facts, Planner, PlaybookPlan, no_actions
from winback.decide.queries import as_planned_actions, connect, run_script, scalar, sql_text, table
from winback.decide.timing import items_text_sql, micros
from winback.model import ActionChannel
from winback.playbook_settings import CancelSaveSettings

__all__ = ["CANCELLED_ORDERS", "CANCEL_SAVE", "plan_cancel_save"]

CANCELLED_ORDERS: Final = "cancelled_orders"
"""The fact table of this kind (contract ``CANCELLED_ORDERS`` of :mod:`winback.contracts`)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_PLANNED: Final = "order_id VARCHAR, step BIGINT, channel VARCHAR, due_us BIGINT, expires_us BIGINT"


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
    reordered = int(pc.sum(pc.is_valid(recent["reordered_by"])).as_py() or 0)
    if not settings.enabled:
        return PlaybookPlan(no_actions(), recent.num_rows, reordered)
    params = _params(context, name, settings, since)
    with connect() as con:
        con.register("orders", recent)
        con.register("earlier", facts.table(EARLIER_STEPS))
        run_script(con, sql_text("cancel_save.sql").format(holdout=holdout_sql("c.unit")), params)
        con.register("templates", _templates(settings))
        _passes(con, settings, params)
        text = sql_text("cancel_save_actions.sql").format(
            item=items_text_sql("coalesce(c.items, [])")
        )
        actions = as_planned_actions(table(con, text, params))
        missed = scalar(
            con,
            "SELECT count(DISTINCT order_id) FROM missed "
            "WHERE order_id NOT IN (SELECT order_id FROM planned)",
        )
    return PlaybookPlan(actions, recent.num_rows, reordered, int(missed))


CANCEL_SAVE: Planner[CancelSaveSettings] = Planner(
    kind="cancel_save",
    settings=CancelSaveSettings,
    facts=(CANCELLED_ORDERS, EARLIER_STEPS),
    plan=plan_cancel_save,
)
"""The ``cancel_save`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""


def _params(
    context: PlanningContext, name: str, settings: CancelSaveSettings, since: datetime
) -> dict[str, Any]:
    return {
        "since_us": micros(since - _EPOCH),
        "now_us": micros(context.now - _EPOCH),
        "valid_for_us": micros(settings.valid_for),
        "form_seconds": int(settings.form_valid_for.total_seconds()),
        "playbook": name,
        "store_id": context.store_id,
        "share": settings.holdout_share,
        "purpose": str(settings.purpose),
        "shop": context.shop,
    }


def _templates(settings: CancelSaveSettings) -> pa.Table:
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


def _passes(
    con: duckdb.DuckDBPyConnection, settings: CancelSaveSettings, params: dict[str, Any]
) -> None:
    con.execute(f"CREATE TEMP TABLE planned ({_PLANNED})")
    con.execute("CREATE TEMP TABLE missed (order_id VARCHAR)")
    rule = channel_sql(settings.rules, settings.purpose, "save")
    text = sql_text("cancel_save_pass.sql").format(channel=rule.text)
    for number, step in enumerate(settings.steps, start=1):
        assert not isinstance(step.after, str)  # refused for this kind by its settings
        values = {**params, **rule.params, "step": number, "after_us": micros(step.after)}
        run_script(con, text, values)
