"""Which lost customers are worth winning back (seed 004, PRODUCT.md W4), and why.

Seed 004: "don't try to reach every lost customer — it is costly and does not always work;
find the most promising". Its rule of thumb, made exact here:

* **lost**: the customer's lifecycle segment is ``lost`` (silent for longer than the cutoff);
* **promising**: at least ``min_purchases`` purchase days ("buyers who bought 2–3 times or
  more, not one-time buyers"); an average bill at or above the ``avg_bill_quantile`` of all
  buyers' average bills ("and their average bill"); silent for no longer than
  ``max_inactive_days`` ("customers who have not bought for 1–2 years": beyond that, the
  appeal is to a stranger);
* ranked by the customer lifetime value of the fitted models (the expected value of winning
  them back), then by past revenue.

Each row carries the facts of its reason: purchases, average bill and its rank among buyers,
time since the last purchase, P(alive) and CLV. Frames in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import duckdb
import pyarrow as pa

_TARGETS: Final = """
WITH buyers AS (
    SELECT *, cume_dist() OVER (ORDER BY avg_bill DESC) AS avg_bill_top
    FROM segments WHERE purchases > 0
),
threshold AS (SELECT quantile_cont(avg_bill, $quantile) AS bill FROM buyers)
SELECT b.customer_key, b.segment, b.purchases, b.revenue, b.avg_bill, b.avg_bill_top,
       b.last_purchase, b.days_since_last,
       s.p_alive, s.expected_purchases, s.expected_spend, s.clv
FROM buyers b
JOIN scores s ON s.customer_key = b.customer_key
CROSS JOIN threshold
WHERE (NOT $lost_only OR b.segment = 'lost')
  AND (NOT $promising OR (b.purchases >= $min_purchases
                          AND b.avg_bill >= threshold.bill
                          AND b.days_since_last <= $max_inactive))
ORDER BY s.clv DESC, b.revenue DESC, b.customer_key
LIMIT $limit
"""

CURRENCY_SIGNS: Final = {"CNY": "¥", "USD": "$", "GBP": "£", "EUR": "€", "JPY": "¥", "HKD": "HK$"}


@dataclass(frozen=True)
class TargetRules:
    """Which customers :func:`winback_targets` lists; see the module docstring."""

    lost_only: bool = True
    promising: bool = True
    min_purchases: int = 2
    avg_bill_quantile: float = 0.5
    max_inactive_days: int = 730


def winback_targets(
    segments: pa.Table, scores: pa.Table, rules: TargetRules, *, limit: int
) -> pa.Table:
    """The customers of ``segments`` (:func:`winback.analyse.lifecycle.customer_segments`)
    that pass ``rules``, best first, with their scores (``p_alive``,
    ``expected_purchases``, ``expected_spend``, ``clv`` by ``customer_key``). Customers
    without a score are left out. ``avg_bill_top`` is the share of buyers whose average
    bill is at least as high (0.1: the top 10%)."""
    params = {
        "quantile": rules.avg_bill_quantile,
        "lost_only": rules.lost_only,
        "promising": rules.promising,
        "min_purchases": rules.min_purchases,
        "max_inactive": rules.max_inactive_days,
        "limit": limit,
    }
    with duckdb.connect() as con:
        con.register("segments", segments)
        con.register("scores", scores)
        return con.sql(_TARGETS, params=params).to_arrow_table()


def reason(row: dict[str, object], currency: str, language: str = "en") -> str:
    """Why a customer is on the list, in one line, e.g. ``3 purchases, avg ¥412 (top 10%),
    last bought 14 months ago, P(alive) 0.31, CLV ¥120`` (``3 次购买，客单价 ¥412（前 10%），
    14 个月前最后购买，P(存活) 0.31，CLV ¥120`` in Chinese)."""
    sign = CURRENCY_SIGNS.get(currency, f"{currency} ")
    purchases = int(str(row["purchases"]))
    top = f"{max(float(str(row['avg_bill_top'])), 0.01):.0%}"
    avg, clv = f"{sign}{_money(row['avg_bill'])}", f"{sign}{_money(row['clv'])}"
    since = ago(int(str(row["days_since_last"])), language)
    alive = f"{float(str(row['p_alive'])):.2f}"
    if language == "zh":
        return (
            f"{purchases} 次购买，客单价 {avg}（前 {top}），{since}最后购买，"
            f"P(存活) {alive}，CLV {clv}"
        )
    parts = [
        f"{purchases} purchase{'s' if purchases != 1 else ''}",
        f"avg {avg} (top {top})",
        f"last bought {since}",
        f"P(alive) {alive}",
        f"CLV {clv}",
    ]
    return ", ".join(parts)


def ago(days: int, language: str = "en") -> str:
    """``45`` → ``45 days ago``; ``430`` → ``14 months ago``; ``800`` → ``2.2 years ago``
    (``45 天前``, ``14 个月前``, ``2.2 年前``)."""
    zh = language == "zh"
    if days < 60:
        return f"{days} 天前" if zh else f"{days} day{'s' if days != 1 else ''} ago"
    months = round(days / 30.44)
    if months < 24:
        return f"{months} 个月前" if zh else f"{months} months ago"
    years = days / 365.25
    return f"{years:.1f} 年前" if zh else f"{years:.1f} years ago"


def _money(value: object) -> str:
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{amount.quantize(Decimal('1')):,}"
