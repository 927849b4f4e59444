"""``/api/v1/stores/{store}/actions`` and ``…/suppressions``: the outbox and who must not
be contacted."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from winback.services import browse
from winback.web.api.params import Before
from winback.web.api.schemas import ActionPage, SuppressionPage
from winback.web.auth import Reader
from winback.web.context import Context

router = APIRouter(tags=["outbox"])

ActionStatus = Literal[
    "planned", "sending", "sent", "failed", "cancelled", "skipped", "held_out", "unknown"
]
Channel = Literal["email", "sms", "im_robot", "phone_task", "chat_task"]


@router.get("/stores/{store}/actions", response_model=ActionPage)
def list_actions(
    access: Reader,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Before = None,
    status: ActionStatus | None = None,
    playbook: Annotated[str | None, Query(max_length=100)] = None,
    channel: Channel | None = None,
) -> Any:
    """Actions newest first, with each attempt and the send policy's recorded decision."""
    return browse.actions(
        ctx.app,
        access.store.name,
        limit=limit,
        before=before,
        status=status,
        playbook=playbook,
        channel=channel,
    )


@router.get("/stores/{store}/suppressions", response_model=SuppressionPage)
def list_suppressions(
    access: Reader,
    ctx: Context,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Before = None,
) -> Any:
    """The suppression list, newest first (addresses masked)."""
    return browse.suppressions(ctx.app, access.store.name, limit=limit, before=before)
