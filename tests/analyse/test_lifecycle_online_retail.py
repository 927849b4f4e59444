"""Lifecycle segments, scores and the win-back list on real data: the UCI Online Retail
invoices of a UK gift-ware wholesaler, 2010-12-01..2011-12-09 (docs/lifecycle.md)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from winback.analyse.customer_scores import score_customers
from winback.analyse.lifecycle import lifecycle, purchase_days
from winback.analyse.winback_targets import TargetRules, reason, winback_targets

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
ONLINE_RETAIL = DATA / "online_retail_2010_2011.csv.gz"
AS_OF = date(2011, 12, 9)
ZONE = "Europe/London"

pytestmark = pytest.mark.skipif(
    not ONLINE_RETAIL.is_file(),
    reason=f"the UCI Online Retail data is not at {ONLINE_RETAIL} (../shared/data is absent)",
)

# One order per invoice. A credit note ("C" invoice) is matched, line by line, to the latest
# earlier sale of the same stock code to the same customer (an ASOF join) and becomes a
# refund of that invoice; credit notes without an earlier sale (returns of purchases before
# the data starts) are dropped. An invoice refunded in full is status "refunded".
INVOICES = """
WITH lines AS (
    SELECT InvoiceNo AS invoice, CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_key,
           StockCode AS stock, Quantity AS quantity, CAST(UnitPrice AS DECIMAL(18, 2)) AS price,
           InvoiceDate AS ts
    FROM read_csv($path, header = true,
                  types = {'InvoiceNo': 'VARCHAR', 'StockCode': 'VARCHAR',
                           'CustomerID': 'DOUBLE', 'InvoiceDate': 'TIMESTAMP'})
    WHERE CustomerID IS NOT NULL
),
sales AS (SELECT * FROM lines WHERE invoice NOT LIKE 'C%' AND quantity > 0),
returns AS (SELECT * FROM lines WHERE invoice LIKE 'C%'),
matched AS (
    SELECT s.invoice, CAST(-r.quantity * r.price AS DECIMAL(18, 2)) AS refund
    FROM returns r ASOF JOIN sales s
      ON r.customer_key = s.customer_key AND r.stock = s.stock AND r.ts >= s.ts
),
refunds AS (SELECT invoice, SUM(refund) AS refund FROM matched GROUP BY invoice),
invoices AS (
    SELECT invoice, customer_key, MIN(ts) AS ts,
           CAST(SUM(quantity * price) AS DECIMAL(18, 2)) AS total
    FROM sales GROUP BY invoice, customer_key
)
SELECT i.invoice AS order_id, i.customer_key,
       CASE WHEN COALESCE(f.refund, 0) >= i.total THEN 'refunded' ELSE 'settled' END AS status,
       timezone($zone, i.ts) AS created_at,
       i.total AS total_amount, i.total AS paid_amount,
       CAST(LEAST(COALESCE(f.refund, 0), i.total) AS DECIMAL(18, 2)) AS refund_amount
FROM invoices i LEFT JOIN refunds f USING (invoice)
ORDER BY created_at, order_id
"""
NOBODY_ELSE = pa.table({"customer_key": pa.array([], pa.string())})


@pytest.fixture(scope="module")
def orders() -> pa.Table:
    with duckdb.connect() as con:
        return con.sql(INVOICES, params={"path": str(ONLINE_RETAIL), "zone": ZONE}).to_arrow_table()


def test_invoices_become_orders_and_fully_credited_ones_are_refunded(orders: pa.Table) -> None:
    assert orders.num_rows == 18_536
    assert Counter(orders.column("status").to_pylist()) == {"settled": 18_379, "refunded": 157}
    assert len(set(orders.column("customer_key").to_pylist())) == 4_339


def test_a_year_of_history_is_too_short_to_learn_a_cutoff_of_half_a_year(orders: pa.Table) -> None:
    result = lifecycle(
        orders, NOBODY_ELSE, as_of=AS_OF, time_zone=ZONE, rule="learned", category="general",
        preset_days=90,
    )  # fmt: skip
    assert result.history_days == 373
    assert result.cutoff.source == "preset" and result.cutoff.days == 90
    assert result.cutoff.learned_days is not None and 150 <= result.cutoff.learned_days <= 250
    summary = {row["segment"]: row for row in result.summary.to_pylist()}
    assert summary["potential"]["customers"] == 0
    assert sum(row["customers"] for row in summary.values()) == 4_327  # 12 fully refunded
    assert summary["active"]["revenue_share"] > 0.8  # the repeat buyers carry the business
    assert 0.3 < summary["lost"]["customer_share"] < 0.4


def test_the_models_see_almost_no_dropout_and_the_list_ranks_lost_buyers_by_value(
    orders: pa.Table,
) -> None:
    days = purchase_days(orders, as_of=AS_OF, time_zone=ZONE)
    scores = score_customers(days, as_of=AS_OF, horizon_days=90)
    assert scores.params["purchases.a"] < 0.01  # lifetimes finds the same optimum
    assert float(np.median(scores.table.column("p_alive").to_numpy())) > 0.99
    segments = lifecycle(
        orders, NOBODY_ELSE, as_of=AS_OF, time_zone=ZONE, rule="90d", category="general",
        preset_days=90,
    ).customers  # fmt: skip
    targets = winback_targets(segments, scores.table, TargetRules(), limit=10).to_pylist()
    assert len(targets) == 10
    assert all(t["segment"] == "lost" and t["purchases"] >= 2 for t in targets)
    assert all(90 < t["days_since_last"] <= 730 for t in targets)
    assert [t["clv"] for t in targets] == sorted((t["clv"] for t in targets), reverse=True)
    assert reason(targets[0], "GBP").startswith(f"{targets[0]['purchases']} purchases, avg £")
