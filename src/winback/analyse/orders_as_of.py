"""The store's orders as they stood at one moment: the one rule every figure and plan uses.

An export is a photograph: its statuses are true at the moment it was taken, and a store
built from exports holds orders that moved on since (paid later, closed by the platform).
Every diagnostic, plan, task list and report asks "as of when?", and reads the orders through
:func:`orders_as_of`, so that ``diagnose`` and ``plan`` can never disagree about which
orders are open:

* An order placed after ``as_of`` did not exist yet.
* An event counts when its time is at or before ``as_of``; an event the status implies but
  whose time is missing happened no later than the next recorded event (a ``settled`` order
  without ``delivered_at`` was delivered by ``settled_at``), and counts as done when none is
  recorded. Times after ``as_of`` are not known yet (null), nor is a refund made later.
* **The deadline rule.** An order still unpaid at ``as_of`` whose platform deadline
  (``close_after`` after it was placed: Taobao closes unpaid orders after 72 h, see
  docs/deadlines.md) has passed is closed before payment, at the deadline. Many exports carry
  no status column or keep 等待买家付款 on old rows; without this rule such orders would stay
  "unpaid" forever and the lost ratio would read 0%.
* A close time the data does not give (the rule above, or a 交易关闭 row of a Taobao report,
  which has no close time) is inferred: the deadline, or ``as_of`` if earlier. ``close_inferred``
  marks it, so nothing downstream presents it as a fact from the file.

The result has the :data:`~winback.analyse.frames.ORDERS` columns (``status`` now the status
as of ``as_of``) plus ``close_inferred``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.frames import ORDERS, check, run_query

__all__ = ["ORDERS_AS_OF", "open_unpaid", "orders_as_of"]

ORDERS_AS_OF: Final = ORDERS.append(pa.field("close_inferred", pa.bool_()))
"""The ``ORDERS`` contract of a store as of one moment, with ``close_inferred``."""


def orders_as_of(orders: pa.Table, *, as_of: datetime, close_after: timedelta) -> pa.Table:
    """``orders`` (the ``ORDERS`` contract) as they stood at ``as_of``; see the module."""
    if as_of.utcoffset() is None:
        raise ValueError(f"as_of must be time-zone aware, not {as_of!r}")
    if close_after <= timedelta(0):
        raise ValueError(f"close_after must be positive, not {close_after}")
    frame = check(orders, ORDERS, "orders")
    result = run_query(
        "orders_as_of.sql", {"as_of": as_of, "close_after": close_after}, orders=frame
    )
    return check(result, ORDERS_AS_OF, "orders as of")


def open_unpaid(known: pa.Table) -> pa.Table:
    """The orders still open and unpaid in a frame from :func:`orders_as_of`: D1's
    ``unpaid`` part, and exactly what the payment reminders may act on."""
    return known.filter(pc.equal(known["status"], "pending"))
