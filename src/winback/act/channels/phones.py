"""Phone numbers as SMS providers want them: E.164, mainland China by default.

Platform exports mask buyer phones (``138****5678``); such a number cannot be messaged and
is refused before any request is made, as a permanent outcome (retrying cannot unmask it).
"""

from __future__ import annotations

import phonenumbers

from winback.privacy import mask_phone

__all__ = ["UnusablePhone", "to_e164"]


class UnusablePhone(ValueError):
    """The number is masked or not a valid phone number; the message names it masked."""


def to_e164(phone: str, default_region: str = "CN") -> str:
    """``"138 1234 5678"`` → ``"+8613812345678"``; raises :class:`UnusablePhone`."""
    if "*" in phone or "#" in phone:
        raise UnusablePhone(f"the number {mask_phone(phone)} is masked by the platform")
    try:
        parsed = phonenumbers.parse(phone, default_region)
    except phonenumbers.NumberParseException:
        raise UnusablePhone(f"{mask_phone(phone)} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise UnusablePhone(f"{mask_phone(phone)} is not a valid phone number")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
