"""The loss-reason taxonomy (PRODUCT.md D3): why a buyer closed, cancelled or did not pay.

The codes are stable: they are stored with orders, agent outcomes and reason tables, so a code
is never renamed or reused. Labels are for people and may be reworded.

Decisions on borderline texts (see ``docs/loss-reasons.md``):

* The buyer's own mistakes ("拍错了", "地址填错了", "信息填写错误，重新拍") are
  ``changed_mind``: the buyer decided; nobody on the shop's side asked for anything.
* ``reorder_requested`` is only for a re-order the *staff* asked for (客服让重拍).
* "太贵了" with no competitor named is ``price_not_agreed``; a cheaper offer elsewhere is
  ``found_cheaper``.
* ``product_quality`` (added to the seeds' list) is the goods themselves: defective, poor,
  not as described, wrong, missing or damaged — the first refund reasons of every platform
  (质量问题, 与描述不符, DEFECTIVE, NOT_AS_DESCRIBED). A bare "不喜欢" stays ``unknown``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal

Lang = Literal["zh", "en"]


class LossReason(StrEnum):
    """Why an order was lost. The values are stable codes."""

    CHANGED_MIND = "changed_mind"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    FOUND_CHEAPER = "found_cheaper"
    DISTRUST = "distrust"
    POOR_SERVICE_ATTITUDE = "poor_service_attitude"
    PRICE_NOT_AGREED = "price_not_agreed"
    OUT_OF_STOCK = "out_of_stock"
    SLOW_SERVICE = "slow_service"
    EXTRA_COSTS = "extra_costs"
    SLOW_DELIVERY = "slow_delivery"
    RETURN_POLICY = "return_policy"
    PAYMENT_METHOD = "payment_method"
    FORCED_REGISTRATION = "forced_registration"
    CHECKOUT_PROBLEM = "checkout_problem"
    REORDER_REQUESTED = "reorder_requested"
    PRODUCT_QUALITY = "product_quality"
    UNKNOWN = "unknown"


LABELS: Final[dict[LossReason, dict[Lang, str]]] = {
    LossReason.CHANGED_MIND: {"zh": "一时冲动/改变主意", "en": "Impulse / changed mind"},
    LossReason.INSUFFICIENT_FUNDS: {"zh": "余额不足", "en": "Insufficient balance"},
    LossReason.FOUND_CHEAPER: {"zh": "发现更实惠", "en": "Found it cheaper"},
    LossReason.DISTRUST: {"zh": "不信任", "en": "Distrust"},
    LossReason.POOR_SERVICE_ATTITUDE: {"zh": "客服态度差", "en": "Poor service attitude"},
    LossReason.PRICE_NOT_AGREED: {"zh": "价格谈不拢", "en": "Price not agreed"},
    LossReason.OUT_OF_STOCK: {"zh": "尺码/颜色缺货", "en": "Size/colour out of stock"},
    LossReason.SLOW_SERVICE: {"zh": "服务不及时", "en": "Slow service"},
    LossReason.EXTRA_COSTS: {"zh": "运费/额外费用高", "en": "High shipping / extra costs"},
    LossReason.SLOW_DELIVERY: {"zh": "配送慢", "en": "Slow delivery"},
    LossReason.RETURN_POLICY: {"zh": "退货政策差", "en": "Bad return policy"},
    LossReason.PAYMENT_METHOD: {"zh": "没有合适的付款方式", "en": "Payment method missing"},
    LossReason.FORCED_REGISTRATION: {"zh": "强制注册", "en": "Forced registration"},
    LossReason.CHECKOUT_PROBLEM: {"zh": "网站/结账问题", "en": "Site / checkout problem"},
    LossReason.REORDER_REQUESTED: {"zh": "客服让重拍", "en": "Re-order requested by staff"},
    LossReason.PRODUCT_QUALITY: {
        "zh": "商品质量/与描述不符",
        "en": "Product quality / not as described",
    },
    LossReason.UNKNOWN: {"zh": "未知", "en": "Unknown"},
}


def label(code: LossReason | str, lang: Lang = "en") -> str:
    """The human label of a reason code in ``lang`` ("zh" or "en").

    Raises ``ValueError`` for a code that is not in the taxonomy.
    """
    return LABELS[LossReason(code)][lang]
