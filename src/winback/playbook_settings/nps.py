"""Settings of the after-sale kinds (PRODUCT R8, seed 000 and 002): the ``nps`` survey and
the ``confirm_receipt`` reminder.

Both ship disabled (they are not in the default playbooks): a merchant turns one on with
``[playbooks.nps] kind = "nps"`` (or ``kind = "confirm_receipt"``); every other key has the
default below. docs/playbooks.md ("After the sale") explains the keys and their sources.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from pydantic import Field, model_validator

from winback.durations import Duration
from winback.playbook_settings.common import (
    SEGMENT_TIMING,
    ChannelRule,
    PlaybookBase,
    Step,
    rule,
    same_template,
)

__all__ = [
    "AUTO_CONFIRM_AFTER",
    "ConfirmReceiptSettings",
    "NpsSettings",
]

NpsEvent = Literal["delivered", "confirmed"]

AUTO_CONFIRM_AFTER: Final[dict[str, timedelta]] = {
    "taobao": timedelta(days=10),
    "tmall": timedelta(days=10),
    "jd": timedelta(days=10),
    "pdd": timedelta(days=10),
    "douyin": timedelta(days=10),
}
"""How long after shipping each marketplace confirms receipt by itself when the buyer does
not (express delivery). Taobao/Tmall: 10 days is the long-standing rule for express parcels
(平邮 30 days, virtual goods 3 days); the other platforms' periods could not be checked
from a primary source here and use the same 10 days: set ``auto_confirm_after`` to your
platform's current rule (docs/playbooks.md, "Confirm-receipt reminders")."""


def _steps(after: str, templates: str, channel_templates: dict[str, str]) -> Any:
    return (
        Step.model_validate(
            {
                "after": after,
                "templates": same_template(templates),
                "channel_templates": {
                    channel: same_template(name) for channel, name in channel_templates.items()
                },
            }
        ),
    )


MAX_COOLDOWN: Final = timedelta(days=365)
"""The longest NPS ``cooldown``: how far back the plan reads the outbox for it."""


def _rules(*given: dict[str, Any]) -> tuple[ChannelRule, ...]:
    return tuple(ChannelRule.model_validate(item) for item in given)


class _AfterSale(PlaybookBase):
    @model_validator(mode="after")
    def _timed_by_durations(self) -> _AfterSale:
        if any(step.after == SEGMENT_TIMING for step in self.steps):
            raise ValueError(f"steps: a {self.kind} step is timed by a duration, not 'p90'")
        return self


class NpsSettings(_AfterSale):
    """An ``nps`` playbook: one survey per order a set time (``steps[0].after``, default 3
    days) after the order was ``delivered`` (signed for; an order confirmed without a known
    delivery time counts from its confirmation) or ``confirmed`` (``from_event``). A survey
    not sent within ``valid_for`` of its due time is dropped; its link is valid for
    ``link_valid_for`` after sending. At most one survey per buyer per plan run (their
    latest order), and per ``cooldown`` (default 90 days; at most a year) across runs: a
    survey about another order of the buyer's in the outbox within it holds the next one
    back until it ends (dropped if that is past ``valid_for``)."""

    kind: Literal["nps"]
    from_event: NpsEvent = "delivered"
    valid_for: Duration = timedelta(days=7)
    link_valid_for: Duration = timedelta(days=14)
    cooldown: Duration = Field(default=timedelta(days=90), le=MAX_COOLDOWN)
    min_gap: Duration = timedelta(hours=20)
    steps: tuple[Step, ...] = Field(
        default=_steps(
            "3d",
            "nps_survey",
            {"email": "nps_survey_email", "chat_task": "nps_survey_chat_script"},
        ),
        min_length=1,
    )
    rules: tuple[ChannelRule, ...] = Field(
        default=_rules(
            rule("email", direct_contact=True),
            rule("sms", direct_contact=True),
            rule("chat_task"),
        ),
        min_length=1,
    )


class ConfirmReceiptSettings(_AfterSale):
    """A ``confirm_receipt`` playbook (seed 002: 对于收到货却没有确认的客户，催促其抓紧时间确认
    收货): shipped orders the buyer has not confirmed. A step is due ``after`` from the ship
    time (default 4 days) or, when the store knows the parcel was signed for, ``after_delivery``
    from then if that comes sooner; nothing is due once the platform would confirm by itself
    (``auto_confirm_after`` from shipping; default per platform, :data:`AUTO_CONFIRM_AFTER`)."""

    kind: Literal["confirm_receipt"]
    after_delivery: Duration = timedelta(days=1)
    auto_confirm_after: Duration | None = None
    steps: tuple[Step, ...] = Field(
        default=_steps("4d", "confirm_receipt", {"chat_task": "confirm_receipt_chat_script"}),
        min_length=1,
    )
    rules: tuple[ChannelRule, ...] = Field(
        default=_rules(rule("sms", direct_contact=True), rule("chat_task")),
        min_length=1,
    )

    def confirm_after(self, platform: str) -> timedelta:
        """How long after shipping ``platform`` confirms by itself (the setting, else the
        platform's default, else 10 days)."""
        if self.auto_confirm_after is not None:
            return self.auto_confirm_after
        return AUTO_CONFIRM_AFTER.get(platform, timedelta(days=10))
