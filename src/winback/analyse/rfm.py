"""Recency-frequency-monetary summaries of transactions, the input of the BTYD models.

The conventions are those of Fader, Hardie & Lee (2005, "Counting Your Customers the Easy
Way") and of lifetimes' ``summary_data_from_transaction_data``:

* Time is counted in whole calendar days; several orders on one day are **one purchase**
  (their amounts add up). Aware timestamps are turned into days in ``time_zone``.
* ``frequency`` is the number of *repeat* purchase days (all purchase days but the first).
* ``recency`` is the time from the first to the last purchase day, ``T`` the time from the
  first purchase day to ``calibration_end``, both in units of ``time_unit_days`` days.
* ``monetary_value`` is the mean value of the repeat purchase days; the first purchase is
  left out, and a customer without repeat purchases has 0.
* An order whose ``status`` is ``closed`` (closed before payment), ``cancelled`` or
  ``refunded`` (see :class:`winback.model.OrderStatus`) is **no purchase**. Orders in any
  other status, or without a status column, are purchases. A missing amount counts as 0.
* Purchases before ``observation_start`` (when given) and after ``calibration_end`` (a day,
  inclusive) are ignored.

For the store's orders frame, :func:`winback.analyse.lifecycle.purchase_days` applies the
same rule and also drops an order refunded in full by amount (a refund as large as the
amount paid, whatever the status), takes partial refunds off the amount, and returns
day-level rows (``customer_key``, ``day``, ``amount``) this module accepts as transactions;
``winback customers score`` goes that way (docs/lifecycle.md).

Computed in DuckDB over Arrow: an in-memory connection per call, nothing attached.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa

from winback.errors import WinbackError
from winback.model import OrderStatus

NO_PURCHASE: Final = (OrderStatus.CLOSED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)

_DAYS: Final = """
CREATE TEMP TABLE days AS
SELECT customer_key, day, SUM(amount) AS amount
FROM (
    SELECT CAST(customer_key AS VARCHAR) AS customer_key,
           CAST(ordered_at AS DATE) AS day,
           COALESCE(CAST(amount AS DOUBLE), 0) AS amount
    FROM transactions
    WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL {status_filter}
)
WHERE day <= $last_day AND ($first_day IS NULL OR day >= $first_day)
GROUP BY customer_key, day
"""

_SUMMARY: Final = """
WITH customers AS (
    SELECT customer_key,
           MIN(day) AS first_day,
           MAX(day) AS last_day,
           COUNT(*) - 1 AS frequency,
           SUM(amount) - arg_min(amount, day) AS repeat_amount
    FROM days
    WHERE day <= $calibration_end
    GROUP BY customer_key
)
SELECT customer_key,
       frequency,
       (last_day - first_day) / $unit AS recency,
       ($calibration_end - first_day) / $unit AS T,
       CASE WHEN frequency > 0 THEN repeat_amount / frequency ELSE 0.0 END AS monetary_value,
       first_day AS first_purchase
FROM customers
ORDER BY customer_key
"""

_HOLDOUT: Final = """
SELECT s.*,
       COUNT(d.day) AS frequency_holdout,
       COALESCE(AVG(d.amount), 0.0) AS monetary_value_holdout,
       ($holdout_end - $calibration_end) / $unit AS duration_holdout
FROM summary AS s LEFT JOIN days AS d
  ON d.customer_key = s.customer_key AND d.day > $calibration_end
GROUP BY ALL
ORDER BY s.customer_key
"""


class TransactionTableError(WinbackError, ValueError):
    """The transactions table lacks a required column (customer_key, ordered_at, amount)."""


def rfm_summary(
    transactions: pa.Table,
    *,
    calibration_end: date | datetime,
    observation_start: date | datetime | None = None,
    time_unit_days: float = 7.0,
    time_zone: str = "UTC",
) -> pa.Table:
    """One row per customer: frequency, recency, T, monetary_value, first_purchase.

    See the module docstring for the conventions. ``customer_key`` is cast to a string.
    """
    end = _day(calibration_end)
    with _connection(transactions, end, observation_start, time_zone) as con:
        params = {"calibration_end": end, "unit": float(time_unit_days)}
        return con.sql(_SUMMARY, params=params).to_arrow_table()


def calibration_and_holdout(
    transactions: pa.Table,
    *,
    calibration_end: date | datetime,
    holdout_end: date | datetime,
    observation_start: date | datetime | None = None,
    time_unit_days: float = 7.0,
    time_zone: str = "UTC",
) -> pa.Table:
    """The calibration summary of :func:`rfm_summary` plus the held-out period per customer.

    Added columns: ``frequency_holdout`` (purchase days in ``(calibration_end,
    holdout_end]``), ``monetary_value_holdout`` (their mean value, 0 without any) and
    ``duration_holdout`` (the length of that period in units). Only customers with a
    purchase in the calibration period appear.
    """
    end, last = _day(calibration_end), _day(holdout_end)
    if last <= end:
        raise ValueError("holdout_end must come after calibration_end")
    with _connection(transactions, last, observation_start, time_zone) as con:
        params: dict[str, Any] = {"calibration_end": end, "unit": float(time_unit_days)}
        summary = con.sql(_SUMMARY, params=params).to_arrow_table()
        con.register("summary", summary)
        params["holdout_end"] = last
        return con.sql(_HOLDOUT, params=params).to_arrow_table()


def cdnow_transactions(path: str | Path) -> pa.Table:
    """Read the CDNOW transaction files of Fader & Hardie (gzip or plain text).

    Whitespace-separated, no header: ``customer_id date number_of_cds dollar_value``
    (``CDNOW_master``) or ``master_id sample_id date number_of_cds dollar_value``
    (``CDNOW_sample``), dates as ``YYYYMMDD``. The master id is the ``customer_key``.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    keys: list[str] = []
    days: list[date] = []
    quantities: list[int] = []
    amounts: list[float] = []
    with opener(path, "rt") as lines:
        for line in lines:
            fields = line.split()
            if not fields:
                continue
            stamp, quantity, amount = fields[-3:]
            keys.append(fields[0])
            days.append(date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:])))
            quantities.append(int(quantity))
            amounts.append(float(amount))
    return pa.table(
        {"customer_key": keys, "ordered_at": days, "quantity": quantities, "amount": amounts}
    )


def _day(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


@contextmanager
def _connection(
    transactions: pa.Table, last_day: date, first_day: date | datetime | None, time_zone: str
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with the purchase ``days`` of ``transactions``."""
    missing = {"customer_key", "ordered_at", "amount"} - set(transactions.column_names)
    if missing:
        raise TransactionTableError(f"transactions lack column(s): {', '.join(sorted(missing))}")
    status_filter = ""
    if "status" in transactions.column_names:
        lost = ", ".join(f"'{status.value}'" for status in NO_PURCHASE)
        status_filter = f"AND (status IS NULL OR CAST(status AS VARCHAR) NOT IN ({lost}))"
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = ?", [time_zone])
        con.register("transactions", transactions)
        start = None if first_day is None else _day(first_day)
        con.execute(
            _DAYS.format(status_filter=status_filter), {"last_day": last_day, "first_day": start}
        )
        yield con
    finally:
        con.close()
