"""Diagnostics benchmark: D1 decomposition + D2 lost ratio + D6 payment time, all segments.

Three ways to the same numbers over the same Parquet files, each in its own process so that
peak memory (``ru_maxrss``) is its own:

* ``ours``   — ``winback.analyse``: ``decompose`` + ``lost_order_ratio`` + ``payment_time``,
  reading the Parquet with pyarrow;
* ``pandas`` — a straightforward pandas implementation on Arrow-backed columns
  (``read_parquet(..., dtype_backend="pyarrow")``, vectorised masks,
  ``groupby``, a ``merge`` for the consulted split, a numpy Kaplan–Meier per segment over
  ``groupby`` counts per time), amounts in integer cents;
* ``sql``    — hand-written DuckDB SQL straight over the Parquet files: one query for D1 + D2
  per day and one for every segment's Kaplan–Meier curve, Greenwood band and payers' curve
  (window functions over one ``GROUPING SETS`` pass), plus the quantiles over that curve
  (the floor).

All three compute the same numbers: D1 every part per day (orders and amount); D2 per day
the closed orders and amount, both ratios, the alert, the 7-day ratio and the consulted /
self-service split; D6 for every segment (whole store, new/returning, amount bands, payment
method, platform) the Kaplan–Meier curve with its log(−log) band, the payers' curve with its
band, the payment rate, P50/P90 and payers' P50/P90 with their intervals. The run checks
that they agree (D1 exactly, ratios and curves to a tolerance) before it prints the ratios.

The orders are the demo simulator's (``winback.demo.table.simulate_orders_table``); chats are
one buyer line ten minutes before each order the simulator marks as consulted.

    .venv/bin/python bench/diagnose.py                  # 10,000,000 orders
    .venv/bin/python bench/diagnose.py --quick          # 200,000 orders
    .venv/bin/python bench/diagnose.py --orders 1000000 --dir /tmp/diag   # keep the files
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from _measure import Usage, emit, machine_load, measuring, python_child, ratio, run_child

from winback.analyse.decomposition import decompose
from winback.analyse.lost_orders import lost_order_ratio
from winback.analyse.payment_time import payment_time
from winback.demo.table import simulate_orders_table

TZ = "Asia/Shanghai"
START = date(2026, 1, 1)
DAYS = 60
AS_OF = datetime.combine(START + timedelta(days=DAYS), datetime.min.time(), ZoneInfo(TZ))
WINDOW = timedelta(days=1)
THRESHOLD = 0.30
PHASES: dict[str, float] = {}
_LAST = [0.0]


def lap(name: str) -> None:
    """Record the seconds since the previous lap under ``name``."""
    now = time.perf_counter()
    PHASES[name] = now - _LAST[0]
    _LAST[0] = now


PARTS = ("unpaid", "paid_not_shipped", "shipped", "settled", "closed_before_payment", "refunded")
WAS_PAID = ("paid", "shipped", "delivered", "settled", "cancelled", "refunded")


def build(folder: Path, n_orders: int) -> None:
    started = time.perf_counter()
    orders = simulate_orders_table(seed=7, n_orders=n_orders, start=START, tz=TZ)
    consulted = orders.filter(orders["consulted"])
    chats = pa.table(
        {
            "buyer_key": consulted["customer_key"],
            "sent_at": pc.subtract(consulted["created_at"], pa.scalar(timedelta(minutes=10))),
            "sender": pa.repeat(pa.scalar("buyer"), consulted.num_rows),
            "text": pa.repeat(pa.scalar("在吗"), consulted.num_rows),
            "staff": pa.nulls(consulted.num_rows, pa.string()),
            "order_id": pa.nulls(consulted.num_rows, pa.string()),
        }
    )
    pq.write_table(
        orders.drop_columns(["consulted"]), folder / "orders.parquet", compression="zstd"
    )
    pq.write_table(chats, folder / "chats.parquet", compression="zstd")
    print(
        f"built {orders.num_rows:,} orders and {chats.num_rows:,} chat lines "
        f"in {time.perf_counter() - started:.1f} s"
    )


# --- ours ------------------------------------------------------------------------------------


def run_ours(folder: Path) -> dict[str, Any]:
    orders = pq.read_table(folder / "orders.parquet")
    chats = pq.read_table(folder / "chats.parquet")
    lap("read")
    d1 = decompose(orders, timezone=TZ, as_of=AS_OF)
    lap("d1")
    d2 = lost_order_ratio(orders, chats, timezone=TZ, threshold=THRESHOLD, consult_window=WINDOW)
    lap("d2")
    report = payment_time(orders, AS_OF)
    lap("d6")
    sums = report.curves.group_by(["dimension", "segment"]).aggregate(
        [("time_s", "count"), *((name, "sum") for name in CURVE_SUMS)]
    )
    checksums = {
        f"{row['dimension']}/{row['segment']}": {
            "steps": row["time_s_count"],
            **{name: row[f"{name}_sum"] for name in CURVE_SUMS},
        }
        for row in sums.to_pylist()
    }
    d6 = {
        f"{row['dimension']}/{row['segment']}": {
            **{name: row[name] for name in SEGMENT_NUMBERS},
            **checksums[f"{row['dimension']}/{row['segment']}"],
        }
        for row in report.segments.to_pylist()
        if row["n_orders"]  # the fixed vocabularies are listed even when empty
    }
    # D1 also reports what the data cannot tell apart (paid with the shipping unknown, shipped
    # with the settlement unknown, provisional days); the anchors compute the six parts only,
    # so those are compared (ours does the extra work inside its clock).
    d1_rows = {
        day: {name: row[name] for name in _d1_columns()}
        for day, row in _by_day(d1.to_pylist()).items()
    }
    # D2 likewise: the anchors' alert is "above the threshold" (``above_threshold``); ours
    # also judges each day against the store's own baseline (a Wilson interval against 28
    # days) for its ``alert``, inside its clock, and that is not compared.
    d2_rows = {
        day: {name: row["above_threshold" if name == "alert" else name] for name in D2_NUMBERS}
        for day, row in _by_day(d2.to_pylist()).items()
    }
    return {"d1": d1_rows, "d2": d2_rows, "d6": d6}


D2_NUMBERS = (
    "orders", "amount", "closed_orders", "closed_amount", "lost_ratio", "lost_amount_ratio",
    "alert", "lost_ratio_7d", "closed_consulted_orders", "closed_consulted_amount",
    "closed_self_service_orders", "closed_self_service_amount",
)  # fmt: skip
QUANTILES = tuple(
    f"{prefix}{name}{bound}_s"
    for prefix in ("", "payers_")
    for name in ("p50", "p90")
    for bound in ("", "_lower", "_upper")
)
SEGMENT_NUMBERS = ("n_orders", "n_paid", "payment_rate", *QUANTILES)
CURVE_SUMS = ("at_risk", "survival", "lower", "upper", "payers_paid_share")


def _by_day(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per day, every number as JSON: money as exact decimal text."""
    out = {}
    for row in rows:
        day = str(row.pop("day"))
        out[day] = {k: str(v) if isinstance(v, Decimal) else v for k, v in row.items()}
    return out


