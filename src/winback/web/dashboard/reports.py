"""Recovery (M1, M2), reasons and stock (D3, D5) and customers (W1, W2, W5): pages drawn
from the precomputed panels, so they cost a lookup however large the store is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.services import browse, dashboard
from winback.web.dashboard.view import Reader, render

router = APIRouter(include_in_schema=False)


@router.get("/stores/{store}/recovery", response_class=HTMLResponse)
async def recovery(page: Reader) -> HTMLResponse:
    panel = await run_in_threadpool(dashboard.read_panel, page.ctx.app, page.store.name, "recovery")
    return render(page, "recovery.html", page_name="recovery", panel=panel)


@router.get("/stores/{store}/reasons", response_class=HTMLResponse)
async def reasons(page: Reader) -> HTMLResponse:
    panel = await run_in_threadpool(
        dashboard.read_panel, page.ctx.app, page.store.name, "diagnosis"
    )
    return render(page, "reasons.html", page_name="reasons", panel=panel)


@router.get("/stores/{store}/customers", response_class=HTMLResponse)
async def customers(
    page: Reader, before: Annotated[int | None, Query(ge=1)] = None
) -> HTMLResponse:
    panel = await run_in_threadpool(
        dashboard.read_panel, page.ctx.app, page.store.name, "customers"
    )
    book = await run_in_threadpool(
        lambda: browse.customers(
            page.ctx.app,
            page.store.name,
            limit=page.ctx.settings(page.store.name).web.page_size,
            before=before,
        )
    )
    return render(page, "customers.html", page_name="customers", panel=panel, book=book)
