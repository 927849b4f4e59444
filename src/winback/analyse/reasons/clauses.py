"""Reading a long text clause by clause: where it complains, and where it only praises.

A review says several things ("速度和态度很好，就是量少"); the reason model was taught on
short texts, so a long text is cut into clauses at punctuation and at contrast words (但是,
不过, 就是, but, ...), and each clause is read on its own. A clause that only praises — a
positive word (好, 不错, 快, 热情, ...) not negated, and no negative word (差, 慢, 贵, 不好, ...)
— names no reason, whatever topic it mentions: "态度很好" is not ``poor_service_attitude``.

Negation is read on jieba tokens: a positive word right after a negator (不, 没, 不太, ...)
counts as negative ("不好", "不太方便"), and a negative word after one counts as positive
("不贵", "不慢").
"""

from __future__ import annotations

import re
from typing import Final

from winback.analyse.reasons.lexicon import NEGATORS, normalise, tokens

_BREAK: Final = re.compile(
    r"[，,。.!！?？;；~～…：:\n\r()（）\[\]【】]+|\s{2,}"
    r"|(?=但是|可是|不过|然而|只是|就是|可惜|(?<![a-z])but(?![a-z])|(?<![a-z])however(?![a-z]))"
)
POSITIVE: Final = frozenset(
    [
        "好",
        "很好",
        "挺好",
        "较好",
        "比较好",
        "还好",
        "不错",
        "很不错",
        "挺不错",
        "满意",
        "热情",
        "周到",
        "干净",
        "整洁",
        "舒服",
        "舒适",
        "方便",
        "快",
        "很快",
        "及时",
        "迅速",
        "便宜",
        "实惠",
        "划算",
        "超值",
        "值得",
        "喜欢",
        "推荐",
        "赞",
        "棒",
        "好吃",
        "安静",
        "丰富",
        "齐全",
        "耐心",
        "礼貌",
        "友好",
        "专业",
        "完美",
        "给力",
        "可以",
        "还可以",
        "还行",
        "漂亮",
        "精美",
        "清楚",
        "清晰",
        "流畅",
        "稳定",
        "好用",
        "优惠",
        "大方",
        "宽敞",
        "新",
        "靠谱",
        "还不错",
        "挺好的",
        "很好的",
        "蛮好",
        "热心",
        "快捷",
        "便捷",
        "good",
        "great",
        "nice",
        "friendly",
        "fast",
        "clean",
        "helpful",
        "quick",
        "fine",
    ]
)
NEGATIVE: Final = frozenset(
    [
        "差",
        "很差",
        "太差",
        "极差",
        "较差",
        "慢",
        "很慢",
        "太慢",
        "贵",
        "太贵",
        "偏贵",
        "脏",
        "旧",
        "陈旧",
        "破旧",
        "吵",
        "坏",
        "破",
        "烂",
        "垃圾",
        "失望",
        "一般",
        "一般般",
        "麻烦",
        "难",
        "难吃",
        "难用",
        "恶劣",
        "冷淡",
        "不耐烦",
        "糟糕",
        "粗糙",
        "问题",
        "毛病",
        "缺点",
        "不足",
        "遗憾",
        "后悔",
        "郁闷",
        "生气",
        "气愤",
        "无语",
        "坑",
        "骗",
        "假",
        "少",
        "小",
        "久",
        "晚",
        "迟",
        "凉",
        "冷",
        "臭",
        "霉",
        "异味",
        "噪音",
        "不好",
        "不行",
        "不满",
        "不值",
        "不如",
        "没有",
        "没",
        "无法",
        "不能",
        "不会",
        "不给",
        "不让",
        "不够",
        "bad",
        "poor",
        "slow",
        "dirty",
        "rude",
        "broken",
        "late",
        "expensive",
        "never",
    ]
)
_COMPARING: Final = frozenset({"更", "比", "还不如", "不如", "降价", "than", "cheaper"})
"""A comparison ("别家更便宜", "比这里好") is a complaint, however positive its words."""
_EN_NEGATORS: Final = frozenset({"not", "no", "never", "isnt", "wasnt", "dont", "didnt"})


def clauses(text: str) -> list[str]:
    """The clauses of ``text`` (normalised), in order; a text without breaks is one clause."""
    parts = [part.strip() for part in _BREAK.split(normalise(text))]
    return [part for part in parts if part]


def only_praises(clause: str) -> bool:
    """Whether ``clause`` has a positive word and nothing negative."""
    words = tokens(clause)
    positive = negative = False
    for i, word in enumerate(words):
        negated = i > 0 and _negator(words[i - 1])
        if word in POSITIVE:
            positive, negative = positive or not negated, negative or negated
        elif word in NEGATIVE:
            positive, negative = positive or negated, negative or not negated
        elif word in _COMPARING:
            negative = True
        elif _negator(word):
            following = words[i + 1] if i + 1 < len(words) else ""
            negative = negative or following not in POSITIVE | NEGATIVE
    return positive and not negative


def _negator(word: str) -> bool:
    return word in NEGATORS or word in _EN_NEGATORS
