"""Settings of the ``cancel_save`` kind (PRODUCT R4, seed 001): a paid order cancelled before
shipping gets, quickly, "sorry to see you go — can we help?" with a one-click reason form;
platform orders whose contacts are masked become a chat task for an agent instead.

``valid_for``: how long after the cancellation the message is still worth sending;
``form_valid_for``: how long the form's link works; ``offers``: the offers the buyer's
reason routes to (:mod:`winback.playbook_settings.offers`). Steps are timed from the
cancellation, by durations. Not shipped enabled: a store adds
``[playbooks.cancel_save] kind = "cancel_save"`` (every other key has a default).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator

from winback.durations import Duration
from winback.model import Purpose
from winback.playbook_settings.common import (
    SEGMENT_TIMING,
    ChannelRule,
    PlaybookBase,
    Step,
    rule,
    same_template,
)
from winback.playbook_settings.offers import OfferSettings, default_offers

__all__ = ["DEFAULT_CANCEL_SAVE", "CancelSaveSettings"]

DEFAULT_CANCEL_SAVE: Final[dict[str, Any]] = {
    "kind": "cancel_save",
    "purpose": "transactional",  # about the buyer's own order, just cancelled
    "holdout_share": 0.1,
    "valid_for": "2d",
    "form_valid_for": "7d",
    "steps": [
        {
            "after": "0h",
            "templates": same_template("cancel_save"),
            "channel_templates": {
                "email": same_template("cancel_save_email"),
                "chat_task": same_template("cancel_save_chat_script"),
                "phone_task": same_template("cancel_save_chat_script"),
            },
        }
    ],
    "rules": [
        rule("email", direct_contact=True),
        rule("sms", direct_contact=True),
        rule("chat_task"),
    ],
    "offers": default_offers(),
}
"""The ``cancel_save`` playbook's defaults, as the TOML a merchant would write."""


def _default(key: str) -> Any:
    return DEFAULT_CANCEL_SAVE[key]


class CancelSaveSettings(PlaybookBase):
    """A ``cancel_save`` playbook: see the module docstring and docs/playbooks.md."""

    kind: Literal["cancel_save"]
    purpose: Purpose = Purpose.TRANSACTIONAL
    valid_for: Duration = timedelta(days=2)
    form_valid_for: Duration = timedelta(days=7)
    back_within: Duration = timedelta(days=14)
    """A save converts when the buyer pays a new order within this long after the
    cancellation (the recovery report's saves section; the holdout gets the same window)."""
    steps: tuple[Step, ...] = Field(
        default_factory=lambda: tuple(Step.model_validate(s) for s in _default("steps")),
        min_length=1,
    )
    rules: tuple[ChannelRule, ...] = Field(
        default_factory=lambda: tuple(ChannelRule.model_validate(r) for r in _default("rules")),
        min_length=1,
    )
    offers: OfferSettings = Field(
        default_factory=lambda: OfferSettings.model_validate(_default("offers"))
    )

    @field_validator("offers", mode="before")
    @classmethod
    def _over_default_offers(cls, value: object) -> object:
        """The store's ``offers`` keys over the defaults (the shipped coupon stays unless
        given; ``routes`` are merged per reason)."""
        if isinstance(value, dict):
            return {**_default("offers"), **value}
        return value

    @model_validator(mode="after")
    def _timed_by_durations(self) -> CancelSaveSettings:
        if any(step.after == SEGMENT_TIMING for step in self.steps):
            raise ValueError("steps: a cancel_save step is timed by a duration, not 'p90'")
        if self.valid_for <= timedelta(0) or self.form_valid_for <= timedelta(0):
            raise ValueError("valid_for and form_valid_for must be positive durations")
        return self
