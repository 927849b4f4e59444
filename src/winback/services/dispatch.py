"""Use cases of the outbox: send what is due (``dispatch``), show what would be sent
(``preview``), list the actions (``list_actions``).

Channels come from a factory ``settings → {ActionChannel: Channel}`` so that each worker
process builds its own (connections and sockets do not cross processes). Until the
channel registry built from the settings lands, :func:`default_channels` delivers the agent
tasks (phone and platform-chat tasks go to the worklist) and nothing else.
"""

from __future__ import annotations

import multiprocessing
import re
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType

from winback.act import policy
from winback.act.channels.base import Channel
from winback.act.dispatcher import Dispatcher, DispatchReport, WorklistChannel, mask
from winback.act.retry import RetryPolicy
from winback.app import App
from winback.config import Settings
from winback.model import Action, ActionChannel, ActionStatus
from winback.store import outbox
from winback.store.outbox_engine import Outbox

__all__ = [
    "ActionView",
    "ChannelFactory",
    "DispatchRun",
    "Preview",
    "default_channels",
    "dispatch",
    "list_actions",
    "mask_text",
    "preview",
]

ChannelFactory = Callable[[Settings], Mapping[ActionChannel, Channel]]

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def default_channels(settings: Settings) -> Mapping[ActionChannel, Channel]:
    """The channels every installation has: agent tasks, delivered to the worklist."""
    return {ActionChannel.PHONE_TASK: WorklistChannel(), ActionChannel.CHAT_TASK: WorklistChannel()}


@dataclass
class DispatchRun:
    """What ``dispatch`` did: the workers it ran, a note about how, and their report."""

    workers: int
    report: DispatchReport = field(default_factory=DispatchReport)
    note: str | None = None


def dispatch(
    app: App,
    *,
    channels: ChannelFactory = default_channels,
    workers: int = 1,
    loop: bool = False,
) -> DispatchRun:
    """Send what is due, through the send policy; with ``loop``, keep polling until SIGINT or
    SIGTERM. Several ``workers`` are worker processes, on PostgreSQL only: SQLite has one
    writer at a time, so it runs one worker and says so.
    """
    note = None
    if workers > 1 and app.engine.dialect.name != "postgresql":
        note = f"SQLite runs one dispatcher worker ({workers} asked); use PostgreSQL for more"
        workers = 1
    if workers == 1:
        return DispatchRun(1, _work(_dispatcher(app, channels(app.settings)), app, loop), note)
    context = multiprocessing.get_context("spawn")
    url = app.engine.url.render_as_string(hide_password=False)
    run = DispatchRun(workers, note=note)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_worker_process, app.settings, app.cwd, url, channels, loop)
            for _ in range(workers)
        ]
        for future in futures:
            run.report.add(future.result())
    return run


def _worker_process(
    settings: Settings, cwd: Path, url: str, channels: ChannelFactory, loop: bool
) -> DispatchReport:
    """One worker process: its own engine, clock and channels."""
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = App.open(settings, cwd=cwd)
    try:
        return _work(_dispatcher(app, channels(settings)), app, loop)
    finally:
        app.close()


def _dispatcher(app: App, channels: Mapping[ActionChannel, Channel]) -> Dispatcher:
    settings = app.settings.dispatch
    return Dispatcher(
        Outbox(app.engine),
        channels,
        clock=app.clock,
        rules=app.settings.policy,
        retry=RetryPolicy.from_settings(settings),
        batch_size=settings.batch_size,
        lease=settings.lease,
    )


def _work(dispatcher: Dispatcher, app: App, loop: bool) -> DispatchReport:
    if not loop:
        return dispatcher.drain()
    stop = threading.Event()
    _on_stop_signals(stop)
    report = DispatchReport()
    while not stop.is_set():
        done = dispatcher.drain()
        report.add(done)
        if done.claimed == 0:
            stop.wait(app.settings.dispatch.poll_interval.total_seconds())
    return report


def _on_stop_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)


# -- dry run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What the dispatcher would do with one due action now; ``to`` is masked."""

    action_id: int
    key: str
    channel: str
    decision: str
    reason: str
    to: str
    body: str


def preview(
    app: App, *, channels: ChannelFactory = default_channels, limit: int = 100
) -> list[Preview]:
    """The due actions and what the policy says about each, with the message that would
    go out; nothing is claimed, sent or written."""
    dispatcher = _dispatcher(app, channels(app.settings))
    return [
        Preview(
            action.id,
            mask_text(action.key),
            action.channel.value,
            type(decision).__name__.lower(),
            _reason(decision),
            mask(to) if action.channel in policy.DIRECT else mask_text(to),
            mask_text(message.body) if message else "",
        )
        for action, decision, to, message in dispatcher.preview(limit=limit)
    ]


def _reason(decision: policy.Decision) -> str:
    if isinstance(decision, policy.Defer):
        return f"{decision.reason}, until {decision.until.isoformat()}"
    return "" if isinstance(decision, policy.Send) else decision.reason


# -- listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    """One action as ``winback actions`` shows it; contacts masked."""

    id: int
    key: str
    playbook: str
    step: int
    channel: str
    purpose: str
    status: str
    due_at: datetime
    to: str
    attempts: int
    orders: tuple[str, ...]
    amount: str
    sent_at: datetime | None
    last_error: str | None


def list_actions(
    app: App,
    *,
    status: ActionStatus | None = None,
    playbook: str | None = None,
    limit: int | None = 200,
) -> list[ActionView]:
    """Actions, newest due first, with the recipient's contact masked."""
    with app.engine.connect() as conn:
        found = outbox.list_actions(conn, status=status, playbook=playbook, limit=limit)
        ids = sorted({a.customer_id for a in found if a.customer_id is not None})
        contacts = outbox.contacts_of(conn, ids) if ids else {}
    return [_view(action, contacts) for action in found]


def _view(action: Action, contacts: Mapping[int, outbox.Contact]) -> ActionView:
    contact = contacts.get(action.customer_id) if action.customer_id is not None else None
    to = "-"
    if contact is not None:
        direct = {ActionChannel.SMS: contact.phone, ActionChannel.EMAIL: contact.email}
        value = direct.get(action.channel)
        to = mask(value) if value else mask_text(contact.customer_key)
    return ActionView(
        id=action.id,
        key=mask_text(action.key),
        playbook=action.playbook,
        step=action.step,
        channel=action.channel.value,
        purpose=action.purpose.value,
        status=action.status.value,
        due_at=action.due_at,
        to=to,
        attempts=action.attempts,
        orders=action.order_ids,
        amount=str(action.amount),
        sent_at=action.sent_at,
        last_error=mask_text(action.last_error) if action.last_error else None,
    )


def mask_text(text: str) -> str:
    """``text`` with every e-mail address and mainland mobile number in it masked (buyer
    keys are often an e-mail on Shopify; provider answers may quote the number)."""
    text = _EMAIL.sub(lambda m: mask(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask(m.group(0)[-11:]), text)
