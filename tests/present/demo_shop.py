"""The moment and the period of the demo-sized diagnosis the present tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 11, 5)


class FixedClock:
    def now(self) -> datetime:
        return NOW
