"""Orders cancelled after payment get "sorry to see you go — can we help?" quickly: a direct
message with the reason form when the buyer can be reached, a platform chat task when the
platform masks the contacts; once; held out by the buyer's draw."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from recovery_facts import NOW, _buyer_columns, buyer, context, earlier_table

from winback.contracts import CANCELLED_ORDERS as CONTRACT
from winback.contracts import planned_actions
from winback.decide.cancel_save import CANCELLED_ORDERS, plan_cancel_save
from winback.decide.holdout import is_held_out
from winback.decide.planner import EARLIER_STEPS, Facts
from winback.model import ActionChannel, PlannedAction
from winback.playbook_settings import CancelSaveSettings

BOOK = CancelSaveSettings.model_validate({"kind": "cancel_save", "holdout_share": 0})


def cancelled(
    order_id: str = "o1",
    *,
    ago: timedelta = timedelta(minutes=20),
    who: Any = None,
    reordered_by: str | None = None,
) -> dict[str, Any]:
    at = NOW - ago
    return {
        "order_id": order_id,
        "created_at": at - timedelta(hours=1),
        "cancelled_at": at,
        "amount": Decimal("120.00"),
        "has_remark": False,
        "items": ["羊毛围巾"],
        "reordered_by": reordered_by,
        **_buyer_columns(who or buyer(order_id, email=True)),
    }


def plan(
    rows: list[dict[str, Any]],
    book: CancelSaveSettings = BOOK,
    earlier: dict[str, tuple[int, datetime]] | None = None,
    now: datetime = NOW,
) -> list[PlannedAction]:
    facts = Facts(
        {
            CANCELLED_ORDERS: pa.Table.from_pylist(rows, schema=CONTRACT),
            EARLIER_STEPS: earlier_table("save", earlier),
        }
    )
    return planned_actions(plan_cancel_save(context(now), "save", book, facts).actions)


def test_a_cancellation_gets_an_email_with_the_reason_form_now() -> None:
    (action,) = plan([cancelled()])
    assert action.key == "order:o1:save:1"
    assert action.channel is ActionChannel.EMAIL
    assert action.template == "cancel_save_email"
    assert action.due_at == NOW
    assert action.expires_at == NOW - timedelta(minutes=20) + timedelta(days=2)
    assert action.params["reason_form_subject"] == "1:save:o1"
    assert action.params["reason_form_valid_for"] == str(7 * 24 * 3600)
    assert action.params["goal"] == "answer"  # not a payment reminder: the dispatcher sends it
    assert action.params["item"] == "羊毛围巾"


def test_a_platform_order_with_masked_contacts_becomes_a_chat_task() -> None:
    (action,) = plan([cancelled(who=buyer("b", masked=True))])
    assert action.channel is ActionChannel.CHAT_TASK
    assert action.template == "cancel_save_chat_script"


def test_old_cancellations_reorders_and_steps_already_planned_get_nothing() -> None:
    rows = [
        cancelled("old", ago=timedelta(days=3)),
        cancelled("back", reordered_by="o9"),
        cancelled("done"),
        cancelled("new"),
    ]
    actions = plan(rows, earlier={"done": (1, NOW - timedelta(minutes=5))})
    assert [a.order_ids for a in actions] == [("new",)]


def test_the_buyer_draw_decides_the_holdout() -> None:
    book = BOOK.model_copy(update={"holdout_share": 0.5})
    keys = [f"buyer-{n}" for n in range(40)]
    actions = plan([cancelled(k, who=buyer(k, email=True)) for k in keys], book)
    assert {a.order_ids[0]: a.held_out for a in actions} == {
        k: is_held_out(1, "save", f"buyer:{k}", 0.5) for k in keys
    }


@settings(max_examples=40, deadline=None)
@given(
    agos=st.lists(st.integers(min_value=0, max_value=5 * 24 * 60), min_size=1, max_size=8),
    masked=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_keys_are_unique_and_due_times_inside_their_window(
    agos: list[int], masked: list[bool]
) -> None:
    rows = [
        cancelled(f"o{n}", ago=timedelta(minutes=ago), who=buyer(f"b{n}", masked=masked[n]))
        for n, ago in enumerate(agos)
    ]
    actions = plan(rows)
    assert len({a.key for a in actions}) == len(actions)
    for action in actions:
        assert action.expires_at is not None
        assert NOW <= action.due_at < action.expires_at
        assert json.dumps(dict(action.params))
    assert {a.order_ids[0] for a in actions} == {
        f"o{n}" for n, ago in enumerate(agos) if 0 <= ago < 2 * 24 * 60
    }
