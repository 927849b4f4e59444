"""What every recovery plan needs to know besides the orders: the store, the clock reading,
its calendar and call windows, the platform's deadline and the store's payment behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from winback.analyse.payment_time import PaymentTimeReport
from winback.decide.timing import CallWindows

__all__ = ["PlanningContext"]


@dataclass(frozen=True, slots=True)
class PlanningContext:
    """``now`` is aware; ``zone`` is the store's time zone (it decides "yesterday" and the
    call windows); ``close_after`` the platform's auto-close time for unpaid orders;
    ``report`` the store's D6 payment-time report (None: no history, defaults apply);
    ``shop`` the name messages are signed with (【店名】)."""

    store_id: int
    now: datetime
    zone: ZoneInfo
    close_after: timedelta
    call_windows: CallWindows = ()
    ship_same_day_before: time | None = None
    report: PaymentTimeReport | None = None
    shop: str = ""

    def __post_init__(self) -> None:
        if self.now.utcoffset() is None:
            raise ValueError("now must be time-zone aware")
