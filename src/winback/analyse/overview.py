"""The daily overview: orders per day by status, amounts, new and returning buyers.

Frames in, frames out: the input is the store's orders as an Arrow table (see
:func:`winback.store.repo.orders_table`), the output an Arrow table with one row per day of
the store's calendar. The full loss decomposition (D1) builds on the same input.
"""

from __future__ import annotations

from importlib import resources

import duckdb
import pyarrow as pa

ORDER_COLUMNS = ("order_id", "customer_key", "status", "created_at", "paid_at", "total_amount")


def daily_overview(orders: pa.Table, *, timezone: str) -> pa.Table:
    """One row per day (in ``timezone``): orders, amount, count per status, closed amount,
    distinct new and returning buyers."""
    missing = [name for name in ORDER_COLUMNS if name not in orders.column_names]
    if missing:
        raise ValueError(f"orders table lacks columns: {', '.join(missing)}")
    query = resources.files("winback.analyse").joinpath("sql/daily_overview.sql").read_text()
    with duckdb.connect() as conn:
        conn.register("orders", orders.select(list(ORDER_COLUMNS)))
        result: pa.Table = conn.sql(query, params={"tz": timezone}).to_arrow_table()
        return result
