"""The agents' worklist (R3, P3): the phone and chat tasks due now in the call windows, each
with the order, the buyer's history, the last chat lines and the suggested script; one
click records the outcome (paid / promised / no answer / refused + reason), the list moves
on and the day's figures change (htmx swaps the list and the figures in place)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from winback.analyse.reasons import LABELS, LossReason
from winback.errors import WinbackError
from winback.services import browse, recovery
from winback.web.api.params import ActionId
from winback.web.api.tasks import masked_card
from winback.web.dashboard.view import Page, Reader, Writer, render

router = APIRouter(include_in_schema=False)


@router.get("/stores/{store}/worklist", response_class=HTMLResponse)
async def worklist(page: Reader) -> HTMLResponse:
    return render(page, "worklist.html", page_name="worklist", **await _state(page))


@router.post("/stores/{store}/worklist/{action_id}/outcome", response_model=None)
async def record_outcome(
    action_id: ActionId,
    page: Writer,
    outcome: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the outcome, then answer the list and the figures (htmx fragment)."""
    try:
        await run_in_threadpool(
            lambda: recovery.record_task_outcome(
                page.ctx.app,
                action_id,
                outcome,
                reason=(reason or None) if outcome == "refused" else None,
                note=note.strip() or None,
                agent=page.token.name,
                store=page.store.name,
            )
        )
    except WinbackError as error:
        raise HTTPException(400, str(error)) from None
    page.ctx.figures_changed(page.store.name)
    if "hx-request" not in page.request.headers:  # a plain form post, without JavaScript
        return RedirectResponse(f"/stores/{page.store.name}/worklist", 303)
    return render(page, "_worklist_body.html", **await _state(page))


async def _state(page: Page) -> dict[str, Any]:
    app, name = page.ctx.app, page.store.name
    cards = await run_in_threadpool(recovery.worklist, app, name)
    now = app.clock.now()
    due = [masked_card(c) for c in cards if c.due_at <= now]
    later = [masked_card(c) for c in cards if c.due_at > now]
    windows = page.ctx.settings(name).recovery.call_windows
    return {
        "due": due,
        "later": later,
        "now": now,
        "windows": [f"{a:%H:%M}–{b:%H:%M}" for a, b in windows],
        "today": await run_in_threadpool(browse.today_outcomes, app, name),
        "reasons": [
            (code.value, LABELS[code]["zh" if page.language == "zh" else "en"])
            for code in LossReason
        ],
        "outcomes": ("paid", "promised", "no_answer", "refused"),
    }
