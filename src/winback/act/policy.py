"""The send policy: every rule that decides whether a due action may reach its recipient now.

All of it lives here, and the dispatcher asks :func:`decide` about every action it claimed,
so no playbook can bypass a rule. :func:`decide` is pure: the dispatcher reads the facts
(:class:`SendFacts`) from the store at send time and passes ``now``.

The rules, in the order they are checked (the first that applies decides):

1. **Suppression beats every rule**: an address or buyer on the suppression list (reply
   ``R``/``T``/``STOP``, unsubscribe click, hard bounce, erasure) is never contacted → skip.
2. **The goal is re-checked**: a payment reminder whose order was paid meanwhile is
   cancelled, and so is one whose orders are all closed; a confirm-receipt reminder whose
   order was confirmed (settled), refunded or closed is cancelled; an order the store does
   not know → skip.
3. **Expiry**: past ``expires_at`` (the platform's auto-close deadline) → skip.
4. **A direct message needs a usable contact** (SMS: a phone, e-mail: an address; masked
   contacts are not usable) → skip.
5. **Consent per channel** (newest ``consents`` row): an explicit refusal blocks every
   message on that channel; **marketing needs an explicit yes**.
5b. **The buyer's preferences** (the preference centre, R8): a message whose topic
   (:func:`winback.model.action_topic`) the buyer did not choose is skipped, on every
   channel but the team robot; "at most weekly" / "at most monthly" skip a marketing
   message when one already reached the buyer in the last 7 / 30 days.
6. **Frequency caps across all playbooks**: at most ``reminders_per_order`` transactional
   messages per order; marketing at most ``marketing_per_channel_per_day`` per channel in 24 h
   and ``marketing_per_week`` in 7 days → skip.
7. **Quiet hours in the recipient's time zone** (transactional and marketing windows): the
   action is deferred to the next opening of its window, not dropped — unless it would
   expire first (→ skip). Agent tasks and the team robot are not messages to the buyer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from winback.config import PolicySettings
from winback.model import (
    Action,
    ActionChannel,
    Channel,
    Frequency,
    OrderStatus,
    Preference,
    Purpose,
    SuppressionReason,
    action_topic,
)

__all__ = [
    "Cancel",
    "Decision",
    "Defer",
    "Send",
    "SendFacts",
    "Skip",
    "consent_channel",
    "decide",
    "is_open",
    "next_opening",
]

DIRECT: frozenset[ActionChannel] = frozenset({ActionChannel.SMS, ActionChannel.EMAIL})
"""Channels that put a message in front of the buyer: only these have quiet hours."""


@dataclass(frozen=True, slots=True)
class Send:
    """Deliver it now."""


@dataclass(frozen=True, slots=True)
class Defer:
    """Not now: claim it again at ``until``."""

    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Skip:
    """Never send it: a rule forbids it (status ``skipped``)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Cancel:
    """Never send it: its goal was reached without it (status ``cancelled``)."""

    reason: str


Decision = Send | Defer | Skip | Cancel


@dataclass(frozen=True, slots=True)
class SendFacts:
    """What the store says, at send time, about one action's recipient and orders.

    ``address`` is the usable contact on the action's channel (None when missing or
    masked); ``consent`` the newest statement for the channel (None: never stated);
    ``reminders_sent`` the most transactional messages already sent about any of the
    action's orders; ``marketing_today`` marketing messages to this customer on this
    channel in the last 24 h; ``marketing_week`` on all channels in the last 7 days,
    ``marketing_month`` in the last 30; ``preference`` the buyer's choice on the preference
    centre page (None: never chose).
    """

    zone: ZoneInfo
    order_statuses: Mapping[str, OrderStatus]
    address: str | None = None
    consent: bool | None = None
    suppression: SuppressionReason | None = None
    reminders_sent: int = 0
    marketing_today: int = 0
    marketing_week: int = 0
    marketing_month: int = 0
    preference: Preference | None = None


def consent_channel(channel: ActionChannel) -> Channel | None:
    """The consent that governs an action channel: e-mail, SMS, and the phone for call
    tasks (a buyer who refused calls gets no call). None: platform chat, the team robot."""
    if channel is ActionChannel.PHONE_TASK:
        return Channel.PHONE
    return channel.consent_channel


def decide(action: Action, facts: SendFacts, rules: PolicySettings, *, now: datetime) -> Decision:
    """The one answer to "may this action be sent now?" (the module docstring has the rules)."""
    if facts.suppression is not None:
        return Skip(f"suppressed ({facts.suppression})")
    if action.is_payment_reminder and (verdict := _goal(action, facts)) is not None:
        return verdict
    if action.params.get("goal") == "confirm_receipt" and (verdict := _receipt_goal(action, facts)):
        return verdict
    if action.expires_at is not None and now >= action.expires_at:
        return Skip("expired")
    if action.channel in DIRECT and not facts.address:
        return Skip(f"no usable {action.channel} contact")
    if (refusal := _consent(action, facts)) is not None:
        return refusal
    if (unwanted := _preference(action, facts)) is not None:
        return unwanted
    if (cap := _caps(action, facts, rules)) is not None:
        return cap
    if action.channel in DIRECT:
        return _quiet_hours(action, facts, rules, now)
    return Send()


