"""Settings of the ``unpaid`` kind (PRODUCT R1/R2): payment reminders for open unpaid orders.

Timed from the segment's 90% payment time (D6), never sooner than ``first_not_before`` after
the order, and always before the platform's auto-close deadline. The shipped defaults
follow seed 003: the first reminder at the payers' P90 but not before 2 h, returning buyers
an hour later, phone calls for large orders, returning buyers and orders with a remark,
SMS/e-mail while the order is young and a direct contact exists, the platform's chat when
contacts are masked or payment is unlikely. docs/playbooks.md gives the sources.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal

from winback.durations import Duration
from winback.playbook_settings.common import PlaybookBase, rule, same_template

__all__ = ["DEFAULT_UNPAID", "Segment", "UnpaidSettings"]

Segment = Literal["all", "buyer_type", "amount_band", "payment_method", "platform"]


class UnpaidSettings(PlaybookBase):
    """An ``unpaid`` playbook; docs/playbooks.md explains every key."""

    kind: Literal["unpaid"]
    segment: Segment = "buyer_type"
    returning_delay: Duration = timedelta(hours=1)
    fallback_delay: Duration = timedelta(hours=2)
    close_margin: Duration = timedelta(hours=1)
    first_not_before: Duration = timedelta(hours=2)


# The names of the shipped template library (winback/act/default_templates.toml).
_STEP: Final[dict[str, Any]] = {
    "templates": {
        "new": "unpaid_new_buyer",
        "returning": "unpaid_returning_buyer",
        "merged": "unpaid_merged",
    },
    "channel_templates": {
        "email": same_template("unpaid_new_buyer_email"),
        "phone_task": same_template("unpaid_phone_script"),
        "chat_task": same_template("unpaid_chat_script"),
    },
}

DEFAULT_UNPAID: Final[dict[str, Any]] = {
    "kind": "unpaid",
    "holdout_share": 0.1,
    "segment": "buyer_type",
    "returning_delay": "1h",
    "fallback_delay": "2h",
    "close_margin": "1h",
    "first_not_before": "2h",
    "min_gap": "20h",
    "steps": [{"after": "p90", **_STEP}, {"after": "24h", **_STEP}],
    "rules": [
        rule("phone_task", amount_at_least="300"),
        rule("phone_task", returning=True),
        rule("phone_task", has_remark=True),
        rule("chat_task", contacts_masked=True),
        rule("chat_task", payment_probability_below=0.2),
        rule("sms", age_at_most="3d", direct_contact=True),
        rule("email", age_at_most="3d", direct_contact=True),
        rule("chat_task"),
    ],
}
"""The shipped ``unpaid`` playbook, as the TOML a merchant would write."""
