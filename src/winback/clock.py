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


class StoppedClock:
    """A clock that always reads one moment: ``--as-of``, a shop looking at its store as it
    stood at an export's time (or a report re-run for a past day)."""

    def __init__(self, moment: datetime) -> None:
        if moment.utcoffset() is None:
            raise ValueError(f"the clock needs an aware datetime, not {moment!r}")
        self.moment = moment.astimezone(UTC)

    def now(self) -> datetime:
        return self.moment
