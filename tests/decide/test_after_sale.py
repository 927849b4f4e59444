"""The after-sale kinds (R8): an NPS survey a set time after delivery or confirmation, and
confirm-receipt reminders for shipped orders not confirmed, planned in columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from after_sale_facts import after_sale, book, plan
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from recovery_facts import NOW, SHANGHAI, context

from winback.config import Settings
from winback.model import ActionChannel

NPS = book("nps", holdout_share=0)
RECEIPT = book("confirm_receipt", holdout_share=0)
DAY = timedelta(days=1)


def test_the_after_sale_kinds_load_from_their_kind_alone_and_refuse_a_wrong_key() -> None:
    assert NPS.steps[0].after == 3 * DAY and RECEIPT.steps[0].after == 4 * DAY
    with pytest.raises(ValidationError, match="from_event"):
        Settings.model_validate({"playbooks": {"nps": {"kind": "nps", "from_event": "paid"}}})
    with pytest.raises(ValidationError, match="p90"):
        Settings.model_validate(
            {"playbooks": {"c": {"kind": "confirm_receipt", "steps": [
                {"after": "p90", "templates": {"new": "x", "returning": "x"}}]}}}
        )  # fmt: skip
    assert "nps" not in Settings().playbooks  # shipped, but not on by default


def test_a_survey_is_due_its_delay_after_delivery_and_expires_after_valid_for() -> None:
    order = after_sale("o1", delivered_at=NOW - 2 * DAY)
    (survey,) = plan(context(), "nps", NPS, [order])
    assert survey.key == "order:o1:nps:1"
    assert survey.due_at == NOW + DAY  # 3 days after delivery
    assert survey.expires_at == NOW + 8 * DAY
    assert survey.params["survey"] == "nps" and survey.params["topic"] == "surveys"
    assert survey.params["goal"] == "survey"
    assert survey.params["survey_valid_for"] == str(14 * 86_400)


def test_no_survey_without_a_delivery_or_confirmation_nor_once_it_has_expired() -> None:
    shipped = after_sale("o1", status="shipped", shipped_at=NOW - 9 * DAY)
    stale = after_sale("o2", delivered_at=NOW - 11 * DAY)  # due 8 days ago, valid for 7
    assert plan(context(), "nps", NPS, [shipped, stale]) == []


def test_a_confirmation_without_a_delivery_time_starts_the_survey_clock() -> None:
    order = after_sale("o1", status="settled", settled_at=NOW - 3 * DAY, email=True)
    (survey,) = plan(context(), "nps", NPS, [order])
    assert survey.due_at == NOW and survey.channel is ActionChannel.EMAIL
    # counted from the confirmation only when the setting says so
    confirmed = book("nps", holdout_share=0, from_event="confirmed")
    late = after_sale("o2", status="settled", delivered_at=NOW - 5 * DAY, settled_at=NOW - DAY)
    (survey,) = plan(context(), "nps", confirmed, [late])
    assert survey.due_at == NOW + 2 * DAY


def test_a_buyer_with_two_delivered_orders_gets_one_survey_about_the_latest() -> None:
    orders = [
        after_sale("o1", delivered_at=NOW - 5 * DAY, buyer="b"),
        after_sale("o2", delivered_at=NOW - 4 * DAY, buyer="b"),
    ]
    (survey,) = plan(context(), "nps", NPS, orders)
    assert survey.order_ids == ("o2",)


def test_a_masked_marketplace_buyer_is_surveyed_by_an_agent_on_the_platforms_chat() -> None:
    order = after_sale("o1", delivered_at=NOW - 3 * DAY, masked=True)
    (task,) = plan(context(), "nps", NPS, [order])
    assert task.channel is ActionChannel.CHAT_TASK
    assert task.template == "nps_survey_chat_script"
    assert task.due_at.astimezone(SHANGHAI).strftime("%H:%M") == "11:00"  # the call window


def test_confirm_receipt_is_due_after_shipping_and_expires_when_the_platform_confirms() -> None:
    order = after_sale("o1", status="shipped", shipped_at=NOW - 4 * DAY)
    (reminder,) = plan(context(), "cr", RECEIPT, [order])
    assert reminder.due_at == NOW
    assert reminder.expires_at == NOW + 6 * DAY  # Taobao: 10 days after shipping
    assert reminder.params["goal"] == "confirm_receipt"
    assert reminder.params["confirm_by"] == "2026-12-06 10:00"
    assert reminder.params["topic"] == "order_updates"


def test_a_signed_for_parcel_is_reminded_a_day_after_delivery_not_four_after_shipping() -> None:
    order = after_sale(
        "o1", status="delivered", shipped_at=NOW - 2 * DAY, delivered_at=NOW - DAY - DAY / 2
    )
    (reminder,) = plan(context(), "cr", RECEIPT, [order])
    assert reminder.due_at == NOW  # 1 day after delivery is already past: now
    later = after_sale("o2", status="delivered", shipped_at=NOW - DAY, delivered_at=NOW)
    (reminder,) = plan(context(), "cr", RECEIPT, [later])
    assert reminder.due_at == NOW + DAY


def test_confirmed_orders_and_orders_past_the_auto_confirm_get_no_reminder() -> None:
    orders = [
        after_sale("o1", status="settled", shipped_at=NOW - 5 * DAY, settled_at=NOW - DAY),
        after_sale("o2", status="shipped", shipped_at=NOW - 11 * DAY),
    ]
    assert plan(context(), "cr", RECEIPT, orders) == []
    longer = book("confirm_receipt", holdout_share=0, auto_confirm_after="15d")
    (reminder,) = plan(context(), "cr", longer, orders[1:])
    assert reminder.expires_at == NOW + 4 * DAY


def test_a_step_planned_by_an_earlier_run_is_not_planned_again() -> None:
    order = after_sale("o1", delivered_at=NOW - 3 * DAY)
    earlier = [{"playbook": "nps", "order_id": "o1", "step": 1, "due_at": NOW - DAY}]
    assert plan(context(), "nps", NPS, [order], earlier) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 500),
            st.integers(-40 * 24, 0),
            st.sampled_from(["shipped", "delivered", "settled"]),
            st.integers(0, 30),
        ),
        max_size=15,
        unique_by=lambda item: item[0],
    ),
    st.floats(0, 0.5),
)
def test_after_sale_plans_keep_every_invariant(
    specs: list[tuple[int, int, str, int]], share: float
) -> None:
    orders = [
        after_sale(
            f"o{i}",
            status=status,
            shipped_at=NOW + timedelta(hours=hours),
            delivered_at=NOW + timedelta(hours=hours + 24) if status != "shipped" else None,
            settled_at=NOW + timedelta(hours=hours + 48) if status == "settled" else None,
            buyer=f"b{buyer}",
        )
        for i, hours, status, buyer in specs
    ]
    for kind in ("nps", "confirm_receipt"):
        settings_ = book(kind, holdout_share=share)
        first = plan(context(), kind, settings_, orders)
        assert len({a.key for a in first}) == len(first)
        for action in first:
            assert action.due_at >= NOW and action.expires_at is not None
            assert action.due_at < action.expires_at
        assert plan(context(), kind, settings_, orders) == first  # stable, holdout included
        if kind == "nps":
            buyers = [a.customer_id for a in first]
            assert len(buyers) == len(set(buyers))
        else:
            assert all(o["status"] != "settled" for o in orders if o["order_id"] in
                       {a.order_ids[0] for a in first})  # fmt: skip
