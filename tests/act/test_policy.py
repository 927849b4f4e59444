"""The send policy: every rule, its order, and quiet hours across zones and DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.policy import (
    Cancel,
    Defer,
    Send,
    SendFacts,
    Skip,
    decide,
    is_open,
    next_opening,
)
from winback.config import PolicySettings, parse_window
from winback.model import (
    Action,
    ActionChannel,
    ActionStatus,
    Frequency,
    OrderStatus,
    Preference,
    Purpose,
    SuppressionReason,
    Topic,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
RULES = PolicySettings()


def action(**fields: Any) -> Action:
    base = Action(
        id=1, store_id=1, key="order:1001:unpaid:1", playbook="unpaid", step=1,
        channel=ActionChannel.SMS, purpose=Purpose.TRANSACTIONAL, status=ActionStatus.SENDING,
        due_at=NOW, template="unpaid_1", created_at=NOW, updated_at=NOW, customer_id=7,
        order_ids=("1001",),
    )  # fmt: skip
    return replace(base, **fields)


def facts(**fields: Any) -> SendFacts:
    base = SendFacts(
        zone=SHANGHAI, order_statuses={"1001": OrderStatus.PENDING}, address="13800138000"
    )
    return replace(base, **fields)


def marketing(**fields: Any) -> Action:
    return action(purpose=Purpose.MARKETING, order_ids=(), key="buyer:7:winback:1", **fields)


def test_a_due_reminder_for_an_unpaid_order_in_the_daytime_is_sent() -> None:
    assert decide(action(), facts(), RULES, now=NOW) == Send()


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.REFUNDED])
def test_a_reminder_for_an_order_paid_meanwhile_is_cancelled(status: OrderStatus) -> None:
    decision = decide(action(), facts(order_statuses={"1001": status}), RULES, now=NOW)
    assert decision == Cancel("order 1001 already paid")


def test_a_merged_reminder_is_cancelled_when_any_of_its_orders_was_paid() -> None:
    both = facts(order_statuses={"1001": OrderStatus.PENDING, "1002": OrderStatus.PAID})
    assert isinstance(decide(action(order_ids=("1001", "1002")), both, RULES, now=NOW), Cancel)


def test_a_reminder_whose_orders_all_closed_is_cancelled() -> None:
    closed = facts(order_statuses={"1001": OrderStatus.CLOSED})
    assert decide(action(), closed, RULES, now=NOW) == Cancel("no order left unpaid (closed)")


def test_a_reminder_for_an_order_the_store_does_not_know_is_skipped() -> None:
    assert isinstance(decide(action(), facts(order_statuses={}), RULES, now=NOW), Skip)


def test_suppression_beats_every_other_rule_even_a_paid_order() -> None:
    listed = facts(
        suppression=SuppressionReason.REPLY_STOP, order_statuses={"1001": OrderStatus.PAID}
    )
    assert decide(action(), listed, RULES, now=NOW) == Skip("suppressed (reply_stop)")


def test_an_action_past_its_expiry_is_skipped() -> None:
    decision = decide(action(expires_at=NOW), facts(), RULES, now=NOW)
    assert decision == Skip("expired")


def test_an_sms_without_a_usable_phone_is_skipped() -> None:
    assert decide(action(), facts(address=None), RULES, now=NOW) == Skip("no usable sms contact")


def test_an_explicit_refusal_blocks_even_a_transactional_message_on_that_channel() -> None:
    assert decide(action(), facts(consent=False), RULES, now=NOW) == Skip("no consent on sms")


def test_a_transactional_reminder_needs_no_marketing_consent() -> None:
    assert decide(action(), facts(consent=None), RULES, now=NOW) == Send()


@pytest.mark.parametrize("consent", [None, False])
def test_marketing_needs_an_explicit_yes(consent: bool | None) -> None:
    decision = decide(marketing(), facts(consent=consent, order_statuses={}), RULES, now=NOW)
    assert isinstance(decision, Skip) and "consent" in decision.reason


def test_marketing_with_consent_is_sent() -> None:
    assert decide(marketing(), facts(consent=True), RULES, now=NOW) == Send()


def test_a_phone_task_respects_a_refusal_of_calls() -> None:
    task = action(channel=ActionChannel.PHONE_TASK)
    assert decide(task, facts(consent=False, address=None), RULES, now=NOW) == Skip(
        "no consent on phone"
    )


def test_the_reminder_cap_counts_reminders_from_every_playbook() -> None:
    decision = decide(action(), facts(reminders_sent=2), RULES, now=NOW)
    assert decision == Skip("cap: 2 reminders per order")
    assert decide(action(), facts(reminders_sent=1), RULES, now=NOW) == Send()


def test_marketing_is_capped_per_channel_per_day_and_per_week() -> None:
    day = decide(marketing(), facts(consent=True, marketing_today=1), RULES, now=NOW)
    week = decide(marketing(), facts(consent=True, marketing_week=3), RULES, now=NOW)
    assert isinstance(day, Skip) and "a day" in day.reason
    assert isinstance(week, Skip) and "a week" in week.reason


def test_a_reminder_at_night_waits_for_eight_in_the_morning_it_is_not_dropped() -> None:
    night = datetime(2024, 3, 1, 23, 30, tzinfo=SHANGHAI)
    decision = decide(action(), facts(), RULES, now=night)
    assert decision == Defer(
        datetime(2024, 3, 2, 8, 0, tzinfo=SHANGHAI), "quiet hours in Asia/Shanghai"
    )


def test_marketing_keeps_a_narrower_window_than_reminders() -> None:
    at_half_eight = datetime(2024, 3, 1, 8, 30, tzinfo=SHANGHAI)
    assert decide(action(), facts(), RULES, now=at_half_eight) == Send()
    decision = decide(marketing(), facts(consent=True), RULES, now=at_half_eight)
    assert isinstance(decision, Defer)
    assert decision.until == datetime(2024, 3, 1, 9, 0, tzinfo=SHANGHAI)


def test_quiet_hours_are_the_recipients_not_the_stores() -> None:
    ten_in_shanghai_is_three_in_berlin = NOW
    decision = decide(action(), facts(zone=ZoneInfo("Europe/Berlin")), RULES, now=NOW)
    assert isinstance(decision, Defer)
    assert decision.until.astimezone(ZoneInfo("Europe/Berlin")).time() == time(8, 0)
    assert decision.until > ten_in_shanghai_is_three_in_berlin


def test_an_action_that_would_expire_during_quiet_hours_is_skipped_not_deferred() -> None:
    night = datetime(2024, 3, 1, 23, 30, tzinfo=SHANGHAI)
    expiring = action(expires_at=night + timedelta(hours=2))
    assert decide(expiring, facts(), RULES, now=night) == Skip("expires during quiet hours")


def test_agent_tasks_have_no_quiet_hours_and_need_no_contact() -> None:
    night = datetime(2024, 3, 1, 23, 30, tzinfo=SHANGHAI)
    task = action(channel=ActionChannel.CHAT_TASK)
    assert decide(task, facts(address=None), RULES, now=night) == Send()


# -- quiet hours across zones and daylight-saving time ---------------------------------------

ZONES = st.sampled_from(
    [
        "Asia/Shanghai",
        "Europe/Berlin",
        "America/New_York",
        "America/Sao_Paulo",
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "Pacific/Chatham",
        "America/Havana",  # DST starts at midnight: 00:00-00:59 does not exist
        "Asia/Kolkata",
        "UTC",
    ]
).map(ZoneInfo)
INSTANTS = st.datetimes(
    min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))
WINDOWS = st.tuples(TIMES, TIMES).filter(lambda w: w[0] < w[1] and w[1] > time(0, 30))


@given(now=INSTANTS, zone=ZONES, window=WINDOWS)
def test_the_next_opening_is_open_not_in_the_past_and_within_two_days(
    now: datetime, zone: ZoneInfo, window: tuple[time, time]
) -> None:
    opening = next_opening(now, zone, window)
    assert opening >= now
    assert is_open(opening, zone, window)
    assert opening - now <= timedelta(days=2)


@given(now=INSTANTS, zone=ZONES, window=WINDOWS)
def test_no_earlier_instant_is_open_so_nothing_waits_longer_than_needed(
    now: datetime, zone: ZoneInfo, window: tuple[time, time]
) -> None:
    opening = next_opening(now, zone, window)
    step = max((opening - now) / 200, timedelta(seconds=1))
    probe = now
    while probe < opening - timedelta(microseconds=1):
        assert not is_open(probe, zone, window), f"open at {probe.astimezone(zone)}"
        probe += step
    if opening > now:
        assert not is_open(opening - timedelta(microseconds=1), zone, window)


def test_on_the_night_clocks_spring_forward_the_window_opens_at_local_opening_time() -> None:
    zone = ZoneInfo("America/New_York")
    before = datetime(2024, 3, 10, 1, 30, tzinfo=zone)  # 02:00 is skipped that night
    opening = next_opening(before, zone, parse_window("08:00-22:00"))
    assert opening == datetime(2024, 3, 10, 8, 0, tzinfo=zone)
    assert opening.astimezone(UTC) == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def test_an_opening_time_the_clocks_skip_opens_the_window_at_the_jump() -> None:
    zone = ZoneInfo("America/New_York")
    before = datetime(2024, 3, 10, 1, 0, tzinfo=zone)
    opening = next_opening(before, zone, parse_window("02:30-22:00"))
    assert opening == datetime(2024, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 EDT, the jump


@pytest.mark.parametrize("text", ["22:00-08:00", "8-22", "08:00-25:00", "10:00-10:00"])
def test_a_window_that_is_not_one_daytime_span_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_window(text)


# -- after the sale (R8): the confirm-receipt goal and the buyer's preferences ----------------


def _after_sale_action(**fields: Any) -> Action:
    from winback.testing import planned_action as _planned

    planned = _planned(1, "o1", customer_id=5, **fields)
    return Action(
        id=1, store_id=1, key=planned.key, playbook=planned.playbook, step=1,
        channel=planned.channel, purpose=planned.purpose, status=ActionStatus.SENDING,
        due_at=NOW_AFTER_SALE, template="t", created_at=NOW_AFTER_SALE,
        updated_at=NOW_AFTER_SALE, customer_id=5, order_ids=("o1",), params=planned.params,
    )  # fmt: skip


NOW_AFTER_SALE = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _facts(status: OrderStatus, **fields: Any) -> SendFacts:
    return SendFacts(
        zone=ZoneInfo("Asia/Shanghai"), order_statuses={"o1": status}, address="13800138000",
        **fields,
    )  # fmt: skip


def test_a_confirm_receipt_reminder_is_cancelled_once_the_order_is_confirmed() -> None:
    reminder = _after_sale_action(params={"goal": "confirm_receipt"})
    assert not reminder.is_payment_reminder  # a paid order is its premise, not its end
    rules = PolicySettings()
    now = NOW_AFTER_SALE
    assert decide(reminder, _facts(OrderStatus.SHIPPED), rules, now=now) == Send()
    assert isinstance(decide(reminder, _facts(OrderStatus.SETTLED), rules, now=now), Cancel)
    assert isinstance(decide(reminder, _facts(OrderStatus.REFUNDED), rules, now=now), Cancel)


def test_a_topic_the_buyer_did_not_choose_is_skipped_and_the_team_robot_is_not_a_buyer() -> None:
    only_orders = Preference(frozenset({Topic.ORDER_UPDATES}))
    survey = _after_sale_action(params={"goal": "survey", "topic": "surveys"})
    rules = PolicySettings()
    now = NOW_AFTER_SALE
    skipped = decide(survey, _facts(OrderStatus.DELIVERED, preference=only_orders), rules, now=now)
    assert isinstance(skipped, Skip) and "surveys" in skipped.reason
    reminder = _after_sale_action()
    paid_not = _facts(OrderStatus.PENDING, preference=only_orders)
    assert decide(reminder, paid_not, rules, now=now) == Send()


def test_at_most_weekly_skips_marketing_after_one_this_week_but_not_a_reminder() -> None:
    weekly = Preference(frozenset(Topic), Frequency.WEEKLY)
    promo = _after_sale_action(purpose=Purpose.MARKETING)
    rules = PolicySettings()
    now = NOW_AFTER_SALE
    facts = _facts(OrderStatus.PENDING, preference=weekly, consent=True, marketing_week=1,
                   marketing_month=1)  # fmt: skip
    assert isinstance(decide(promo, facts, rules, now=now), Skip)
    quiet = _facts(OrderStatus.PENDING, preference=weekly, consent=True, marketing_month=1)
    assert decide(promo, quiet, rules, now=now) == Send()
