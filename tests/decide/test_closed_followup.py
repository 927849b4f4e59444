"""Yesterday's closed-before-payment orders become agent tasks with a reason guess."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from recovery_facts import (
    NOW,
    SHANGHAI,
    buyer,
    closed,
    context,
    default_playbooks,
    plan_closed_followup,
)

from winback.analyse.reasons import LossReason, Prediction
from winback.decide.timing import yesterday
from winback.model import ActionChannel, Channel, OrderStatus

BOOK = default_playbooks()["closed_followup"].model_copy(update={"holdout_share": 0.0})
# NOW is 10:00 on 30 Nov in Shanghai: yesterday is 29 Nov 00:00–24:00 Shanghai time.
YESTERDAY_NOON = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)


def cheaper(texts: Sequence[str]) -> list[Prediction]:
    return [
        Prediction(LossReason.FOUND_CHEAPER, 0.8, ("便宜",), LossReason.FOUND_CHEAPER)
        for _ in texts
    ]


def test_only_orders_closed_during_the_stores_yesterday_are_followed_up() -> None:
    orders = [
        closed("yesterday", closed_at=YESTERDAY_NOON),
        # 23:59 on 28 Nov in Shanghai (15:59 UTC): the day before yesterday.
        closed("earlier", closed_at=datetime(2026, 11, 28, 15, 59, tzinfo=UTC)),
        # 00:30 on 30 Nov in Shanghai: today.
        closed("today", closed_at=datetime(2026, 11, 29, 16, 30, tzinfo=UTC)),
    ]
    plans = plan_closed_followup(context(), "closed_followup", BOOK, orders, cheaper)
    assert [a.order_ids for a in plans] == [("yesterday",)]


def test_a_followup_is_a_task_in_the_next_call_window_with_the_reason_guess() -> None:
    order = closed("o1", closed_at=YESTERDAY_NOON, texts=("别家更便宜",))
    (task,) = plan_closed_followup(context(), "closed_followup", BOOK, [order], cheaper)
    assert task.key == "order:o1:closed_followup:1"
    assert task.channel is ActionChannel.CHAT_TASK
    assert task.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2026-11-30 11:00"
    assert task.params["reason_guess"] == "found_cheaper"
    assert task.params["reason_label"] == "发现更实惠"
    assert task.expires_at == order.closed_at + timedelta(days=3)


def test_a_large_order_is_a_phone_task_only_when_the_buyer_agreed_to_calls() -> None:
    agreed = buyer("x", granted=frozenset({Channel.PHONE}))
    order = closed("o1", closed_at=YESTERDAY_NOON, amount="500.00", who=agreed)
    (task,) = plan_closed_followup(context(), "closed_followup", BOOK, [order], cheaper)
    assert task.channel is ActionChannel.PHONE_TASK
    # A follow-up of a closed order is marketing: a known number alone is not enough.
    silent = closed("o2", closed_at=YESTERDAY_NOON, amount="500.00", who=buyer("y"))
    (task,) = plan_closed_followup(context(), "closed_followup", BOOK, [silent], cheaper)
    assert task.channel is ActionChannel.CHAT_TASK


def test_an_order_without_any_text_is_not_sent_to_the_classifier() -> None:
    seen: list[str] = []

    def spy(texts: Sequence[str]) -> list[Prediction]:
        seen.extend(texts)
        return cheaper(texts)

    (task,) = plan_closed_followup(
        context(), "closed_followup", BOOK, [closed("o1", closed_at=YESTERDAY_NOON)], spy
    )
    assert seen == []
    assert task.params["reason_guess"] == "unknown"


def test_the_real_classifier_guesses_a_reason_from_the_buyers_words() -> None:
    from winback.analyse.reasons import default_classifier

    order = closed("o1", closed_at=YESTERDAY_NOON, texts=("运费太贵了，不要了",))
    (task,) = plan_closed_followup(
        context(NOW), "closed_followup", BOOK, [order], default_classifier().predict
    )
    assert task.params["reason_guess"] == "extra_costs"


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.integers(-3 * 24 * 60, 24 * 60),
            st.sampled_from(list(OrderStatus)),
            st.integers(0, 900),
        ),
        max_size=20,
        unique_by=lambda item: item[0],
    )
)
def test_followups_respect_every_invariant(
    specs: list[tuple[int, int, OrderStatus, int]],
) -> None:
    orders = [
        replace(
            closed(f"o{i}", closed_at=NOW - timedelta(minutes=minutes), amount=f"{amount}.00"),
            status=status,
        )
        for i, minutes, status, amount in specs
    ]
    ctx = context()
    book = BOOK.model_copy(update={"holdout_share": 0.3})
    plans = plan_closed_followup(ctx, "closed_followup", book, orders, cheaper)
    start, end = yesterday(ctx.now, ctx.zone)
    by_id = {o.order_id: o for o in orders}
    for action in plans:
        (order_id,) = action.order_ids
        assert by_id[order_id].status is OrderStatus.CLOSED
        assert start <= by_id[order_id].closed_at < end
        assert action.expires_at is not None
        assert ctx.now <= action.due_at < action.expires_at
        assert action.channel.is_task
    assert len({a.key for a in plans}) == len(plans)
    assert plans == plan_closed_followup(ctx, "closed_followup", book, orders, cheaper)


# -- issue 11.2: follow-ups to buyers who already bought ---------------------------------------


def test_a_closed_order_its_buyer_placed_again_gets_no_follow_up() -> None:
    order = replace(
        closed("o1", closed_at=YESTERDAY_NOON, texts=("信息填写错误，重新拍",)), reordered_by="o2"
    )
    assert plan_closed_followup(context(), "closed_followup", BOOK, [order], cheaper) == []


def test_an_inferred_close_time_is_labelled_as_inferred() -> None:
    guessed = replace(closed("o1", closed_at=YESTERDAY_NOON), close_inferred=True)
    recorded = closed("o2", closed_at=YESTERDAY_NOON)
    tasks = plan_closed_followup(context(), "closed_followup", BOOK, [guessed, recorded], cheaper)
    params = {t.order_ids[0]: t.params for t in tasks}
    assert params["o1"]["closed_at_inferred"] == "yes"
    assert params["o1"]["closed_at"] == ""  # never told to the buyer as a fact
    assert params["o1"]["closed_by"] == "2026-11-29 12:00"  # the latest it can have closed
    assert params["o2"]["closed_at_inferred"] == "no"
    assert params["o2"]["closed_at"] == "2026-11-29 12:00"


def test_a_reason_is_guessed_only_from_words_that_say_it() -> None:
    def from_nothing(texts: Sequence[str]) -> list[Prediction]:
        # what the classifier answered on ten real tasks with no text behind them
        guess = Prediction(LossReason.UNKNOWN, 0.25, (), LossReason.CHECKOUT_PROBLEM)
        return [guess for _ in texts]

    order = closed("o1", closed_at=YESTERDAY_NOON, texts=("交易关闭",))
    (task,) = plan_closed_followup(context(), "closed_followup", BOOK, [order], from_nothing)
    assert task.params["reason_guess"] == "unknown"
    assert task.params["reason_confidence"] == ""
    assert task.params["reason_label"] == ""
    assert task.params["reason_evidence"] == ""
