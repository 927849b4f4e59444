"""Keyword rules: which loss reasons a text names outright, and how strongly.

Chinese text is segmented with jieba, so a one-character word such as "贵" only counts as a
whole word, and not right after a negator ("不贵"); longer phrases are matched as substrings
because jieba splits some of them badly. English is matched with patterns that may not start
or end inside a Latin word, so "没有paypal" counts (a regex ``\\b`` would not: Chinese
characters are word characters too). The tables live in :mod:`winback.analyse.reasons.keywords`.

jieba is loaded on first use, never at import, with its start-up log silenced.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from winback.analyse.reasons import keywords
from winback.analyse.reasons.taxonomy import LossReason

NEGATORS: Final = frozenset(
    {
        "不",
        "没",
        "没有",
        "不是",
        "不会",
        "木有",
        "别",
        "并不",
        "不算",
        "不太",
        "不够",
        "不是很",
        "无",
        "未",
    }
)
FEATURE_REASONS: Final = tuple(r for r in LossReason if r is not LossReason.UNKNOWN)
FEATURE_CAP: Final = 2.0


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One keyword found in a text: the reason it points at and how strongly (0–1]."""

    reason: LossReason
    keyword: str
    strength: float


@dataclass(frozen=True, slots=True)
class _Rule:
    reason: LossReason
    keyword: str
    strength: float
    whole_token: bool
    regex: re.Pattern[str] | None


def normalise(text: str) -> str:
    """NFKC (full-width → half-width), lower case, runs of white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def rule_hits(text: str) -> list[RuleHit]:
    """Every keyword rule that fires on ``text``, strongest first."""
    clean = normalise(text)
    if not clean:
        return []
    tokens = _tokens(clean) if _has_cjk(clean) else ()
    hits = []
    for rule in _rules():
        found = _match(rule, clean, tokens)
        if found is not None:
            hits.append(RuleHit(rule.reason, found, rule.strength))
    return sorted(hits, key=lambda hit: -hit.strength)


def rule_scores(hits: Sequence[RuleHit]) -> dict[LossReason, float]:
    """Per reason, the summed strength of its hits, capped at :data:`FEATURE_CAP`."""
    scores: dict[LossReason, float] = {}
    for hit in hits:
        scores[hit.reason] = min(FEATURE_CAP, scores.get(hit.reason, 0.0) + hit.strength)
    return scores


def rule_features(text: str) -> list[float]:
    """The rule scores of ``text`` as a vector ordered like :data:`FEATURE_REASONS`."""
    scores = rule_scores(rule_hits(text))
    return [scores.get(reason, 0.0) for reason in FEATURE_REASONS]


def _match(rule: _Rule, clean: str, tokens: Sequence[str]) -> str | None:
    """The words of ``clean`` that ``rule`` matched, or None."""
    if rule.regex is not None:
        found = rule.regex.search(clean)
        return None if found is None else found.group(0)
    if rule.whole_token:
        return rule.keyword if _token_hit(rule.keyword, tokens) else None
    return rule.keyword if rule.keyword in clean else None


def _token_hit(word: str, tokens: Sequence[str]) -> bool:
    return any(
        token == word and (i == 0 or tokens[i - 1] not in NEGATORS)
        for i, token in enumerate(tokens)
    )


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _tokens(text: str) -> list[str]:
    return [token for token in _jieba().lcut(text) if token.strip()]


_WORD: Final = re.compile(r"[a-z0-9']+")


def tokens(text: str) -> list[str]:
    """The words of normalised ``text``: jieba's for Chinese, letters and digits otherwise."""
    if _has_cjk(text):
        return _tokens(text)
    return [word.replace("'", "") for word in _WORD.findall(text)]


@cache
def _jieba() -> Any:
    """A jieba tokenizer, created on first use (its dictionary ships in the wheel)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


_LATIN_WORD: Final = r"(?<![a-z0-9])(?:{})(?![a-z0-9])"


@cache
def _rules() -> tuple[_Rule, ...]:
    zh = [
        _Rule(reason, word.lstrip("="), strength, word.startswith("="), None)
        for reason, entries in keywords.ZH.items()
        for word, strength in _entries(entries.split(), ":")
    ]
    en = [
        _Rule(reason, pattern, strength, False, re.compile(_LATIN_WORD.format(pattern)))
        for reason, entries in keywords.EN.items()
        for pattern, strength in _entries(entries.split(";"), "=")
    ]
    return (*zh, *en)


def _entries(items: Sequence[str], separator: str) -> list[tuple[str, float]]:
    """``["运费:1", ...]`` → ``[("运费", 1.0), ...]``."""
    pairs = (item.strip().rpartition(separator) for item in items if item.strip())
    return [(pattern, float(strength)) for pattern, _, strength in pairs]
