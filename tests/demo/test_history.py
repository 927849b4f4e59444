"""The prior members' simulated purchase history before the demo period."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from winback.demo.history import HISTORY_DAYS, simulate_history
from winback.demo.simulator import DemoShop
from winback.ingest.records import OrderRecord
from winback.model import OrderStatus

START = date(2024, 6, 6)  # the shop fixture's first day
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def history(shop: DemoShop) -> list[OrderRecord]:
    return simulate_history(seed=2, prior_members=shop.prior_members, start=START)


def test_the_same_seed_gives_the_same_history_and_another_seed_another(
    shop: DemoShop, history: list[OrderRecord]
) -> None:
    again = simulate_history(seed=2, prior_members=shop.prior_members, start=START)
    other = simulate_history(seed=3, prior_members=shop.prior_members, start=START)
    assert again == history
    assert [o.created_at for o in other] != [o.created_at for o in history]


def test_every_history_event_is_before_the_period_and_within_two_years(
    history: list[OrderRecord],
) -> None:
    period = datetime.combine(START, datetime.min.time(), tzinfo=SHANGHAI)
    oldest = period - timedelta(days=HISTORY_DAYS)
    assert 1_000 < len(history) < 10_000
    for order in history:
        assert order.created_at.tzinfo is not None
        moments = (order.created_at, order.paid_at, order.settled_at, order.closed_at)
        assert all(oldest <= m < period for m in moments if m is not None)
    assert [o.created_at for o in history] == sorted(o.created_at for o in history)


def test_history_buyers_are_the_members_with_the_keys_of_the_period_export(
    shop: DemoShop, history: list[OrderRecord]
) -> None:
    members = {c.customer_id for c in shop.customers if "店铺会员" in c.tags}
    members_in_period = {o.buyer.buyer_id for o in shop.orders} & members
    in_history = {o.buyer.buyer_id for o in history}
    assert members_in_period and members_in_period <= in_history
    assert len(in_history) == shop.prior_members
    newcomers = {c.customer_id for c in shop.customers if not c.tags}
    assert not in_history & newcomers


def test_purchase_counts_are_skewed_and_loyal_members_buy_more(
    history: list[OrderRecord],
) -> None:
    counts = Counter(o.buyer.buyer_id for o in history)
    per_member = Counter(counts.values())
    assert per_member[1] > per_member[2] > per_member[5]
    assert sum(n for k, n in per_member.items() if k >= 5) > 0.05 * len(counts)


def test_a_share_of_members_lapsed_beyond_a_fashion_season(
    history: list[OrderRecord],
) -> None:
    period = datetime.combine(START, datetime.min.time(), tzinfo=SHANGHAI)
    last: dict[str, datetime] = {}
    for order in history:
        if order.buyer.buyer_id:
            last[order.buyer.buyer_id] = order.created_at
    lapsed = sum(period - moment > timedelta(days=90) for moment in last.values())
    assert 0.3 < lapsed / len(last) < 0.95


def test_most_history_orders_are_settled_and_amounts_are_exact_money(
    history: list[OrderRecord],
) -> None:
    statuses = Counter(o.status for o in history)
    assert statuses[OrderStatus.SETTLED] > 0.85 * len(history)
    assert statuses[OrderStatus.REFUNDED] and statuses[OrderStatus.CLOSED]
    for order in history:
        assert order.goods_amount == sum(x.unit_price * x.quantity for x in order.lines)
        assert order.total_amount == order.goods_amount + order.shipping_fee


def test_an_empty_member_list_has_no_history() -> None:
    assert simulate_history(seed=2, prior_members=0, start=START) == []
