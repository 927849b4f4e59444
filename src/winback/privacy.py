"""Masking of contact details in anything winback prints or writes for people.

Chat excerpts, buyer messages and customer keys can hold phone numbers and e-mail addresses;
reports are shared inside a shop team and beyond, so every output path masks them:
``13812345678`` → ``138****5678``, ``+1 (415) 555-0134`` → ``+1 (415) ***-*134``-like
(all but the last three digits hidden), ``alice@example.com`` → ``a***@example.com``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_contacts"]

_EMAIL: Final = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_CN_MOBILE: Final = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_PHONE: Final = re.compile(r"(?<![\w])\+?\d[\d \-().]{7,}\d(?![\w])")


def mask_contacts(text: str | None) -> str | None:
    """``text`` with e-mail addresses and phone numbers masked (None stays None)."""
    if text is None:
        return None
    masked = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    masked = _CN_MOBILE.sub(r"\1****\2", masked)
    return _PHONE.sub(_mask_phone, masked)


def _mask_phone(match: re.Match[str]) -> str:
    number = match.group(0)
    digits = sum(char.isdigit() for char in number)
    if not 8 <= digits <= 15:
        return number  # an amount or a date (too short), an order id (too long)
    keep = 3
    out = []
    for char in reversed(number):
        if char.isdigit():
            out.append(char if keep > 0 else "*")
            keep -= 1
        else:
            out.append(char)
    return "".join(reversed(out))
