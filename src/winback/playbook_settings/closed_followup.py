"""Settings of the ``closed_followup`` kind (PRODUCT R5): agent tasks for yesterday's orders
closed before payment, each with a reason guess (only when words say it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from pydantic import model_validator

from winback.durations import Duration
from winback.playbook_settings.common import SEGMENT_TIMING, PlaybookBase, rule, same_template

__all__ = ["DEFAULT_CLOSED_FOLLOWUP", "ClosedFollowupSettings"]


class ClosedFollowupSettings(PlaybookBase):
    """A ``closed_followup`` playbook; ``valid_for``: how long after the close a task stays
    useful. Steps are timed from the close, by durations."""

    kind: Literal["closed_followup"]
    valid_for: Duration = timedelta(days=3)

    @model_validator(mode="after")
    def _timed_by_durations(self) -> ClosedFollowupSettings:
        if any(step.after == SEGMENT_TIMING for step in self.steps):
            raise ValueError("steps: a closed_followup step is timed by a duration, not 'p90'")
        return self


DEFAULT_CLOSED_FOLLOWUP: Final[dict[str, Any]] = {
    "kind": "closed_followup",
    "purpose": "marketing",  # the order is gone: re-contact follows marketing rules
    "holdout_share": 0.1,
    "valid_for": "3d",
    "steps": [
        {
            "after": "0h",
            "templates": same_template("closed_followup"),
            "channel_templates": {
                "email": same_template("closed_followup_email"),
                "phone_task": same_template("closed_followup_phone_script"),
                "chat_task": same_template("closed_followup_chat_script"),
            },
        }
    ],
    "rules": [
        rule("phone_task", amount_at_least="300", direct_contact=True),
        rule("phone_task", returning=True, direct_contact=True),
        rule("chat_task"),
    ],
}
"""The shipped ``closed_followup`` playbook, as the TOML a merchant would write."""
