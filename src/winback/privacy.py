"""Masking of personal contacts for everything winback shows (PRODUCT.md: phone numbers and
emails are masked in logs and the UI by default).

Masking keeps just enough to recognise a contact when talking to the customer: the first
three and last four digits of a phone number (``138****5678``, the convention of Chinese
platforms), the first letter of an email's local part and its domain (``j***@example.com``).
"""

from __future__ import annotations

MASK = "****"


def mask_phone(phone: str | None) -> str | None:
    """``'+86 138 0013 5678'`` → ``'+86138****5678'``; short numbers keep only the last two
    digits; None stays None."""
    if phone is None:
        return None
    compact = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    digits = compact.lstrip("+")
    prefix = compact[: len(compact) - len(digits)]
    if len(digits) >= 9:
        return f"{prefix}{digits[:-8]}{MASK}{digits[-4:]}"
    return f"{prefix}{'*' * max(len(digits) - 2, 2)}{digits[-2:]}"


def mask_email(email: str | None) -> str | None:
    """``'jane.doe@example.com'`` → ``'j***@example.com'``; None stays None."""
    if email is None:
        return None
    local, at, domain = email.strip().rpartition("@")
    if not at:
        return MASK
    return f"{local[:1]}***@{domain}"
