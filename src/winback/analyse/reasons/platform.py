"""Platform boilerplate: the fixed close, cancel and refund reasons platforms write.

These texts are picked from a list (by the buyer, the seller or the platform's timer), so they
map to a reason through this table, never through the model: "退款" says a refund closed the
trade, not that the return policy was bad; "超时未付款" says the timer closed it, not that a
payment method was missing. A text in the table that states no reason (the timer, "其他原因",
Shopify's ``other``) maps to ``None``: it is known boilerplate that says nothing about *why*.

Texts are compared after NFKC, lower-casing and removing spaces and punctuation, so
"信息填写错误，重新拍" and "信息填写错误,重新拍" are the same entry. The lists, where they come
from and what each maps to are in ``docs/loss-reasons.md`` ("Platform reasons").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Final

from winback.analyse.reasons.taxonomy import LossReason as R


@dataclass(frozen=True, slots=True)
class PlatformReason:
    """A known platform text: who writes it, and the reason it states (None: no reason)."""

    text: str
    platforms: str
    reason: R | None


_TAOBAO_CLOSE: Final = "taobao/tmall seller close (taobao.trade.close)"
_TAOBAO_BUYER: Final = "taobao/tmall buyer cancel"
_SYSTEM: Final = "platform timer / status"
_REFUND: Final = "taobao/tmall/pdd/douyin refund reason"
_JD: Final = "jd cancel form"
_APP: Final = "douyin/pdd/jd app cancel form"
_SHOPIFY: Final = "shopify cancel_reason"
_WOO: Final = "woocommerce status / order note"

TABLE: Final[tuple[PlatformReason, ...]] = (
    # taobao.trade.close: the seller's seven close reasons
    PlatformReason("未及时付款", _TAOBAO_CLOSE, None),
    PlatformReason("买家不想买了", _TAOBAO_CLOSE, R.CHANGED_MIND),
    PlatformReason("买家信息填写错误，重新拍", _TAOBAO_CLOSE, R.CHANGED_MIND),
    PlatformReason("恶意买家/同行捣乱", _TAOBAO_CLOSE, None),
    PlatformReason("缺货", _TAOBAO_CLOSE, R.OUT_OF_STOCK),
    PlatformReason("买家拍错了", _TAOBAO_CLOSE, R.CHANGED_MIND),
    PlatformReason("同城见面交易", _TAOBAO_CLOSE, None),
    # the buyer's cancel choices before payment
    PlatformReason("我不想买了", _TAOBAO_BUYER, R.CHANGED_MIND),
    PlatformReason("信息填写错误，重新拍", _TAOBAO_BUYER, R.CHANGED_MIND),
    PlatformReason("卖家缺货", _TAOBAO_BUYER, R.OUT_OF_STOCK),
    PlatformReason("其他原因", _TAOBAO_BUYER, None),
    # what the platform writes when its timer or a refund closes a trade
    PlatformReason("超时未付款", _SYSTEM, None),
    PlatformReason("超时未付款，交易自动关闭", _SYSTEM, None),
    PlatformReason("交易超时自动关闭", _SYSTEM, None),
    PlatformReason("付款超时", _SYSTEM, None),
    PlatformReason("买家未付款", _SYSTEM, None),
    PlatformReason("未付款", _SYSTEM, None),
    PlatformReason("交易关闭", _SYSTEM, None),
    PlatformReason("交易自动关闭", _SYSTEM, None),
    PlatformReason("系统自动关闭", _SYSTEM, None),
    PlatformReason("订单未关闭", _SYSTEM, None),
    PlatformReason("退款", _SYSTEM, None),
    PlatformReason("退款成功", _SYSTEM, None),
    PlatformReason("全额退款", _SYSTEM, None),
    PlatformReason("退款关闭", _SYSTEM, None),
    PlatformReason("其他", _SYSTEM, None),
    PlatformReason("其它", _SYSTEM, None),
    PlatformReason("无", _SYSTEM, None),
    # refund (after-sale) reasons
    PlatformReason("拍错/多拍/不想要", _REFUND, R.CHANGED_MIND),
    PlatformReason("多拍/拍错/不想要", _REFUND, R.CHANGED_MIND),
    PlatformReason("不想要了", _REFUND, R.CHANGED_MIND),
    PlatformReason("7天无理由退换货", _REFUND, R.CHANGED_MIND),
    PlatformReason("七天无理由退换货", _REFUND, R.CHANGED_MIND),
    PlatformReason("7天无理由", _REFUND, R.CHANGED_MIND),
    PlatformReason("协商一致退款", _REFUND, None),
    PlatformReason("未按约定时间发货", _REFUND, R.SLOW_DELIVERY),
    PlatformReason("快递一直未送达", _REFUND, R.SLOW_DELIVERY),
    PlatformReason("质量问题", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("商品质量问题", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("商品与描述不符", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("收到商品与描述不符", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("大小/尺寸/重量与商品描述不符", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("少件/漏发", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("卖家发错货", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("卖家错发漏发", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("包装/商品破损", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("收到商品破损", _REFUND, R.PRODUCT_QUALITY),
    PlatformReason("假冒品牌", _REFUND, R.DISTRUST),
    PlatformReason("假货", _REFUND, R.DISTRUST),
    PlatformReason("退运费", _REFUND, R.EXTRA_COSTS),
    PlatformReason("发票问题", _REFUND, None),
    # JD and the app cancel forms that copy it
    PlatformReason("订单不能按预计时间送达", _JD, R.SLOW_DELIVERY),
    PlatformReason("操作有误（商品、地址等选错）", _JD, R.CHANGED_MIND),
    PlatformReason("重复下单/误下单", _JD, R.CHANGED_MIND),
    PlatformReason("其他渠道价格更低", _JD, R.FOUND_CHEAPER),
    PlatformReason("该商品京东降价了", _JD, R.FOUND_CHEAPER),
    PlatformReason("该商品降价了", _JD, R.FOUND_CHEAPER),
    PlatformReason("不想买了", _JD, R.CHANGED_MIND),
    PlatformReason("商品无货", _JD, R.OUT_OF_STOCK),
    PlatformReason("忘记使用优惠券、优币等", _JD, R.CHANGED_MIND),
    PlatformReason("支付方式有误/无法下单", _JD, R.PAYMENT_METHOD),
    PlatformReason("地址信息填写错误", _APP, R.CHANGED_MIND),
    PlatformReason("商品信息填错了", _APP, R.CHANGED_MIND),
    PlatformReason("商品降价", _APP, R.FOUND_CHEAPER),
    PlatformReason("价格有点贵", _APP, R.PRICE_NOT_AGREED),
    PlatformReason("商品错选/多选", _APP, R.CHANGED_MIND),
    PlatformReason("规格/款式/数量拍错", _APP, R.CHANGED_MIND),
    PlatformReason("无法正常支付", _APP, R.CHECKOUT_PROBLEM),
    PlatformReason("商品缺货", _APP, R.OUT_OF_STOCK),
    PlatformReason("发货时间问题", _APP, R.SLOW_DELIVERY),
    # Shopify's OrderCancelReason (REST cancel_reason is the lower-case value)
    PlatformReason("customer", _SHOPIFY, R.CHANGED_MIND),
    PlatformReason("inventory", _SHOPIFY, R.OUT_OF_STOCK),
    PlatformReason("declined", _SHOPIFY, R.CHECKOUT_PROBLEM),
    PlatformReason("fraud", _SHOPIFY, None),
    PlatformReason("staff", _SHOPIFY, None),
    PlatformReason("other", _SHOPIFY, None),
    # WooCommerce order statuses and the note its unpaid-order timer writes
    PlatformReason("failed", _WOO, R.CHECKOUT_PROBLEM),
    PlatformReason("cancelled", _WOO, None),
    PlatformReason("canceled", _WOO, None),
    PlatformReason("refunded", _WOO, None),
    PlatformReason("pending", _WOO, None),
    PlatformReason("on-hold", _WOO, None),
    PlatformReason("Unpaid order cancelled - time limit reached.", _WOO, None),
    PlatformReason("timeout", _SYSTEM, None),
    PlatformReason("expired", _SYSTEM, None),
    PlatformReason("closed", _SYSTEM, None),
    PlatformReason("none", _SYSTEM, None),
    PlatformReason("n/a", _SYSTEM, None),
    PlatformReason("null", _SYSTEM, None),
    PlatformReason("trade_closed", _SYSTEM, None),
    PlatformReason("trade_closed_by_taobao", _SYSTEM, None),
)

_NOISE: Final = re.compile(r"[\s\W_]+")
_TIMER_CLOSE: Final = re.compile(
    r"^(订单)?(超时未付款|买家未付款|未付款|付款超时|买家付款超时|超时)?(交易)?"
    r"(被淘宝|被系统|被平台|系统|平台)?(自动)?(已)?(关闭|取消)(订单|交易)?$"
    r"|^(payment)?(timeout|timedout|expired)$|^autoclosed$|^tradeclosed\w*$"
)
"""Variants of the timer's close text ("交易被淘宝自动关闭", "订单超时自动取消", ...)."""
_TIMER: Final = PlatformReason("超时未付款，交易自动关闭", _SYSTEM, None)


def key(text: str) -> str:
    """The form texts are compared in: NFKC, lower case, no spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def platform_reason(text: str) -> PlatformReason | None:
    """The table entry ``text`` is, or None when it is not a known platform text."""
    clean = key(text)
    found = _by_key().get(clean)
    if found is None and clean and _TIMER_CLOSE.match(clean):
        return _TIMER
    return found


def is_boilerplate(text: str) -> bool:
    """Whether ``text`` is a platform text that states no reason (or is empty)."""
    if not key(text):
        return True
    entry = platform_reason(text)
    return entry is not None and entry.reason is None


@cache
def _by_key() -> dict[str, PlatformReason]:
    return {key(entry.text): entry for entry in TABLE}
