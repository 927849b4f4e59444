"""Payment reminders for open unpaid orders (PRODUCT R1/R2): the ``unpaid`` kind, in columns.

For each buyer (or each order without a known buyer) with open unpaid orders, one merged
reminder per step:

* orders the buyer placed again (``reordered_by``, :mod:`winback.decide.reorders`) are left
  out: the re-order is reminded about, or paid, on its own;
* the first step waits for the segment's payers' P90 after the *latest* order (the buyer may
  still be paying it), at least ``first_not_before``, returning buyers ``returning_delay``
  longer; later steps wait their fixed ``after``; no step is due sooner than
  ``first_not_before`` after the latest order;
* nothing is due after ``auto-close − close_margin`` of the *earliest* order (a later time is
  moved back to it); a step that would not come after the previous one is dropped, and so
  is every step when the limit comes before ``first_not_before``;
* when planning runs late and several steps are already overdue, only the last overdue one
  is planned, due now (the buyer gets one reminder, not a burst);
* the channel is the first rule's that holds at the due time and reaches the buyer
  (:mod:`winback.decide.channels`); agent tasks move into the next call window when that is
  still before the limit; no channel: no action, and the unit's orders are unreachable;
* two reminders about the same orders are at least ``min_gap`` apart, counting the steps an
  earlier run planned (``EARLIER_STEPS``): a step is moved later to keep the gap, and dropped
  when the gap ends after the limit. Steps an earlier run planned are not planned again.

Keys are ``buyer:<customer_key>:<playbook>:<step>@<first order id>`` (merged) or
``order:<order_id>:<playbook>:<step>``. The ``@<first order id>`` names the episode: a buyer
whose unpaid orders were settled and who later leaves a new unpaid order gets reminders again,
while planning twice (or after the buyer adds an order) yields the same keys.

The work is a handful of DuckDB queries over the facts (``decide/sql/unpaid_*.sql``): one
pass per step rank, each over all units at once; no Python object per order. The readable
one-object-per-order version of the same rules is the specification it is tested against
(tests/decide/reference_planner).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final

import duckdb
import pyarrow as pa

from winback.analyse.payment_time import PaymentTimeReport, amount_band_labels
from winback.decide.channels import channel_sql
from winback.decide.context import PlanningContext
from winback.decide.holdout import holdout_sql
from winback.decide.planner import (
    EARLIER_STEPS,
    OPEN_ORDERS,
    Facts,
    Planner,
    PlaybookPlan,
    no_actions,
    playbook_params,
    reordered,
)
from winback.decide.queries import (
    as_planned_actions,
    connect,
    run_script,
    scalar,
    sql_text,
    table,
)
from winback.decide.timing import into_window_sql, items_text_sql, local_sql, micros
from winback.model import ActionChannel
from winback.playbook_settings import UnpaidSettings

__all__ = ["UNPAID", "plan_unpaid"]

_PLANNED: Final = "unit VARCHAR, step BIGINT, channel VARCHAR, probability DOUBLE, due_us BIGINT"


def plan_unpaid(
    context: PlanningContext, name: str, settings: UnpaidSettings, facts: Facts
) -> PlaybookPlan:
    """The reminders ``settings`` (the playbook called ``name``) wants for the open orders,
    deterministic; see the module docstring."""
    orders = facts.table(OPEN_ORDERS)
    again = reordered(orders)
    if not settings.enabled:
        return PlaybookPlan(no_actions(), orders.num_rows, again)
    params = _params(context, name, settings)
    with connect() as con:
        con.register("orders", orders)
        con.register("earlier", facts.table(EARLIER_STEPS))
        con.register("steps", _steps(settings))
        con.register("templates", _templates(settings))
        units = sql_text("unpaid_units.sql").format(
            segment=_segment_sql(settings.segment, context.report, params),
            holdout=holdout_sql("g.unit"),
            item=items_text_sql("flatten(list(coalesce(items, []) ORDER BY created_us, order_id))"),
        )
        run_script(con, units, params)
        segments, curve = _segments(con, context, settings)
        con.register("segments", segments)
        con.register("curve", curve)
        todo = sql_text("unpaid_todo.sql")
        run_script(con, todo, params)
        _passes(con, context, settings, params)
        actions = _actions(con, context, params)
        unreachable = scalar(
            con,
            "SELECT coalesce(sum(orders), 0) FROM units WHERE unit IN (SELECT unit FROM missed) "
            "AND unit NOT IN (SELECT unit FROM planned)",
        )
    return PlaybookPlan(actions, orders.num_rows, again, int(unreachable))


UNPAID: Planner[UnpaidSettings] = Planner(
    kind="unpaid",
    settings=UnpaidSettings,
    facts=(OPEN_ORDERS, EARLIER_STEPS),
    plan=plan_unpaid,
    goal_is_payment=True,
)
"""The ``unpaid`` kind, for :data:`winback.decide.playbooks.PLANNERS`."""


# -- the small tables and parameters around the facts ----------------------------------------


def _params(context: PlanningContext, name: str, settings: UnpaidSettings) -> dict[str, Any]:
    cutoff = context.ship_same_day_before
    return {
        **playbook_params(context, name, settings),
        "close_after_us": micros(context.close_after),
        "close_margin_us": micros(settings.close_margin),
        "floor_us": micros(settings.first_not_before),
        "first_floor_us": micros(settings.first_not_before),
        "returning_us": micros(settings.returning_delay),
        "pay_before": cutoff.strftime("%H:%M") if cutoff is not None else "",
        "cutoff": cutoff,
    }


def _steps(settings: UnpaidSettings) -> pa.Table:
    afters = [
        micros(step.after) if isinstance(step.after, timedelta) else None for step in settings.steps
    ]
    numbers = pa.array(range(1, len(afters) + 1), pa.int64())
    return pa.table({"step": numbers, "after_us": pa.array(afters, pa.int64())})


def _templates(settings: UnpaidSettings) -> pa.Table:
    """Every (step, channel, buyer type, merged) → its template name."""
    rows = [
        {
            "step": number,
            "channel": str(channel),
            "is_returning": returning,
            "merged": merged,
            "template": step.template(channel, returning=returning, orders=2 if merged else 1),
        }
        for number, step in enumerate(settings.steps, start=1)
        for channel in ActionChannel
        for returning in (False, True)
        for merged in (False, True)
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("step", pa.int64()), ("channel", pa.string()), ("is_returning", pa.bool_()),
             ("merged", pa.bool_()), ("template", pa.string())]
        ),
    )  # fmt: skip


def _segment_sql(dimension: str, report: PaymentTimeReport | None, params: dict[str, Any]) -> str:
    """The latest order's segment along ``dimension`` (labels as in the D6 report)."""
    if dimension == "buyer_type":
        return "CASE WHEN coalesce(g.o.paid_orders, 0) > 0 THEN 'returning' ELSE 'new' END"
    if dimension == "payment_method":
        return "coalesce(g.o.payment_method, 'unknown')"
    if dimension == "platform":
        return "coalesce(g.o.platform, 'unknown')"
    if dimension == "amount_band" and report is not None and report.settings.amount_bands:
        edges = report.settings.amount_bands
        labels = amount_band_labels(edges)
        branches = []
        for number, edge in enumerate(edges):
            params[f"band_edge_{number}"] = edge
            params[f"band_label_{number}"] = labels[number]
            branches.append(f"WHEN g.o.amount < $band_edge_{number} THEN $band_label_{number}")
        params["band_label_last"] = labels[-1]
        return f"(CASE {' '.join(branches)} ELSE $band_label_last END)"
    return "'all'"


