"""When to try a transiently failed send again: a value, decided by :class:`RetryPolicy`.

Exponential backoff: ``retry_delay`` after the first failure, doubling with each try, at most
``max_retry_delay``; a provider's ``retry_after`` wins when it asks for longer. After
``max_attempts`` tries the answer is None: the action is marked ``failed``. Permanent
failures are never retried (the dispatcher does not ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from winback.config import DispatchSettings

__all__ = ["RetryPolicy"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    retry_delay: timedelta = timedelta(minutes=1)
    max_retry_delay: timedelta = timedelta(hours=1)

    @classmethod
    def from_settings(cls, settings: DispatchSettings) -> RetryPolicy:
        return cls(settings.max_attempts, settings.retry_delay, settings.max_retry_delay)

    def next_try(
        self, attempts: int, *, now: datetime, retry_after: timedelta | None = None
    ) -> datetime | None:
        """When to try again after the ``attempts``-th try failed transiently; None: give up."""
        if attempts >= self.max_attempts:
            return None
        delay: timedelta = min(self.max_retry_delay, self.retry_delay * (2 ** max(attempts - 1, 0)))
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return now + delay
