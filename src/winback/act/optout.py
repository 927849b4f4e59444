"""Inbound SMS replies that mean "stop sending me messages".

Chinese gateways relay replies such as ``R``, ``T``, ``TD`` or ``退订`` (the opt-out text on
marketing SMS is ``拒收请回复R``); carriers in the US/EU use ``STOP`` and its synonyms
(``UNSUBSCRIBE``, ``STOPALL``, ``CANCEL``, ``END``, ``QUIT``). A reply is an opt-out when,
after folding width (full-width ``Ｒ``) and case and stripping surrounding whitespace and
punctuation, it is exactly one of those keywords. Anything else ("R u open today?", "好的")
is a normal reply, not an opt-out: guessing wrong in that direction would silence a buyer who
only asked a question.

The result is a value; the outbox's suppression list stores it (it beats every rule).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from winback.model import Channel
from winback.privacy import mask_phone

__all__ = ["OPT_OUT_KEYWORDS", "OptOut", "parse_sms_reply"]

OPT_OUT_KEYWORDS: Final = frozenset(
    {
        "r",
        "t",
        "td",
        "n",
        "退订",
        "拒收",
        "stop",
        "unsubscribe",
        "stopall",
        "cancel",
        "end",
        "quit",
    }
)


@dataclass(frozen=True)
class OptOut:
    """A recipient asked to receive nothing more on ``channel``; ``reason`` is what they sent
    (the normalised keyword, e.g. ``"退订"`` or ``"stop"``)."""

    phone: str
    channel: Channel
    reason: str

    def __repr__(self) -> str:
        phone = mask_phone(self.phone)
        return f"OptOut(phone={phone!r}, channel={self.channel!s}, reason={self.reason!r})"


def parse_sms_reply(phone: str, text: str) -> OptOut | None:
    """The opt-out that ``text``, received from ``phone``, expresses; ``None`` if it is not one."""
    keyword = normalise_reply(text)
    if keyword in OPT_OUT_KEYWORDS:
        return OptOut(phone=phone, channel=Channel.SMS, reason=keyword)
    return None


def normalise_reply(text: str) -> str:
    """Fold width and case, strip surrounding whitespace and punctuation.

    ``" Ｓtop！"`` → ``"stop"``.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    start, end = 0, len(folded)
    while start < end and _is_filler(folded[start]):
        start += 1
    while end > start and _is_filler(folded[end - 1]):
        end -= 1
    return folded[start:end]


def _is_filler(char: str) -> bool:
    category = unicodedata.category(char)
    return char.isspace() or category[0] in "PSZC"
