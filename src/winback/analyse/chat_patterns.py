"""The staff phrasings behind the D4 chat flags, in Chinese and English.

Each pattern is a regular expression over the normalised text (lower case, curly apostrophes
straightened, full-width spaces folded). The lists are deliberately narrow: a flag should name
a real service failure, so phrasings that also have an innocent reading are left out or need
context (see :func:`refuses_price_change`).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "PRICE_CONTEXT",
    "PRICE_REFUSALS",
    "REORDER_REQUESTS",
    "asks_to_reorder",
    "normalise",
    "refuses_price_change",
]

_PHOTO: Final = r"[^。！？!?]{0,4}(照|图|视频|实物|细节|一张)"

REORDER_REQUESTS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        # 重拍 / 重新拍(下) / 重新再拍 / 再拍一次, but not 重拍照片 (拍 also means "photograph")
        rf"重拍(?!{_PHOTO})",
        rf"重新(再)?拍(?!{_PHOTO})",
        r"再拍一(次|遍|下单)",
        r"重新(下|提交)(一|个)?单",
        r"重新提交订单",
        # 取消/关掉(订单)后再拍、再下单
        r"(取消|关掉|关闭|删掉|删除)[^。！？!?]{0,12}(再|重新)(拍|下单|下个单|下一单|买)",
        r"\bplace (the |your |this |an |a new |the same )?orders? again\b",
        r"\bplace a new order\b",
        r"\b(re-?place|re-?submit|redo) (the |your |this )?order\b",
        r"\b(please|pls|kindly|you (can|could|need to|have to|must|should)) re-?order\b",
        r"\b(cancel|close) (it|this|that|the order|your order|this order)\b.{0,40}"
        r"\b(order|buy|purchase|check ?out)( it)? again\b",
    )
)

PRICE_REFUSALS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        # 无法改价 / 不能改价 / 改不了价 / 没法修改价格 / 不能调价
        r"(无法|不能|没法|没办法|不可以|不可|不允许|改不了|修改不了)\s*(改|修改|调|调整)?\s*(价|价格|价钱)",
        # 价格改不了 / 价格是不能改的 / 价钱没法调
        r"(价|价格|价钱)[^。！？!?]{0,8}(改不了|修改不了|调不了|动不了|改不动|"
        r"(不能|无法|没法|没办法|不可以)(改|修改|调|调整))",
        r"\b(can'?t|cannot|can not|unable to|not able to|won'?t be able to|are not allowed to)"
        r" (change|adjust|modify|lower|reduce|edit) (the |your |this |that )?price",
        r"\bprices? (can'?t|cannot|can not|could not|couldn'?t) be (changed|adjusted|modified|"
        r"lowered|reduced|edited)",
        r"\bno price (change|adjustment)s?\b",
    )
)

BARE_REFUSALS: Final = tuple(
    re.compile(pattern)
    for pattern in (
        r"改不了",
        r"(不能|无法|没法|没办法)(改|修改|调)",
        r"\b(can'?t|cannot|unable to) (change|adjust|modify) (it|that)\b",
    )
)
"""Refusals that are about the price only when the buyer just asked about it."""

PRICE_CONTEXT: Final = re.compile(
    r"改价|价|便宜|优惠|少点|少一点|打折|折扣|减|包邮|price|discount|cheaper|coupon|deal"
)
"""A buyer line about the price: what makes a bare 改不了 a price refusal."""


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, single spaces."""
    folded = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u3000", " ")
    return " ".join(folded.lower().split())


def asks_to_reorder(text: str) -> bool:
    """Whether a staff line asks the buyer to place the order again."""
    clean = normalise(text)
    return any(pattern.search(clean) for pattern in REORDER_REQUESTS)


def refuses_price_change(text: str, buyer_before: str = "") -> bool:
    """Whether a staff line refuses to change the price; ``buyer_before`` is the buyer's
    last line before it, which turns a bare refusal (改不了) into a price refusal."""
    clean = normalise(text)
    if any(pattern.search(clean) for pattern in PRICE_REFUSALS):
        return True
    about_price = PRICE_CONTEXT.search(normalise(buyer_before)) is not None
    return about_price and any(pattern.search(clean) for pattern in BARE_REFUSALS)