def _segments(
    con: duckdb.DuckDBPyConnection, context: PlanningContext, settings: UnpaidSettings
) -> tuple[pa.Table, pa.Table]:
    """Per segment label seen: the first reminder's base delay (the segment's P90, else the
    store's, else ``fallback_delay``) and the Kaplan–Meier curve that gives the payment
    probability (the segment's, else the store's, else none)."""
    report = context.report
    labels = table(con, "SELECT DISTINCT segment FROM units", {})["segment"].to_pylist()
    rows: list[dict[str, object]] = []
    points: dict[str, list[Any]] = {"curve_key": [], "t_s": [], "s": []}
    horizon = context.close_after.total_seconds()
    for label in labels:
        base = settings.fallback_delay
        key: str | None = None
        s_horizon = 1.0
        if report is not None:
            found = report.reminder_delay(settings.segment, label)
            if found.source != "default":
                base = found.delay
            for dimension, segment in ((settings.segment, label), ("all", "all")):
                row = report.segment(dimension, segment)
                if row is not None and row["sufficient"]:
                    key = f"{dimension}\x1f{segment}"
                    times, survival = report.curve(dimension, segment)
                    if key not in points["curve_key"]:
                        points["curve_key"] += [key] * len(times)
                        points["t_s"] += [float(t) for t in times]
                        points["s"] += [float(s) for s in survival]
                    s_horizon = _survival_at(times, survival, horizon)
                    break
        rows.append(
            {"segment": label, "base_us": micros(base), "curve_key": key, "s_horizon": s_horizon}
        )
    segments = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("segment", pa.string()), ("base_us", pa.int64()), ("curve_key", pa.string()),
             ("s_horizon", pa.float64())]
        ),
    )  # fmt: skip
    curve = pa.table(
        {
            "curve_key": pa.array(points["curve_key"], pa.string()),
            "t_s": pa.array(points["t_s"], pa.float64()),
            "s": pa.array(points["s"], pa.float64()),
        }
    )
    return segments, curve


def _survival_at(times: list[float], survival: list[float], at: float) -> float:
    """S(at) of a right-continuous step curve given at its event times."""
    found = 1.0
    for t, s in zip(times, survival, strict=True):
        if t > at:
            break
        found = float(s)
    return found


# -- the passes -------------------------------------------------------------------------------


def _passes(
    con: duckdb.DuckDBPyConnection,
    context: PlanningContext,
    settings: UnpaidSettings,
    params: dict[str, Any],
) -> None:
    """One pass per step rank: each needs the previous rank's due times (the gap)."""
    con.execute(f"CREATE TEMP TABLE planned ({_PLANNED})")
    con.execute("CREATE TEMP TABLE missed (unit VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE last AS "
        "SELECT unit, prev_us AS last_us FROM units WHERE prev_us IS NOT NULL"
    )
    rule = channel_sql(settings.rules, settings.purpose, "unpaid")
    text = sql_text("unpaid_pass.sql").format(
        channel=rule.text, window=into_window_sql("due0", context.call_windows)
    )
    ranks = int(scalar(con, "SELECT coalesce(max(rank), 0) FROM todo"))
    for rank in range(1, ranks + 1):
        run_script(con, text, {**params, **rule.params, "rank": rank})


def _actions(
    con: duckdb.DuckDBPyConnection, context: PlanningContext, params: dict[str, Any]
) -> pa.Table:
    text = sql_text("unpaid_actions.sql").format(
        local_latest=local_sql("u.latest_created_us"),
        local_expires=local_sql("u.expires_us"),
        local_due=local_sql("p.due_us"),
    )
    return as_planned_actions(table(con, text, params))
