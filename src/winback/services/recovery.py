"""Recovery use cases (PRODUCT R1–R3, R5, M1, M2, W5): plan, the agents' worklist, task
outcomes and the recovery report.

``plan`` reads open unpaid orders and yesterday's closed ones, runs every enabled playbook
and writes the actions to the outbox, idempotently (planning twice creates nothing new).
Sending is the dispatcher's job (``winback dispatch``), which enforces consent, suppression,
quiet hours and caps in one place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from winback.act.rendering import render_script
from winback.act.template_check import load_library
from winback.act.templates import TemplateError, TemplateLibrary
from winback.act.voice import StoreVoice, store_voice
from winback.analyse.orders_as_of import open_unpaid
from winback.analyse.payment_time import (
    PaymentTimeReport,
    PaymentTimeSettings,
    format_duration,
    payment_time,
)
from winback.analyse.reasons import LossReason, Prediction, default_classifier
from winback.app import App
from winback.config import Settings
from winback.decide.closed_followup import ReasonGuesser
from winback.decide.context import PlanningContext
from winback.decide.plan import plan_recovery
from winback.decide.timing import yesterday
from winback.errors import WinbackError
from winback.measure.attribution import Costs, recovery_table
from winback.measure.experiments import holdout_lift
from winback.model import Action, ActionStatus, OrderStatus
from winback.privacy import mask_phone
from winback.services import dashboard
from winback.services.known import orders_known, statuses_known
from winback.services.stores import find_store, store_settings
from winback.store import outbox, recovery
from winback.store.recovery import BuyerHistory, ChatLine, TaskOutcome
from winback.store.schema import TASK_OUTCOMES

__all__ = [
    "PlanResult",
    "RecoveryReport",
    "TaskCard",
    "plan",
    "record_task_outcome",
    "recovery_report",
    "script_library",
    "worklist",
]

OPEN_TASK: Final = (ActionStatus.PLANNED, ActionStatus.SENDING, ActionStatus.SENT)
CHAT_LINES: Final = 5


@dataclass(frozen=True, slots=True)
class PlanResult:
    """What ``plan`` did: actions planned per (playbook, step, channel, held out), and how
    many of them were new to the outbox."""

    store: str
    now: datetime
    groups: dict[tuple[str, int, str, bool], int]
    created: int
    held_out: int
    existing: int
    unpaid_orders: int
    closed_orders: int
    timing: str

    @property
    def planned(self) -> int:
        return sum(self.groups.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "now": self.now.isoformat(),
            "unpaid_orders": self.unpaid_orders,
            "closed_orders": self.closed_orders,
            "timing": self.timing,
            "planned": self.planned,
            "created": self.created,
            "held_out_created": self.held_out,
            "existing": self.existing,
            "groups": [
                {
                    "playbook": playbook,
                    "step": step,
                    "channel": channel,
                    "held_out": held,
                    "actions": count,
                }
                for (playbook, step, channel, held), count in sorted(self.groups.items())
            ],
        }


def plan(app: App, store: str | None = None) -> PlanResult:
    """Plan every enabled playbook for the store and write the actions to the outbox.

    The orders are judged as of the app's clock (``--as-of``) by the same rule as the
    diagnosis (:mod:`winback.services.known`): the unpaid orders planned for are exactly
    D1's unpaid orders at that moment."""
    info = find_store(app, store)
    settings = store_settings(app, info)
    now = app.clock.now()
    zone = ZoneInfo(info.timezone)
    close_after = settings.store.close_after
    start, end = yesterday(now, zone)
    known = orders_known(app, info, settings, now)
    with app.engine.connect() as conn:
        unpaid = recovery.unpaid_orders(
            conn, info.id, open_unpaid(known)["order_id"].to_pylist(), now=now
        )
        closed = recovery.closed_orders(conn, info.id, _closed_between(known, start, end), now=end)
        heard = recovery.reasons_heard(conn, info.id)
    report = _payment_report(settings, known, now)
    context = PlanningContext(
        store_id=info.id,
        now=now,
        zone=zone,
        close_after=close_after,
        call_windows=settings.recovery.call_windows,
        ship_same_day_before=settings.recovery.same_day_cutoff,
        report=report,
        shop=info.name,
    )
    actions = plan_recovery(
        context, settings.playbooks, unpaid=unpaid, closed=closed, guess=_guesser(heard)
    )
    with outbox.write_transaction(app.engine) as conn:
        counts = outbox.enqueue(conn, actions, now=now)
    dashboard.refresh_after_change(app, info.name, panels=dashboard.ACTION_PANELS)
    groups = Counter((a.playbook, a.step, str(a.channel), a.held_out) for a in actions)
    return PlanResult(
        store=info.name,
        now=now,
        groups=dict(groups),
        created=counts.created,
        held_out=counts.held_out,
        existing=counts.existing,
        unpaid_orders=len(unpaid),
        closed_orders=len(closed),
        timing=_timing(report),
    )


