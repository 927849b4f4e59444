"""The only place that reads the wall clock.

Everything that decides *when* takes ``now`` as an argument; the composition root passes
``SystemClock().now()``; tests and the demo's simulated days use a :class:`FixedClock`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


_DEFAULT_NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


class FixedClock:
    """A :class:`~winback.clock.Clock` that says what it is told; ``advance`` moves it."""

    def __init__(self, now: datetime = _DEFAULT_NOW) -> None:
        self.set(now)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        if now.utcoffset() is None:
            raise ValueError(f"the clock needs an aware datetime, not {now!r}")
        self._now = now.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now
