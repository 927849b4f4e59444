"""Signed, expiring links (A5): recovery, reason form, unsubscribe and NPS.

A link carries a token that says *what* it is for (the purpose), *whom* it is about (the
subject: an action key, an order id, a customer key), *until when* it is valid, and a random
nonce that is the token's id. The token is ``base64url(payload) "." base64url(mac)`` where
``mac = HMAC-SHA256(secret, payload)``; nothing in it is secret, everything in it is
authenticated. Verification compares MACs with :func:`hmac.compare_digest` (constant time).

Single use: a verified token's :attr:`LinkClaims.token_id` is consumed in the store
(:func:`winback.store.links.consume`); the first consumer wins, a replay gets ``False``.
An unsubscribe link is deliberately *not* single-use: clicking it twice must not error; nor
is a preference-centre link (a buyer may change their mind).

Errors (all :class:`LinkError`, each with a message fit to show the visitor)::

    LinkError
    ├── TamperedLink     malformed, or the MAC does not match (wrong secret, edited token)
    ├── ExpiredLink      valid signature, past its expiry
    └── WrongPurposeLink valid signature, minted for another purpose
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from winback.errors import WinbackError

__all__ = [
    "ExpiredLink",
    "LinkClaims",
    "LinkError",
    "LinkPurpose",
    "LinkSigner",
    "TamperedLink",
    "WrongPurposeLink",
]

MIN_SECRET_BYTES: Final = 32
MAX_NONCE_CHARS: Final = 64  # the token id is stored in used_links.token_id (64 characters)
_VERSION: Final = "v1"


class LinkPurpose(StrEnum):
    RECOVERY = "recovery"
    REASON_FORM = "reason_form"
    UNSUBSCRIBE = "unsubscribe"
    NPS = "nps"
    PREFERENCES = "preferences"


class LinkError(WinbackError):
    """This link is not valid."""


class TamperedLink(LinkError):
    """This link is damaged or was not issued by this shop."""


class ExpiredLink(LinkError):
    """This link has expired."""


class WrongPurposeLink(LinkError):
    """This link is meant for another page."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says. ``token_id`` is unique per issued link (for single use)."""

    purpose: LinkPurpose
    subject: str
    expires_at: datetime
    token_id: str


class LinkSigner:
    """Issues and verifies link tokens with one shop secret (at least 32 bytes).

    ``nonce`` is injectable so tests can pin a token; production leaves it to
    :func:`secrets.token_urlsafe`.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the link secret must be at least {MIN_SECRET_BYTES} bytes long")
        self._secret = secret

    def issue(
        self,
        purpose: LinkPurpose,
        subject: str,
        *,
        now: datetime,
        valid_for: timedelta,
        nonce: str | None = None,
    ) -> str:
        """A token for ``purpose`` about ``subject``, valid from ``now`` for ``valid_for``."""
        if "\n" in subject or not subject:
            raise ValueError("a link subject must be a non-empty single line")
        if valid_for <= timedelta(0):
            raise ValueError("a link must be valid for a positive duration")
        expires = int(_aware(now).timestamp() + valid_for.total_seconds())
        token_id = nonce or secrets.token_urlsafe(16)
        if "\n" in token_id or not 0 < len(token_id) <= MAX_NONCE_CHARS:
            raise ValueError(f"a nonce must be a single line of 1 to {MAX_NONCE_CHARS} characters")
        payload = "\n".join((_VERSION, purpose.value, subject, str(expires), token_id))
        raw = payload.encode("utf-8")
        return f"{_b64(raw)}.{_b64(self._mac(raw))}"

    def verify(self, token: str, purpose: LinkPurpose, *, now: datetime) -> LinkClaims:
        """The claims of ``token`` if it is authentic, for ``purpose`` and not expired."""
        raw = self._authentic_payload(token)
        try:
            version, kind, subject, expires, token_id = raw.decode("utf-8").split("\n")
            expires_at = datetime.fromtimestamp(int(expires), UTC)
            claimed = LinkPurpose(kind)
        except (UnicodeDecodeError, ValueError, OverflowError, OSError):
            raise TamperedLink() from None
        if version != _VERSION:
            raise TamperedLink()
        if claimed is not purpose:
            raise WrongPurposeLink()
        if _aware(now) >= expires_at:
            raise ExpiredLink()
        return LinkClaims(claimed, subject, expires_at, token_id)

    def _authentic_payload(self, token: str) -> bytes:
        body, dot, signature = token.partition(".")
        if not dot:
            raise TamperedLink()
        try:
            raw, mac = _unb64(body), _unb64(signature)
        except (binascii.Error, ValueError):
            raise TamperedLink() from None
        if not hmac.compare_digest(mac, self._mac(raw)):
            raise TamperedLink()
        return raw

    def _mac(self, raw: bytes) -> bytes:
        return hmac.new(self._secret, raw, hashlib.sha256).digest()


def _aware(now: datetime) -> datetime:
    if now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware: {now!r}")
    return now


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
