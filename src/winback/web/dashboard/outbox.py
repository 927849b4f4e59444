"""The outbox browser (P3): actions by status, playbook and channel, each with its
attempts and the send policy's decision; and the suppression list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.services import browse
from winback.web.dashboard.view import Reader, render

router = APIRouter(include_in_schema=False)


@router.get("/stores/{store}/outbox", response_class=HTMLResponse)
async def outbox(
    page: Reader,
    status: Annotated[str | None, Query(max_length=16)] = None,
    playbook: Annotated[str | None, Query(max_length=100)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    data = await run_in_threadpool(
        lambda: browse.actions(
            page.ctx.app,
            page.store.name,
            limit=page.ctx.settings(page.store.name).web.page_size,
            before=before,
            status=status or None,
            playbook=playbook or None,
            channel=channel or None,
        )
    )
    chosen = {"status": status or "", "playbook": playbook or "", "channel": channel or ""}
    return render(page, "outbox.html", page_name="outbox", data=data, chosen=chosen)


@router.get("/stores/{store}/outbox/suppressions", response_class=HTMLResponse)
async def suppressions(
    page: Reader, before: Annotated[int | None, Query(ge=1)] = None
) -> HTMLResponse:
    data = await run_in_threadpool(
        lambda: browse.suppressions(
            page.ctx.app,
            page.store.name,
            limit=page.ctx.settings(page.store.name).web.page_size,
            before=before,
        )
    )
    return render(page, "suppressions.html", page_name="outbox", data=data)
