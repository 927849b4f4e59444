"""Recovery use cases (PRODUCT R1–R3, R5, M1, M2, W5): plan, the agents' worklist, task
outcomes and the recovery report.

``plan`` reads open unpaid orders and yesterday's closed ones, runs every enabled playbook
and writes the actions to the outbox, idempotently (planning twice creates nothing new).
Sending is the dispatcher's job (``winback dispatch``), which enforces consent, suppression,
quiet hours and caps in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from winback.decide.cancel_save import CANCELLED_ORDERS
from winback.decide.context import PlanningContext
from winback.decide.plan import facts_needed, plan_recovery, uses_reasons
from winback.decide.planner import Facts, ReasonGuesser
from winback.decide.playbooks import planner_for
from winback.decide.reorders import line_items, reorders
from winback.decide.timing import yesterday
from winback.errors import WinbackError
from winback.measure.attribution import Costs, recovery_table
from winback.measure.by_buyer import buyer_recoveries
from winback.measure.experiments import holdout_lift
from winback.model import TASK_OUTCOMES, Action, ActionStatus, OrderStatus
from winback.playbook_settings.cancel_save import CancelSaveSettings
from winback.privacy import mask_phone
from winback.services import dashboard, saves
from winback.services.known import orders_known, orders_known_in_chunks, statuses_known
from winback.services.plan_facts import (
    KNOWN_COLUMNS,
    FactRequest,
    read_facts,
    recently_cancelled,
)
from winback.services.stores import find_store, store_settings
from winback.store import frames, outbox, planning_facts, recovery
from winback.store.recovery import BuyerHistory, ChatLine, TaskOutcome

__all__ = [
    "PlanResult",
    "RecordedOutcome",
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
    timing_seconds: float | None = None
    reordered: int = 0
    recovered_by_buyer: int = 0
    unreachable: dict[str, int] | None = None
    language: str = "en"
    currency: str = "CNY"

    @property
    def planned(self) -> int:
        return sum(self.groups.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "now": self.now.isoformat(),
            "currency": self.currency,
            "unpaid_orders": self.unpaid_orders,
            "closed_orders": self.closed_orders,
            "reordered": self.reordered,
            "recovered_by_buyer": self.recovered_by_buyer,
            "unreachable": dict(sorted((self.unreachable or {}).items())),
            "timing": timing_sentence(self.timing, self.timing_seconds),
            "timing_kind": self.timing,
            "timing_seconds": self.timing_seconds,
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
    D1's unpaid orders at that moment (less those their buyer placed again). The planners
    get the facts they name (:mod:`winback.services.plan_facts`) and return columns; the
    actions reach the outbox through its bulk path in one transaction."""
    info = find_store(app, store)
    settings = store_settings(app, info)
    now = app.clock.now()
    zone = ZoneInfo(info.timezone)
    close_after = settings.store.close_after
    start, end = yesterday(now, zone)
    known = orders_known_in_chunks(app, info, settings, now, KNOWN_COLUMNS)
    open_ids = open_unpaid(known)["order_id"].combine_chunks()
    closed = _closed_between(known, start, end)
    books = settings.playbooks
    about = pa.concat_arrays([open_ids, closed["order_id"].combine_chunks()])
    if CANCELLED_ORDERS in facts_needed(books):  # a cancel_save playbook: its buyers and lines
        about = pa.concat_arrays([about, recently_cancelled(known, now)])
    placed_after = _earliest(known, about, now - close_after)
    report = _payment_report(settings, known, now)
    with app.engine.connect() as conn:
        lines = planning_facts.order_lines_since(conn, info.id, placed_after=placed_after, now=now)
        keys = pc.unique(known.filter(pc.is_in(known["order_id"], value_set=about))["customer_key"])
        people = planning_facts.buyers(conn, info.id, keys.drop_null().to_pylist())
        heard = recovery.reasons_heard(conn, info.id) if uses_reasons(books) else []
    if heard or uses_reasons(books):
        heard = heard + saves.labelled_reasons(app, info.id)
    replaced = reorders(
        known,
        line_items(lines),
        window=settings.recovery.reorder_window,
        close_after=close_after,
        same_items=settings.recovery.reorder_same_items,
        among=about,
    )
    request = FactRequest(
        store_id=info.id,
        now=now,
        yesterday_end=end,
        close_after=close_after,
        known=known,
        open_ids=open_ids,
        closed=closed,
        placed_after=placed_after,
        lines=lines,
        reorders=replaced,
        buyers=people,
        playbooks=tuple(sorted(books)),
    )
    tables = read_facts(app, facts_needed(books), request)
    del request, known, lines, people
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
    plans = plan_recovery(context, books, Facts(tables, guess=_guesser(heard)))
    actions = pa.concat_tables([found.actions for found in plans.values()]) if plans else None
    with outbox.write_transaction(app.engine) as conn:
        counts = (
            outbox.enqueue_table(conn, actions, now=now)
            if actions is not None
            else outbox.EnqueueCounts()
        )
    dashboard.refresh_after_change(app, info.name, panels=dashboard.ACTION_PANELS)
    timing, timing_seconds = _timing(report)
    return PlanResult(
        store=info.name,
        now=now,
        groups=_groups(actions),
        created=counts.created,
        held_out=counts.held_out,
        existing=counts.existing,
        unpaid_orders=len(open_ids),
        closed_orders=closed.num_rows,
        timing=timing,
        timing_seconds=timing_seconds,
        reordered=replaced.num_rows,
        recovered_by_buyer=int(pc.sum(replaced["reorder_paid"]).as_py() or 0),
        unreachable={name: found.unreachable for name, found in plans.items() if found.unreachable},
        language=settings.store.language,
        currency=info.currency,
    )


