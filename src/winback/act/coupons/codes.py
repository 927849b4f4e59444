"""Unique coupon codes: random, from :mod:`secrets`, in an alphabet a buyer can read aloud
and type (no 0/O, 1/I/L), with the store's prefix. Ten characters of a 31-letter alphabet
are about 49 bits: guessing one of a store's codes is hopeless; a clash with a code already
stored is retried by the caller (the store refuses a duplicate)."""

from __future__ import annotations

import re
import secrets
from typing import Final

__all__ = ["ALPHABET", "new_code"]

ALPHABET: Final = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_PREFIX: Final = re.compile(r"^[A-Z0-9]{0,12}$")


def new_code(prefix: str = "SAVE", length: int = 10) -> str:
    """A fresh code: ``prefix`` (letters and digits, at most 12) then ``length`` random
    characters of :data:`ALPHABET`."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"a coupon prefix is up to 12 capital letters or digits, not {prefix!r}")
    if not 6 <= length <= 32:
        raise ValueError("a coupon code has 6 to 32 random characters")
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))
