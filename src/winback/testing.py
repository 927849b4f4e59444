"""Fakes shipped with winback, for its own tests and for anyone who builds on it.

* :class:`FixedClock` — a clock that only moves when told to (it lives in
  :mod:`winback.clock`, which shipped code such as the demo uses; re-exported here).
* :class:`MemoryChannel` — a channel that keeps what it is given; it can be told to answer
  transient or permanent failures, to be slow, and it can be asked whether it delivered a
  message (like a provider's lookup by client reference).
* :func:`planned_action` — a payment-reminder :class:`~winback.model.PlannedAction` with
  sensible defaults, for tests and benchmarks.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from winback.act.channels.base import Message, Outcome, SendResult
from winback.clock import FixedClock
from winback.model import ActionChannel, PlannedAction, Purpose

__all__ = ["FixedClock", "MemoryChannel", "planned_action"]

DEFAULT_NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
"""A Friday morning in Shanghai: inside every quiet-hours window."""


class MemoryChannel:
    """A channel that delivers into a list.

    ``script`` answers the next sends in order (e.g. ``[SendResult.transient("503")]``); once
    it is used up every send succeeds, unless ``always`` says otherwise. ``delay`` seconds
    are slept per send (a slow provider). Only successful sends are kept in ``sent``.
    """

    def __init__(
        self,
        kind: ActionChannel = ActionChannel.SMS,
        *,
        script: Iterable[SendResult] = (),
        always: SendResult | None = None,
        delay: float = 0.0,
    ) -> None:
        self.kind = kind
        self.sent: list[Message] = []
        self.calls = 0
        self.delay = delay
        self.always = always
        self._script: deque[SendResult] = deque(script)
        self._ids = itertools.count(1)
        self._by_key: dict[str, SendResult] = {}
        self._lock = threading.Lock()

    def fail_next(self, result: SendResult, times: int = 1) -> None:
        """Answer the next ``times`` sends with ``result``."""
        self._script.extend([result] * times)

    def send(self, message: Message) -> SendResult:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.calls += 1
            result = self._script.popleft() if self._script else self.always
            if result is None:
                result = SendResult.sent(f"mem-{next(self._ids)}")
            if result.outcome is Outcome.SENT:
                self.sent.append(message)
                self._by_key[message.key] = result
            return result

    def lookup(self, key: str) -> SendResult | None:
        """What the provider knows of the message sent with client reference ``key``."""
        return self._by_key.get(key)


def planned_action(
    store_id: int = 1,
    order_id: str = "1001",
    *,
    playbook: str = "unpaid",
    step: int = 1,
    channel: ActionChannel = ActionChannel.SMS,
    purpose: Purpose = Purpose.TRANSACTIONAL,
    due_at: datetime = DEFAULT_NOW,
    customer_id: int | None = None,
    **fields: Any,
) -> PlannedAction:
    """A payment reminder for one order, keyed ``order:<id>:<playbook>:<step>``."""
    values: dict[str, Any] = {
        "key": f"order:{order_id}:{playbook}:{step}",
        "template": f"{playbook}_{step}",
        "order_ids": (order_id,),
        "amount": Decimal("99.00"),
        "params": {"order_id": order_id},
    }
    values.update(fields)
    return PlannedAction(
        store_id=store_id,
        playbook=playbook,
        step=step,
        channel=channel,
        purpose=purpose,
        due_at=due_at,
        customer_id=customer_id,
        **values,
    )
