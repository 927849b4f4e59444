"""Masking personal data for logs, errors and the UI.

The non-negotiables say phone numbers and e-mail addresses are masked wherever a person or a
log file can see them. These two functions are the one way to do it, usable from every layer
(pure: no I/O, no settings)::

    mask_phone("13812345678")        -> "138****5678"
    mask_phone("+8613812345678")     -> "+86138****5678"
    mask_email("alice@example.com")  -> "a***@example.com"
    mask_contact("alice@example.com") -> "a***@example.com"   (an address or a phone)
    mask_text("buyer 13812345678 said …") -> "buyer 138****5678 said …"

Masking never fails: anything that does not look like a phone or an address is masked as a
whole rather than echoed back.

Free text (chat excerpts, buyer messages, reviews in a report) goes through
:func:`mask_contacts`, which finds the phone numbers and addresses inside it and masks each
with the two functions above::

    mask_contacts("电话13812345678 或 a@b.cn")  -> "电话138****5678 或 a***@b.cn"
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["mask_contact", "mask_contacts", "mask_email", "mask_phone", "mask_text"]

_EMAIL: Final = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE: Final = re.compile(r"(?<![0-9A-Za-z+])\+?\d[\d \-().]{6,}\d(?![0-9A-Za-z])")
_DATE: Final = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}")
_WORD_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MOBILE: Final = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
_E164: Final = re.compile(r"(?<![\w+])\+[1-9]\d{7,14}(?!\d)")


def mask_phone(phone: str) -> str:
    """Keep the first three and last four digits of the national number, hide the rest.

    A leading ``+`` and country code (``+86``) are kept so a reader can tell the country.
    Numbers too short to mask meaningfully (under 7 digits) keep only their last two digits.
    """
    text = "".join(ch for ch in phone.strip() if not ch.isspace() and ch not in "-()")
    prefix = ""
    if text.startswith("+86"):
        prefix, text = "+86", text[3:]
    elif text.startswith("+"):
        prefix, text = text[:3], text[3:]
    if not text:
        return prefix + "****"
    if len(text) < 7:
        return prefix + "*" * max(len(text) - 2, 2) + text[-2:]
    return f"{prefix}{text[:3]}****{text[-4:]}"


def mask_email(email: str) -> str:
    """Keep the first character of the local part and the whole domain: ``a***@example.com``."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_contacts(text: str | None) -> str | None:
    """``text`` with every e-mail address and phone number in it masked (None stays None).

    A phone number is a run of 8 to 15 digits, possibly with spaces, dashes, dots, brackets
    and a leading ``+``; shorter runs (prices, times), dates (``2026-11-20 10``) and longer runs
    (order ids) are left.
    """
    if text is None:
        return None
    masked = _EMAIL.sub(lambda match: mask_email(match.group(0)), text)
    return _PHONE.sub(_masked_phone, masked)


def _masked_phone(match: re.Match[str]) -> str:
    number = match.group(0)
    digits = sum(char.isdigit() for char in number)
    if not 8 <= digits <= 15 or _DATE.match(number):
        return number
    return mask_phone(number)


def mask_contact(value: str) -> str:
    """An e-mail address or a phone number, masked by the rule for its kind."""
    return mask_email(value) if "@" in value else mask_phone(value)


def mask_text(text: str) -> str:
    """``text`` with every e-mail address and phone number in it masked: buyer keys are
    often an e-mail (Shopify), and provider answers and error messages may quote a number.

    Mainland mobile numbers (with or without ``+86``) and international numbers written in
    E.164 (``+14155550123``) are found; other digit runs (order ids) are left alone.
    """
    text = _WORD_EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _E164.sub(lambda m: mask_phone(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
