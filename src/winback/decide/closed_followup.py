"""Yesterday's orders closed before payment (PRODUCT R5): a list for agents to re-contact.

Every order closed before payment during the store's previous calendar day becomes one agent
task per step (phone or platform chat, by the playbook's rules; no channel that reaches the
buyer: no task, and the order is unreachable), due in the next call window, with a guess of
why the order was lost: the D3 classifier reads the close/cancel reason and the buyer's last
chat lines, and a reason is given only when its words say it (issue 11.2). Orders the buyer
placed again (``reordered_by``) get no follow-up. An inferred close time is never stated as a
fact. Steps are at least ``min_gap`` apart (after the call windows), and steps an earlier run
planned (``EARLIER_STEPS``) are not planned again. Keys are
``order:<order_id>:<playbook>:<step>``; the buyer (or the order) decides the holdout, as for
reminders.

The classifier runs once over the day's texts (Python: it reads words); the rest is DuckDB
over the facts, as for the ``unpaid`` kind.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.reasons import LossReason, Prediction, label
from winback.decide.channels import channel_sql
from winback.decide.context import PlanningContext
from winback.decide.holdout import holdout_sql
from winback.decide.planner import (
    CLOSED_ORDERS,
    EARLIER_STEPS,
    Facts,
    Planner,
    PlaybookPlan,
    ReasonGuesser,
    no_actions,
)
from winback.decide.queries import (
    as_planned_actions,
    connect,
    run_script,
    scalar,
    sql_text,
    table,
)
from winback.decide.timing import into_window_sql, items_text_sql, local_sql, micros, yesterday
from winback.model import ActionChannel
from winback.playbook_settings import ClosedFollowupSettings

__all__ = ["CLOSED_FOLLOWUP", "plan_closed_followup", "reason_params"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_PLANNED: Final = "order_id VARCHAR, step BIGINT, channel VARCHAR, due_us BIGINT, expires_us BIGINT"


def plan_closed_followup(
    context: PlanningContext, name: str, settings: ClosedFollowupSettings, facts: Facts
) -> PlaybookPlan:
    """One agent task per step for each order closed yesterday; see the module docstring."""
    orders = facts.table(CLOSED_ORDERS)
    start, end = yesterday(context.now, context.zone)
    in_day = pc.and_(
        pc.greater_equal(orders["closed_at"], pa.scalar(start, orders["closed_at"].type)),
        pc.less(orders["closed_at"], pa.scalar(end, orders["closed_at"].type)),
    )
    day = orders.filter(in_day)
    reordered = int(pc.sum(pc.is_valid(day["reordered_by"])).as_py() or 0)
    if not settings.enabled:
        return PlaybookPlan(no_actions(), day.num_rows, reordered)
    params = _params(context, name, settings, start, end)
    with connect() as con:
        con.register("orders", day)
        con.register("earlier", facts.table(EARLIER_STEPS))
        text = sql_text("closed_followup.sql").format(holdout=holdout_sql("c.unit"))
        run_script(con, text, params)
        chosen = table(con, "SELECT order_id, texts FROM chosen ORDER BY order_id", {})
        con.register("reasons", _reasons(chosen, facts.guess))
        con.register("templates", _templates(settings))
        _passes(con, context, settings, params)
        actions = _actions(con, params)
        missed = scalar(
            con,
            "SELECT count(DISTINCT order_id) FROM missed "
            "WHERE order_id NOT IN (SELECT order_id FROM planned)",
        )
    return PlaybookPlan(actions, day.num_rows, reordered, int(missed))


CLOSED_FOLLOWUP: Planner[ClosedFollowupSettings] = Planner(
    kind="closed_followup",
    settings=ClosedFollowupSettings,
    facts=(CLOSED_ORDERS, EARLIER_STEPS),
    plan=plan_closed_followup,
    uses_reasons=True,
)
"""The ``closed_followup`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""


def reason_params(prediction: Prediction | None) -> dict[str, str]:
    """A follow-up's reason parameters. No words behind the guess, or a guess of ``unknown``
    (a platform's boilerplate such as 买家未付款 says the order timed out, not why): the
    reason is unknown and the label, confidence and evidence are empty."""
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


def _reasons(chosen: pa.Table, guess: ReasonGuesser | None) -> pa.Table:
    """order id → its reason parameters as JSON; the classifier sees only orders with text."""
    ids = chosen["order_id"].to_pylist()
    texts = [
        " ".join(t.strip() for t in row or () if t and t.strip())
        for row in chosen["texts"].to_pylist()
    ]
    with_text = [(order_id, text) for order_id, text in zip(ids, texts, strict=True) if text]
    predictions: dict[str, Prediction] = {}
    if with_text and guess is not None:
        found = guess([text for _, text in with_text])
        predictions = dict(zip((order_id for order_id, _ in with_text), found, strict=True))
    return pa.table(
        {
            "order_id": pa.array(ids, pa.string()),
            "reason_params": pa.array(
                [
                    json.dumps(reason_params(predictions.get(order_id)), ensure_ascii=False)
                    for order_id in ids
                ],
                pa.string(),
            ),
        }
    )


def _params(
    context: PlanningContext,
    name: str,
    settings: ClosedFollowupSettings,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    return {
        "start_us": micros(start - _EPOCH),
        "end_us": micros(end - _EPOCH),
        "now_us": micros(context.now - _EPOCH),
        "gap_us": micros(settings.min_gap),
        "valid_for_us": micros(settings.valid_for),
        "playbook": name,
        "store_id": context.store_id,
        "share": settings.holdout_share,
        "zone": context.zone.key,
        "purpose": str(settings.purpose),
        "shop": context.shop,
    }


def _templates(settings: ClosedFollowupSettings) -> pa.Table:
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
    con: duckdb.DuckDBPyConnection,
    context: PlanningContext,
    settings: ClosedFollowupSettings,
    params: dict[str, Any],
) -> None:
    con.execute(f"CREATE TEMP TABLE planned ({_PLANNED})")
    con.execute("CREATE TEMP TABLE missed (order_id VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE last AS "
        "SELECT order_id, prev_us AS last_us FROM chosen WHERE prev_us IS NOT NULL"
    )
    rule = channel_sql(settings.rules, settings.purpose, "followup")
    text = sql_text("closed_followup_pass.sql").format(
        channel=rule.text, window=into_window_sql("due0", context.call_windows)
    )
    for number, step in enumerate(settings.steps, start=1):
        assert not isinstance(step.after, str)  # refused for this kind by its settings
        values = {**params, **rule.params, "step": number, "after_us": micros(step.after)}
        run_script(con, text, values)


def _actions(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> pa.Table:
    text = sql_text("closed_followup_actions.sql").format(
        item=items_text_sql("coalesce(c.items, [])"),
        local_created=local_sql("c.created_us"),
        local_closed=local_sql("c.closed_us"),
    )
    return as_planned_actions(table(con, text, params))
