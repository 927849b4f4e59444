"""Orders whose amount dwarfs the store's usual order: flagged, never silently summed.

One unpaid order of ¥188,320 in a shop of ¥100 orders made one day's unpaid amount ¥211,695
(issue 10): the day reads as a disaster while it is one order (often a test order, a typo
in a price, or a wholesale enquiry). Every figure still counts it — the D1 parts must add up
to the total — but the diagnosis names it beside the figures it dominates.

An order is an **outlier** when, among the store's orders up to the moment (at least
:data:`MIN_ORDERS` with a positive amount), its amount is

* at least :data:`MIN_TIMES` times the median order amount, and
* far out on the log scale: its modified z-score ``0.6745 · (ln a − median ln a) / MAD``
  (Iglewicz & Hoaglin 1993, *How to Detect and Handle Outliers*, §2.2; the median absolute
  deviation of the log amounts) is above :data:`MAX_SCORE` — so a shop whose orders range
  widely (a wholesaler) needs a larger gap than one that sells at one price. Their cut for
  roughly normal data is 3.5; order amounts are heavier-tailed even on the log scale, and on
  a year of the UCI wholesaler 3.5 flagged 116 invoices (down to £6,549, 22 times the median)
  where 5 flags the six from £31,698 up, the two largest of them cancelled.

Each row says how many times the median it is and what share of its day's amount it makes.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import pyarrow as pa

from winback.analyse.frames import ORDERS, check, columns, run_query

__all__ = ["MAX_SCORE", "MIN_ORDERS", "MIN_TIMES", "amount_outliers"]

MIN_ORDERS: Final = 20
"""Fewer orders with an amount: nothing is usual yet, nothing is flagged."""
MIN_TIMES: Final = 20.0
"""An outlier is at least this many times the median order (a coat in a shop of scarves is
not an outlier)."""
MAX_SCORE: Final = 5.0
"""The cut for the modified z-score of the log amount (see the module)."""

REQUIRED: Final = columns(ORDERS, ("order_id", "status", "created_at", "total_amount"))


def amount_outliers(
    orders: pa.Table,
    *,
    timezone: str,
    start: date | None = None,
    end: date | None = None,
) -> pa.Table:
    """The outlier orders placed in ``[start, end]`` (store calendar), judged against every
    order of ``orders``: ``order_id``, ``day``, ``status``, ``amount``, ``median_amount``,
    ``times_median`` and ``share_of_day`` (of the amount of the orders placed that day);
    largest first."""
    params = {
        "tz": timezone,
        "first_day": start,
        "last_day": end,
        "min_orders": MIN_ORDERS,
        "min_times": MIN_TIMES,
        "max_score": MAX_SCORE,
    }
    return run_query("amount_outliers.sql", params, orders=check(orders, REQUIRED, "orders"))
