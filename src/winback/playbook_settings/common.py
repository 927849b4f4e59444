"""What every playbook kind's settings share: steps, templates, channel rules, holdout, gap.

A playbook is data a merchant reads and edits in ``winback.toml`` (``docs/playbooks.md``):
its steps (when, which templates), its channel rules (ordered; the first rule whose
conditions all hold and whose channel reaches the buyer picks the channel), its holdout share
and the least time between two of its steps. Nothing in a playbook is executed as code:
conditions are a closed set of named comparisons evaluated by
:mod:`winback.decide.channels`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from winback.durations import Duration, parse_duration
from winback.model import ActionChannel, Purpose

__all__ = [
    "SEGMENT_TIMING",
    "ChannelRule",
    "PlaybookBase",
    "Step",
    "Templates",
    "rule",
    "same_template",
]

SEGMENT_TIMING: Final = "p90"
"""The one symbolic timing: the 90% payment time of the buyer's segment (D6)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Templates(_Model):
    """The template (or agent script) of a step, per buyer type: new buyers hear "pay now and
    it ships today", returning buyers a care message (seed 003). ``merged``, when given, is
    used for a reminder about several orders of one buyer."""

    new: str = Field(min_length=1)
    returning: str = Field(min_length=1)
    merged: str | None = Field(default=None, min_length=1)

    def pick(self, *, returning: bool, orders: int = 1) -> str:
        if orders > 1 and self.merged:
            return self.merged
        return self.returning if returning else self.new


class Step(_Model):
    """One step. ``after`` is counted from the order's creation (a follow-up: from its close):
    ``"p90"`` (the segment's 90% payment time, where the kind allows it) or a duration such
    as ``"24h"``. ``templates`` name the message; ``channel_templates`` replace them on one
    channel (an e-mail layout, an agent script)."""

    after: timedelta | Literal["p90"]
    templates: Templates
    channel_templates: dict[ActionChannel, Templates] = Field(default_factory=dict)

    def template(self, channel: ActionChannel, *, returning: bool, orders: int = 1) -> str:
        """The template name for ``channel`` and this buyer."""
        chosen = self.channel_templates.get(channel, self.templates)
        return chosen.pick(returning=returning, orders=orders)

    @field_validator("after", mode="before")
    @classmethod
    def _timing(cls, value: object) -> timedelta | str:
        if value == SEGMENT_TIMING:
            return SEGMENT_TIMING
        try:
            return parse_duration(value)
        except ValueError:
            raise ValueError(
                f"use 'p90' (the segment's 90% payment time) or a duration like '2h', not {value!r}"
            ) from None


class ChannelRule(_Model):
    """``channel`` is chosen when every condition given holds and the channel can reach the
    buyer; omitted conditions do not count. A rule without conditions matches whenever its
    channel reaches the buyer (a fallback, put it last).

    * ``amount_at_least``: the order (or merged orders) amount is at least this.
    * ``returning``: the buyer has paid an order before (true) or not (false).
    * ``has_remark``: the buyer left a message or the seller a remark on the order.
    * ``age_at_most``: the order is at most this old when the action is due.
    * ``direct_contact``: the buyer can be reached on this rule's own channel (a known,
      unmasked phone for SMS/phone, e-mail for e-mail) and has not refused it.
    * ``contacts_masked``: the platform masked the buyer's phone and e-mail.
    * ``payment_probability_below``: the estimated chance that the order is paid anyway
      before it closes (D6 curve) is below this.
    """

    channel: ActionChannel
    amount_at_least: Decimal | None = Field(default=None, ge=0)
    returning: bool | None = None
    has_remark: bool | None = None
    age_at_most: Duration | None = None
    direct_contact: bool | None = None
    contacts_masked: bool | None = None
    payment_probability_below: float | None = Field(default=None, ge=0, le=1)

    @field_validator("amount_at_least", mode="before")
    @classmethod
    def _no_float_money(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError(f'write amounts as text or integers ("{value}"), not floats')
        return value


class PlaybookBase(_Model):
    """The keys every kind has. ``kind`` chooses the settings model and the planner (each
    kind narrows it to its own name). ``min_gap``: two steps about the same orders are at
    least this far apart, counting the steps earlier plan runs planned (issue 10.6)."""

    kind: str
    enabled: bool = True
    purpose: Purpose = Purpose.TRANSACTIONAL
    holdout_share: float = Field(default=0.1, ge=0, le=0.5)
    min_gap: Duration = timedelta(hours=20)
    steps: tuple[Step, ...] = Field(min_length=1)
    rules: tuple[ChannelRule, ...] = Field(min_length=1)


def rule(channel: str, **conditions: Any) -> dict[str, Any]:
    """A channel rule as a merchant writes it (for the shipped defaults)."""
    return {"channel": channel, **conditions}


def same_template(name: str) -> dict[str, str]:
    """One template for new and returning buyers alike."""
    return {"new": name, "returning": name}
