"""How the demo's simulated buyers answer after the sale: the cancelled-order save's "can we
help?" (the reason form, the offer, a re-order with the coupon) and the NPS survey.

**These are the simulation's assumptions, not measurements**, like those of
:mod:`winback.demo.responses`: plausible for a women's-wear shop, taken from no shop's data.
They exist so that the demo shows the after-sale loop end to end — a save message goes out,
the buyer names a reason, gets the offer it routes to, may come back and pay with the
coupon; a survey goes out and some buyers score the shop — while every figure the demo then
prints comes from the real pipeline over these answers.

* :data:`SAVE_ANSWER_RATE` — the share of buyers reached by a save message who answer it
  (the reason form, or the agent on the platform's chat).
* :data:`REASON_MIX` — which reason they give (seed 001's reasons; changed mind and found
  cheaper are the common ones for fashion).
* :data:`REORDER_RATE` — the share of those who answered who place the order again and pay
  within the day: more with a coupon than without.
* :data:`REDEEM_RATE` — the share of coupon holders' re-orders that carry the code (the rest
  forget to type it).
* :data:`NPS_ANSWER_RATE` — the share of surveyed buyers who answer.
* :data:`SCORE_SHARES` — how the answers spread over 0–10 (about 45% promoters, 30% passives,
  25% detractors: an NPS near +20, ordinary for apparel).
* :data:`ANSWER_DELAY` — the mean of the exponential delay from being reached to answering
  (and from answering to re-ordering).

Every draw is a function of the demo seed and the action's key alone (``default_rng([seed,
9, crc32(key)])``), so a buyer's answer does not depend on the other buyers.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import numpy as np

from winback.decide.offers import SaveReason
from winback.web.reason_pages import REASONS  # the form's words for each reason

__all__ = [
    "ANSWER_DELAY",
    "NPS_ANSWER_RATE",
    "REASON_MIX",
    "REDEEM_RATE",
    "REORDER_RATE",
    "SAVE_ANSWER_RATE",
    "SCORE_SHARES",
    "SaveDraw",
    "SurveyDraw",
    "after_sale_assumptions",
    "save_draw",
    "survey_draw",
]

SAVE_ANSWER_RATE: Final = 0.5
"""Share of buyers reached by a save message who answer it (assumption)."""

REASON_MIX: Final[Mapping[SaveReason, float]] = {
    SaveReason.CHANGED_MIND: 0.35,
    SaveReason.FOUND_CHEAPER: 0.20,
    SaveReason.SHIPPING_COST: 0.15,
    SaveReason.SLOW_DELIVERY: 0.10,
    SaveReason.PAYMENT: 0.08,
    SaveReason.RETURNS_POLICY: 0.07,
    SaveReason.OTHER: 0.05,
}
"""Which reason an answering buyer gives (assumption; sums to 1)."""

REORDER_RATE: Final[Mapping[bool, float]] = {True: 0.6, False: 0.2}
"""Share of answering buyers who re-order and pay within the day, with a coupon (True) or
without (assumption)."""

REDEEM_RATE: Final = 0.9
"""Share of coupon holders' re-orders that carry the code (assumption)."""

NPS_ANSWER_RATE: Final = 0.3
"""Share of surveyed buyers who answer (assumption)."""

SCORE_SHARES: Final[tuple[float, ...]] = (
    0.02, 0.01, 0.02, 0.03, 0.03, 0.05, 0.09, 0.12, 0.18, 0.20, 0.25,
)  # fmt: skip
"""Chance of each score 0..10 (assumption; sums to 1)."""

ANSWER_DELAY: Final = timedelta(hours=2)
"""Mean delay, exponential, from being reached to answering, and from answering to the
re-order (assumption)."""

NOTES: Final[Mapping[str, Mapping[SaveReason, str]]] = {
    "zh": {
        SaveReason.CHANGED_MIND: "想再看看别的颜色",
        SaveReason.FOUND_CHEAPER: "别家便宜一点",
        SaveReason.SHIPPING_COST: "运费有点贵",
        SaveReason.SLOW_DELIVERY: "等不及了，急着穿",
        SaveReason.PAYMENT: "花呗额度不够",
        SaveReason.RETURNS_POLICY: "不知道能不能退",
        SaveReason.OTHER: "",
    },
    "en": {
        SaveReason.CHANGED_MIND: "wanted another colour",
        SaveReason.FOUND_CHEAPER: "a bit cheaper elsewhere",
        SaveReason.SHIPPING_COST: "shipping was too much",
        SaveReason.SLOW_DELIVERY: "needed it sooner",
        SaveReason.PAYMENT: "my card was declined",
        SaveReason.RETURNS_POLICY: "not sure I could return it",
        SaveReason.OTHER: "",
    },
}
"""What an answering buyer writes beside the reason, per store language (simulated)."""

