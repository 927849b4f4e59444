"""What the kinds that plan steps about one order at a time share: the cancelled-order save,
the closed follow-up and the after-sale kinds (NPS, confirm-receipt), planned in columns.

A kind states only what differs, as an :class:`OrderRule`: which of its facts' orders are
eligible, the instants it reads, when a step starts and expires, its own template
parameters and its few switches. The rest is common (``sql/order_steps*.sql``): the holdout
(the buyer, or the order, decides it, as for every kind), the channel of the first rule that
reaches the buyer, the call windows for agent tasks, ``min_gap`` between two steps about one
order, the steps earlier runs planned (``EARLIER_STEPS``: never planned again), the orders no
channel reaches (counted, no action), keys ``order:<order_id>:<playbook>:<step>`` (planning
twice creates nothing new) and the actions in ``PLANNED_ACTIONS`` form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import duckdb
import pyarrow as pa

from winback.decide.channels import channel_sql
from winback.decide.context import PlanningContext
from winback.decide.holdout import holdout_sql
from winback.decide.planner import PlaybookPlan, no_actions, playbook_params
from winback.decide.queries import as_planned_actions, connect, run_script, scalar, sql_text, table
from winback.decide.timing import into_window_sql, items_text_sql, micros
from winback.model import ActionChannel
from winback.playbook_settings import PlaybookBase

__all__ = [
    "AFTER_SALE_INSTANTS",
    "AFTER_SALE_RETURNING",
    "OrderRule",
    "plan_order_steps",
    "step_templates",
]

_PLANNED: Final = "order_id VARCHAR, step BIGINT, channel VARCHAR, due_us BIGINT, expires_us BIGINT"
AFTER_SALE_INSTANTS: Final = ("shipped_at", "delivered_at", "settled_at")
"""The instants of ``AFTER_SALE_ORDERS`` the after-sale kinds read (``shipped_us``, …)."""
AFTER_SALE_RETURNING: Final = "coalesce(paid_orders, 0) > 1"
"""An after-sale order's buyer is returning when they had paid another order
(``paid_orders`` counts this one)."""


@dataclass(frozen=True, slots=True)
class OrderRule:
    """One per-order kind's rule, as SQL over its facts' rows.

    ``eligible``: which orders (a condition over the fact's columns); ``instants``: the
    fact's timestamp columns the rule reads, each as ``<name>_us`` (microseconds; without
    ``_at``) beside ``created_us``; ``start(step, after_us)``: when step ``step`` (its
    ``after`` in microseconds) is due at the earliest and ``expires(step, after_us)`` after
    when it is not planned, both SQL over ``c`` (the chosen order); ``fields``: the kind's
    own template parameters as ``name := VARCHAR expression`` pairs over ``c``; ``params``:
    the values these bind; ``returning``: when the buyer counts as returning.

    Switches: ``one_per_unit``, at most one order per buyer per step and run (the latest
    start); ``spaced``, a step waits ``min_gap`` after the order's last step (earlier or
    planned); ``in_call_windows``, agents' tasks are due in the next call window;
    ``unreachable_if_expired``, an order no channel reaches counts as unreachable even when
    its step had expired. ``annotate``: more columns of the chosen orders (a table of
    ``order_id`` and them, made from the connection, where ``chosen`` is, and the
    parameters), which ``start``, ``expires`` and ``fields`` read as ``c.<column>`` (null
    for an order it leaves out): a kind's own facts joined, or values computed in Python."""

    eligible: str
    instants: tuple[str, ...]
    start: Callable[[int, int], str]
    expires: Callable[[int, int], str]
    fields: str
    params: Mapping[str, Any] = field(default_factory=dict)
    returning: str = "coalesce(paid_orders, 0) > 0"
    one_per_unit: bool = False
    spaced: bool = True
    in_call_windows: bool = True
    unreachable_if_expired: bool = True
    annotate: Callable[[duckdb.DuckDBPyConnection, Mapping[str, Any]], pa.Table] | None = None


def plan_order_steps(
    context: PlanningContext,
    name: str,
    settings: PlaybookBase,
    orders: pa.Table,
    earlier: pa.Table,
    rule: OrderRule,
) -> PlaybookPlan:
    """One action per step for each order ``rule`` makes eligible; see the module docstring.
    The plan's ``orders`` counts the eligible orders (all of ``orders`` when the playbook is
    off or there are none; a kind may count otherwise)."""
    if not settings.enabled or orders.num_rows == 0:
        return PlaybookPlan(no_actions(), orders.num_rows)
    params = {
        **playbook_params(context, name, settings),
        "one_per_unit": rule.one_per_unit,
        "spaced": rule.spaced,
        "unreachable_if_expired": rule.unreachable_if_expired,
        **rule.params,
    }
    instants = "".join(
        f"epoch_us({column}) AS {column.removesuffix('_at')}_us, " for column in rule.instants
    )
    with connect() as con:
        con.register("orders", orders)
        con.register("earlier", earlier)
        text = sql_text("order_steps.sql").format(
            holdout=holdout_sql("c.unit"),
            eligible=rule.eligible,
            instants=instants,
            returning=rule.returning,
        )
        run_script(con, text, params)
        considered = int(scalar(con, "SELECT count(*) FROM chosen"))
        if rule.annotate is not None:
            con.register("extra", rule.annotate(con, params))
            con.execute(
                "CREATE OR REPLACE TEMP TABLE chosen AS SELECT c.*, x.* EXCLUDE (order_id) "
                "FROM chosen AS c LEFT JOIN extra AS x ON x.order_id = c.order_id"
            )
        con.register("templates", step_templates(settings))
        _passes(con, context, settings, rule, params)
        found = table(
            con,
            sql_text("order_steps_actions.sql").format(
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
    con: duckdb.DuckDBPyConnection,
    context: PlanningContext,
    settings: PlaybookBase,
    rule: OrderRule,
    params: dict[str, Any],
) -> None:
    con.execute(f"CREATE TEMP TABLE planned ({_PLANNED})")
    con.execute("CREATE TEMP TABLE missed (order_id VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE last AS "
        "SELECT order_id, prev_us AS last_us FROM chosen WHERE prev_us IS NOT NULL"
    )
    channel = channel_sql(settings.rules, settings.purpose, "order")
    window = into_window_sql("due0", context.call_windows) if rule.in_call_windows else "due0"
    for number, step in enumerate(settings.steps, start=1):
        assert not isinstance(step.after, str)  # refused for these kinds by their settings
        after = micros(step.after)
        text = sql_text("order_steps_pass.sql").format(
            start=rule.start(number, after),
            expires=rule.expires(number, after),
            channel=channel.text,
            window=window,
        )
        run_script(con, text, {**params, **channel.params, "step": number})


def step_templates(settings: PlaybookBase) -> pa.Table:
    """Every (step, channel, buyer type) → its template name."""
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
