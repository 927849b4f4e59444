"""When orders arrive: the period, the promotion days, daily volumes and the hour of day.

Times in the simulation are whole seconds of the shop's wall clock counted from midnight of
the first day (``shop seconds``); :func:`ShopPlan.to_local` turns them into aware datetimes
only when records are built, so a time zone never changes a draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

DAY: Final = 86_400
HOUR: Final = 3_600
MINUTE: Final = 60
NEVER: Final = np.int64(2**62)
"""An event that does not happen: later than any cutoff."""

# Share of a day's orders placed in each local hour on Taobao (evening peak, lunch and
# afternoon bumps, quiet nights).
_HOUR_WEIGHTS: Final = np.array(
    [2.0, 1.2, 0.6, 0.3, 0.2, 0.3, 0.6, 1.5, 3.0, 4.5, 5.8, 5.6,
     4.4, 4.8, 5.6, 5.4, 5.0, 4.6, 4.2, 5.0, 6.4, 7.4, 7.2, 4.4],
    dtype=np.float64,
)  # fmt: skip
_WEEKDAY_FACTORS: Final = (0.96, 0.95, 0.97, 0.98, 1.0, 1.07, 1.07)
PROMOTION_LIFT: Final = 1.1


@dataclass(frozen=True)
class ShopPlan:
    """The simulated period and its volumes.

    The promotion (满100减10 with 收藏送5元, seed 002) runs on the sixth- and fifth-last days,
    so the export still shows their orders closing after the 72-hour auto-close: with
    ``start=date(2024, 6, 6)`` and 60 days they are 30 and 31 July, as in the seed.
    """

    start: date
    days: int
    tz: str
    orders_per_day: float
    visitors_per_day: tuple[int, int] = (800, 1000)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def promotion_days(self) -> tuple[int, ...]:
        return (self.days - 6, self.days - 5) if self.days >= 8 else ()

    @property
    def end_seconds(self) -> int:
        return self.days * DAY

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def to_local(self, seconds: int) -> datetime:
        """The aware datetime of a shop-seconds instant."""
        naive = datetime.combine(self.start, time()) + timedelta(seconds=int(seconds))
        return naive.replace(tzinfo=self.zone)

    def seconds_of(self, moment: datetime) -> int:
        """Shop seconds of an aware datetime (the inverse of :meth:`to_local`)."""
        local = moment.astimezone(self.zone).replace(tzinfo=None)
        return int((local - datetime.combine(self.start, time())).total_seconds())


def daily_order_counts(
    rng: np.random.Generator, plan: ShopPlan, mean_per_day: float
) -> npt.NDArray[np.int64]:
    """Orders placed per day: weekday rhythm, day-to-day noise, the promotion's lift."""
    weekday = (plan.start.weekday() + np.arange(plan.days)) % 7
    factors = np.asarray(_WEEKDAY_FACTORS)[weekday] * rng.normal(1.0, 0.06, plan.days)
    factors[list(plan.promotion_days)] *= PROMOTION_LIFT
    return rng.poisson(np.clip(factors, 0.5, 2.0) * mean_per_day).astype(np.int64)


def creation_times(
    rng: np.random.Generator, counts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Sorted shop seconds at which the day's orders are placed."""
    total = int(counts.sum())
    day = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    hour = rng.choice(24, size=total, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    seconds = day * DAY + hour * HOUR + rng.integers(0, HOUR, size=total)
    return np.sort(seconds)


def daily_visitors(rng: np.random.Generator, plan: ShopPlan) -> npt.NDArray[np.int64]:
    low, high = plan.visitors_per_day
    visitors = rng.integers(low, high + 1, size=plan.days).astype(np.int64)
    visitors[list(plan.promotion_days)] = (visitors[list(plan.promotion_days)] * 1.15).astype(
        np.int64
    )
    return visitors
