"""What a rendered message must (and must not) contain, per channel and purpose (R9).

Checked on every render, and when a template is validated (rendered with its sample
variables), so a shop finds a bad template when it saves it, not when 10 000 buyers get it:

* SMS: a signature ``【店名】`` at the start or the end (``[Shop]`` is accepted in English);
  at most ``max_sms_parts`` billed parts (:mod:`winback.act.sms_length`).
* Marketing SMS: the opt-out text, ``拒收请回复R`` (zh) or ``Reply STOP to opt out`` (en).
* Marketing e-mail: the unsubscribe link and the shop's postal address.
* Transactional messages (a payment reminder is a notification about the buyer's own
  order): no marketing words such as 优惠, 折扣 or "sale". Carriers and platforms treat a
  reminder that advertises as marketing, with marketing's consent and quiet-hour rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from winback.act.sms_length import sms_size
from winback.model import ActionChannel, Purpose

__all__ = ["MARKETING_WORDS", "OPT_OUT_TEXT", "RenderedParts", "RuleContext", "rule_violations"]

Language = Literal["zh", "en"]

OPT_OUT_TEXT: Final[dict[str, str]] = {"zh": "拒收请回复R", "en": "Reply STOP to opt out"}

MARKETING_WORDS: Final = (
    "优惠",
    "折扣",
    "打折",
    "促销",
    "特价",
    "秒杀",
    "优惠券",
    "满减",
    "领券",
    "限时抢购",
    "sale",
    "discount",
    "coupon",
    "promo",
    "promotion",
    "% off",
    "deal",
    "offer",
)
_SIGNATURE_ZH: Final = re.compile(r"^\s*【[^】\n]{2,20}】|【[^】\n]{2,20}】\s*$")
_SIGNATURE_EN: Final = re.compile(
    r"^\s*[\[【][^\]】\n]{2,30}[\]】]|[\[【][^\]】\n]{2,30}[\]】]\s*$"
)
_LATIN_WORD: Final = re.compile(r"[a-z]")


@dataclass(frozen=True)
class RenderedParts:
    subject: str | None
    body: str
    html: str | None


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the text: where it goes and the shop's own values."""

    channel: ActionChannel
    purpose: Purpose
    language: Language
    max_sms_parts: int = 3
    unsubscribe_url: str | None = None
    postal_address: str | None = None


def rule_violations(parts: RenderedParts, context: RuleContext) -> list[str]:
    """Every rule the rendered message breaks, as sentences; empty when it is fine."""
    problems: list[str] = []
    if context.channel is ActionChannel.SMS:
        problems += _sms_problems(parts.body, context)
    if context.channel is ActionChannel.EMAIL and context.purpose is Purpose.MARKETING:
        problems += _marketing_email_problems(parts, context)
    if context.purpose is Purpose.TRANSACTIONAL:
        texts = [parts.subject or "", parts.body, parts.html or ""]
        found = _marketing_words(texts)
        if found:
            problems.append(
                f"a transactional message must not advertise; remove {', '.join(found)}"
            )
    return problems


def _sms_problems(body: str, context: RuleContext) -> list[str]:
    problems = []
    pattern = _SIGNATURE_ZH if context.language == "zh" else _SIGNATURE_EN
    if not pattern.search(body):
        problems.append("an SMS must start or end with the shop's signature, e.g. 【店名】")
    size = sms_size(body)
    if size.parts > context.max_sms_parts:
        problems.append(
            f"the SMS is {size.units} {size.encoding} units = {size.parts} parts, "
            f"more than the maximum of {context.max_sms_parts}"
        )
    if context.purpose is Purpose.MARKETING:
        opt_out = OPT_OUT_TEXT[context.language]
        if opt_out.casefold() not in body.casefold():
            problems.append(f"a marketing SMS must carry the opt-out text {opt_out!r}")
    return problems


def _marketing_email_problems(parts: RenderedParts, context: RuleContext) -> list[str]:
    problems = []
    bodies = [parts.body] + ([parts.html] if parts.html else [])
    if not context.unsubscribe_url:
        problems.append("a marketing e-mail needs an unsubscribe link (unsubscribe_url)")
    elif not all(context.unsubscribe_url in text for text in bodies):
        problems.append("a marketing e-mail must show the unsubscribe link in every part")
    if not context.postal_address:
        problems.append("a marketing e-mail needs the shop's postal address (postal_address)")
    elif not all(context.postal_address in text for text in bodies):
        problems.append("a marketing e-mail must show the shop's postal address in every part")
    return problems


def _marketing_words(texts: Sequence[str]) -> list[str]:
    joined = "\n".join(texts).casefold()
    found = []
    for word in MARKETING_WORDS:
        if _LATIN_WORD.search(word):
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", joined):
                found.append(word)
        elif word in joined:
            found.append(word)
    return found
