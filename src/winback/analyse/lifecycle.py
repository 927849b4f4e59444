"""Customer lifecycle segments (seed 004, PRODUCT.md W1): potential, active, repeat-seeking, lost.

Seed 004 splits a store's audience into four groups, each with its own marketing plan:
潜在客户 (potential), 活跃的客户 (active), 寻求重复销售的顾客 (customers from whom a repeat sale
is sought) and 失去客户 (lost). The rules, at a day ``as_of`` and with a churn cutoff of ``C``
days:

* **potential**: known to the store (a customer list, a cart, a wishlist, a chat, an order
  that was never paid) but without a single purchase up to ``as_of``;
* **lost**: bought, but not in the last ``C`` days (``as_of - last purchase day > C``);
* **repeat-seeking**: bought on exactly one day, within the cutoff: a first-time buyer whose
  second purchase the store is after (the seed's new buyer buys again with 5% probability, a
  returning one with 60%: turning the first into the second is the job);
* **active**: bought on two or more days, the last within the cutoff.

A *purchase* is an order that was not closed before payment, cancelled or fully refunded
(:data:`winback.analyse.rfm.NO_PURCHASE`, plus a refund as large as the amount paid); its
value is the paid amount (the total when the paid amount is unknown) minus partial refunds.
Orders on one calendar day of the store's time zone are one purchase, as in the RFM summary.

The cutoff comes from :func:`churn_cutoff`: the category preset, a fixed number of days, or
learned from the store's own gaps between purchases. Frames in, frames out, DuckDB over
Arrow; ``as_of`` is always passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Final, Literal

import duckdb
import pyarrow as pa

from winback.analyse.rfm import NO_PURCHASE

SEGMENTS: Final = ("potential", "active", "repeat_seeking", "lost")
MONEY: Final = pa.decimal128(18, 2)

CutoffSource = Literal["learned", "preset", "fixed"]


@dataclass(frozen=True)
class Cutoff:
    """The churn cutoff used, where it came from and why, in words a merchant can check."""

    days: int
    source: CutoffSource
    reason: str
    category: str
    gaps: int = 0
    learned_days: int | None = None
    reason_zh: str = ""
    """The same reason in Chinese, for a Chinese store's team."""

    def reason_in(self, language: str) -> str:
        """The reason in ``language`` (``zh`` or ``en``)."""
        return self.reason_zh if language == "zh" and self.reason_zh else self.reason


@dataclass(frozen=True)
class Lifecycle:
    """The segments of one store at ``as_of``.

    ``customers`` has one row per customer (``customer_key``, ``segment``, ``purchases``,
    ``revenue``, ``avg_bill``, ``first_purchase``, ``last_purchase``, ``days_since_last``);
    ``summary`` one row per segment (``segment``, ``customers``, ``customer_share``,
    ``revenue``, ``revenue_share``) in the order of :data:`SEGMENTS`. ``history_days`` is the
    time from the first purchase to ``as_of``; ``notes`` say what the numbers cannot show.
    """

    as_of: date
    cutoff: Cutoff
    customers: pa.Table
    summary: pa.Table
    history_days: int
    notes: tuple[str, ...]
    notes_zh: tuple[str, ...] = ()
    """The same notes in Chinese, for a Chinese store's team."""

    def notes_in(self, language: str) -> tuple[str, ...]:
        """The notes in ``language`` (``zh`` or ``en``)."""
        return self.notes_zh if language == "zh" else self.notes


def purchase_days(orders: pa.Table, *, as_of: date, time_zone: str) -> pa.Table:
    """One row per customer and calendar day with a purchase: ``customer_key``, ``day``,
    ``amount`` (decimal). Reads ``customer_key``, ``status``, ``created_at`` (aware),
    ``total_amount``, ``paid_amount`` and ``refund_amount`` of the orders frame; see the
    module docstring for what counts as a purchase."""
    params = {"as_of": as_of, "no_purchase": [status.value for status in NO_PURCHASE]}
    with duckdb.connect() as con:
        con.execute("SET TimeZone = ?", [time_zone])
        con.register("orders", _with_money_columns(orders))
        query = _sql("lifecycle_purchase_days.sql")
        days: pa.Table = con.sql(query, params=params).to_arrow_table()
    return days.cast(
        pa.schema([("customer_key", pa.string()), ("day", pa.date32()), ("amount", MONEY)])
    )


def _sql(name: str) -> str:
    """The text of the named query in ``winback/analyse/sql/``."""
    return resources.files("winback.analyse").joinpath(f"sql/{name}").read_text("utf-8")


def _with_money_columns(orders: pa.Table) -> pa.Table:
    """The orders frame with ``paid_amount`` and ``refund_amount`` added as nulls when absent."""
    for name in ("paid_amount", "refund_amount"):
        if name not in orders.column_names:
            orders = orders.append_column(name, pa.nulls(orders.num_rows, MONEY))
    return orders