def _closed_between(
    known: pa.Table, start: datetime, end: datetime
) -> dict[str, recovery.ClosedAt]:
    """The orders closed before payment in [start, end), with their close times."""
    closed = known.filter(pc.equal(known["status"], "closed"))
    found: dict[str, recovery.ClosedAt] = {}
    for order_id, at, inferred in zip(
        closed["order_id"].to_pylist(),
        closed["closed_at"].to_pylist(),
        closed["close_inferred"].to_pylist(),
        strict=True,
    ):
        if at is not None and start <= at < end:
            found[order_id] = recovery.ClosedAt(at=at, inferred=bool(inferred))
    return found


def _payment_report(
    settings: Settings, history: pa.Table, now: datetime
) -> PaymentTimeReport | None:
    if history.num_rows == 0:
        return None
    return payment_time(
        history,
        now,
        PaymentTimeSettings(
            payment_deadline=settings.store.close_after, min_payers=settings.recovery.min_payers
        ),
    )


def _timing(report: PaymentTimeReport | None) -> str:
    """How the first reminder is timed, in one line for the plan summary."""
    if report is None:
        return "no order history: the playbooks' fallback delay"
    delay = report.reminder_delay()
    if delay.source == "default":
        return "too little history: the playbooks' fallback delay"
    return f"90% of paying buyers pay within {format_duration(delay.delay.total_seconds())}"


def _guesser(heard: list[tuple[str, str]]) -> ReasonGuesser:
    """The D3 classifier, built only when a closed order has text to classify, and taught
    the reasons agents heard on refused calls (their notes with the reason code they chose)."""

    def guess(texts: Sequence[str]) -> list[Prediction]:
        return default_classifier(heard).predict(list(texts))

    return guess


# -- the agents' worklist (R3) ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskCard:
    """One phone or platform-chat task as an agent sees it. ``phone`` is masked."""

    action_id: int
    playbook: str
    step: int
    channel: str
    status: str
    due_at: datetime
    due_local: str
    expires_at: datetime | None
    order_ids: tuple[str, ...]
    amount: str
    template: str
    params: dict[str, str]
    buyer: str | None
    phone: str | None
    history: BuyerHistory | None
    chat: tuple[ChatLine, ...] = ()
    outcome: TaskOutcome | None = None
    script: str | None = None
    script_problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        history = self.history
        return {
            "action_id": self.action_id,
            "playbook": self.playbook,
            "step": self.step,
            "channel": self.channel,
            "status": self.status,
            "due_at": self.due_at.isoformat(),
            "due_local": self.due_local,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "order_ids": list(self.order_ids),
            "amount": self.amount,
            "template": self.template,
            "params": self.params,
            "buyer": self.buyer,
            "phone": self.phone,
            "history": None
            if history is None
            else {
                "orders": history.orders,
                "paid_orders": history.paid_orders,
                "paid_amount": str(history.paid_amount),
            },
            "chat": [
                {"sent_at": line.sent_at.isoformat(), "sender": line.sender, "text": line.text}
                for line in self.chat
            ],
            "outcome": None
            if self.outcome is None
            else {
                "outcome": self.outcome.outcome,
                "reason": self.outcome.reason,
                "note": self.outcome.note,
                "agent": self.outcome.agent,
                "recorded_at": self.outcome.recorded_at.isoformat(),
            },
            "script": self.script,
            "script_problem": self.script_problem,
        }


def worklist(app: App, store: str | None = None, *, include_done: bool = False) -> list[TaskCard]:
    """Open phone and chat tasks, earliest due first: not held out, not expired, not yet
    reported by an agent (``include_done`` shows reported ones too), and for payment
    reminders only while an order is still unpaid."""
    info = find_store(app, store)
    settings = store_settings(app, info)
    now = app.clock.now()
    zone = ZoneInfo(info.timezone)
    with app.engine.connect() as conn:
        tasks = [
            action
            for status in OPEN_TASK
            for action in outbox.list_actions(conn, store_id=info.id, status=status)
            if action.channel.is_task and (action.expires_at is None or action.expires_at > now)
        ]
        outcomes = recovery.task_outcomes_of(conn, info.id)
        statuses = statuses_known(
            app, info, settings, now, sorted({o for a in tasks for o in a.order_ids})
        )
        tasks = [
            a
            for a in tasks
            if (include_done or a.id not in outcomes) and _still_open(settings, a, statuses)
        ]
        customers = sorted({a.customer_id for a in tasks if a.customer_id is not None})
        contacts = outbox.contacts_of(conn, customers)
        histories = recovery.buyer_histories(conn, customers)
        chats = recovery.last_chat_lines(conn, info.id, customers, limit=CHAT_LINES)
    library = load_library(settings, cwd=app.cwd)
    voice = store_voice(
        settings,
        name=info.name,
        platform=info.platform,
        currency=info.currency,
        timezone=info.timezone,
    )
    cards = []
    for action in sorted(tasks, key=lambda a: (a.due_at, a.id)):
        contact = contacts.get(action.customer_id) if action.customer_id is not None else None
        script, problem = _script(library, action, voice)
        cards.append(
            TaskCard(
                action_id=action.id,
                playbook=action.playbook,
                step=action.step,
                channel=str(action.channel),
                status=str(action.status),
                due_at=action.due_at,
                due_local=action.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                expires_at=action.expires_at,
                order_ids=action.order_ids,
                amount=f"{action.amount:f}",
                template=action.template,
                params=dict(action.params),
                buyer=contact.customer_key if contact else None,
                phone=_masked_phone(contact),
                history=histories.get(action.customer_id) if action.customer_id else None,
                chat=tuple(chats.get(action.customer_id, ())) if action.customer_id else (),
                outcome=outcomes.get(action.id),
                script=script,
                script_problem=problem,
            )
        )
    return cards