WHYS: Final[Mapping[str, tuple[str, str, str]]] = {
    "zh": ("质量很好，会回购", "还行，物流慢了点", "尺码不准，偏小"),
    "en": ("great quality, will buy again", "fine, delivery was a bit slow", "size ran small"),
}
"""A why per group (promoter, passive, detractor), per store language (simulated)."""

_STREAM: Final = 9  # the simulator uses 0–7, the payment answers 8


@dataclass(frozen=True, slots=True)
class SaveDraw:
    """A save message's answer: None ``answer_at`` = no answer."""

    answer_at: datetime | None
    reason: SaveReason
    reorder_after: timedelta
    redeems: bool
    reorder_draw: float

    def note(self, language: str) -> str:
        return NOTES.get(language, NOTES["en"])[self.reason]

    def reorders(self, *, coupon: bool) -> bool:
        return self.reorder_draw < REORDER_RATE[coupon]


@dataclass(frozen=True, slots=True)
class SurveyDraw:
    """A survey's answer: None ``answer_at`` = no answer."""

    answer_at: datetime | None
    score: int

    def why(self, language: str) -> str:
        promoter, passive, detractor = WHYS.get(language, WHYS["en"])
        return promoter if self.score >= 9 else passive if self.score >= 7 else detractor


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM, zlib.crc32(key.encode())])


def save_draw(seed: int, key: str, reached_at: datetime) -> SaveDraw:
    """The answer to the save message of action ``key``, reached at ``reached_at``."""
    rng = _rng(seed, key)
    answers, delay, reason, reorder, reorder_delay, redeem = rng.random(6).tolist()
    reasons = list(REASON_MIX)
    chosen = reasons[int(np.searchsorted(np.cumsum(list(REASON_MIX.values())), reason))]
    answer_at = reached_at - ANSWER_DELAY * float(np.log1p(-delay))
    return SaveDraw(
        answer_at=answer_at if answers < SAVE_ANSWER_RATE else None,
        reason=chosen,
        reorder_after=-ANSWER_DELAY * float(np.log1p(-reorder_delay)),
        redeems=redeem < REDEEM_RATE,
        reorder_draw=reorder,
    )


def survey_draw(seed: int, key: str, reached_at: datetime) -> SurveyDraw:
    """The answer to the survey of action ``key``, reached at ``reached_at``."""
    rng = _rng(seed, key)
    answers, delay, score = rng.random(3).tolist()
    chosen = min(int(np.searchsorted(np.cumsum(SCORE_SHARES), score)), 10)
    answer_at = reached_at - ANSWER_DELAY * float(np.log1p(-delay))
    return SurveyDraw(answer_at if answers < NPS_ANSWER_RATE else None, chosen)


_ASSUMPTION_WORDS: Final[dict[str, tuple[str, str]]] = {
    "line": (
        "模拟买家的回应，不是实测数据：挽回消息 {save:.0%} 的买家回答原因"
        "（{mix}），回答者 {coupon:.0%}（有优惠券）/ {plain:.0%}（无）当天重新下单，"
        "{redeem:.0%} 用上优惠码；满意度调查 {nps:.0%} 的买家打分"
        "（推荐者 {promoters:.0%}、中立者 {passives:.0%}、批评者 {detractors:.0%}）；"
        "平均 {delay} 小时后回答",
        "Simulated buyers' responses, not measured data: {save:.0%} of buyers reached by a "
        "save message give a reason ({mix}); {coupon:.0%} of those with a coupon and "
        "{plain:.0%} without re-order that day, {redeem:.0%} of the coupon re-orders use the "
        "code; {nps:.0%} of surveyed buyers answer (promoters {promoters:.0%}, passives "
        "{passives:.0%}, detractors {detractors:.0%}); answers come {delay} h after on average",
    ),
}


def after_sale_assumptions(language: str) -> str:
    """The after-sale assumptions in one line, in ``language`` (zh or en)."""
    zh, en = _ASSUMPTION_WORDS["line"]
    if language == "zh":
        mix = "、".join(
            f"{REASONS['zh'][reason]} {share:.0%}" for reason, share in REASON_MIX.items()
        )
    else:
        mix = ", ".join(f"{reason} {share:.0%}" for reason, share in REASON_MIX.items())
    return (zh if language == "zh" else en).format(
        save=SAVE_ANSWER_RATE,
        mix=mix,
        coupon=REORDER_RATE[True],
        plain=REORDER_RATE[False],
        redeem=REDEEM_RATE,
        nps=NPS_ANSWER_RATE,
        promoters=sum(SCORE_SHARES[9:]),
        passives=sum(SCORE_SHARES[7:9]),
        detractors=sum(SCORE_SHARES[:7]),
        delay=f"{ANSWER_DELAY.total_seconds() / 3600:g}",
    )
