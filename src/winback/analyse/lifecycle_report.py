"""The numbers behind the report's lifecycle section: how the segments moved over time, how
alive the buyers are, and how customer value is spread (PRODUCT.md W1, W2, D7).

* :func:`p_alive_histogram`: buyers per P(alive) band of equal width (0–0.1, …, 0.9–1);
* :func:`clv_deciles`: buyers ranked by CLV in ten groups of (nearly) equal size, each with
  its total CLV and share of all CLV: how concentrated the value of the customer base is;
* segment sizes over time come from :func:`winback.analyse.lifecycle.segment_sizes_over_time`.

Frames in, frames out; money as Decimal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import duckdb
import pyarrow as pa

MONEY: Final = pa.decimal128(18, 2)

_CLV_DECILES: Final = """
WITH ranked AS (
    SELECT clv, ntile(10) OVER (ORDER BY clv DESC, customer_key) AS decile FROM scores
)
SELECT decile, COUNT(*) AS customers, CAST(SUM(clv) AS DECIMAL(18, 2)) AS clv,
       CAST(MIN(clv) AS DECIMAL(18, 2)) AS lowest, CAST(MAX(clv) AS DECIMAL(18, 2)) AS highest
FROM ranked GROUP BY decile ORDER BY decile
"""


def p_alive_histogram(scores: pa.Table, *, bands: int = 10) -> pa.Table:
    """``low``, ``high``, ``customers`` per band of P(alive); a P(alive) of exactly 1 falls in
    the last band. Every band has a row, empty ones too."""
    counts = [0] * bands
    for value in scores.column("p_alive").to_pylist():
        counts[min(int(float(value) * bands), bands - 1)] += 1
    return pa.table(
        {
            "low": [i / bands for i in range(bands)],
            "high": [(i + 1) / bands for i in range(bands)],
            "customers": pa.array(counts, pa.int64()),
        }
    )


def clv_deciles(scores: pa.Table) -> pa.Table:
    """``decile`` (1 = the most valuable tenth), ``customers``, ``clv`` (total), ``lowest``
    and ``highest`` CLV in it, and ``clv_share`` of all CLV (0 when all CLV is 0)."""
    with duckdb.connect() as con:
        con.register("scores", scores.select(["customer_key", "clv"]))
        table = con.sql(_CLV_DECILES).to_arrow_table()
    totals: list[Decimal] = table.column("clv").to_pylist()
    everything = sum(totals, start=Decimal(0))
    shares = [float(t / everything) if everything else 0.0 for t in totals]
    return table.append_column("clv_share", pa.array(shares, pa.float64()))