def _d1_columns() -> list[str]:
    return ["orders", "amount", *(f"{p}_{k}" for p in PARTS for k in ("orders", "amount"))]


# --- pandas ----------------------------------------------------------------------------------


def run_pandas(folder: Path) -> dict[str, Any]:
    df = pd.read_parquet(folder / "orders.parquet", dtype_backend="pyarrow")
    chats = pd.read_parquet(folder / "chats.parquet", dtype_backend="pyarrow")
    lap("read")
    as_of = pd.Timestamp(AS_OF).tz_convert("UTC")
    df = df[df["created_at"] <= as_of].copy()
    df["day"] = df["created_at"].dt.tz_convert(TZ).dt.date
    cents = (df["total_amount"].fillna(0) * 100).astype("int64")
    refund = np.clip((df["refund_amount"].fillna(0) * 100).astype("int64"), 0, cents)
    part, refunded_cents = _pandas_parts(df, as_of, cents, refund)
    frame = pd.DataFrame({"day": df["day"], "part": part, "cents": cents, "ref": refunded_cents})
    days = frame.groupby("day")
    d1 = pd.DataFrame({"orders": days.size(), "amount": days["cents"].sum()})
    for name in PARTS:
        rows = frame[frame["part"] == name]
        kept = (
            rows["cents"]
            if name in ("unpaid", "closed_before_payment")
            else rows["cents"] - rows["ref"]
        )
        d1[f"{name}_orders"] = rows.groupby("day").size()
        d1[f"{name}_amount"] = (
            days["ref"].sum() if name == "refunded" else kept.groupby(rows["day"]).sum()
        )
    d1 = d1.fillna(0).astype("int64")
    money = [name for name in d1.columns if name.endswith("amount")]
    d1_out = {
        str(day): {k: _money(int(v)) if k in money else int(v) for k, v in row.items()}
        for day, row in d1.to_dict("index").items()
    }  # fmt: skip
    lap("d1")
    d2 = _pandas_d2(df, chats, cents)
    lap("d2")
    d6 = _pandas_d6(df, as_of, cents)
    lap("d6")
    return {"d1": d1_out, "d2": d2, "d6": d6}


