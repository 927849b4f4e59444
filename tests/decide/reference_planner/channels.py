"""Channel choice (PRODUCT R2): the playbook's rules, evaluated as data.

Rules are tried in order; the first whose conditions all hold **and whose channel can reach
the buyer** names the channel (issue 11.4: a phone task for a number the platform masks is a
task nobody can do, so the contact is checked before the amount or the buyer's history).
Each condition is one named comparison from a closed set (:class:`~winback.decide.playbooks.
ChannelRule`): merchant text is compared, never executed. No rule left: no action, and the
order counts as unreachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from reference_planner.facts import Buyer
from winback.model import ActionChannel, Purpose
from winback.playbook_settings import ChannelRule

__all__ = ["ChannelFacts", "choose_channel", "rule_matches"]


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """What the rules look at for one planned action."""

    amount: Decimal
    buyer: Buyer
    has_remark: bool
    age: timedelta
    purpose: Purpose
    payment_probability: float | None = None


def rule_matches(rule: ChannelRule, facts: ChannelFacts) -> bool:
    """Whether every condition ``rule`` states holds for ``facts``.

    ``payment_probability_below`` does not hold when the probability is unknown (no history):
    a rule should not fire on a number nobody could compute.
    """
    checks = (
        rule.amount_at_least is None or facts.amount >= rule.amount_at_least,
        rule.returning is None or facts.buyer.returning == rule.returning,
        rule.has_remark is None or facts.has_remark == rule.has_remark,
        rule.age_at_most is None or facts.age <= rule.age_at_most,
        rule.contacts_masked is None or facts.buyer.contacts_masked == rule.contacts_masked,
        rule.direct_contact is None
        or facts.buyer.reachable(rule.channel, facts.purpose) == rule.direct_contact,
        rule.payment_probability_below is None
        or (
            facts.payment_probability is not None
            and facts.payment_probability < rule.payment_probability_below
        ),
    )
    return all(checks)


def choose_channel(rules: Sequence[ChannelRule], facts: ChannelFacts) -> ActionChannel | None:
    """The channel of the first matching rule that reaches the buyer; None when there is none
    (no action)."""
    for rule in rules:
        if facts.buyer.reachable(rule.channel, facts.purpose) and rule_matches(rule, facts):
            return rule.channel
    return None