def script_library(max_sms_parts: int = 3) -> TemplateLibrary:
    """The shipped templates and agent scripts (act/default_templates.toml and
    act/followup_scripts.toml)."""
    return TemplateLibrary.defaults(max_sms_parts=max_sms_parts)


def _script(
    library: TemplateLibrary, action: Action, voice: StoreVoice
) -> tuple[str | None, str | None]:
    """The task's script in the store's voice, or why it could not be rendered."""
    try:
        return render_script(library, action, voice), None
    except TemplateError as error:
        return None, str(error)


def _still_open(settings: Settings, action: Action, statuses: dict[str, OrderStatus]) -> bool:
    """A payment-reminder task is moot once none of its orders is still unpaid."""
    book = settings.playbooks.get(action.playbook)
    if book is None or book.kind != "unpaid":
        return True
    return any(statuses.get(o) is OrderStatus.PENDING for o in action.order_ids)


def _masked_phone(contact: outbox.Contact | None) -> str | None:
    if contact is None:
        return None
    if contact.phone:
        return mask_phone(contact.phone)
    return "(masked by the platform)" if contact.phone_masked else None


def record_task_outcome(
    app: App,
    action_id: int,
    outcome: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    agent: str | None = None,
    store: str | None = None,
) -> TaskOutcome:
    """Record what an agent achieved on a task: paid, promised, no answer, or refused (with a
    D3 reason code). The outcome feeds the reason tables (D3) and attribution (M1)."""
    if outcome not in TASK_OUTCOMES:
        raise WinbackError(f"unknown outcome {outcome!r}; use one of {', '.join(TASK_OUTCOMES)}")
    if reason is not None and reason not in {code.value for code in LossReason}:
        valid = ", ".join(code.value for code in LossReason)
        raise WinbackError(f"unknown reason code {reason!r}; valid codes: {valid}")
    info = find_store(app, store)
    now = app.clock.now()
    with app.engine.begin() as conn:
        action = recovery.task_action(conn, info.id, action_id)
        if action is None:
            raise WinbackError(f"no action {action_id} in store {info.name!r}")
        if action.channel not in ("phone_task", "chat_task"):
            raise WinbackError(
                f"action {action_id} is a {action.channel} message, not an agent task"
            )
        if action.status == ActionStatus.HELD_OUT:
            raise WinbackError(f"action {action_id} is held out (control group): not a task")
        recovery.record_task_outcome(
            conn,
            info.id,
            action_id=action_id,
            outcome=outcome,
            reason=reason,
            note=note,
            agent=agent,
            now=now,
        )
        return recovery.task_outcomes_of(conn, info.id)[action_id]


# -- the recovery report (M1, M2, W5) --------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class RecoveryReport:
    """Attributed recovery per playbook/step/channel/template/agent, and per playbook the
    incremental recovery against the holdout (docs/measurement.md)."""

    store: str
    now: datetime
    window_hours: float
    table: pa.Table
    lift: pa.Table

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "now": self.now.isoformat(),
            "attribution_window_hours": self.window_hours,
            "recovery": _json_rows(self.table),
            "holdout": _json_rows(self.lift),
        }


def recovery_report(app: App, store: str | None = None) -> RecoveryReport:
    """Measure what the store's actions recovered, as of the app's clock (payments made
    later are not known yet)."""
    info = find_store(app, store)
    settings = store_settings(app, info)
    now = app.clock.now()
    orders = orders_known(app, info, settings, now)
    with app.engine.connect() as conn:
        actions = recovery.actions_frame(conn, info.id)
    window = settings.recovery.attribution_window
    prices = settings.channels.costs
    costs = Costs(
        sms_price=prices.sms_price,
        email_price=prices.email_price,
        agent_minute_cost=prices.agent_hourly_cost / 60,
        phone_task_minutes=prices.agent_minutes_per_task,
        chat_task_minutes=prices.agent_minutes_per_task,
    )
    return RecoveryReport(
        store=info.name,
        now=now,
        window_hours=window.total_seconds() / 3600,
        table=recovery_table(actions, orders, window, costs),
        lift=holdout_lift(actions, orders, window, now=now),
    )


def _json_rows(table: pa.Table) -> list[dict[str, Any]]:
    return [
        {key: (str(value) if not isinstance(value, int | float | None) else value)
         for key, value in row.items()}
        for row in table.to_pylist()
    ]  # fmt: skip
