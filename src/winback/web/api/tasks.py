"""``/api/v1/stores/{store}/tasks``: the agents' worklist, and recording an outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from winback.errors import WinbackError
from winback.privacy import mask_contacts, mask_text
from winback.services import recovery
from winback.services.recovery import TaskCard
from winback.web.api.params import ActionId
from winback.web.api.schemas import OutcomeIn, TaskOut, TaskOutcomeOut
from winback.web.auth import Reader, Writer
from winback.web.context import Context

router = APIRouter(tags=["tasks"])


@router.get("/stores/{store}/tasks", response_model=list[TaskOut])
def list_tasks(access: Reader, ctx: Context, include_done: bool = False) -> Any:
    """Open phone and chat tasks, earliest due first, with the order, the buyer's history,
    the last chat lines and the suggested script."""
    cards = recovery.worklist(ctx.app, access.store.name, include_done=include_done)
    return [masked_card(card) for card in cards]


@router.post(
    "/stores/{store}/tasks/{action_id}/outcome",
    response_model=TaskOutcomeOut,
)
def record_outcome(action_id: ActionId, body: OutcomeIn, access: Writer, ctx: Context) -> Any:
    """Record what the agent achieved: paid, promised, no answer, or refused with a reason."""
    try:
        done = recovery.record_task_outcome(
            ctx.app,
            action_id,
            body.outcome,
            reason=body.reason,
            note=body.note,
            agent=body.agent or access.token.name,
            store=access.store.name,
        )
    except WinbackError as error:
        status = 404 if str(error).startswith("no action") else 400
        raise HTTPException(status, str(error)) from None
    ctx.figures_changed(access.store.name)
    recorded = done.outcome
    return {
        "outcome": recorded.outcome,
        "reason": recorded.reason,
        "note": recorded.note,
        "agent": recorded.agent,
        "recorded_at": recorded.recorded_at,
    }


def masked_card(card: TaskCard) -> dict[str, Any]:
    """A task card as the API and the dashboard show it: the buyer's key and the chat
    masked (the phone already is)."""
    data = card.to_dict()
    data["buyer"] = mask_text(data["buyer"]) if data["buyer"] else None
    data["params"] = {key: mask_text(str(value)) for key, value in data["params"].items()}
    for line in data["chat"]:
        line["text"] = mask_contacts(line["text"]) or ""
    if data["script"]:
        data["script"] = mask_contacts(data["script"])
    return data
