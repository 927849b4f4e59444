"""Use cases of the outbox: send what is due (``dispatch``), show what would be sent
(``preview``), list the actions (``list_actions``).

Channels come from a factory ``App → ChannelSet`` so that each worker process builds its own
(connections and sockets do not cross processes). :func:`default_channels` builds them from
the settings (:class:`~winback.act.channels.registry.ChannelRegistry`): the configured
channels (e-mail, SMS, the team robot), the agents' worklist for phone and chat tasks, and a
:class:`~winback.act.rendering.TemplateRenderer` for the store. A channel that is not
configured is left out: its actions stay ``planned`` (the dispatcher claims only actions of
the channels it has) and the run says, once per channel, which setting is missing.

The renderer speaks in the voice of each action's own store (:class:`StoreVoices`: the
store's row and its settings: language, platform, currency, time zone) and writes money in
the currency of the action's orders (:class:`OrderCurrencies`), with the shop's own templates
(``[templates] files``) over the shipped ones. ``preview`` (``dispatch --dry-run``) masks
phone numbers and e-mail addresses in everything it shows.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import FrameType

import httpx

from winback.act import policy
from winback.act.channels.base import Channel, Message
from winback.act.channels.registry import ChannelNotConfigured, ChannelRegistry
from winback.act.dispatcher import Dispatcher, DispatchReport, Renderer, WorklistChannel
from winback.act.links import LinkSigner
from winback.act.rendering import TemplateRenderer
from winback.act.retry import RetryPolicy
from winback.act.template_check import load_library
from winback.act.templates import TemplateError
from winback.act.voice import StoreVoice, store_voice
from winback.app import App
from winback.config import ChannelCostSettings, PolicySettings, Settings
from winback.model import Action, ActionChannel, ActionStatus, Purpose
from winback.privacy import mask_contact, mask_contacts, mask_text
from winback.services.stores import store_language
from winback.store import outbox, repo
from winback.store.outbox_engine import Outbox
from winback.store.types import StoreInfo

__all__ = [
    "ActionView",
    "ChannelFactory",
    "ChannelSet",
    "DispatchRun",
    "OrderCurrencies",
    "Preview",
    "StoreOutcomes",
    "StoreVoices",
    "default_channels",
    "dispatch",
    "list_actions",
    "outcomes_by_store",
    "preview",
]

SENT_BY_CHANNEL = (ActionChannel.EMAIL, ActionChannel.SMS, ActionChannel.IM_ROBOT)


@dataclass
class ChannelSet:
    """What one worker sends with: its channels, its renderer, and the channels it lacks
    (channel → the missing setting, as a sentence)."""

    channels: dict[ActionChannel, Channel]
    renderer: Renderer
    missing: dict[ActionChannel, str] = field(default_factory=dict)
    link_problem: str | None = None
    close: Callable[[], None] = lambda: None


ChannelFactory = Callable[[App], ChannelSet]


def default_channels(
    app: App, *, env: Mapping[str, str] | None = None, client: httpx.Client | None = None
) -> ChannelSet:
    """The store's channels from its settings, the worklist for agent tasks, and the
    template renderer. ``env`` (default: the process environment) holds the secrets the
    settings name; ``client`` is the HTTP client for SMS and robot providers (tests inject
    one with an ``httpx.MockTransport``)."""
    registry = ChannelRegistry(
        app.settings.channels,
        env=os.environ if env is None else env,
        clock=app.clock,
        client=client,
    )
    channels: dict[ActionChannel, Channel] = {
        ActionChannel.PHONE_TASK: WorklistChannel(),
        ActionChannel.CHAT_TASK: WorklistChannel(),
    }
    missing: dict[ActionChannel, str] = {}
    for kind in SENT_BY_CHANNEL:
        try:
            channels[kind] = registry.get(kind)
        except ChannelNotConfigured as problem:
            missing[kind] = str(problem)
    signer: LinkSigner | None = None
    link_problem: str | None = None
    try:
        signer = registry.link_signer()
    except ChannelNotConfigured as problem:
        link_problem = str(problem)
    renderer = TemplateRenderer.from_settings(
        app.settings,
        clock=app.clock,
        signer=signer,
        library=load_library(app.settings, cwd=app.cwd),
        voice_of=StoreVoices(app),
        link_problem=link_problem,
        template_code=registry.template_code,
        order_currency=OrderCurrencies(app),
    )
    return ChannelSet(channels, renderer, missing, renderer.link_problem, registry.close)


class StoreVoices:
    """The voice of each store in the database, by id (:func:`winback.act.voice.store_voice`:
    its row and its section of the settings), read again when an unknown id comes."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._known: dict[int, StoreVoice] = {}

    def __call__(self, store_id: int) -> StoreVoice:
        if store_id not in self._known:
            with self.app.engine.connect() as conn:
                stores = repo.list_stores(conn)
            self._known = {info.id: self._voice(info) for info in stores}
        if store_id not in self._known:
            raise TemplateError(f"store {store_id} is not in the database")
        return self._known[store_id]

    def _voice(self, info: StoreInfo) -> StoreVoice:
        return store_voice(
            self.app.settings,
            name=info.name,
            platform=info.platform,
            currency=info.currency,
            timezone=info.timezone,
        )


