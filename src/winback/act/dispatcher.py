"""The dispatcher: claims due actions and sends them, through the send policy, at most once.

One pass (:meth:`Dispatcher.run_once`) over one claimed batch::

    claim due (one statement)  →  read the facts at send time (orders, contact, consent,
    suppressions, caps)  →  policy.decide  →  cancel / skip / defer, or
    open the attempts (renewing the claims)  →  render  →  channel.send  →  record the outcome:
    sent; transient → retry at RetryPolicy.next_try (or failed when it says None);
    permanent → failed

Agent tasks (``phone_task``, ``chat_task``) are delivered by putting them on the agents'
worklist (status ``sent``), not by a network call: :class:`WorklistChannel`.

Crash safety (docs/recovery-engine.md): an action whose worker died while sending stays
``sending``; :meth:`Dispatcher.reconcile` (run when a worker starts, and between batches)
resolves those older than the lease by asking the channel (:class:`DeliveryLookup`) when it
can, and otherwise marks them ``unknown``: never resent automatically.

Rendering: a :class:`Renderer` turns an action into its message. A renderer that cannot
(a missing variable, a broken channel rule, no unsubscribe link for marketing) raises
:class:`~winback.act.templates.TemplateError`: that action fails for good with the reason
as its ``last_error``, and the worker goes on with the rest of the batch. Any other error
while rendering or sending one action (a bug, a channel that raises instead of returning a
result) is treated the same way: that action alone fails, with the error as its reason, never
retried; the outcomes of the batch's other actions are written whatever happens.

Logs name actions by id and key and mask phone numbers and e-mail addresses
(:mod:`winback.privacy`).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol, runtime_checkable

from winback.act import policy
from winback.act.channels.base import Channel, Message, Outcome, SendResult
from winback.act.retry import RetryPolicy
from winback.act.send_facts import FactSheet, task_address
from winback.act.templates import TemplateError
from winback.clock import Clock
from winback.config import PolicySettings
from winback.model import (
    Action,
    ActionChannel,
    ActionStatus,
)
from winback.privacy import mask_contact, mask_contacts
from winback.store.outbox import Settlement
from winback.store.outbox_engine import Outbox

__all__ = [
    "DeliveryLookup",
    "DispatchReport",
    "Dispatcher",
    "PlainRenderer",
    "Renderer",
    "WorklistChannel",
    "worker_name",
]

log = logging.getLogger("winback.dispatch")
FLUSH_EVERY = timedelta(seconds=1)
"""Outcomes are written in one transaction per batch, or sooner when sends are slow: an
outcome not yet written when a worker dies leaves its action ``unknown``, never resent."""


class Renderer(Protocol):
    """Turns an action and its recipient's address into the message to send; raises
    :class:`~winback.act.templates.TemplateError` when the action cannot be rendered."""

    def render(self, action: Action, to: str) -> Message: ...


@runtime_checkable
class DeliveryLookup(Protocol):
    """A channel that can say what became of a message sent with client reference ``key``
    (None: the provider has no record of it)."""

    def lookup(self, key: str) -> SendResult | None: ...


class PlainRenderer:
    """The template's name and its parameters as plain text: enough for agent tasks and
    for tests; the real message templates (Jinja2, per channel) replace it."""

    def render(self, action: Action, to: str) -> Message:
        params = ", ".join(f"{name}={value}" for name, value in sorted(action.params.items()))
        return Message(
            channel=action.channel,
            to=to,
            body=f"{action.template}: {params}" if params else action.template,
            key=action.key,
            template_code=action.template,
            params=dict(action.params),
        )


class WorklistChannel:
    """Delivers an agent task by making it visible on the worklist: the action becomes
    ``sent`` (its status is the worklist's source); nothing leaves the building."""

    def send(self, message: Message) -> SendResult:
        return SendResult.sent(f"task:{message.key}", "on the agents' worklist")

    def lookup(self, key: str) -> SendResult | None:
        return SendResult.sent(f"task:{key}", "on the agents' worklist")


@dataclass
class DispatchReport:
    """What a dispatcher did, per outcome (``retried``: a transient failure, queued again),
    in all and per store (``by_store``: (store id, outcome) → actions; an outcome the outbox
    did not record, counted ``lost`` after a batch, belongs to no one store)."""

    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reconciled: Counter[str] = field(default_factory=Counter)
    by_store: Counter[tuple[int, str]] = field(default_factory=Counter)

    def add(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.outcomes.update(other.outcomes)
        self.reconciled.update(other.reconciled)
        self.by_store.update(other.by_store)

    def count(self, store_id: int, outcome: str) -> None:
        """One action of ``store_id`` ended in ``outcome``."""
        self.outcomes[outcome] += 1
        self.by_store[(store_id, outcome)] += 1

    def to_dict(self) -> dict[str, object]:
        return {
            "claimed": self.claimed,
            **{name: self.outcomes[name] for name in sorted(self.outcomes)},
            "reconciled": dict(sorted(self.reconciled.items())),
        }


def worker_name() -> str:
    """``host:pid:random`` — unique per worker process, readable in the actions table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Dispatcher:
    """One worker: claims batches of due actions and delivers them through ``channels``.

    Only actions whose channel is in ``channels`` are claimed. ``clock`` is read for every
    decision and record (a worker runs for a long time).
    """

    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[ActionChannel, Channel],
        *,
        clock: Clock,
        rules: PolicySettings | None = None,
        store_rules: Mapping[int, PolicySettings] | None = None,
        retry: RetryPolicy | None = None,
        renderer: Renderer | None = None,
        worker: str | None = None,
        batch_size: int = 50,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self.outbox = outbox
        self.channels = dict(channels)
        self.clock = clock
        self.rules = rules or PolicySettings()
        self.store_rules = dict(store_rules or {})
        self.retry = retry or RetryPolicy()
        self.renderer = renderer or PlainRenderer()
        self.worker = worker or worker_name()
        self.batch_size = batch_size
        self.lease = lease

    def rules_of(self, action: Action) -> PolicySettings:
        """The send policy of the action's store (its ``[stores.NAME.policy]``), else the
        shared one."""
        return self.store_rules.get(action.store_id, self.rules)

    # -- running ---------------------------------------------------------------------------

    def drain(self, *, max_batches: int | None = None) -> DispatchReport:
        """Reconcile, then run batches until nothing is due (or ``max_batches`` ran)."""
        report = DispatchReport()
        report.reconciled.update(self.reconcile())
        batches = 0
        while max_batches is None or batches < max_batches:
            done = self.run_once()
            report.add(done)
            batches += 1
            if done.claimed == 0:
                break
        return report

    def reconcile(self) -> dict[str, int]:
        """Resolve actions left ``sending`` longer than the lease (their worker died)."""
        now = self.clock.now()
        counts = self.outbox.reconcile(
            now=now, stale_before=now - self.lease, resolve=self._resolve_stale
        )
        for status, n in counts.items():
            log.warning("reconciled %d abandoned action(s) as %s", n, status)
        return counts

    def run_once(self) -> DispatchReport:
        """Claim one batch of due actions and see each to its next state."""
        report = DispatchReport()
        batch = self.outbox.claim(
            now=self.clock.now(),
            limit=self.batch_size,
            worker=self.worker,
            channels=sorted(self.channels),
        )
        report.claimed = len(batch)
        if not batch:
            return report
        now = self.clock.now()
        facts = self.outbox.facts(batch, now=now)
        tally = FactSheet(facts)
        pending = _Pending(self, report)
        to_send: list[tuple[Action, str]] = []
        for action in batch:
            send_facts = tally.send_facts(action, now)
            decision = policy.decide(action, send_facts, self.rules_of(action), now=now)
            if isinstance(decision, policy.Send):
                tally.count_send(action, now)
                to_send.append((action, send_facts.address or task_address(action, facts)))
            else:
                pending.add(_settlement(action, decision), _label(decision), action.store_id)
        try:
            if to_send:
                self._send_all(to_send, pending, report)
        finally:
            # What was sent is written even if something above failed: an outcome left
            # unwritten would end ``unknown`` at the next reconcile.
            pending.flush()
        return report

    def _send_all(
        self, to_send: list[tuple[Action, str]], pending: _Pending, report: DispatchReport
    ) -> None:
        opened = self.outbox.open_attempts(
            [a for a, _ in to_send], worker=self.worker, now=self.clock.now()
        )
        for action, to in to_send:
            attempt = opened.get(action.id)
            if attempt is None:
                report.count(action.store_id, "lost")
                log.warning("action %d: claim lost before sending; not sent", action.id)
                continue
            pending.add(*self._deliver(action, to, attempt), action.store_id)
            pending.flush_if_due()

    def preview(
        self, *, limit: int
    ) -> list[tuple[Action, policy.Decision, str, Message | TemplateError | None]]:
        """What :meth:`run_once` would do with the first ``limit`` due actions — decision,
        recipient, rendered message (or why it cannot be rendered) — without claiming,
        sending or writing anything."""
        now = self.clock.now()
        due = self.outbox.due(now=now, limit=limit, channels=sorted(self.channels))
        facts = self.outbox.facts(due, now=now)
        tally = FactSheet(facts)
        found: list[tuple[Action, policy.Decision, str, Message | TemplateError | None]] = []
        for action in due:
            send_facts = tally.send_facts(action, now)
            decision = policy.decide(action, send_facts, self.rules_of(action), now=now)
            to = send_facts.address or task_address(action, facts)
            message: Message | TemplateError | None = None
            if isinstance(decision, policy.Send):
                tally.count_send(action, now)
                try:
                    message = self.renderer.render(action, to)
                except TemplateError as error:
                    message = error
                except Exception as error:  # one action's failure is its own
                    message = TemplateError(_unexpected(error))
            found.append((action, decision, to, message))
        return found

    # -- the steps -------------------------------------------------------------------------

    def _deliver(self, action: Action, to: str, attempt: int) -> tuple[Settlement, str]:
        """Send one action; the settlement that records what happened, and its label.

        Nothing raised while rendering or sending one action escapes: the action fails with
        the reason and the batch goes on. A channel that raises (rather than returning a
        :class:`SendResult`) may or may not have sent: the action fails, never retried.
        """
        try:
            message = self.renderer.render(action, to)
        except Exception as error:  # a template's failure is that action's
            reason = str(error) if isinstance(error, TemplateError) else _unexpected(error)
            return self._failed(action, attempt, f"cannot render: {mask_contacts(reason)}")
        try:
            result = self.channels[action.channel].send(message)
        except Exception as error:  # a channel's bug fails this action only
            return self._failed(
                action, attempt, f"the {action.channel} channel failed: {_unexpected(error)}"
            )
        return self._settle_result(action, to, attempt, result)

    def _failed(self, action: Action, attempt: int, reason: str) -> tuple[Settlement, str]:
        log.warning("action %d failed: %s", action.id, reason)
        return Settlement(
            action.id, ActionStatus.FAILED, None, attempt, Outcome.PERMANENT.value, None, reason
        ), "failed"

    def _settle_result(
        self, action: Action, to: str, attempt: int, result: SendResult
    ) -> tuple[Settlement, str]:
        detail = mask_contacts(result.detail) if result.detail else result.detail
        if result.outcome is Outcome.SENT:
            log.info("action %d sent by %s to %s", action.id, action.channel, mask_contact(to))
            return Settlement(
                action.id, ActionStatus.SENT, None, attempt, "sent", result.provider_id,
                detail or None,
            ), "sent"  # fmt: skip
        if result.outcome is Outcome.TRANSIENT:
            retry_at = self.retry.next_try(
                action.attempts, now=self.clock.now(), retry_after=result.retry_after
            )
            if retry_at is not None:
                log.info("action %d: transient failure, retry at %s", action.id, retry_at)
                return Settlement(
                    action.id, ActionStatus.PLANNED, retry_at, attempt, "transient", None,
                    detail,
                ), "retried"  # fmt: skip
        log.warning("action %d failed (%s): %s", action.id, result.outcome, detail)
        return Settlement(
            action.id, ActionStatus.FAILED, None, attempt, result.outcome.value, None, detail,
        ), "failed"  # fmt: skip

    def _resolve_stale(self, action: Action) -> tuple[ActionStatus, str | None, str]:
        channel: object = self.channels.get(action.channel)
        if not isinstance(channel, DeliveryLookup):
            return ActionStatus.UNKNOWN, None, "worker died while sending; channel has no lookup"
        found = channel.lookup(action.key)
        if found is None or found.outcome is Outcome.TRANSIENT:
            return ActionStatus.UNKNOWN, None, "worker died while sending; provider has no record"
        if found.outcome is Outcome.SENT:
            return ActionStatus.SENT, found.provider_id, "found at the provider"
        return ActionStatus.FAILED, None, f"provider refused it: {found.detail}"


class _Pending:
    """Outcomes of one batch waiting to be written together (see :data:`FLUSH_EVERY`)."""

    def __init__(self, dispatcher: Dispatcher, report: DispatchReport) -> None:
        self.dispatcher = dispatcher
        self.report = report
        self.settlements: list[Settlement] = []
        self.labels: list[tuple[int, str]] = []
        self.since = dispatcher.clock.now()

    def add(self, settlement: Settlement, label: str, store_id: int) -> None:
        self.settlements.append(settlement)
        self.labels.append((store_id, label))

    def flush_if_due(self) -> None:
        if self.dispatcher.clock.now() - self.since >= FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        if not self.settlements:
            return
        d = self.dispatcher
        moved = d.outbox.settle(self.settlements, worker=d.worker, now=d.clock.now())
        self.report.outcomes.update(label for _, label in self.labels)
        self.report.by_store.update(self.labels)
        if moved < len(self.settlements):
            lost = len(self.settlements) - moved
            log.warning("%d outcome(s) not recorded: the claim was reconciled meanwhile", lost)
            self.report.outcomes["lost"] += lost
        self.settlements, self.labels = [], []
        self.since = d.clock.now()


def _settlement(action: Action, decision: policy.Decision) -> Settlement:
    """The record of a decision not to send now (cancel, skip, defer)."""
    if isinstance(decision, policy.Defer):
        log.info("action %d deferred to %s: %s", action.id, decision.until, decision.reason)
        return Settlement(action.id, ActionStatus.PLANNED, decision.until, answer=decision.reason)
    assert isinstance(decision, policy.Cancel | policy.Skip)
    status = ActionStatus.CANCELLED if isinstance(decision, policy.Cancel) else ActionStatus.SKIPPED
    log.info("action %d %s: %s", action.id, status, decision.reason)
    return Settlement(action.id, status, answer=decision.reason)


def _unexpected(error: Exception) -> str:
    """An unexpected error as a reason an operator can read (contacts masked)."""
    text = str(error).strip()
    return mask_contacts(f"{type(error).__name__}: {text}" if text else type(error).__name__) or ""


def _label(decision: policy.Decision) -> str:
    return {policy.Defer: "deferred", policy.Cancel: "cancelled", policy.Skip: "skipped"}[
        type(decision)
    ]