def _pandas_parts(
    df: pd.DataFrame, as_of: pd.Timestamp, cents: pd.Series, refund: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    status = df["status"]

    def by(*columns: str) -> pd.Series:
        """Done as of as_of: the first recorded of these times, or none recorded."""
        first = df[columns[0]]
        for column in columns[1:]:
            first = first.fillna(df[column])
        return first.isna() | (first <= as_of)

    def recorded(column: str) -> pd.Series:
        return df[column].notna() & (df[column] <= as_of)

    refunded_status = status == "refunded"
    paid = status.isin(WAS_PAID) & by(
        "paid_at", "shipped_at", "delivered_at", "settled_at", "refunded_at"
    )
    shipped = (
        status.isin(("shipped", "delivered", "settled"))
        & by("shipped_at", "delivered_at", "settled_at")
    ) | (refunded_status & recorded("shipped_at"))
    delivered = (status.isin(("delivered", "settled")) & by("delivered_at", "settled_at")) | (
        refunded_status & recorded("delivered_at")
    )
    settled = ((status == "settled") & by("settled_at")) | (
        refunded_status & recorded("settled_at")
    )
    closed = (status == "closed") & (df["closed_at"].isna() | (df["closed_at"] <= as_of))
    back = df["refunded_at"].fillna(df["closed_at"])
    returned = status.isin(("cancelled", "refunded")) & (back.isna() | (back <= as_of))
    refund_done = df["refunded_at"].isna() | (df["refunded_at"] <= as_of)
    part = np.select(
        [closed, returned, settled, shipped | delivered, paid],
        ["closed_before_payment", "refunded", "settled", "shipped", "paid_not_shipped"],
        "unpaid",
    )
    some_paid = ~closed & (paid | shipped | delivered | settled) & refund_done
    refunded_cents = np.where(returned, cents, np.where(some_paid, refund, 0))
    return part, refunded_cents


def _pandas_d2(df: pd.DataFrame, chats: pd.DataFrame, cents: pd.Series) -> dict[str, Any]:
    closed = df[df["status"] == "closed"][["order_id", "customer_key", "created_at", "day"]]
    closed = closed.assign(cents=cents[closed.index])
    buyer = chats[chats["sender"] == "buyer"][["buyer_key", "sent_at"]]
    pairs = closed.merge(buyer, left_on="customer_key", right_on="buyer_key")
    near = pairs[
        (pairs["sent_at"] <= pairs["created_at"])
        & (pairs["sent_at"] >= pairs["created_at"] - WINDOW)
    ]
    by_id = closed["order_id"].isin(chats["order_id"].dropna())
    consulted = closed[closed["order_id"].isin(near["order_id"]) | by_id]
    days = pd.DataFrame(
        {"orders": df.groupby("day").size(), "amount": cents.groupby(df["day"]).sum()}
    )
    days["closed_orders"] = closed.groupby("day").size()
    days["closed_amount"] = closed.groupby("day")["cents"].sum()
    days["closed_consulted_orders"] = consulted.groupby("day").size()
    days["closed_consulted_amount"] = consulted.groupby("day")["cents"].sum()
    days = days.reindex(pd.date_range(min(days.index), max(days.index)).date).fillna(0)
    days = days.astype("int64")
    days["lost_ratio"] = days["closed_orders"] / days["orders"]
    days["lost_amount_ratio"] = days["closed_amount"] / days["amount"]
    days["alert"] = days["lost_ratio"] > THRESHOLD
    week = days[["closed_orders", "orders"]].rolling(7, min_periods=1).sum()
    days["lost_ratio_7d"] = week["closed_orders"] / week["orders"]
    days["closed_self_service_orders"] = days["closed_orders"] - days["closed_consulted_orders"]
    days["closed_self_service_amount"] = days["closed_amount"] - days["closed_consulted_amount"]
    out = {}
    for day, row in days.to_dict("index").items():
        out[str(day)] = {
            name: _money(int(row[name])) if name.endswith("amount") and "ratio" not in name
            else bool(row[name]) if name == "alert"
            else float(row[name]) if "ratio" in name
            else int(row[name])
            for name in D2_NUMBERS
        }  # fmt: skip
    return out


AMOUNT_BANDS = ("<100", "100–300", "300–1000", "≥1000")
Z = 1.959963984540054  # the normal 0.975 quantile: a 95% band


def _pandas_d6(df: pd.DataFrame, as_of: pd.Timestamp, cents: pd.Series) -> dict[str, Any]:
    unknown = df["paid_at"].isna() & df["status"].isin(WAS_PAID)
    frame, cents = df[~unknown], cents[~unknown]
    created = frame["created_at"]
    # Arrow-backed comparisons with a missing side are missing (not False): fill them
    paid_at = frame["paid_at"].where((frame["paid_at"] <= as_of).fillna(False))
    paid_at = paid_at.where(~(paid_at < created).fillna(False), created)  # paid before placed
    paid = paid_at.notna()
    end = paid_at.where(paid, frame["closed_at"].fillna(as_of).clip(upper=as_of))
    micros = (end - created).to_numpy().astype("timedelta64[us]").astype(np.int64).clip(min=0)
    first_paid = paid_at.groupby(frame["customer_key"]).transform("min")
    missing = frame["total_amount"].isna()
    segments = pd.DataFrame(
        {
            "t": micros,
            "paid": paid.to_numpy(),
            "buyer_type": np.where((first_paid < created).fillna(False), "returning", "new"),
            "amount_band": np.select(
                [missing, cents < 10_000, cents < 30_000, cents < 100_000],
                ["unknown", *AMOUNT_BANDS[:3]],
                AMOUNT_BANDS[3],
            ),
            "payment_method": frame["payment_method"].fillna("unknown").to_numpy(),
            "platform": frame["platform"].fillna("unknown").to_numpy(),
        }
    )
    whole = segments.groupby("t")["paid"].agg(["size", "sum"])
    out = {"all/all": _km_numbers(whole.index.to_numpy(), whole["size"], whole["sum"])}
    for dimension in ("buyer_type", "amount_band", "payment_method", "platform"):
        counted = segments.groupby([dimension, "t"])["paid"].agg(["size", "sum"])
        for value, part in counted.groupby(level=0):
            times = part.index.get_level_values("t").to_numpy()
            out[f"{dimension}/{value}"] = _km_numbers(times, part["size"], part["sum"])
    return out


def _km_numbers(t_us: np.ndarray, removed: pd.Series, died: pd.Series) -> dict[str, Any]:
    """Product-limit curve, Greenwood, log(−log) band, the payers' curve (delta method) and
    the quantiles of both, from the counts per distinct time of one segment."""
    t, n_out, d = t_us / 1e6, removed.to_numpy(np.float64), died.to_numpy(np.float64)
    if t[0] > 0:
        t, n_out, d = (np.concatenate([[0.0], a]) for a in (t, n_out, d))
    n = n_out.sum() - np.concatenate([[0.0], np.cumsum(n_out)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.exp(np.cumsum(np.log(n - d) - np.log(n)))
        gw = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
    lower, upper = _log_log(s, gw)
    share = 1.0 - s[-1]
    if share <= 0:
        h = h_lower = h_upper = np.ones_like(s)
    else:
        h = (s - s[-1]) / share
        d_s, d_end = 1.0 / share, (s - 1.0) / share**2
        var = d_s**2 * s**2 * gw + d_end**2 * s[-1] ** 2 * gw[-1] + 2 * d_s * d_end * s * s[-1] * gw
        with np.errstate(divide="ignore", invalid="ignore"):
            var_log = np.where(h > 0, np.maximum(var, 0.0) / h**2, 0.0)
        h_lower, h_upper = _log_log(h, var_log)
    numbers: dict[str, Any] = {
        "n_orders": int(n_out.sum()), "n_paid": int(d.sum()), "payment_rate": d.sum() / n_out.sum()
    }  # fmt: skip
    for prefix, curves in (("", (s, lower, upper)), ("payers_", (h, h_lower, h_upper))):
        for name, q in (("p50", 0.5), ("p90", 0.9)):
            for bound, curve in zip(("", "_lower", "_upper"), curves, strict=True):
                hit = curve <= 1.0 - q
                numbers[f"{prefix}{name}{bound}_s"] = (
                    float(t[np.argmax(hit)]) if hit.any() else math.inf
                )
    sums = {"at_risk": n, "survival": s, "lower": lower, "upper": upper, "payers_paid_share": 1 - h}
    return {**numbers, "steps": int(t.size), **{k: float(v.sum()) for k, v in sums.items()}}


def _log_log(curve: np.ndarray, var_log: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(curve)
        spread = Z * np.sqrt(var_log) / v
        lower = np.exp(-np.exp(np.log(-v) - spread))
        upper = np.exp(-np.exp(np.log(-v) + spread))
    lower, upper = (np.where(curve <= 0, 0.0, b) for b in (lower, upper))
    return np.nan_to_num(lower, nan=1.0), np.nan_to_num(upper, nan=1.0)


# --- hand-written SQL ------------------------------------------------------------------------

DAILY_SQL = """
WITH o AS (
    SELECT *, CAST(timezone($tz, created_at) AS DATE) AS day FROM read_parquet($orders)
    WHERE created_at <= $as_of
), flags AS (
    SELECT day, status, order_id, customer_key, created_at,
        CAST(total_amount AS DECIMAL(18,2)) AS amount,
        GREATEST(LEAST(refund_amount, total_amount), 0) AS refund,
        status IN ('paid','shipped','delivered','settled','cancelled','refunded')
            AND COALESCE(COALESCE(paid_at, shipped_at, delivered_at, settled_at, refunded_at)
                         <= $as_of, TRUE) AS paid,
        (status IN ('shipped','delivered','settled')
            AND COALESCE(COALESCE(shipped_at, delivered_at, settled_at) <= $as_of, TRUE))
        OR (status IN ('delivered','settled')
            AND COALESCE(COALESCE(delivered_at, settled_at) <= $as_of, TRUE))
        OR (status = 'refunded' AND (shipped_at <= $as_of OR delivered_at <= $as_of))
            IS TRUE AS shipped,
        (status = 'settled' AND COALESCE(settled_at <= $as_of, TRUE))
        OR (status = 'refunded' AND settled_at <= $as_of) IS TRUE AS settled,
        status = 'closed' AND COALESCE(closed_at <= $as_of, TRUE) AS closed,
        status IN ('cancelled','refunded')
            AND COALESCE(COALESCE(refunded_at, closed_at) <= $as_of, TRUE) AS returned,
        COALESCE(refunded_at <= $as_of, TRUE) AS refund_done
    FROM o
), parts AS (
    SELECT *, CASE WHEN closed THEN 'closed_before_payment' WHEN returned THEN 'refunded'
                   WHEN settled THEN 'settled' WHEN shipped THEN 'shipped'
                   WHEN paid THEN 'paid_not_shipped' ELSE 'unpaid' END AS part,
              CASE WHEN returned THEN amount
                   WHEN NOT closed AND (paid OR shipped OR settled) AND refund_done THEN refund
                   ELSE 0 END AS ref
    FROM flags
), chats AS (
    SELECT * FROM read_parquet($chats)
), consulted AS (
    SELECT p.order_id FROM parts p JOIN chats c
      ON c.buyer_key = p.customer_key AND c.sender = 'buyer'
     AND c.sent_at BETWEEN p.created_at - $window AND p.created_at
    WHERE p.status = 'closed'
    UNION
    SELECT p.order_id FROM parts p JOIN chats c ON c.order_id = p.order_id
    WHERE p.status = 'closed'
), daily AS (
    SELECT day, COUNT(*) AS orders, SUM(amount) AS amount,
        COUNT(*) FILTER (WHERE part = 'unpaid') AS unpaid_orders,
        COALESCE(SUM(amount) FILTER (WHERE part = 'unpaid'), 0) AS unpaid_amount,
        COUNT(*) FILTER (WHERE part = 'paid_not_shipped') AS paid_not_shipped_orders,
        COALESCE(SUM(amount - ref) FILTER (WHERE part = 'paid_not_shipped'), 0)
            AS paid_not_shipped_amount,
        COUNT(*) FILTER (WHERE part = 'shipped') AS shipped_orders,
        COALESCE(SUM(amount - ref) FILTER (WHERE part = 'shipped'), 0) AS shipped_amount,
        COUNT(*) FILTER (WHERE part = 'settled') AS settled_orders,
        COALESCE(SUM(amount - ref) FILTER (WHERE part = 'settled'), 0) AS settled_amount,
        COUNT(*) FILTER (WHERE part = 'closed_before_payment') AS closed_before_payment_orders,
        COALESCE(SUM(amount) FILTER (WHERE part = 'closed_before_payment'), 0)
            AS closed_before_payment_amount,
        COUNT(*) FILTER (WHERE part = 'refunded') AS refunded_orders,
        COALESCE(SUM(ref), 0) AS refunded_amount,
        COUNT(*) FILTER (WHERE status = 'closed') AS closed_orders,
        COALESCE(SUM(amount) FILTER (WHERE status = 'closed'), 0) AS closed_amount,
        COUNT(consulted.order_id) AS closed_consulted_orders,
        COALESCE(SUM(amount) FILTER (WHERE consulted.order_id IS NOT NULL), 0)
            AS closed_consulted_amount
    FROM parts LEFT JOIN consulted USING (order_id)
    GROUP BY day
)
SELECT *,
    closed_orders / orders AS lost_ratio,
    CAST(closed_amount AS DOUBLE) / CAST(amount AS DOUBLE) AS lost_amount_ratio,
    closed_orders / orders > $threshold AS alert,
    SUM(closed_orders) OVER week / SUM(orders) OVER week AS lost_ratio_7d,
    closed_orders - closed_consulted_orders AS closed_self_service_orders,
    closed_amount - closed_consulted_amount AS closed_self_service_amount
FROM daily
WINDOW week AS (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
ORDER BY day
"""

CURVES_SQL = """
WITH o AS (
    SELECT customer_key, created_at, total_amount,
        COALESCE(payment_method, 'unknown') AS payment_method,
        COALESCE(platform, 'unknown') AS platform,
        CASE WHEN paid_at <= $as_of THEN GREATEST(paid_at, created_at) END AS paid_at,
        LEAST(COALESCE(closed_at, $as_of), $as_of) AS closed_at
    FROM read_parquet($orders)
    WHERE created_at <= $as_of
      AND NOT (paid_at IS NULL
               AND status IN ('paid','shipped','delivered','settled','cancelled','refunded'))
), first_paid AS (
    SELECT customer_key, MIN(paid_at) AS first_paid_at FROM o
    WHERE customer_key IS NOT NULL AND paid_at IS NOT NULL GROUP BY customer_key
), d AS (
    SELECT GREATEST(epoch_us(COALESCE(paid_at, closed_at)) - epoch_us(created_at), 0) AS t_us,
        paid_at IS NOT NULL AS paid,
        CASE WHEN first_paid_at < created_at THEN 'returning' ELSE 'new' END AS buyer_type,
        CASE WHEN total_amount IS NULL THEN 'unknown' WHEN total_amount < 100 THEN '<100'
             WHEN total_amount < 300 THEN '100–300' WHEN total_amount < 1000 THEN '300–1000'
             ELSE '≥1000' END AS amount_band,
        payment_method, platform
    FROM o LEFT JOIN first_paid USING (customer_key)
), steps AS (
    SELECT CASE GROUPING(buyer_type, amount_band, payment_method, platform)
               WHEN 15 THEN 'all' WHEN 7 THEN 'buyer_type' WHEN 11 THEN 'amount_band'
               WHEN 13 THEN 'payment_method' ELSE 'platform' END AS dimension,
           COALESCE(buyer_type, amount_band, payment_method, platform, 'all') AS segment,
           t_us, COUNT(*) AS removed, COUNT(*) FILTER (WHERE paid) AS events
    FROM d
    GROUP BY GROUPING SETS ((t_us), (buyer_type, t_us), (amount_band, t_us),
                            (payment_method, t_us), (platform, t_us))
), timeline AS (  -- the curve starts at 0, as lifelines'
    SELECT * FROM steps
    UNION ALL
    SELECT dimension, segment, 0, 0, 0 FROM steps
    GROUP BY dimension, segment HAVING MIN(t_us) > 0
), risk AS (
    SELECT *, SUM(removed) OVER (PARTITION BY dimension, segment ORDER BY t_us DESC
                                 ROWS UNBOUNDED PRECEDING) AS at_risk
    FROM timeline
), km AS (
    SELECT *,
        CASE WHEN BOOL_OR(at_risk = events) OVER w THEN 0.0
             ELSE EXP(SUM(LN(GREATEST(at_risk - events, 1)) - LN(at_risk)) OVER w) END AS s,
        SUM(CASE WHEN at_risk > events
                 THEN CAST(events AS DOUBLE) / (CAST(at_risk AS DOUBLE) * (at_risk - events))
                 ELSE 0 END) OVER w AS greenwood
    FROM risk
    WINDOW w AS (PARTITION BY dimension, segment ORDER BY t_us ROWS UNBOUNDED PRECEDING)
), ends AS (
    SELECT *, MIN(s) OVER seg AS s_end, MAX(greenwood) OVER seg AS v_end
    FROM km WINDOW seg AS (PARTITION BY dimension, segment)
), payers AS (
    SELECT *,
        CASE WHEN s_end >= 1 THEN 1.0 ELSE (s - s_end) / (1 - s_end) END AS h,
        CASE WHEN s_end >= 1 THEN 0.0 ELSE
            (1 / (1 - s_end)) ** 2 * s ** 2 * greenwood
            + ((s - 1) / (1 - s_end) ** 2) ** 2 * s_end ** 2 * v_end
            + 2 * (1 / (1 - s_end)) * ((s - 1) / (1 - s_end) ** 2) * s * s_end * greenwood
        END AS var_h
    FROM ends
), banded AS (
    SELECT *, CASE WHEN h > 0 THEN GREATEST(var_h, 0) / h ** 2 ELSE 0 END AS var_log_h
    FROM payers
)
SELECT dimension, segment, t_us / 1e6 AS time_s, CAST(at_risk AS DOUBLE) AS at_risk, events,
    removed - events AS censored,
    s AS survival,
    CASE WHEN s >= 1 THEN 1 WHEN s <= 0 THEN 0
         ELSE EXP(-EXP(LN(-LN(s)) - 1.959963984540054 * SQRT(greenwood) / LN(s))) END AS lower,
    CASE WHEN s >= 1 THEN 1 WHEN s <= 0 THEN 0
         ELSE EXP(-EXP(LN(-LN(s)) + 1.959963984540054 * SQRT(greenwood) / LN(s))) END AS upper,
    1 - h AS payers_paid_share,
    h,
    CASE WHEN h >= 1 THEN 1 WHEN h <= 0 THEN 0
         ELSE EXP(-EXP(LN(-LN(h)) - 1.959963984540054 * SQRT(var_log_h) / LN(h))) END AS h_lower,
    CASE WHEN h >= 1 THEN 1 WHEN h <= 0 THEN 0
         ELSE EXP(-EXP(LN(-LN(h)) + 1.959963984540054 * SQRT(var_log_h) / LN(h))) END AS h_upper
FROM banded
ORDER BY dimension, segment, time_s
"""

SEGMENTS_SQL = """
SELECT dimension || '/' || segment AS key, SUM(censored + events) AS n_orders,
    SUM(events) AS n_paid, SUM(events) / SUM(censored + events) AS payment_rate,
    MIN(time_s) FILTER (WHERE survival <= 0.5) AS p50_s,
    MIN(time_s) FILTER (WHERE lower <= 0.5) AS p50_lower_s,
    MIN(time_s) FILTER (WHERE upper <= 0.5) AS p50_upper_s,
    MIN(time_s) FILTER (WHERE survival <= 0.1) AS p90_s,
    MIN(time_s) FILTER (WHERE lower <= 0.1) AS p90_lower_s,
    MIN(time_s) FILTER (WHERE upper <= 0.1) AS p90_upper_s,
    MIN(time_s) FILTER (WHERE h <= 0.5) AS payers_p50_s,
    MIN(time_s) FILTER (WHERE h_lower <= 0.5) AS payers_p50_lower_s,
    MIN(time_s) FILTER (WHERE h_upper <= 0.5) AS payers_p50_upper_s,
    MIN(time_s) FILTER (WHERE h <= 0.1) AS payers_p90_s,
    MIN(time_s) FILTER (WHERE h_lower <= 0.1) AS payers_p90_lower_s,
    MIN(time_s) FILTER (WHERE h_upper <= 0.1) AS payers_p90_upper_s,
    COUNT(*) AS steps, SUM(at_risk) AS at_risk, SUM(survival) AS survival,
    SUM(lower) AS lower, SUM(upper) AS upper, SUM(payers_paid_share) AS payers_paid_share
FROM curves GROUP BY ALL
"""


def run_sql(folder: Path) -> dict[str, Any]:
    params = {"orders": str(folder / "orders.parquet"), "chats": str(folder / "chats.parquet"),
              "tz": TZ, "as_of": AS_OF, "window": WINDOW, "threshold": THRESHOLD}  # fmt: skip
    with duckdb.connect() as conn:
        daily = conn.sql(DAILY_SQL, params=params).to_arrow_table()
        lap("read+d1+d2")
        curves = conn.sql(CURVES_SQL, params={"orders": params["orders"], "as_of": AS_OF})
        curves = curves.to_arrow_table()
        conn.register("curves", curves)
        segments = conn.sql(SEGMENTS_SQL).to_arrow_table()
        lap("read+d6")
    rows = _by_day(daily.to_pylist())
    d1 = {day: {name: row[name] for name in _d1_columns()} for day, row in rows.items()}
    d2 = {day: {name: row[name] for name in D2_NUMBERS} for day, row in rows.items()}
    d6 = {}
    for row in segments.to_pylist():
        key = row.pop("key")
        d6[key] = {k: math.inf if v is None else v for k, v in row.items()}
        d6[key]["n_orders"], d6[key]["n_paid"] = int(row["n_orders"]), int(row["n_paid"])
    return {"d1": d1, "d2": d2, "d6": d6}


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --- harness ---------------------------------------------------------------------------------

METHODS = {"ours": run_ours, "pandas": run_pandas, "sql": run_sql}


def child(method: str, folder: Path) -> None:
    """Run one method; the libraries are already imported, so only the work is timed."""
    with measuring() as usage:
        _LAST[0] = time.perf_counter()
        numbers = METHODS[method](folder)
    emit(usage, phases=PHASES, numbers=numbers)


def measure(method: str, folder: Path) -> dict[str, Any]:
    return run_child(python_child(__file__, "--child", method, "--dir", str(folder)))


def measure_all(folder: Path, rounds: int) -> dict[str, dict[str, Any]]:
    """Each method ``rounds`` times, interleaved (ours, pandas, sql, ours, ...); the fastest
    run of each counts, and its own peak memory. The files are read once first so that no
    method pays for a cold page cache."""
    for name in ("orders.parquet", "chats.parquet"):
        (folder / name).read_bytes()
    best: dict[str, dict[str, Any]] = {}
    for _ in range(rounds):
        for method in METHODS:
            run = measure(method, folder)
            run["load"] = machine_load()
            if method not in best or run["wall_s"] < best[method]["wall_s"]:
                best[method] = run
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 orders")
    parser.add_argument("--dir", type=Path, help="keep the Parquet files here (re-used if present)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per method; the best counts")
    parser.add_argument("--save", type=Path, help="write the raw results here as JSON")
    parser.add_argument("--child", choices=sorted(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dir)
        return
    n_orders = 200_000 if args.quick else args.orders
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "orders.parquet").exists():
            build(folder, n_orders)
        results = measure_all(folder, args.rounds)
    if args.save:
        args.save.write_text(json.dumps(results))
    report(results)


REL = 1e-9  # floats: the same formulas summed in another order


def agree(mine: Any, theirs: Any, where: str) -> None:
    """Assert that two nested results are the same: keys, integers and decimal text exactly,
    floats to ``REL`` (infinities and NaNs equal themselves)."""
    if isinstance(mine, dict):
        assert isinstance(theirs, dict), where
        assert mine.keys() == theirs.keys(), (where, sorted(set(mine) ^ set(theirs)))
        for key in mine:
            agree(mine[key], theirs[key], f"{where}/{key}")
    elif isinstance(mine, float) or isinstance(theirs, float):
        assert isinstance(mine, int | float) and isinstance(theirs, int | float), (
            where,
            mine,
            theirs,
        )
        same = math.isclose(mine, theirs, rel_tol=REL, abs_tol=1e-12)
        assert same or (math.isnan(mine) and math.isnan(theirs)), (where, mine, theirs)
    else:
        assert mine == theirs, (where, mine, theirs)


def report(results: dict[str, dict[str, Any]]) -> None:
    ours = results["ours"]
    for method in ("pandas", "sql"):
        agree(ours["numbers"], results[method]["numbers"], method)
    d6 = ours["numbers"]["d6"]
    print(
        f"All three agree: D1 every part of {len(ours['numbers']['d1'])} days, D2 every day, "
        f"D6 {len(d6)} segments (curves: {sum(row['steps'] for row in d6.values()):,} steps)."
    )
    for method, result in results.items():
        phases = "  ".join(f"{name} {value:.2f}" for name, value in result["phases"].items())
        print(
            f"{method:>7}: {Usage.of(result).describe()} (after imports "
            f"{result['baseline_mb']:,.0f} MB)   {phases}   [{result['load']}]"
        )
    pandas, sql, mine = Usage.of(results["pandas"]), Usage.of(results["sql"]), Usage.of(ours)
    print(f"pandas (Arrow dtypes) vs ours: {ratio(pandas, mine)}  (goals: wall, CPU >= 5x, 3x)")
    print(f"SQL floor vs ours: {ratio(sql, mine)}")
    print(
        f"ours / SQL floor: wall {mine.wall_s / sql.wall_s:.2f}x (goal <= 1.2x), "
        f"CPU {mine.cpu_s / sql.cpu_s:.2f}x"
    )
    ours_d12 = sum(ours["phases"][name] for name in ("read", "d1", "d2"))
    theirs = sum(results["pandas"]["phases"][name] for name in ("read", "d1", "d2"))
    floor = results["sql"]["phases"]["read+d1+d2"]
    print(f"D1+D2 with reading: ours {ours_d12:.2f} s, pandas {theirs:.2f} s, sql {floor:.2f} s")
    store = d6["all/all"]
    print(
        f"D6 whole store: {store['n_orders']:,} orders, {store['n_paid']:,} paid, "
        f"P50 {store['p50_s']:.0f} s, payers' P90 {store['payers_p90_s']:.0f} s "
        f"[{store['payers_p90_lower_s']:.0f}, {store['payers_p90_upper_s']:.0f}]"
    )


if __name__ == "__main__":
    main()
