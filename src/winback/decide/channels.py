"""Channel choice (PRODUCT R2): the playbook's rules as one column expression.

Rules are tried in order; the first whose conditions all hold **and whose channel can reach
the buyer** names the channel (issue 11.4: a phone task for a number the platform masks is a
task nobody can do, so the contact is checked before the amount or the buyer's history). No
rule left: no action (NULL), and the order counts as unreachable.

:func:`channel_sql` turns the rules into a ``CASE`` expression over the columns a planner's
query provides (see :data:`RULE_COLUMNS`). Each condition is one named comparison from a
closed set (:class:`~winback.playbook_settings.ChannelRule`) whose value travels as a bound
parameter: merchant text is compared, never executed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from winback.model import ActionChannel, Purpose
from winback.playbook_settings import ChannelRule

__all__ = ["RULE_COLUMNS", "SqlExpression", "channel_sql", "reach_sql"]

RULE_COLUMNS: Final = {
    "amount": "the order (or merged orders) amount, DECIMAL",
    "is_returning": "the buyer has paid an order before, BOOLEAN",
    "has_remark": "a buyer message or seller remark on an order, BOOLEAN",
    "age_us": "microseconds from the (first) order to the action's due time, BIGINT",
    "probability": "the chance the order is paid anyway before it closes, DOUBLE or NULL",
    "phone_known, phone_masked, email_known, email_masked, chat": "the buyer's contacts",
    "<channel>_granted, <channel>_refused": "the buyer's latest consent per channel",
}
"""The columns :func:`channel_sql` reads (the buyer columns of ``winback.contracts``)."""


@dataclass(frozen=True, slots=True)
class SqlExpression:
    """A SQL expression and the named parameters it binds."""

    text: str
    params: dict[str, Any]


def reach_sql(channel: ActionChannel, purpose: Purpose) -> str:
    """Whether ``channel`` can reach the buyer for ``purpose``: SMS, e-mail and phone tasks
    need a known (unmasked) contact the buyer has not refused, and for marketing an explicit
    grant; a chat task needs the platform's chat; the team robot reaches the team."""
    if channel is ActionChannel.CHAT_TASK:
        return "coalesce(chat, false)"
    if channel is ActionChannel.IM_ROBOT:
        return "true"
    contact, consent = {
        ActionChannel.SMS: ("phone", "sms"),
        ActionChannel.PHONE_TASK: ("phone", "phone"),
        ActionChannel.EMAIL: ("email", "email"),
    }[channel]
    allowed = "true" if purpose is Purpose.TRANSACTIONAL else f"coalesce({consent}_granted, false)"
    return (
        f"(coalesce({contact}_known, false) AND NOT coalesce({consent}_refused, false) "
        f"AND {allowed})"
    )


def channel_sql(rules: Sequence[ChannelRule], purpose: Purpose, prefix: str) -> SqlExpression:
    """The ``CASE`` expression naming the channel of the first rule that holds and reaches
    the buyer, NULL when none does. ``prefix`` keeps the parameter names of two playbooks
    apart in one query."""
    params: dict[str, Any] = {}
    branches = []
    for number, rule in enumerate(rules):
        name = f"{prefix}_r{number}"
        conditions = [reach_sql(rule.channel, purpose), *_conditions(rule, purpose, name, params)]
        params[f"{name}_channel"] = str(rule.channel)
        branches.append(f"WHEN {' AND '.join(conditions)} THEN ${name}_channel")
    text = f"(CASE {' '.join(branches)} ELSE NULL END)" if branches else "CAST(NULL AS VARCHAR)"
    return SqlExpression(text, params)


def _conditions(
    rule: ChannelRule, purpose: Purpose, name: str, params: dict[str, Any]
) -> list[str]:
    found = []
    if rule.amount_at_least is not None:
        params[f"{name}_amount"] = rule.amount_at_least
        found.append(f"amount >= ${name}_amount")
    if rule.returning is not None:
        found.append("is_returning" if rule.returning else "NOT is_returning")
    if rule.has_remark is not None:
        found.append("has_remark" if rule.has_remark else "NOT has_remark")
    if rule.age_at_most is not None:
        params[f"{name}_age"] = _micros(rule.age_at_most.total_seconds())
        found.append(f"age_us <= ${name}_age")
    if rule.contacts_masked is not None:
        masked = (
            "((coalesce(phone_masked, false) OR coalesce(email_masked, false)) "
            "AND NOT (coalesce(phone_known, false) OR coalesce(email_known, false)))"
        )
        found.append(masked if rule.contacts_masked else f"NOT {masked}")
    if rule.direct_contact is not None:
        reach = reach_sql(rule.channel, purpose)
        found.append(reach if rule.direct_contact else f"NOT {reach}")
    if rule.payment_probability_below is not None:
        params[f"{name}_below"] = rule.payment_probability_below
        found.append(f"(probability IS NOT NULL AND probability < ${name}_below)")
    return found


def _micros(seconds: float) -> int:
    return round(seconds * 1_000_000)
