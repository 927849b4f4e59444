"""What buyers write: reviews, the cancel form and refund requests.

About a third of settled orders are reviewed, mostly kindly; late dispatch, slow service and
refunds raise the share of negative reviews, whose texts name the seeds' reasons (质量差,
发货慢, 客服态度差, 尺码不准, 色差). Cancelled orders carry the cancel form's reason and refunds
their refund reason, as the platforms record them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import numpy as np

from winback.demo.calendar import DAY, HOUR
from winback.demo.dice import Dice
from winback.demo.draws import OrderDraws
from winback.demo.outcomes import PARTIAL_REASONS, REFUND_REASONS
from winback.demo.scenarios import Scenario
from winback.ingest.records import FeedbackRecord, OrderRecord
from winback.model import OrderStatus

REVIEW_SHARE: Final = 0.35
PRAISE: Final = (
    "衣服很好看，质量不错，尺码标准",
    "面料舒服，颜色和图片一样，好评",
    "物流很快，客服态度很好，会回购",
    "穿上很显瘦，很喜欢",
    "性价比很高，推荐",
)
NEUTRAL: Final = ("还行吧，有点色差", "一般般，面料有点薄", "尺码偏大一点，凑合穿")
COMPLAINTS: Final = {
    "quality": "质量差，洗了一次就起球了",
    "late": "发货慢，等了好几天才发",
    "service": "客服态度差，问问题半天不回",
    "size": "尺码不准，偏小一码，和描述不符",
    "colour": "色差严重，和图片完全不一样",
}


def build_feedback(
    *,
    orders: list[OrderRecord],
    draws: OrderDraws,
    rng: np.random.Generator,
    cutoff: int,
    draw_index: dict[str, int],
) -> list[FeedbackRecord]:
    """Feedback per visible order; ``draw_index`` maps an order id to its index in the draws."""
    feedback: list[FeedbackRecord] = []
    o = draws.outcomes
    dice = Dice(rng, len(orders))
    for order in orders:
        i = draw_index[order.order_id]
        if order.status is OrderStatus.CANCELLED and order.cancel_reason and order.closed_at:
            feedback.append(
                _entry(order, "cancel_form", order.closed_at, order.cancel_reason, None)
            )
        if order.refunded_at is not None and order.status is not OrderStatus.CANCELLED:
            reason = (
                REFUND_REASONS[o.refund_reason[i]]
                if order.status is OrderStatus.REFUNDED
                else PARTIAL_REASONS[o.partial_reason[i]]
            )
            feedback.append(_entry(order, "refund_reason", order.refunded_at, reason, None))
        if order.settled_at is not None and dice.chance(REVIEW_SHARE):
            delay = dice.between(HOUR, 2 * DAY)
            if int(o.settled[i]) + delay <= cutoff:
                text, rating = _review(dice, draws, i, order)
                at = order.settled_at + timedelta(seconds=delay)
                feedback.append(_entry(order, "review", at, text, rating))
    return feedback


def _review(dice: Dice, draws: OrderDraws, i: int, order: OrderRecord) -> tuple[str, int]:
    o = draws.outcomes
    reasons = ["quality", "size", "colour"]
    late = o.shipped[i] - o.paid[i] > 30 * HOUR
    if late:
        reasons += ["late"] * 6
    if draws.scenario[i] == Scenario.SLOW_REPLY:
        reasons += ["service"] * 6
    negative_share = 0.05 + 0.25 * late + 0.25 * (draws.scenario[i] == Scenario.SLOW_REPLY)
    negative_share += 0.3 * (order.refund_amount > 0)
    u = dice.uniform()
    if u < negative_share:
        return COMPLAINTS[dice.pick(reasons)], dice.between(1, 3)
    if u < negative_share + 0.08:
        return dice.pick(NEUTRAL), 3
    return dice.pick(PRAISE), 4 if dice.chance(0.15) else 5


def _entry(
    order: OrderRecord, kind: str, at: datetime, text: str, rating: int | None
) -> FeedbackRecord:
    return FeedbackRecord(
        platform=order.platform,
        feedback_id=f"{kind}-{order.order_id}",
        at=at,
        kind=kind,
        text=text,
        buyer_id=order.buyer.buyer_id,
        order_id=order.order_id,
        rating=rating,
    )
