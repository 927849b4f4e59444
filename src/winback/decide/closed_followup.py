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
over the facts, common to the per-order kinds (:mod:`winback.decide.order_steps`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.reasons import LossReason, Prediction, label
from winback.decide.context import PlanningContext
from winback.decide.order_steps import OrderRule, plan_order_steps
from winback.decide.planner import (
    CLOSED_ORDERS,
    EARLIER_STEPS,
    Facts,
    Planner,
    PlaybookPlan,
    ReasonGuesser,
    reordered,
)
from winback.decide.queries import table
from winback.decide.timing import local_sql, micros, yesterday
from winback.playbook_settings import ClosedFollowupSettings

__all__ = ["CLOSED_FOLLOWUP", "plan_closed_followup", "reason_params"]

REASON_KEYS: Final = (
    "reason",
    "reason_guess",
    "reason_label",
    "reason_label_en",
    "reason_confidence",
    "reason_evidence",
)
"""The template parameters :func:`reason_params` gives."""


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
    closed = local_sql("c.closed_us")
    rule = OrderRule(
        eligible="reordered_by IS NULL",
        instants=("closed_at",),
        start=lambda step, after: f"(c.closed_us + {after})",
        expires=lambda step, after: "(c.closed_us + $valid_for_us)",
        fields=(
            f"ordered_at := strftime({local_sql('c.created_us')}, '%Y-%m-%d %H:%M'), "
            # an inferred close time is never told as a fact; closed_by is the latest it was
            f"closed_at := CASE WHEN c.close_inferred THEN '' "
            f"ELSE strftime({closed}, '%Y-%m-%d %H:%M') END, "
            f"closed_by := strftime({closed}, '%Y-%m-%d %H:%M'), "
            "closed_at_inferred := CASE WHEN c.close_inferred THEN 'yes' ELSE 'no' END, "
            + ", ".join(f"{key} := c.{key}" for key in REASON_KEYS)
        ),
        params={"valid_for_us": micros(settings.valid_for)},
        annotate=lambda con, _: _reasons(
            table(con, "SELECT order_id, texts FROM chosen ORDER BY order_id", {}), facts.guess
        ),
    )
    found = plan_order_steps(context, name, settings, day, facts.table(EARLIER_STEPS), rule)
    return replace(found, orders=day.num_rows, reordered=reordered(day))


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
    """order id → its reason parameters (:func:`reason_params`, a column each); the
    classifier sees only orders with text."""
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
    given = [reason_params(predictions.get(order_id)) for order_id in ids]
    columns = {"order_id": pa.array(ids, pa.string())}
    for key in REASON_KEYS:
        columns[key] = pa.array([params[key] for params in given], pa.string())
    return pa.table(columns)
