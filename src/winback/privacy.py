"""Masking of contact details in anything winback prints or writes for people.

Chat excerpts, buyer messages and customer keys can hold phone numbers and e-mail addresses;
reports are shared inside a shop team and beyond, so every output path masks them:
``13812345678`` → ``138****5678``, ``+1 (415) 555-0134`` → ``+1 (415) ***-*134``-like
(all but the last three digits hidden), ``alice@example.com`` → ``a***@example.com``.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_contacts", "mask_email", "mask_phone"]

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


def mask_phone(phone: str | None) -> str | None:
    """A phone *field* masked whatever its format: the first three and last four digits of a
    number of nine digits or more are kept (``+86 138 0013 5678`` → ``+86138****5678``),
    shorter numbers keep their last two digits; None stays None. Unlike
    :func:`mask_contacts`, nothing passes through unmasked."""
    if phone is None:
        return None
    compact = "".join(char for char in phone if char.isdigit() or char == "+")
    digits = compact.lstrip("+")
    prefix = compact[: len(compact) - len(digits)]
    if len(digits) >= 9:
        return f"{prefix}{digits[:-8]}****{digits[-4:]}"
    return f"{prefix}{'*' * max(len(digits) - 2, 2)}{digits[-2:]}"


def mask_email(email: str | None) -> str | None:
    """An e-mail *field* masked: ``jane.doe@example.com`` → ``j***@example.com``; a value
    without ``@`` becomes ``****``; None stays None."""
    if email is None:
        return None
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return "****"
    return f"{local[:1]}***@{domain}"
