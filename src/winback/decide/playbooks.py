"""Playbooks: what to do about an unpaid or a closed order, written in the store's TOML.

A playbook is data a merchant reads and edits (``docs/playbooks.md`` has the full example):
its steps (when, which templates), its channel rules (ordered; the first rule whose
conditions all hold picks the channel) and its holdout share. Nothing in a playbook is
executed as code: conditions are a closed set of named comparisons evaluated by
:mod:`winback.decide.channels`.

Two kinds exist:

* ``unpaid`` (PRODUCT R1/R2): payment reminders for open unpaid orders, timed from the
  segment's 90% payment time (D6) and always before the platform's auto-close deadline.
* ``closed_followup`` (R5): agent tasks for yesterday's orders closed before payment.

The shipped defaults (:data:`DEFAULT_PLAYBOOKS`) follow seed 003: the first reminder at the
payers' P90, returning buyers an hour later, phone calls for large orders, returning buyers
and orders with a remark, SMS/e-mail while the order is young and a direct contact exists,
the platform's chat when contacts are masked or payment is unlikely.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from winback.durations import Duration, parse_duration
from winback.model import ActionChannel, Purpose

__all__ = [
    "DEFAULT_PLAYBOOKS",
    "ChannelRule",
    "Playbook",
    "PlaybookKind",
    "Step",
    "Templates",
    "merge_with_defaults",
]

PlaybookKind = Literal["unpaid", "closed_followup"]
Segment = Literal["all", "buyer_type", "amount_band", "payment_method", "platform"]
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
    """One reminder. ``after`` is counted from the order's creation: ``"p90"`` (the segment's
    90% payment time) or a duration such as ``"24h"``. ``templates`` name the message;
    ``channel_templates`` replace them on one channel (an e-mail layout, an agent script)."""

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
    """``channel`` is chosen when every condition given holds; omitted conditions do not
    count. A rule without conditions always matches (a fallback, put it last).

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


class Playbook(_Model):
    """One playbook. See the module docstring and ``docs/playbooks.md``."""

    kind: PlaybookKind
    enabled: bool = True
    purpose: Purpose = Purpose.TRANSACTIONAL
    holdout_share: float = Field(default=0.1, ge=0, le=0.5)
    segment: Segment = "buyer_type"
    returning_delay: Duration = timedelta(hours=1)
    fallback_delay: Duration = timedelta(hours=2)
    close_margin: Duration = timedelta(hours=1)
    valid_for: Duration = timedelta(days=3)
    steps: tuple[Step, ...] = Field(min_length=1)
    rules: tuple[ChannelRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> Playbook:
        if self.kind == "closed_followup" and any(s.after == SEGMENT_TIMING for s in self.steps):
            raise ValueError("steps: a closed_followup step is timed by a duration, not 'p90'")
        return self


def _rule(channel: str, **conditions: Any) -> dict[str, Any]:
    return {"channel": channel, **conditions}


def _same(name: str) -> dict[str, str]:
    return {"new": name, "returning": name}


# The names of the shipped template library (winback/act/default_templates.toml).
_UNPAID_STEP: Final[dict[str, Any]] = {
    "templates": {
        "new": "unpaid_new_buyer",
        "returning": "unpaid_returning_buyer",
        "merged": "unpaid_merged",
    },
    "channel_templates": {
        "email": _same("unpaid_new_buyer_email"),
        "phone_task": _same("unpaid_phone_script"),
        "chat_task": _same("unpaid_chat_script"),
    },
}


DEFAULT_PLAYBOOKS: Final[Mapping[str, Mapping[str, Any]]] = {
    "unpaid": {
        "kind": "unpaid",
        "holdout_share": 0.1,
        "segment": "buyer_type",
        "returning_delay": "1h",
        "fallback_delay": "2h",
        "close_margin": "1h",
        "steps": [{"after": "p90", **_UNPAID_STEP}, {"after": "24h", **_UNPAID_STEP}],
        "rules": [
            _rule("phone_task", amount_at_least="300"),
            _rule("phone_task", returning=True),
            _rule("phone_task", has_remark=True),
            _rule("chat_task", contacts_masked=True),
            _rule("chat_task", payment_probability_below=0.2),
            _rule("sms", age_at_most="3d", direct_contact=True),
            _rule("email", age_at_most="3d", direct_contact=True),
            _rule("chat_task"),
        ],
    },
    "closed_followup": {
        "kind": "closed_followup",
        "purpose": "marketing",  # the order is gone: re-contact follows marketing rules
        "holdout_share": 0.1,
        "valid_for": "3d",
        "steps": [
            {
                "after": "0h",
                "templates": _same("closed_followup"),
                "channel_templates": {
                    "email": _same("closed_followup_email"),
                    "phone_task": _same("closed_followup_phone_script"),
                    "chat_task": _same("closed_followup_chat_script"),
                },
            }
        ],
        "rules": [
            _rule("phone_task", amount_at_least="300", direct_contact=True),
            _rule("phone_task", returning=True, direct_contact=True),
            _rule("chat_task"),
        ],
    },
}
"""The shipped playbooks, as the TOML a merchant would write (see ``docs/playbooks.md``)."""


def merge_with_defaults(given: object) -> Any:
    """The ``[playbooks]`` table over the defaults: a playbook named like a default changes
    only the keys it gives (``[playbooks.unpaid] holdout_share = 0.2``); ``steps`` and
    ``rules`` are replaced whole; other names add playbooks."""
    if not isinstance(given, Mapping):
        return dict(DEFAULT_PLAYBOOKS) if given is None else given
    merged: dict[str, Any] = {name: dict(book) for name, book in DEFAULT_PLAYBOOKS.items()}
    for name, book in given.items():
        if isinstance(book, Mapping) and name in merged:
            merged[name] = {**merged[name], **book}
        else:
            merged[name] = book
    return merged
