"""``/api/v1/stores/{store}/diagnosis``, ``…/recovery`` and ``…/webhooks``: the loss
diagnosis, what recovery recovered against the holdout, and the webhook inbox."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from winback.errors import WinbackError
from winback.services import browse, dashboard
from winback.services.diagnosis import diagnose
from winback.services.recovery import recovery_report
from winback.web.api.schemas import DiagnosisOut, InboxOut, RecoveryOut
from winback.web.auth import Reader
from winback.web.context import Context

router = APIRouter(tags=["reports"])

Part = Literal[
    "decomposition",
    "lost_ratio",
    "payment",
    "reasons",
    "chat_flags",
    "stockouts",
    "restock",
    "lost_products",
]


@router.get("/stores/{store}/diagnosis", response_model=DiagnosisOut)
def get_diagnosis(
    access: Reader,
    ctx: Context,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    part: Part | None = None,
) -> Any:
    """The loss diagnosis: without dates, the period the dashboard shows (computed after
    the last import or plan); with ``from``/``to`` (store calendar), computed now."""
    name = access.store.name
    if date_from is None and date_to is None:
        panel = dashboard.read_panel(ctx.app, name, "diagnosis")
        if panel is None:  # never computed yet (no import or plan since the upgrade)
            dashboard.refresh_aggregates(ctx.app, name, panels=("diagnosis",))
            panel = dashboard.read_panel(ctx.app, name, "diagnosis")
        if panel is None:
            raise HTTPException(404, f"store {name!r} has no diagnosis yet")
        parts, as_of, computed = panel.data, panel.as_of, panel.computed_at
    else:
        try:
            found = diagnose(
                ctx.app, store=name, date_from=date_from, date_to=date_to, now=ctx.app.clock.now()
            )
        except WinbackError as error:
            raise HTTPException(400, str(error)) from None
        parts, as_of, computed = found.to_dict(), found.as_of, ctx.app.clock.now()
    if "problem" in parts:
        raise HTTPException(400, parts["problem"])
    if part is not None:
        parts = {part: parts.get(part)}
    return {"store": name, "as_of": as_of, "computed_at": computed, "parts": parts}


@router.get("/stores/{store}/recovery", response_model=RecoveryOut)
def get_recovery(access: Reader, ctx: Context) -> Any:
    """Recovered orders, amount, rate, cost and ROI per playbook, step, channel, template
    and agent, and each playbook's lift against its holdout with the interval."""
    return recovery_report(ctx.app, access.store.name).to_dict()


@router.get("/stores/{store}/webhooks", response_model=InboxOut)
def get_inbox(access: Reader, ctx: Context) -> Any:
    """The webhook inbox: events per state, and the latest that were rejected."""
    return browse.inbox_status(ctx.app, access.store.name)
