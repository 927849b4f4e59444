from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from winback.demo.simulator import DemoShop, simulate
from winback.model import ChatSender, OrderStatus, Platform

START = date(2024, 6, 6)


def closed_ratio_by_day(shop: DemoShop) -> dict[date, float]:
    placed: Counter[date] = Counter()
    closed: Counter[date] = Counter()
    for order in shop.orders:
        day = order.created_at.date()
        placed[day] += 1
        closed[day] += order.status is OrderStatus.CLOSED
    return {day: closed[day] / placed[day] for day in placed}


def test_the_same_seed_gives_the_same_shop() -> None:
    first = simulate(seed=7, start=START, days=20)
    second = simulate(seed=7, start=START, days=20)
    assert first == second


def test_different_seeds_give_different_shops() -> None:
    first = simulate(seed=7, start=START, days=20)
    second = simulate(seed=8, start=START, days=20)
    assert [o.order_id for o in first.orders] != [o.order_id for o in second.orders]


def test_the_shop_is_the_seeds_taobao_store(shop: DemoShop) -> None:
    assert shop.name == "俏艺旗舰店"
    assert shop.platform is Platform.TAOBAO
    assert shop.currency == "CNY"
    assert shop.cutoff == datetime(2024, 8, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert shop.promotion_days == (date(2024, 7, 30), date(2024, 7, 31))


def test_it_covers_sixty_days_of_about_110_orders(shop: DemoShop) -> None:
    days = {order.created_at.date() for order in shop.orders}
    assert len(days) >= 60
    assert 100 <= len(shop.orders) / len(days) <= 120
    assert all(800 <= visitors <= 1150 for visitors in shop.visitors.values())


def test_a_third_of_orders_close_before_payment_and_the_promotion_days_exceed_45_percent(
    shop: DemoShop,
) -> None:
    ratios = closed_ratio_by_day(shop)
    closed = sum(o.status is OrderStatus.CLOSED for o in shop.orders) / len(shop.orders)
    assert 0.25 <= closed <= 0.40
    assert any(ratios[day] > 0.45 for day in shop.promotion_days)
    settled_days = [ratio for day, ratio in ratios.items() if day < date(2024, 7, 25)]
    assert 0.25 <= median(settled_days) <= 0.40


def test_most_buyers_pay_within_minutes_and_a_few_after_a_day(shop: DemoShop) -> None:
    delays = [
        (o.paid_at - o.created_at).total_seconds() for o in shop.orders if o.paid_at is not None
    ]
    assert median(delays) < 15 * 60
    assert sum(d > 24 * 3600 for d in delays) / len(delays) > 0.02
    assert max(delays) < 72 * 3600


def test_returning_buyers_come_back_after_a_gap(shop: DemoShop) -> None:
    orders_by_buyer: defaultdict[str, list[datetime]] = defaultdict(list)
    for order in shop.orders:
        assert order.buyer.buyer_id is not None
        orders_by_buyer[order.buyer.buyer_id].append(order.created_at)
    repeaters = [times for times in orders_by_buyer.values() if len(times) > 1]
    assert 0.05 < len(repeaters) / len(orders_by_buyer) < 0.3
    gaps = [max(times) - min(times) for times in repeaters]
    assert median(gaps) > timedelta(days=1)


def test_mk103410_variants_run_out_and_their_orders_are_lost_to_stockouts(shop: DemoShop) -> None:
    lost = [
        o
        for o in shop.orders
        if (o.close_reason == "卖家缺货" or o.cancel_reason == "缺货")
        and o.lines[0].sku is not None
        and o.lines[0].sku.startswith("MK103410")
    ]
    assert lost
    assert {o.status for o in lost} <= {OrderStatus.CLOSED, OrderStatus.CANCELLED}
    final = [s for s in shop.stock if s.sku.startswith("MK103410") and s.at == shop.cutoff]
    assert any(level.quantity == 0 for level in final)
    assert all(level.quantity >= 0 for level in shop.stock)


def test_about_half_of_closed_orders_consulted_customer_service(shop: DemoShop) -> None:
    chatted_before = {(c.buyer_id, c.order_id) for c in shop.chats if c.order_id is not None} | {
        c.buyer_id for c in shop.chats
    }
    closed = [o for o in shop.orders if o.status is OrderStatus.CLOSED]
    with_chat = [o for o in closed if o.buyer.buyer_id in chatted_before]
    assert 0.35 <= len(with_chat) / len(closed) <= 0.75


def test_chats_carry_the_seeds_service_failures(shop: DemoShop) -> None:
    staff_lines = [c.text for c in shop.chats if c.sender is ChatSender.STAFF]
    assert any("重拍" in text for text in staff_lines)
    assert any("改不了" in text or "无法改价" in text for text in staff_lines)
    assert any("没货了" in text for text in staff_lines)
    assert any("昨天拍的宝贝还没付款" in text for text in staff_lines)
    assert all(c.staff and c.staff.startswith("俏艺旗舰店:") for c in shop.chats if c.staff)


def test_slow_first_replies_exist(shop: DemoShop) -> None:
    by_buyer: defaultdict[str, list[tuple[datetime, ChatSender]]] = defaultdict(list)
    for chat in shop.chats:
        by_buyer[chat.buyer_id].append((chat.sent_at, chat.sender))
    slow = 0
    for lines in by_buyer.values():
        lines.sort()
        first_staff = next((at for at, sender in lines if sender is ChatSender.STAFF), None)
        if lines[0][1] is ChatSender.BUYER and first_staff is not None:
            slow += first_staff - lines[0][0] > timedelta(minutes=5)
    assert slow > 50


def test_orders_have_variants_messages_remarks_and_reasons(shop: DemoShop) -> None:
    assert all(o.lines and all(line.attributes.keys() == {"colour", "size"} for line in o.lines)
               for o in shop.orders)  # fmt: skip
    assert any(o.buyer_message for o in shop.orders)
    assert any(o.seller_remark for o in shop.orders)
    cancel_reasons = {o.cancel_reason for o in shop.orders if o.status is OrderStatus.CANCELLED}
    assert {"我不想买了", "拍错了/多拍了/不喜欢了", "缺货"} <= cancel_reasons
    assert all(18 <= len(o.order_id) <= 19 and o.order_id.isdigit() for o in shop.orders)


def test_refunds_are_full_for_refunded_orders_and_partial_ones_keep_the_status(
    shop: DemoShop,
) -> None:
    refunded = [o for o in shop.orders if o.status is OrderStatus.REFUNDED]
    partial = [
        o for o in shop.orders if o.refund_amount > 0 and o.status is not OrderStatus.REFUNDED
        and o.status is not OrderStatus.CANCELLED
    ]  # fmt: skip
    assert refunded and partial
    assert all(o.refund_amount == o.paid_amount for o in refunded)
    assert all(o.paid_amount is not None and 0 < o.refund_amount < o.paid_amount for o in partial)
    for order in shop.orders:
        assert sum(line.refund_amount for line in order.lines) == order.refund_amount


def test_most_contacts_are_masked_and_only_consenting_members_are_reachable(
    shop: DemoShop,
) -> None:
    reachable = [c for c in shop.customers if c.phone.usable]
    assert 0.02 < len(reachable) / len(shop.customers) < 0.25
    assert all(c.accepts_sms_marketing is True for c in reachable)
    assert all(o.buyer.phone.masked for o in shop.orders)
    order_buyers = {o.buyer.buyer_id for o in shop.orders}
    assert order_buyers <= {c.customer_id for c in shop.customers}


def test_carts_favourites_and_reviews_exist(shop: DemoShop) -> None:
    converted = [c for c in shop.carts if c.order_id is not None]
    abandoned = [c for c in shop.carts if c.order_id is None]
    assert converted and abandoned
    assert all(c.created_at <= c.updated_at for c in shop.carts)
    assert shop.wishlists
    reviews = [f for f in shop.feedback if f.kind == "review"]
    negative = [f for f in reviews if f.rating is not None and f.rating <= 2]
    assert reviews and negative
    texts = " ".join(f.text for f in negative)
    assert "发货慢" in texts and "质量差" in texts and "客服态度差" in texts


def test_a_later_cutoff_shows_the_same_orders_further_along() -> None:
    early = simulate(start=START, days=20, cutoff=datetime(2024, 6, 20, tzinfo=ZoneInfo("UTC")))
    late = simulate(start=START, days=20)
    late_by_id = {o.order_id: o for o in late.orders}
    assert early.orders and len(early.orders) < len(late.orders)
    for order in early.orders:
        later = late_by_id[order.order_id]
        assert later.created_at == order.created_at
        assert later.status is order.status or later.status.is_terminal or (
            later.status.was_paid and order.status in (OrderStatus.PENDING, OrderStatus.PAID,
                                                       OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        )  # fmt: skip


def test_orders_sets_the_total_instead_of_the_daily_rate() -> None:
    shop = simulate(start=START, orders=20_000)
    assert 18_000 < len(shop.orders) < 22_000


def test_a_naive_cutoff_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        simulate(start=START, cutoff=datetime(2024, 7, 1))