class OrderCurrencies:
    """The currency of an action's orders, read from the orders at send time."""

    def __init__(self, app: App) -> None:
        self.app = app

    def __call__(self, action: Action) -> str | None:
        if not action.order_ids:
            return None
        with self.app.engine.connect() as conn:
            found = outbox.order_currencies(conn, action.store_id, action.order_ids)
        currencies = sorted(set(found.values()))
        if len(currencies) > 1:
            raise TemplateError(
                f"its orders are in different currencies ({', '.join(currencies)}): "
                "one message cannot add them up"
            )
        return currencies[0] if currencies else None


@dataclass
class DispatchRun:
    """What ``dispatch`` did: the workers it ran, a note about how, and their report."""

    workers: int
    report: DispatchReport = field(default_factory=DispatchReport)
    note: str | None = None
    waiting: list[str] = field(default_factory=list)
    """One line per channel whose due actions stay planned: the setting it lacks."""


def dispatch(
    app: App,
    *,
    channels: ChannelFactory = default_channels,
    workers: int = 1,
    loop: bool = False,
) -> DispatchRun:
    """Send what is due, through the send policy; with ``loop``, keep polling until SIGINT or
    SIGTERM. Several ``workers`` are worker processes, on PostgreSQL only: SQLite has one
    writer at a time, so it runs one worker and says so. Each worker process calls
    ``channels`` itself, so with several workers it must be picklable (a module-level
    function such as :func:`default_channels`, not a lambda).

    Stores whose settings give them channels of their own (``[stores.NAME.channels]``: an SMS
    signature, an e-mail sender) are sent through those, never through another store's.

    Raises :class:`~winback.act.channels.registry.ChannelNotConfigured` before anything is
    sent when marketing e-mail is planned and the shop cannot sign unsubscribe links.
    """
    note = None
    if workers > 1 and app.engine.dialect.name != "postgresql":
        note = f"SQLite runs one dispatcher worker ({workers} asked); use PostgreSQL for more"
        workers = 1
    senders = _senders(app, channels)
    try:
        waiting = [line for sender in senders for line in _waiting(sender)]
        for sender in senders:
            _refuse_marketing_without_links(sender)
        if workers == 1:
            report = _work([_dispatcher(sender) for sender in senders], app, loop)
            return DispatchRun(1, report, note, waiting)
    finally:
        for sender in senders:
            sender.found.close()
    context = multiprocessing.get_context("spawn")
    url = app.engine.url.render_as_string(hide_password=False)
    run = DispatchRun(workers, note=note, waiting=waiting)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_worker_process, app.settings, app.cwd, url, channels, loop)
            for _ in range(workers)
        ]
        for future in futures:
            run.report.add(future.result())
    return run


@dataclass(frozen=True)
class StoreOutcomes:
    """What a dispatch run did to the actions of one store, and the language its team
    reads (``outcomes``: outcome → actions, e.g. ``{"sent": 3, "deferred": 1}``)."""

    store: str
    language: str
    outcomes: dict[str, int]

    @property
    def claimed(self) -> int:
        return sum(self.outcomes.values())


def outcomes_by_store(app: App, report: DispatchReport) -> list[StoreOutcomes]:
    """The run's outcomes split by store: every store of the database, by name, each with
    its language (a store with nothing due has no outcomes)."""
    with app.engine.connect() as conn:
        held = sorted(repo.list_stores(conn), key=lambda info: info.name)
    split: dict[int, dict[str, int]] = {}
    for (store_id, outcome), n in sorted(report.by_store.items()):
        split.setdefault(store_id, {})[outcome] = n
    return [
        StoreOutcomes(info.name, store_language(app, info.name), split.get(info.id, {}))
        for info in held
    ]


def _worker_process(
    settings: Settings, cwd: Path, url: str, channels: ChannelFactory, loop: bool
) -> DispatchReport:
    """One worker process: its own engine, clock and channels."""
    settings = settings.model_copy(
        update={"database": settings.database.model_copy(update={"url": url})}
    )
    app = App.open(settings, cwd=cwd)
    senders = _senders(app, channels)
    try:
        return _work([_dispatcher(sender) for sender in senders], app, loop)
    finally:
        for sender in senders:
            sender.found.close()
        app.close()


@dataclass
class _Sender:
    """The channels of a group of stores that send alike: the app with their settings, the
    stores (None: every store, when all send alike) and what their channels are."""

    app: App
    store_ids: tuple[int, ...] | None
    found: ChannelSet


