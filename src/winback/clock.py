"""The only place that reads the wall clock.

Everything that decides *when* takes ``now`` as an argument; the composition root passes
``SystemClock().now()`` and tests pass a :class:`winback.testing.FixedClock`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, time-zone aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