def _goal(action: Action, facts: SendFacts) -> Decision | None:
    statuses = []
    for order_id in action.order_ids:
        status = facts.order_statuses.get(order_id)
        if status is None:
            return Skip(f"order {order_id} is not in the store")
        if status.was_paid:
            return Cancel(f"order {order_id} already paid")
        statuses.append(status)
    if OrderStatus.PENDING not in statuses:
        return Cancel("no order left unpaid (closed)")
    return None


def _receipt_goal(action: Action, facts: SendFacts) -> Decision | None:
    for order_id in action.order_ids:
        status = facts.order_statuses.get(order_id)
        if status is None:
            return Skip(f"order {order_id} is not in the store")
        if status is OrderStatus.SETTLED:
            return Cancel(f"order {order_id} already confirmed")
        if status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
            return Cancel(f"order {order_id} is {status}")
    return None


def _preference(action: Action, facts: SendFacts) -> Skip | None:
    chosen = facts.preference
    if chosen is None or action.channel is ActionChannel.IM_ROBOT:
        return None
    topic = action_topic(action.purpose, action.params)
    if not chosen.wants(topic):
        return Skip(f"preference: the buyer did not choose {topic}")
    if action.purpose is Purpose.MARKETING and action.channel in DIRECT:
        if chosen.frequency is Frequency.WEEKLY and facts.marketing_week >= 1:
            return Skip("preference: marketing at most weekly")
        if chosen.frequency is Frequency.MONTHLY and facts.marketing_month >= 1:
            return Skip("preference: marketing at most monthly")
    return None


def _consent(action: Action, facts: SendFacts) -> Skip | None:
    governed = consent_channel(action.channel)
    if governed is None:
        return None
    if facts.consent is False:
        return Skip(f"no consent on {governed}")
    if action.purpose is Purpose.MARKETING and facts.consent is not True:
        return Skip(f"marketing needs consent on {governed}")
    return None


def _caps(action: Action, facts: SendFacts, rules: PolicySettings) -> Skip | None:
    if action.is_payment_reminder and facts.reminders_sent >= rules.reminders_per_order:
        return Skip(f"cap: {rules.reminders_per_order} reminders per order")
    if action.purpose is Purpose.MARKETING and action.channel in DIRECT:
        if facts.marketing_today >= rules.marketing_per_channel_per_day:
            return Skip(f"cap: {rules.marketing_per_channel_per_day} marketing per channel a day")
        if facts.marketing_week >= rules.marketing_per_week:
            return Skip(f"cap: {rules.marketing_per_week} marketing messages a week")
    return None


def _quiet_hours(
    action: Action, facts: SendFacts, rules: PolicySettings, now: datetime
) -> Decision:
    window = (
        rules.marketing_hours if action.purpose is Purpose.MARKETING else rules.transactional_hours
    )
    opening = next_opening(now, facts.zone, window)
    if opening == now:
        return Send()
    if action.expires_at is not None and opening >= action.expires_at:
        return Skip("expires during quiet hours")
    return Defer(opening, f"quiet hours in {facts.zone.key}")


# -- windows in local time ------------------------------------------------------------------


def is_open(instant: datetime, zone: ZoneInfo, window: tuple[time, time]) -> bool:
    """Whether the local time of ``instant`` in ``zone`` is inside ``[start, end)``."""
    local = instant.astimezone(zone).time()
    return window[0] <= local < window[1]


def next_opening(now: datetime, zone: ZoneInfo, window: tuple[time, time]) -> datetime:
    """``now`` when the window is open; otherwise the first instant after it when it is.

    Daylight-saving time is handled: when the opening time does not exist on a day (the
    clocks jump over it), the window opens at the jump; when it exists twice (the clocks
    go back), the first occurrence counts.
    """
    if is_open(now, zone, window):
        return now
    day = now.astimezone(zone).date()
    for offset in range(3):
        naive = datetime.combine(day + timedelta(days=offset), window[0])
        early, late = sorted(naive.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))
        if early.astimezone(zone).replace(tzinfo=None) == naive:
            candidates = [early, late]  # the opening time exists (once, or twice)
        else:
            candidates = [_first_open(max(early, now), late, zone, window)]
        for candidate in candidates:
            if candidate > now and is_open(candidate, zone, window):
                return candidate
    raise AssertionError(f"no opening of {window} in {zone.key} within three days of {now}")


def _first_open(
    low: datetime, high: datetime, zone: ZoneInfo, window: tuple[time, time]
) -> datetime:
    """The first instant in ``(low, high]`` at which the window is open, to the microsecond,
    given that it is closed at ``low`` and (if at all) stays open from then on."""
    while high - low > timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if is_open(middle, zone, window):
            high = middle
        else:
            low = middle
    return high