def _senders(app: App, channels: ChannelFactory) -> list[_Sender]:
    """One sender per group of stores whose channels settings are the same (costs aside)."""
    with app.engine.connect() as conn:
        held = repo.list_stores(conn)
    groups: dict[str, list[int]] = {}
    first: dict[str, str] = {}
    for info in held:
        key = _channels_key(app.settings.for_store(info.name))
        groups.setdefault(key, []).append(info.id)
        first.setdefault(key, info.name)
    if len(groups) <= 1:
        return [_Sender(app, None, channels(app))]
    senders = []
    for key, ids in groups.items():
        group_app = replace(app, settings=app.settings.for_store(first[key]))
        senders.append(_Sender(group_app, tuple(ids), channels(group_app)))
    return senders


def _channels_key(settings: Settings) -> str:
    sending = settings.channels.model_copy(update={"costs": ChannelCostSettings()})
    return sending.model_dump_json()


def _dispatcher(sender: _Sender) -> Dispatcher:
    app, found = sender.app, sender.found
    settings = app.settings.dispatch
    return Dispatcher(
        Outbox(app.engine, store_ids=sender.store_ids),
        found.channels,
        clock=app.clock,
        rules=app.settings.policy,
        store_rules=_store_policies(app),
        retry=RetryPolicy.from_settings(settings),
        renderer=found.renderer,
        batch_size=settings.batch_size,
        lease=settings.lease,
    )


def _store_policies(app: App) -> dict[int, PolicySettings]:
    """Each store's own send policy, by store id: consent, quiet hours and caps are the
    dispatcher's alone, but a store may set its own (``[stores.NAME.policy]``)."""
    with app.engine.connect() as conn:
        held = repo.list_stores(conn)
    return {info.id: app.settings.for_store(info.name).policy for info in held}


def _waiting(sender: _Sender) -> list[str]:
    """A line for each channel that is not configured and has due actions."""
    now = sender.app.clock.now()
    lines = []
    with sender.app.engine.connect() as conn:
        for kind, problem in sender.found.missing.items():
            due = outbox.due_actions(
                conn, now=now, limit=1, channels=[kind], store_ids=sender.store_ids
            )
            if due:
                lines.append(f"{kind} actions stay planned: {problem}")
    return lines


def _refuse_marketing_without_links(sender: _Sender) -> None:
    """Marketing e-mail carries a signed unsubscribe link: refuse to start when such
    actions wait and the shop cannot sign links (rather than fail each of them)."""
    found = sender.found
    if found.link_problem is None or ActionChannel.EMAIL not in found.channels:
        return
    with sender.app.engine.connect() as conn:
        planned = outbox.list_actions(conn, status=ActionStatus.PLANNED)
    count = sum(
        1
        for a in planned
        if a.purpose is Purpose.MARKETING
        and a.channel is ActionChannel.EMAIL
        and (sender.store_ids is None or a.store_id in sender.store_ids)
    )
    if count:
        raise ChannelNotConfigured(
            f"{count} marketing e-mail action(s) are planned but {found.link_problem}: "
            "marketing e-mail carries a signed one-click unsubscribe link. Set "
            "channels.link_secret_env (a variable holding at least 32 random bytes) and "
            "channels.public_url (where `winback serve` is reachable)"
        )


def _work(dispatchers: list[Dispatcher], app: App, loop: bool) -> DispatchReport:
    report = DispatchReport()
    if not loop:
        for dispatcher in dispatchers:
            report.add(dispatcher.drain())
        return report
    stop = threading.Event()
    _on_stop_signals(stop)
    while not stop.is_set():
        claimed = 0
        for dispatcher in dispatchers:
            done = dispatcher.drain()
            report.add(done)
            claimed += done.claimed
        if claimed == 0:
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
    go out (or why it cannot be rendered); nothing is claimed, sent or written."""
    senders = _senders(app, channels)
    try:
        shown = [row for sender in senders for row in _dispatcher(sender).preview(limit=limit)]
    finally:
        for sender in senders:
            sender.found.close()
    shown.sort(key=lambda row: (row[0].due_at, row[0].id))
    return [
        _preview(action, decision, to, message) for action, decision, to, message in shown[:limit]
    ]


def _preview(
    action: Action, decision: policy.Decision, to: str, message: Message | TemplateError | None
) -> Preview:
    failed = isinstance(message, TemplateError)
    return Preview(
        action.id,
        mask_text(action.key),
        action.channel.value,
        "fail" if failed else type(decision).__name__.lower(),
        mask_contacts(f"cannot render: {message}" if failed else _reason(decision)) or "",
        mask_contact(to) if action.channel in policy.DIRECT else mask_text(to),
        _masked(message.body, to) if isinstance(message, Message) else "",
    )


def _masked(text: str, to: str) -> str:
    """``text`` with contacts masked, the recipient's own address whatever its form."""
    if to and to in text:
        text = text.replace(to, mask_contact(to))
    return mask_text(text)


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
        to = mask_contact(value) if value else mask_text(contact.customer_key)
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
