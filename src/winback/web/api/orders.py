"""``/api/v1/stores/{store}/orders``: the store's orders, newest first, and one order with
its lines and status timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from winback.services import browse
from winback.web.api.params import Before
from winback.web.api.schemas import OrderDetail, OrderPage
from winback.web.auth import Reader
from winback.web.context import Context

router = APIRouter(tags=["orders"])

OrderStatus = Literal[
    "pending", "paid", "shipped", "delivered", "settled", "closed", "cancelled", "refunded"
]


@router.get("/stores/{store}/orders", response_model=OrderPage)
def list_orders(
    access: Reader,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Before = None,
    status: OrderStatus | None = None,
    created_from: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
    created_to: Annotated[datetime | None, Query(description="ISO 8601 with offset")] = None,
) -> Any:
    """Orders, newest first; filter by status and by when they were created."""
    for value in (created_from, created_to):
        if value is not None and value.utcoffset() is None:
            raise HTTPException(400, "times need their offset, e.g. 2025-03-01T00:00:00+08:00")
    return browse.orders(
        ctx.app,
        access.store.name,
        limit=limit,
        before=before,
        status=status,
        created_from=created_from,
        created_to=created_to,
    )


@router.get("/stores/{store}/orders/{order_id}", response_model=OrderDetail)
def get_order(order_id: str, access: Reader, ctx: Context) -> Any:
    """One order: amounts, buyer (masked), lines and the statuses it went through."""
    found = browse.order(ctx.app, access.store.name, order_id)
    if found is None:
        raise HTTPException(404, f"no order {order_id!r} in store {access.store.name!r}")
    return found
