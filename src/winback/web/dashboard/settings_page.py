"""Settings (P3, P4): the playbooks, channels, caps and quiet hours as configured, with what
is wrong in words — the settings file is checked again on each visit (it may have changed
since ``winback serve`` started), and each channel says which setting it lacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from winback.act.channels.registry import ChannelNotConfigured, ChannelRegistry
from winback.config import Settings, load_settings
from winback.errors import SettingsError
from winback.model import ActionChannel
from winback.services import browse
from winback.web.dashboard.view import Reader, render

router = APIRouter(include_in_schema=False)

SENT: tuple[ActionChannel, ...] = (ActionChannel.EMAIL, ActionChannel.SMS, ActionChannel.IM_ROBOT)


@router.get("/stores/{store}/settings", response_class=HTMLResponse)
async def settings_page(page: Reader) -> HTMLResponse:
    settings = page.ctx.settings(page.store.name)
    problem = await run_in_threadpool(_file_problem, settings, page.ctx.app.cwd)
    inbox = await run_in_threadpool(browse.inbox_status, page.ctx.app, page.store.name)
    return render(
        page,
        "settings.html",
        page_name="settings",
        source=settings.source_file,
        problem=problem,
        playbooks={
            name: _plain(book.model_dump(mode="json")) for name, book in settings.playbooks.items()
        },
        channels=_channels(settings, page.ctx.env, page.ctx.app.clock),
        policy=settings.policy.model_dump(mode="json"),
        windows=[f"{a:%H:%M}–{b:%H:%M}" for a, b in settings.recovery.call_windows],
        inbox=inbox,
    )


def _file_problem(settings: Settings, cwd: Path) -> str | None:
    """What is wrong with the settings file as it is on disk now, in words (None: valid)."""
    if settings.source_file is None:
        return None
    try:
        load_settings(Path(settings.source_file), cwd=cwd)
    except SettingsError as error:
        return str(error)
    return None


def _channels(settings: Settings, env: Any, clock: Any) -> list[tuple[str, str | None]]:
    registry = ChannelRegistry(settings.channels, env=env, clock=clock)
    found: list[tuple[str, str | None]] = []
    try:
        for kind in SENT:
            try:
                registry.get(kind)
                found.append((kind.value, None))
            except ChannelNotConfigured as problem:
                found.append((kind.value, str(problem)))
    finally:
        registry.close()
    return found


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, [], {})}
