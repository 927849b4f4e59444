"""Channel fixtures: a fixed clock (UTC, 2026-11-30 03:04:05)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from channel_doubles import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 30, 3, 4, 5, tzinfo=UTC))