def _groups(actions: pa.Table | None) -> dict[tuple[str, int, str, bool], int]:
    """Actions planned per (playbook, step, channel, held out)."""
    if actions is None or actions.num_rows == 0:
        return {}
    keys = ["playbook", "step", "channel", "held_out"]
    counted = actions.select(keys).group_by(keys).aggregate([([], "count_all")])
    return {
        (row["playbook"], int(row["step"]), row["channel"], bool(row["held_out"])): int(
            row["count_all"]
        )
        for row in counted.to_pylist()
    }


def _closed_between(known: pa.Table, start: datetime, end: datetime) -> pa.Table:
    """The orders closed before payment in [start, end): ``order_id``, ``closed_at``,
    ``close_inferred``."""
    closed = known.filter(
        pc.and_(
            pc.equal(known["status"], "closed"),
            pc.and_(
                pc.greater_equal(known["closed_at"], pa.scalar(start, known["closed_at"].type)),
                pc.less(known["closed_at"], pa.scalar(end, known["closed_at"].type)),
            ),
        )
    )
    return closed.select(["order_id", "closed_at", "close_inferred"])


def _earliest(known: pa.Table, about: pa.Array, floor: datetime) -> datetime:
    """Just before the earliest placing of the orders ``about`` (open, or closed yesterday),
    and no later than ``floor``: the window whose lines planning reads."""
    earliest = pc.min(known.filter(pc.is_in(known["order_id"], value_set=about))["created_at"])
    moment = earliest.as_py()
    found = floor if moment is None else min(floor, moment)
    return found - timedelta(microseconds=1)


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
        per_order=False,  # planning reads the segments and curves, not a million rows
    )


def _timing(report: PaymentTimeReport | None) -> tuple[str, float | None]:
    """How the first reminder is timed: ``no_history``, ``too_little_history`` or
    ``payers_p90`` with the seconds within which 90% of paying buyers pay."""
    if report is None:
        return "no_history", None
    delay = report.reminder_delay()
    if delay.source == "default":
        return "too_little_history", None
    return "payers_p90", delay.delay.total_seconds()


