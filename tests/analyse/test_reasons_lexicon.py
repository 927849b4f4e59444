"""Keyword rules: clear texts hit their reason; segmentation keeps short words honest."""

from __future__ import annotations

import pytest

from winback.analyse.reasons import LossReason, rule_hits

R = LossReason


@pytest.mark.parametrize(
    ("text", "reason", "keyword"),
    [
        ("余额不足", R.INSUFFICIENT_FUNDS, "余额不足"),
        ("亲，运费太贵了吧", R.EXTRA_COSTS, "运费"),
        ("客服态度差，不想买了", R.POOR_SERVICE_ATTITUDE, "态度"),
        ("卖家缺货", R.OUT_OF_STOCK, "缺货"),
        ("客服让重拍", R.REORDER_REQUESTED, "重拍"),
        ("发消息没人理", R.SLOW_SERVICE, "没人理"),
        ("还要注册账号，太麻烦", R.FORCED_REGISTRATION, "注册"),
        ("不支持七天无理由退货", R.RETURN_POLICY, "无理由"),
        ("Shipping costs more than the item", R.EXTRA_COSTS, "shipping costs"),
        ("No guest checkout", R.FORCED_REGISTRATION, "guest"),
        ("My card is MAXED OUT", R.INSUFFICIENT_FUNDS, "maxed out"),
        ("No PayPal option", R.PAYMENT_METHOD, "paypal"),
    ],
)
def test_a_clear_text_hits_its_reason_with_the_matched_words(
    text: str, reason: LossReason, keyword: str
) -> None:
    hits = [hit for hit in rule_hits(text) if hit.reason is reason]
    assert keyword in [hit.keyword for hit in hits]
    assert all(0.0 < hit.strength <= 1.0 for hit in hits)


def test_hits_come_strongest_first() -> None:
    strengths = [hit.strength for hit in rule_hits("退货还要自己出运费，不买了")]
    assert strengths == sorted(strengths, reverse=True)


def test_a_one_character_word_counts_only_as_a_whole_word_and_not_after_a_negator() -> None:
    assert R.PRICE_NOT_AGREED in {hit.reason for hit in rule_hits("有点贵")}
    assert rule_hits("贵州特产") == []
    assert rule_hits("不贵") == []


def test_full_width_letters_are_matched_like_half_width_ones() -> None:
    assert R.PAYMENT_METHOD in {hit.reason for hit in rule_hits("没有ＰａｙＰａｌ")}


def test_texts_without_a_reason_hit_nothing() -> None:
    assert rule_hits("好的") == []
    assert rule_hits("ok thanks") == []
    assert rule_hits("") == []
