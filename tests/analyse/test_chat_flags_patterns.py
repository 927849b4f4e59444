"""The staff phrasings behind the D4 flags, read from real-looking chat lines."""

from __future__ import annotations

import pytest

from winback.analyse.chat_patterns import asks_to_reorder, refuses_price_change


@pytest.mark.parametrize(
    "line",
    [
        "亲，您重拍一下，这样可以参加满100减10的活动",
        "麻烦亲重新拍下，我这边给您改好",
        "您先把这单取消了，再重新下单就有优惠了",
        "亲 关掉这个订单再拍一次哦",
        "需要您重新下个单呢",
        "请重新提交订单",
        "Could you please place the order again so the discount applies?",
        "You need to place a new order for the coupon to work",
        "Please cancel this order and check out again with the code",
        "please re-order and I will refund the difference",
    ],
)
def test_requests_to_order_again_are_recognised(line: str) -> None:
    assert asks_to_reorder(line)


@pytest.mark.parametrize(
    "line",
    [
        "我们重拍一下实物图给您看",
        "可以重新拍一张照片吗",
        "亲，拍下后我给您改价哦",
        "亲，已经发货了",
        "Thanks for your order!",
        "We will restock next week",
    ],
)
def test_ordinary_staff_lines_are_not_requests_to_reorder(line: str) -> None:
    assert not asks_to_reorder(line)


@pytest.mark.parametrize(
    "line",
    [
        "不好意思亲，这边无法改价",
        "活动商品不能改价的哦",
        "亲，改不了价呢",
        "价格是改不了的",
        "这个价格没法修改哦",
        "Sorry, we can't change the price.",
        "Sorry, we can’t change the price on sale items",
        "The price cannot be changed after checkout",
    ],
)
def test_refusals_to_change_the_price_are_recognised(line: str) -> None:
    assert refuses_price_change(line)


def test_a_bare_refusal_counts_only_after_the_buyer_asked_about_the_price() -> None:
    assert refuses_price_change("亲，这个改不了哦", buyer_before="能改价吗？便宜点")
    assert not refuses_price_change("亲，这个改不了哦", buyer_before="地址能换一下吗")
    assert not refuses_price_change("地址改不了了亲")


def test_a_promise_to_change_the_price_is_not_a_refusal() -> None:
    assert not refuses_price_change("拍下后我给您改价", buyer_before="能便宜点吗")
