"""``GET /api/v1/stores``: the stores the token may open."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from winback.web.api.schemas import StoreOut
from winback.web.auth import Token
from winback.web.context import Context

router = APIRouter(tags=["stores"])


@router.get("/stores", response_model=list[StoreOut])
async def list_stores(ctx: Context, token: Token) -> list[StoreOut]:
    """Every store the token opens (one, for a store's own token)."""
    found = await run_in_threadpool(ctx.stores)
    return [
        StoreOut(name=s.name, platform=s.platform, timezone=s.timezone, currency=s.currency)
        for s in found
        if token.store is None or token.store == s.name
    ]
