"""A channel that keeps what it is given, for tests and dry runs (A3's fake channel).

``MemoryChannel()`` accepts everything; ``MemoryChannel([SendResult.transient("busy")])``
answers the scripted outcomes in order, then accepts. ``sent`` holds every message it was
asked to send, in order, whatever the answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from winback.act.channels.base import Message, SendResult

__all__ = ["MemoryChannel"]


class MemoryChannel:
    def __init__(self, outcomes: Iterable[SendResult] = ()) -> None:
        self.sent: list[Message] = []
        self._script = deque(outcomes)

    def send(self, message: Message) -> SendResult:
        self.sent.append(message)
        if self._script:
            return self._script.popleft()
        return SendResult.sent(f"memory-{len(self.sent)}")
