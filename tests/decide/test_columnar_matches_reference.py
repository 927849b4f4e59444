"""The columnar planners make exactly the actions of the readable one-object-per-order
planner (tests/decide/reference_planner) on the same facts: keys, steps, channels, due
times, templates, holdout, amounts and every template parameter, and the same unreachable
counts. Facts, settings, histories and zones are drawn at random."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recovery_facts import NOW, followup_plan, unpaid_plan
from reference_planner import closed_followup as reference_followup
from reference_planner import unpaid as reference_unpaid
from reference_planner.facts import Buyer, ClosedOrder, UnpaidOrder

from winback.analyse.payment_time import PaymentTimeSettings, payment_time
from winback.analyse.reasons import LossReason, Prediction
from winback.config import Settings
from winback.contracts import planned_actions
from winback.decide.context import PlanningContext
from winback.model import ActionChannel, Channel, OrderStatus
from winback.playbook_settings import ChannelRule

ZONES = st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")])
TITLES = st.lists(
    st.sampled_from(["连衣裙", "衬衫", "开衫", "大衣", 'a "quoted" title']), max_size=3
)
WORDS = st.sampled_from(["太贵了", "信息填写错误，重新拍", "交易关闭", " "])
DEFAULTS = Settings().playbooks


@st.composite
def buyers(draw: st.DrawFn, key: str | None) -> Buyer:
    masked = draw(st.integers(0, 3)) == 0
    channels = st.frozensets(st.sampled_from(list(Channel)), max_size=2)
    return Buyer(
        customer_id=None if key is None else abs(hash(key)) % 100_000,
        customer_key=key,
        paid_orders=draw(st.integers(0, 3)),
        phone_known=not masked and draw(st.integers(0, 3)) > 0,
        phone_masked=masked,
        email_known=draw(st.booleans()),
        email_masked=masked and draw(st.booleans()),
        granted=draw(channels),
        refused=draw(channels),
        chat=key is not None and draw(st.booleans()),
    )


@st.composite
def open_orders(draw: st.DrawFn, now: datetime) -> list[UnpaidOrder]:
    count = draw(st.integers(0, 14))
    keys = [draw(st.sampled_from([None, "b1", "b2", "b3", "b4"])) for _ in range(count)]
    people = {key: draw(buyers(key)) for key in set(keys) if key is not None}
    orders = []
    for number, key in enumerate(keys):
        age = draw(st.integers(0, 80 * 60))
        orders.append(
            UnpaidOrder(
                order_id=f"o{number}",
                status=OrderStatus.PENDING,
                created_at=now - timedelta(minutes=age, seconds=draw(st.integers(0, 59))),
                amount=Decimal(draw(st.integers(0, 90_000))).scaleb(-2),
                buyer=people[key] if key is not None else draw(buyers(None)),
                has_remark=draw(st.booleans()),
                payment_method=draw(st.sampled_from([None, "alipay", "huabei"])),
                platform="taobao",
                items=tuple(draw(TITLES)),
                reordered_by=draw(st.sampled_from([None, None, None, "o99"])),
            )
        )
    return orders


@st.composite
def histories(draw: st.DrawFn, now: datetime) -> pa.Table | None:
    if draw(st.booleans()):
        return None
    count = draw(st.integers(5, 60))
    created = [now - timedelta(days=10, hours=i) for i in range(count)]
    delays = [draw(st.sampled_from([None, 30, 51, 3600, 7200, 36_000])) for _ in range(count)]
    ts = pa.timestamp("us", "UTC")
    return pa.table(
        {
            "order_id": [f"h{i}" for i in range(count)],
            "customer_key": [f"c{i % 7}" for i in range(count)],
            "status": ["paid" if d is not None else "closed" for d in delays],
            "created_at": pa.array(created, ts),
            "paid_at": pa.array(
                [
                    c + timedelta(seconds=d) if d is not None else None
                    for c, d in zip(created, delays, strict=True)
                ],
                ts,
            ),
            "closed_at": pa.array([None] * count, ts),
            "total_amount": pa.array(
                [Decimal(draw(st.sampled_from([50, 150, 500, 2000]))) for _ in range(count)],
                pa.decimal128(18, 2),
            ),
            "payment_method": ["alipay"] * count,
            "platform": ["taobao"] * count,
        }
    )


def contexts(
    zone: ZoneInfo, now: datetime, history: pa.Table | None, windows: bool
) -> PlanningContext:
    report = (
        payment_time(history, now, PaymentTimeSettings(min_payers=5))
        if history is not None
        else None
    )
    return PlanningContext(
        store_id=7,
        now=now,
        zone=zone,
        close_after=timedelta(hours=72),
        call_windows=((time(11), time(12)), (time(15, 30), time(16, 30))) if windows else (),
        ship_same_day_before=time(16),
        report=report,
        shop='俏艺"旗舰店',
    )


RULE_SETS = [
    DEFAULTS["unpaid"].rules,
    (
        ChannelRule(channel=ActionChannel.SMS, payment_probability_below=0.5),
        ChannelRule(channel=ActionChannel.EMAIL, returning=False, age_at_most=timedelta(hours=30)),
        ChannelRule(channel=ActionChannel.PHONE_TASK, amount_at_least=Decimal("200.5")),
        ChannelRule(channel=ActionChannel.SMS, direct_contact=False),
        ChannelRule(channel=ActionChannel.CHAT_TASK, contacts_masked=False, has_remark=False),
    ),
    (ChannelRule(channel=ActionChannel.IM_ROBOT),),
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_columnar_unpaid_planner_makes_the_reference_actions(data: st.DataObject) -> None:
    zone = data.draw(ZONES)
    now = NOW + timedelta(minutes=data.draw(st.integers(0, 24 * 60)))
    orders = data.draw(open_orders(now))
    ctx = contexts(zone, now, data.draw(histories(now)), data.draw(st.booleans()))
    base = DEFAULTS["unpaid"]
    book = base.model_copy(
        update={
            "holdout_share": data.draw(st.sampled_from([0.0, 0.3, 0.5])),
            "segment": data.draw(
                st.sampled_from(["all", "buyer_type", "amount_band", "payment_method", "platform"])
            ),
            "first_not_before": timedelta(minutes=data.draw(st.sampled_from([0, 30, 120]))),
            "min_gap": timedelta(hours=data.draw(st.sampled_from([0, 4, 20]))),
            "rules": data.draw(st.sampled_from([*RULE_SETS[:2], *RULE_SETS])),
            "purpose": data.draw(st.sampled_from(["transactional"] * 3 + ["marketing"])),
        }
    )
    earlier = {
        order.order_id: (
            data.draw(st.integers(1, 2)),
            now - timedelta(hours=data.draw(st.integers(0, 30))),
        )
        for order in orders
        if data.draw(st.integers(0, 4)) == 0
    }
    missed: set[str] = set()
    expected = reference_unpaid.plan_unpaid(
        ctx, "unpaid", book, orders, earlier=earlier, unreachable=missed
    )
    plan = unpaid_plan(ctx, "unpaid", book, orders, earlier=earlier)
    assert planned_actions(plan.actions) == expected
    assert plan.unreachable == len(missed)
    assert plan.reordered == sum(o.reordered_by is not None for o in orders)


def guess_from_words(texts: Sequence[str]) -> list[Prediction]:
    """A classifier stand-in whose answers depend on the text, with and without evidence."""
    answers = []
    for text in texts:
        if "贵" in text:
            answers.append(
                Prediction(LossReason.EXTRA_COSTS, 0.81, ("贵",), LossReason.EXTRA_COSTS)
            )
        elif "重新拍" in text:
            answers.append(
                Prediction(
                    LossReason.REORDER_REQUESTED, 0.9, ("重新拍",), LossReason.REORDER_REQUESTED
                )
            )
        else:
            answers.append(Prediction(LossReason.UNKNOWN, 0.25, (), LossReason.CHECKOUT_PROBLEM))
    return answers


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_columnar_follow_up_planner_makes_the_reference_actions(data: st.DataObject) -> None:
    zone = data.draw(ZONES)
    now = NOW + timedelta(minutes=data.draw(st.integers(0, 24 * 60)))
    ctx = contexts(zone, now, None, data.draw(st.booleans()))
    orders = []
    for number in range(data.draw(st.integers(0, 10))):
        key = data.draw(st.sampled_from([None, "b1", "b2", "b3"]))
        closed_at = now - timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60)))
        orders.append(
            ClosedOrder(
                order_id=f"c{number}",
                status=OrderStatus.CLOSED,
                created_at=closed_at - timedelta(hours=data.draw(st.integers(0, 72))),
                closed_at=closed_at,
                amount=Decimal(data.draw(st.integers(0, 90_000))).scaleb(-2),
                buyer=data.draw(buyers(key)),
                has_remark=data.draw(st.booleans()),
                texts=tuple(data.draw(st.lists(WORDS, max_size=2))),
                items=tuple(data.draw(TITLES)),
                close_inferred=data.draw(st.booleans()),
                reordered_by=data.draw(st.sampled_from([None, None, "x9"])),
            )
        )
    base = DEFAULTS["closed_followup"]
    second = base.steps[0].model_copy(
        update={"after": timedelta(hours=data.draw(st.integers(0, 30)))}
    )
    book = base.model_copy(
        update={
            "holdout_share": data.draw(st.sampled_from([0.0, 0.5])),
            "min_gap": timedelta(hours=data.draw(st.sampled_from([0, 20]))),
            "steps": data.draw(st.sampled_from([base.steps, (*base.steps, second)])),
            "purpose": data.draw(st.sampled_from(["transactional", "marketing"])),
        }
    )
    earlier = {
        o.order_id: (1, now - timedelta(hours=2))
        for o in orders
        if data.draw(st.integers(0, 5)) == 0
    }
    missed: set[str] = set()
    expected = reference_followup.plan_closed_followup(
        ctx, "closed_followup", book, orders, guess_from_words, earlier=earlier, unreachable=missed
    )
    plan = followup_plan(ctx, "closed_followup", book, orders, guess_from_words, earlier=earlier)
    assert planned_actions(plan.actions) == expected
    assert plan.unreachable == len(missed)


def test_a_shop_name_and_titles_with_quotes_survive_the_parameters() -> None:
    order = replace(
        UnpaidOrder(
            order_id="o1",
            status=OrderStatus.PENDING,
            created_at=NOW - timedelta(hours=1),
            amount=Decimal("10.00"),
            buyer=Buyer(1, "k", phone_known=True, chat=True),
            items=('a "quoted" title',),
        )
    )
    ctx = contexts(ZoneInfo("Asia/Shanghai"), NOW, None, True)
    (first, *_) = planned_actions(unpaid_plan(ctx, "unpaid", DEFAULTS["unpaid"], [order]).actions)
    assert first.params["shop"] == '俏艺"旗舰店'
    assert first.params["item"] == 'a "quoted" title'