def churn_cutoff(
    days: pa.Table,
    *,
    as_of: date,
    rule: str,
    category: str,
    preset_days: int,
    quantile: float = 0.9,
    min_gaps: int = 30,
) -> Cutoff:
    """The churn cutoff in days for ``rule`` = ``"learned"``, ``"preset"`` or ``"<N>d"``.

    *Learned*: the ``quantile`` of the gaps (in days) between consecutive purchase days of
    the same customer, over every repeat buyer. A history of ``S`` days shows a gap of ``g``
    days only if it fits in it, which it does in ``S - g + 1`` placements: short gaps are
    over-represented (length bias). Each gap is therefore weighted by ``1 / (S - g + 1)``
    and the weighted quantile is taken. The learned value is used only when there are at
    least ``min_gaps`` gaps *and* the history spans at least twice the learned value: a shop
    that has traded 60 days cannot have seen a 90-day gap at all. Otherwise the category
    preset is used, and the reason says which condition failed.
    """
    if rule.endswith("d") and rule[:-1].isdigit():
        fixed = int(rule[:-1])
        return Cutoff(
            fixed, "fixed", f"fixed at {fixed} days by the settings", category,
            reason_zh=f"设置中固定为 {fixed} 天",
        )  # fmt: skip
    preset = Cutoff(
        preset_days, "preset", f"the {category} preset ({preset_days} days)", category,
        reason_zh=f"{_category_zh(category)}品类预设（{preset_days} 天）",
    )  # fmt: skip
    if rule == "preset":
        return preset
    with duckdb.connect() as con:
        con.register("days", days)
        rows = con.execute(_sql("lifecycle_gaps.sql"), {"as_of": as_of}).fetchall()
    gaps = len(rows)
    share = f"{quantile:.0%}"
    if gaps < min_gaps:
        reason = (
            f"the {category} preset ({preset_days} days): only {gaps} gaps between repeat "
            f"purchases, {min_gaps} are needed to learn a cutoff"
        )
        reason_zh = (
            f"{_category_zh(category)}品类预设（{preset_days} 天）：复购间隔只有 {gaps} 个，"
            f"学习流失期需要 {min_gaps} 个"
        )
        return Cutoff(preset_days, "preset", reason, category, gaps, reason_zh=reason_zh)
    learned = max(1, _weighted_quantile(rows, quantile))
    span = _history_days(days, as_of)
    if span < 2 * learned:
        reason = (
            f"the {category} preset ({preset_days} days): {share} of {gaps} gaps between "
            f"repeat purchases (weighted for length bias) are within {learned} days, but "
            f"{span} days of history cannot show longer gaps (learning needs {2 * learned})"
        )
        reason_zh = (
            f"{_category_zh(category)}品类预设（{preset_days} 天）："
            f"{gaps} 个复购间隔（已按长度偏差加权）中 {share} 在 {learned} 天以内，"
            f"但 {span} 天的历史看不到更长的间隔"
            f"（学习需要 {2 * learned} 天）"
        )
        return Cutoff(preset_days, "preset", reason, category, gaps, learned, reason_zh=reason_zh)
    reason = (
        f"learned: {share} of {gaps} gaps between repeat purchases (weighted for length "
        f"bias) are within {learned} days"
    )
    reason_zh = f"从本店学得：{gaps} 个复购间隔（已按长度偏差加权）中 {share} 在 {learned} 天以内"
    return Cutoff(learned, "learned", reason, category, gaps, learned, reason_zh=reason_zh)


def customer_segments(
    days: pa.Table, known: pa.Table, *, as_of: date, cutoff_days: int
) -> pa.Table:
    """One row per customer with its segment at ``as_of`` (see :class:`Lifecycle`).

    ``days`` is :func:`purchase_days`; ``known`` lists every customer the store knows
    (``customer_key`` and an optional aware ``first_seen_at``; customers first seen after
    ``as_of`` are left out). Buyers need not appear in ``known``.
    """
    known = _with_first_seen(known)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.register("days", days)
        con.register("known", known.select(["customer_key", "first_seen_at"]))
        params = {"as_of": as_of, "cutoff": cutoff_days}
        return con.sql(_sql("lifecycle_segments.sql"), params=params).to_arrow_table()


def segment_summary(customers: pa.Table) -> pa.Table:
    """Counts and revenue per segment, with their shares of all customers and of revenue.

    Every segment of :data:`SEGMENTS` has a row, in that order, even when it is empty.
    Shares are fractions (0.25 = 25%); with no customers or no revenue they are 0.
    """
    with duckdb.connect() as con:
        con.register("segments", customers)
        found = {row[0]: row for row in con.execute(_sql("lifecycle_summary.sql")).fetchall()}
    rows = [found.get(name, (name, 0, Decimal("0.00"))) for name in SEGMENTS]
    people = sum(int(row[1]) for row in rows)
    money = sum((row[2] for row in rows), start=Decimal(0))
    return pa.table(
        {
            "segment": [row[0] for row in rows],
            "customers": pa.array([int(row[1]) for row in rows], pa.int64()),
            "customer_share": [int(row[1]) / people if people else 0.0 for row in rows],
            "revenue": pa.array([row[2] for row in rows], MONEY),
            "revenue_share": [float(row[2] / money) if money else 0.0 for row in rows],
        }
    )


