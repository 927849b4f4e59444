"""Bearer tokens for the HTTP API and the dashboard (P2): create, list, revoke, check.

A token reads ``wbk_<prefix>_<secret>``: the prefix (public) finds its row, and only the
SHA-256 of the secret is stored, so a copy of the database gives no usable token. The
secret is 32 random bytes, so a plain hash suffices (no password stretching is needed) and
the comparison is constant-time (:func:`hmac.compare_digest`). A token's scope is ``read``
(every GET) or ``write`` (also recording outcomes and erasing buyers); a token may be limited
to one store. The plain token is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from winback.app import App
from winback.errors import WinbackError
from winback.services.stores import find_store
from winback.store import tokens as rows
from winback.store.schema import TOKEN_SCOPES

__all__ = [
    "CreatedToken",
    "Scope",
    "TokenInfo",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
]

Scope = Literal["read", "write"]
PREFIX_BYTES: Final = 6
SECRET_BYTES: Final = 32
TOUCH_EVERY: Final = timedelta(minutes=10)
_SHAPE: Final = re.compile(r"^wbk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,64})$")
_NAME: Final = re.compile(r"^[\w.@-]{1,100}$")


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never its secret."""

    name: str
    scope: Scope
    store: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool

    def allows(self, scope: Scope) -> bool:
        return self.scope == "write" or scope == "read"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "scope": self.scope,
            "store": self.store,
            "created_at": self.created_at.isoformat(),
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked": self.revoked,
        }


@dataclass(frozen=True, slots=True)
class CreatedToken:
    info: TokenInfo
    token: str


def create_token(app: App, name: str, scope: str, *, store: str | None = None) -> CreatedToken:
    """A new token called ``name`` with ``scope`` (for every store, or ``store`` only)."""
    if scope not in TOKEN_SCOPES:
        raise WinbackError(f"unknown scope {scope!r}; use read or write")
    if not _NAME.match(name):
        raise WinbackError(f"token name {name!r}: use 1–100 letters, digits, '.', '_', '@' or '-'")
    store_id = find_store(app, store).id if store is not None else None
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    now = app.clock.now()
    with app.engine.begin() as conn:
        if any(token.name == name for token in rows.list_tokens(conn)):
            raise WinbackError(f"a token called {name!r} exists; revoke it or pick another name")
        rows.add_token(
            conn,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            scope=scope,
            store_id=store_id,
            now=now,
        )
    info = TokenInfo(name, scope, store, now, None, False)  # type: ignore[arg-type]
    return CreatedToken(info, f"wbk_{prefix}_{secret}")


def list_tokens(app: App) -> list[TokenInfo]:
    with app.engine.connect() as conn:
        return [_info(token) for token in rows.list_tokens(conn)]


def revoke_token(app: App, name: str) -> None:
    with app.engine.begin() as conn:
        if not rows.revoke(conn, name, now=app.clock.now()):
            raise WinbackError(f"no valid token called {name!r}")


def authenticate(app: App, presented: str | None) -> TokenInfo | None:
    """The valid token ``presented`` is, or None (malformed, unknown, wrong or revoked)."""
    match = _SHAPE.match(presented or "")
    if match is None:
        return None
    prefix, secret = match.groups()
    with app.engine.connect() as conn:
        stored = rows.find_by_prefix(conn, prefix)
    given = _hash(secret)
    expected = stored.secret_hash if stored is not None else "0" * len(given)
    if not hmac.compare_digest(expected.encode(), given.encode()) or stored is None:
        return None
    if stored.revoked_at is not None:
        return None
    now = app.clock.now()
    if stored.last_used_at is None or now - stored.last_used_at > TOUCH_EVERY:
        with app.engine.begin() as conn:
            rows.touch(conn, stored.id, now=now)
    return _info(stored)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(token: rows.StoredToken) -> TokenInfo:
    return TokenInfo(
        name=token.name,
        scope=token.scope,  # type: ignore[arg-type]
        store=token.store,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
    )