def timing_sentence(kind: str, seconds: float | None, language: str = "en") -> str:
    """The plan summary's line on how the first reminder is timed."""
    if kind == "payers_p90" and seconds is not None:
        within = format_duration(seconds, "zh" if language == "zh" else "en")
        if language == "zh":
            return f"90% 的付款买家在 {within} 内付款"
        return f"90% of paying buyers pay within {within}"
    if language == "zh":
        return (
            "没有订单历史：用策略的默认延迟"
            if kind == "no_history"
            else "历史太少：用策略的默认延迟"
        )
    if kind == "no_history":
        return "no order history: the playbooks' fallback delay"
    return "too little history: the playbooks' fallback delay"


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
    currency: str
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
            "currency": self.currency,
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
                currency=info.currency,
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
    """A payment-reminder task (a kind whose goal is the payment) is moot once none of its
    orders is still unpaid."""
    book = settings.playbooks.get(action.playbook)
    if book is None or not planner_for(book.kind).goal_is_payment:
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
    replace: bool = False,
) -> RecordedOutcome:
    """Record what an agent achieved on a task: paid, promised, no answer, or refused (with a
    D3 reason code). The outcome feeds the reason tables (D3) and attribution (M1).

    A task already reported is refused unless ``replace`` says the new report corrects it
    (both stay on record; the latest counts). A reason explains a refusal: with any other
    outcome it contradicts it and is refused."""
    if outcome not in TASK_OUTCOMES:
        raise WinbackError(f"unknown outcome {outcome!r}; use one of {', '.join(TASK_OUTCOMES)}")
    if reason is not None and reason not in {code.value for code in LossReason}:
        valid = ", ".join(code.value for code in LossReason)
        raise WinbackError(f"unknown reason code {reason!r}; valid codes: {valid}")
    if reason is not None and outcome != "refused":
        raise WinbackError(
            f"--reason explains a refusal: it goes with --outcome refused, not {outcome} "
            "(put anything else in --note)"
        )
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
        before = recovery.task_outcomes_of(conn, info.id).get(action_id)
        if before is not None and not replace:
            raise WinbackError(
                f"task {action_id} was already reported: {before.outcome} by "
                f"{before.agent or 'an unnamed agent'} at "
                f"{before.recorded_at.astimezone(ZoneInfo(info.timezone)):%Y-%m-%d %H:%M}; "
                "give --replace to record this outcome instead"
            )
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
        recorded = recovery.task_outcomes_of(conn, info.id)[action_id]
    return RecordedOutcome(recorded, before.outcome if before is not None else None)


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    """An agent's report as recorded, and the outcome it replaced (None: the first)."""

    outcome: TaskOutcome
    replaced: str | None = None

    def to_dict(self) -> dict[str, Any]:
        recorded = self.outcome
        return {
            "action_id": recorded.action_id,
            "outcome": recorded.outcome,
            "reason": recorded.reason,
            "note": recorded.note,
            "agent": recorded.agent,
            "recorded_at": recorded.recorded_at.isoformat(),
            "replaced": self.replaced,
        }


# -- the recovery report (M1, M2, W5) --------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class RecoveryReport:
    """Attributed recovery per playbook/step/channel/template/agent, per playbook the
    incremental recovery against the holdout, and the orders the buyers recovered themselves
    by ordering again (docs/measurement.md)."""

    store: str
    now: datetime
    window_hours: float
    table: pa.Table
    lift: pa.Table
    by_buyer: pa.Table
    language: str = "en"
    currency: str = "CNY"
    saves: tuple[dict[str, Any], ...] = ()
    """Per ``cancel_save`` playbook (:func:`winback.services.saves.save_report`)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "currency": self.currency,
            "now": self.now.isoformat(),
            "attribution_window_hours": self.window_hours,
            "recovery": _json_rows(self.table),
            "holdout": _json_rows(self.lift),
            "recovered_by_buyer": _json_rows(self.by_buyer)[0],
            "saves": list(self.saves),
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
        lines = frames.order_lines_frame(conn, info.id)
    replaced = reorders(
        orders,
        line_items(lines),
        window=settings.recovery.reorder_window,
        close_after=settings.store.close_after,
        same_items=settings.recovery.reorder_same_items,
    )
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
        table=recovery_table(actions, orders, window, costs, reorders=replaced),
        lift=holdout_lift(actions, orders, window, now=now),
        by_buyer=buyer_recoveries(replaced, actions, orders, window),
        language=settings.store.language,
        currency=info.currency,
        saves=tuple(
            saves.save_report(
                app,
                info,
                {
                    n: b.back_within
                    for n, b in settings.playbooks.items()
                    if isinstance(b, CancelSaveSettings)
                },
                orders,
                actions,
            )
        ),
    )


def _json_rows(table: pa.Table) -> list[dict[str, Any]]:
    return [
        {key: (str(value) if not isinstance(value, int | float | None) else value)
         for key, value in row.items()}
        for row in table.to_pylist()
    ]  # fmt: skip