def lifecycle(
    orders: pa.Table,
    known: pa.Table,
    *,
    as_of: date,
    time_zone: str,
    rule: str,
    category: str,
    preset_days: int,
    quantile: float = 0.9,
    min_gaps: int = 30,
) -> Lifecycle:
    """The segments of a store at ``as_of`` (a day of the store's calendar, inclusive)."""
    days = purchase_days(orders, as_of=as_of, time_zone=time_zone)
    cutoff = churn_cutoff(
        days,
        as_of=as_of,
        rule=rule,
        category=category,
        preset_days=preset_days,
        quantile=quantile,
        min_gaps=min_gaps,
    )
    customers = customer_segments(days, known, as_of=as_of, cutoff_days=cutoff.days)
    history = _history_days(days, as_of)
    notes = _notes(history, cutoff) if days.num_rows else _NO_PURCHASE_YET
    return Lifecycle(
        as_of=as_of,
        cutoff=cutoff,
        customers=customers,
        summary=segment_summary(customers),
        history_days=history,
        notes=tuple(en for _, en in notes),
        notes_zh=tuple(zh for zh, _ in notes),
    )


def segment_sizes_over_time(
    days: pa.Table, known: pa.Table, *, as_ofs: Sequence[date], cutoff_days: int
) -> pa.Table:
    """Customers per segment at each day of ``as_ofs`` with one cutoff: ``as_of``,
    ``segment``, ``customers`` (every segment at every day, zeros included). The same rules
    as :func:`customer_segments`, for all days in one query."""
    known = _with_first_seen(known)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.register("days", days)
        con.register("known", known.select(["customer_key", "first_seen_at"]))
        con.register("points", pa.table({"as_of": pa.array(list(as_ofs), pa.date32())}))
        found = con.execute(_sql("lifecycle_sizes.sql"), {"cutoff": cutoff_days}).fetchall()
    counts = {(moment, segment): int(customers) for moment, segment, customers in found}
    stamps = [moment for moment in as_ofs for _ in SEGMENTS]
    names = [segment for _ in as_ofs for segment in SEGMENTS]
    return pa.table(
        {
            "as_of": pa.array(stamps, pa.date32()),
            "segment": names,
            "customers": pa.array(
                [counts.get(key, 0) for key in zip(stamps, names, strict=True)], pa.int64()
            ),
        }
    )


def _with_first_seen(known: pa.Table) -> pa.Table:
    if "first_seen_at" in known.column_names:
        return known
    return known.append_column(
        "first_seen_at", pa.nulls(known.num_rows, pa.timestamp("us", tz="UTC"))
    )


def month_ends(first: date, last: date) -> list[date]:
    """The last day of every month from ``first``'s month up to ``last`` (``last`` itself
    closes the list when it is not a month end): the points of a segments-over-time chart."""
    points: list[date] = []
    month = date(first.year, first.month, 1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        end = following - timedelta(days=1)
        points.append(min(end, last))
        month = following
    return points


def _weighted_quantile(rows: list[tuple[int, float]], quantile: float) -> int:
    """The smallest gap (rows sorted by gap) whose cumulative weight reaches ``quantile``."""
    total = sum(weight for _, weight in rows)
    running = 0.0
    for gap, weight in rows:
        running += weight
        if running >= quantile * total:
            return int(gap)
    return int(rows[-1][0])


def _history_days(days: pa.Table, as_of: date) -> int:
    if days.num_rows == 0:
        return 0
    first: date = min(days.column("day").to_pylist())
    return (as_of - first).days


_NO_PURCHASE_YET: Final = (
    (
        "还没有任何购买：已知客户都是潜在客户。",
        "No purchase yet: every known customer is potential.",
    ),
)
"""The notes (Chinese, English) of a store without a single purchase."""

_CATEGORY_ZH: Final[dict[str, str]] = {
    "fashion": "服装",
    "electronics": "数码电器",
    "home": "家居",
    "food": "食品",
    "beauty": "美妆",
    "services": "服务",
    "general": "综合",
}
"""The store categories of ``[lifecycle] category`` in Chinese, for the Chinese reasons."""


def _category_zh(category: str) -> str:
    return _CATEGORY_ZH.get(category, f"{category} ")


def _notes(history_days: int, cutoff: Cutoff) -> tuple[tuple[str, str], ...]:
    """What the numbers cannot show yet, each note in Chinese and in English."""
    if history_days <= cutoff.days:
        return (
            (
                f"购买记录只覆盖 {history_days} 天，不超过 {cutoff.days} 天的流失期："
                "还不可能有流失客户。",
                f"The purchase history covers {history_days} days, not more than the "
                f"{cutoff.days}-day cutoff: no customer can be lost yet.",
            ),
        )
    return ()
