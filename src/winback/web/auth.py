"""Who may see what: bearer tokens (``winback tokens create``) for the API and the
dashboard, each ``read`` or ``write``, each for every store or for one.

The API takes ``Authorization: Bearer wbk_…``; the dashboard keeps the same token in an
HttpOnly, SameSite=Strict cookie after the login form. A missing or invalid token is a 401,
a token of another store or without the write scope a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from winback.services import tokens
from winback.services.tokens import Scope, TokenInfo
from winback.store.types import StoreInfo
from winback.web.context import Context

__all__ = [
    "COOKIE",
    "Reader",
    "StoreAccess",
    "StoreGate",
    "Writer",
    "token_from",
]

COOKIE: Final = "winback_token"

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `winback tokens create --name NAME --scope read|write`.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


@dataclass(frozen=True, slots=True)
class StoreAccess:
    """The store a request is about, and the token that opened it."""

    store: StoreInfo
    token: TokenInfo


async def token_from(request: Request, ctx: Context, credentials: Credentials) -> TokenInfo:
    """The valid token of the request (bearer header, else the dashboard cookie), or 401."""
    presented = credentials.credentials if credentials is not None else request.cookies.get(COOKIE)
    if not presented:
        raise HTTPException(401, "a bearer token is needed", {"WWW-Authenticate": "Bearer"})
    token = await run_in_threadpool(tokens.authenticate, ctx.app, presented)
    if token is None:
        raise HTTPException(401, "invalid or revoked token", {"WWW-Authenticate": "Bearer"})
    return token


Token = Annotated[TokenInfo, Depends(token_from)]


class StoreGate:
    """The dependency that opens the store in the URL for a token with ``scope``."""

    def __init__(self, scope: Scope) -> None:
        self.scope: Scope = scope

    async def __call__(self, store: str, ctx: Context, token: Token) -> StoreAccess:
        if token.store is not None and token.store != store:
            raise HTTPException(403, f"this token is for store {token.store!r} only")
        if not token.allows(self.scope):
            raise HTTPException(403, "this token is read-only; a write token is needed")
        return StoreAccess(await run_in_threadpool(ctx.store, store), token)


Reader = Annotated[StoreAccess, Depends(StoreGate("read"))]
"""A route parameter: the store in the URL, opened by any valid token for it."""
Writer = Annotated[StoreAccess, Depends(StoreGate("write"))]
"""A route parameter: the store in the URL, opened by a write token for it."""
