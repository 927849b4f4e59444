"""``/api/v1/stores/{store}/customers``, ``…/segments`` and ``…/erasures``: customers with
their scores, the lifecycle segments and the win-back list, and erasing a buyer's personal
data on request (PIPL, GDPR)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from winback.services import browse, dashboard, erasure
from winback.web.api.params import Before
from winback.web.api.schemas import CustomerPage, ErasureIn, ErasureOut, SegmentsOut
from winback.web.auth import Reader, Writer
from winback.web.context import Context

router = APIRouter(tags=["customers"])


@router.get("/stores/{store}/customers", response_model=CustomerPage)
def list_customers(
    access: Reader,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Before = None,
) -> Any:
    """Customers, newest first, with their orders, paid amount and latest scores."""
    return browse.customers(ctx.app, access.store.name, limit=limit, before=before)


@router.get("/stores/{store}/segments", response_model=SegmentsOut)
def get_segments(access: Reader, ctx: Context) -> Any:
    """The lifecycle segments and the win-back list, as of the last refresh."""
    panel = dashboard.read_panel(ctx.app, access.store.name, "customers")
    if panel is None:
        return {"store": access.store.name, "as_of": None, "data": {}}
    return {"store": access.store.name, "as_of": panel.as_of, "data": panel.data}


@router.post(
    "/stores/{store}/erasures",
    response_model=ErasureOut,
    status_code=201,
)
def erase(body: ErasureIn, access: Writer, ctx: Context) -> Any:
    """Erase a buyer's personal data: contacts, names, addresses and texts removed or
    anonymised everywhere; the orders' amounts kept for the figures."""
    try:
        done = erasure.erase_buyer(
            ctx.app, access.store.name, body.customer, requested_by=access.token.name
        )
    except erasure.NoSuchBuyer as error:
        raise HTTPException(404, str(error)) from None
    return done.to_dict()
