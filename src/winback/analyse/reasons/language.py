"""Which language a text is in, cheaply: the script first, then a language identifier.

The reason model is trained on Chinese and English only. Han characters make a text Chinese
(kana make it Japanese); Latin text with English words, or with a word the English keyword
rules know, is English. Everything else is named by ``langdetect`` (Google's
language-detection profiles, seeded so the answer is the same every run) and is not a
language the model reads: Portuguese "o produto chegou atrasado" is ``pt``, not a guess.
"""

from __future__ import annotations

import re
from typing import Final

MODEL_LANGUAGES: Final = frozenset({"zh", "en"})
UNDETERMINED: Final = "und"
"""ISO 639-2 for a text with no letters to judge (digits, punctuation, emoji)."""

_HAN: Final = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA: Final = re.compile(r"[\u3040-\u30ff]")
_HANGUL: Final = re.compile(r"[\uac00-\ud7af]")
_LETTERS: Final = re.compile(r"[^\W\d_]+")
_ENGLISH: Final = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "already",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "back",
        "be",
        "because",
        "been",
        "before",
        "bought",
        "but",
        "buy",
        "by",
        "can",
        "cancel",
        "cancelled",
        "cant",
        "card",
        "cart",
        "charge",
        "checkout",
        "cheaper",
        "could",
        "day",
        "days",
        "delivery",
        "did",
        "didnt",
        "do",
        "does",
        "dont",
        "even",
        "for",
        "found",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "he",
        "how",
        "i",
        "if",
        "im",
        "in",
        "is",
        "it",
        "item",
        "its",
        "ive",
        "just",
        "last",
        "like",
        "long",
        "me",
        "mind",
        "more",
        "much",
        "my",
        "need",
        "never",
        "no",
        "not",
        "now",
        "of",
        "off",
        "ok",
        "on",
        "one",
        "only",
        "or",
        "order",
        "ordered",
        "other",
        "our",
        "out",
        "paid",
        "pay",
        "payment",
        "pls",
        "please",
        "price",
        "products",
        "refund",
        "return",
        "same",
        "see",
        "seller",
        "ship",
        "shipped",
        "shipping",
        "shop",
        "should",
        "site",
        "size",
        "so",
        "some",
        "still",
        "stock",
        "store",
        "than",
        "thank",
        "thanks",
        "that",
        "the",
        "them",
        "then",
        "there",
        "they",
        "this",
        "though",
        "time",
        "to",
        "too",
        "took",
        "under",
        "until",
        "up",
        "us",
        "very",
        "want",
        "wanted",
        "was",
        "way",
        "we",
        "week",
        "weeks",
        "were",
        "what",
        "when",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "without",
        "wont",
        "would",
        "wrong",
        "yet",
        "you",
        "your",
    ]
)


def language_of(text: str) -> str:
    """An ISO 639-1 code for ``text`` ("zh", "en", "pt", ...), or ``und`` without letters."""
    if _HAN.search(text):
        return "ja" if _KANA.search(text) else "zh"
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    words = [word.lower().replace("'", "") for word in _LETTERS.findall(text.replace("'", ""))]
    if not words:
        return UNDETERMINED
    if not all(word.isascii() for word in words):
        return _identified(text)
    english = sum(word in _ENGLISH for word in words)
    if english and english * 4 >= len(words):
        return "en"
    identified = _identified(text)
    return "en" if identified == UNDETERMINED else identified


def _identified(text: str) -> str:
    """langdetect's best language (seeded: the same answer every run)."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        code: str = detect(text)
    except LangDetectException:
        return UNDETERMINED
    return code.split("-")[0]
