"""Diagnostics benchmark: D1 decomposition + D2 lost ratio + D6 whole-store Kaplan–Meier.

Three ways to the same numbers over the same Parquet files, each in its own process so that
peak memory (``ru_maxrss``) is its own:

* ``ours``   — ``winback.analyse``: ``decompose`` + ``lost_order_ratio`` + ``payment_time``
  (which computes every D6 segment, not only the whole store), reading the Parquet with
  pyarrow;
* ``pandas`` — a straightforward pandas implementation (``read_parquet``, vectorised masks,
  ``groupby``, ``merge_asof``-free joins, a numpy Kaplan–Meier), amounts in integer cents;
* ``sql``    — hand-written DuckDB SQL over the Parquet files: one query for D1 + D2 per day
  and one for the whole-store Kaplan–Meier (the floor).

The orders are the demo simulator's (``winback.demo.table.simulate_orders_table``); chats are
one buyer line ten minutes before each order the simulator marks as consulted.

    .venv/bin/python bench/diagnose.py                  # 10,000,000 orders
    .venv/bin/python bench/diagnose.py --quick          # 200,000 orders
    .venv/bin/python bench/diagnose.py --orders 1000000 --dir /tmp/diag   # keep the files
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

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
    store = payment_time(orders, AS_OF).segment("all", "all")
    lap("d6")
    assert store is not None
    d1_totals = {name: str(pc.sum(d1[name]).as_py()) for name in _d1_columns()}
    return {
        "d1": d1_totals,
        "d2": _d2_totals(d2.to_pylist()),
        "d6": {"n_orders": store["n_orders"], "n_paid": store["n_paid"], "p50_s": store["p50_s"],
               "payers_p90_s": store["payers_p90_s"]},
    }  # fmt: skip


def _d1_columns() -> list[str]:
    return ["orders", "amount", *(f"{p}_{k}" for p in PARTS for k in ("orders", "amount"))]


def _d2_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "closed_orders": sum(row["closed_orders"] for row in rows),
        "closed_consulted_orders": sum(row["closed_consulted_orders"] for row in rows),
        "alert_days": sum(bool(row["alert"]) for row in rows),
        "days": len(rows),
    }


# --- pandas ----------------------------------------------------------------------------------


def run_pandas(folder: Path) -> dict[str, Any]:
    df = pd.read_parquet(folder / "orders.parquet")
    chats = pd.read_parquet(folder / "chats.parquet")
    lap("read")
    as_of = pd.Timestamp(AS_OF).tz_convert("UTC")
    df = df[df["created_at"] <= as_of].copy()
    df["day"] = df["created_at"].dt.tz_convert(TZ).dt.date
    cents = (df["total_amount"].fillna(0) * 100).astype("int64")
    refund = np.clip((df["refund_amount"].fillna(0) * 100).astype("int64"), 0, cents)
    part, refunded_cents = _pandas_parts(df, as_of, cents, refund)
    frame = pd.DataFrame({"day": df["day"], "part": part, "cents": cents, "ref": refunded_cents})
    d1 = {"orders": str(len(frame)), "amount": _money(int(cents.sum()))}
    for name in PARTS:
        rows = frame[frame["part"] == name]
        kept = (
            rows["cents"]
            if name in ("unpaid", "closed_before_payment")
            else rows["cents"] - rows["ref"]
        )
        d1[f"{name}_orders"] = str(len(rows))
        d1[f"{name}_amount"] = _money(int(frame["ref"].sum() if name == "refunded" else kept.sum()))
    lap("d1")
    d2 = _pandas_d2(df, chats)
    lap("d2")
    d6 = _pandas_d6(df, as_of)
    lap("d6")
    return {"d1": d1, "d2": d2, "d6": d6}


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


def _pandas_d2(df: pd.DataFrame, chats: pd.DataFrame) -> dict[str, Any]:
    closed = df[df["status"] == "closed"][["order_id", "customer_key", "created_at", "day"]]
    buyer = chats[chats["sender"] == "buyer"][["buyer_key", "sent_at"]]
    pairs = closed.merge(buyer, left_on="customer_key", right_on="buyer_key")
    near = pairs[
        (pairs["sent_at"] <= pairs["created_at"])
        & (pairs["sent_at"] >= pairs["created_at"] - WINDOW)
    ]
    by_id = closed["order_id"].isin(chats["order_id"].dropna())
    consulted = closed["order_id"].isin(near["order_id"]) | by_id
    days = df.groupby("day").size().rename("orders").to_frame()
    days["closed"] = closed.groupby("day").size()
    days = days.reindex(pd.date_range(min(days.index), max(days.index)).date).fillna(0)
    alert = (days["closed"] / days["orders"]) > THRESHOLD
    return {
        "closed_orders": len(closed),
        "closed_consulted_orders": int(consulted.sum()),
        "alert_days": int(alert.sum()),
        "days": len(days),
    }  # fmt: skip


def _pandas_d6(df: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Any]:
    unknown = df["paid_at"].isna() & df["status"].isin(WAS_PAID)
    frame = df[~unknown]
    paid_at = frame["paid_at"].where(frame["paid_at"] <= as_of)
    paid = paid_at.notna().to_numpy()
    created = frame["created_at"]
    paid_end = paid_at.where(~(paid_at < created), created)  # paid before placed: at once
    end = paid_end.where(paid, frame["closed_at"].fillna(as_of).clip(upper=as_of))
    durations = np.maximum((end - frame["created_at"]).dt.total_seconds().to_numpy(), 0.0)
    return {"n_orders": len(frame), "n_paid": int(paid.sum()), **_km_quantiles(durations, paid)}


def _km_quantiles(durations: np.ndarray, events: np.ndarray) -> dict[str, float]:
    """Whole-store P50 of S and the payers' P90, by the product-limit estimator."""
    times, inverse = np.unique(durations, return_inverse=True)
    removed = np.bincount(inverse, minlength=times.size)
    died = np.bincount(inverse, weights=events, minlength=times.size)
    at_risk = durations.size - np.concatenate([[0], np.cumsum(removed)[:-1]])
    survival = np.cumprod(1.0 - died / at_risk)
    return _quantiles(times, survival)


def _quantiles(times: np.ndarray, survival: np.ndarray) -> dict[str, float]:
    def first_at_or_below(level: float) -> float:
        hit = survival <= level + 1e-12
        return float(times[np.argmax(hit)]) if hit.any() else float("inf")

    paid_share = 1.0 - survival[-1]
    return {
        "p50_s": first_at_or_below(0.5),
        "payers_p90_s": first_at_or_below(1 - 0.9 * paid_share),
    }


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
), consulted AS (
    SELECT DISTINCT p.order_id FROM parts p JOIN read_parquet($chats) c
      ON c.buyer_key = p.customer_key AND c.sender = 'buyer'
     AND c.sent_at BETWEEN p.created_at - $window AND p.created_at
    WHERE p.status = 'closed'
)
SELECT day, COUNT(*) AS orders, SUM(amount) AS amount,
    COUNT(*) FILTER (WHERE part = 'unpaid') AS unpaid_orders,
    SUM(amount) FILTER (WHERE part = 'unpaid') AS unpaid_amount,
    COUNT(*) FILTER (WHERE part = 'paid_not_shipped') AS paid_not_shipped_orders,
    SUM(amount - ref) FILTER (WHERE part = 'paid_not_shipped') AS paid_not_shipped_amount,
    COUNT(*) FILTER (WHERE part = 'shipped') AS shipped_orders,
    SUM(amount - ref) FILTER (WHERE part = 'shipped') AS shipped_amount,
    COUNT(*) FILTER (WHERE part = 'settled') AS settled_orders,
    SUM(amount - ref) FILTER (WHERE part = 'settled') AS settled_amount,
    COUNT(*) FILTER (WHERE part = 'closed_before_payment') AS closed_before_payment_orders,
    SUM(amount) FILTER (WHERE part = 'closed_before_payment') AS closed_before_payment_amount,
    COUNT(*) FILTER (WHERE part = 'refunded') AS refunded_orders, SUM(ref) AS refunded_amount,
    COUNT(*) FILTER (WHERE status = 'closed') AS closed_orders,
    COUNT(consulted.order_id) AS closed_consulted_orders,
    COUNT(*) FILTER (WHERE status = 'closed') / COUNT(*) > $threshold AS alert
FROM parts LEFT JOIN consulted USING (order_id)
GROUP BY day ORDER BY day
"""

KM_SQL = """
WITH o AS (
    SELECT created_at, LEAST(COALESCE(closed_at, $as_of), $as_of) AS closed_at,
           CASE WHEN paid_at <= $as_of THEN GREATEST(paid_at, created_at) END AS paid_at
    FROM read_parquet($orders)
    WHERE created_at <= $as_of
      AND NOT (paid_at IS NULL
               AND status IN ('paid','shipped','delivered','settled','cancelled','refunded'))
), d AS (
    SELECT GREATEST(epoch(COALESCE(paid_at, closed_at)) - epoch(created_at), 0) AS t,
           paid_at IS NOT NULL AS event FROM o
), steps AS (
    SELECT t, COUNT(*) AS removed, COUNT(*) FILTER (WHERE event) AS died FROM d GROUP BY t
), risk AS (
    SELECT t, died, SUM(removed) OVER (ORDER BY t DESC) AS at_risk FROM steps
)
SELECT t, EXP(SUM(LN(GREATEST(1 - died / at_risk, 1e-300))) OVER (ORDER BY t)) AS s,
       (SELECT COUNT(*) FROM d) AS n, (SELECT COUNT(*) FILTER (WHERE event) FROM d) AS n_paid
FROM risk ORDER BY t
"""


def run_sql(folder: Path) -> dict[str, Any]:
    params = {"orders": str(folder / "orders.parquet"), "chats": str(folder / "chats.parquet"),
              "tz": TZ, "as_of": AS_OF, "window": WINDOW, "threshold": THRESHOLD}  # fmt: skip
    with duckdb.connect() as conn:
        daily = conn.sql(DAILY_SQL, params=params).to_arrow_table()
        lap("read+d1+d2")
        km = conn.sql(KM_SQL, params={"orders": params["orders"], "as_of": AS_OF}).to_arrow_table()
        lap("read+d6")
    d1 = {name: str(pc.sum(daily[name]).as_py()) for name in _d1_columns()}
    times, survival = km["t"].to_numpy(), km["s"].to_numpy()
    d6 = {"n_orders": km["n"][0].as_py(), "n_paid": km["n_paid"][0].as_py(),
          **_quantiles(times, survival)}  # fmt: skip
    d2 = {
        "closed_orders": pc.sum(daily["closed_orders"]).as_py(),
        "closed_consulted_orders": pc.sum(daily["closed_consulted_orders"]).as_py(),
        "alert_days": pc.sum(pc.cast(daily["alert"], pa.int64())).as_py(),
        "days": daily.num_rows,
    }
    return {"d1": d1, "d2": d2, "d6": d6}


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --- harness ---------------------------------------------------------------------------------

METHODS = {"ours": run_ours, "pandas": run_pandas, "sql": run_sql}


def child(method: str, folder: Path) -> None:
    """Run one method; the libraries are already imported, so only the work is timed."""
    started = _LAST[0] = time.perf_counter()
    numbers = METHODS[method](folder)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"seconds": seconds, "peak_mb": peak_mb, "phases": PHASES, "numbers": numbers}
    print(json.dumps(result, default=str))


def measure(method: str, folder: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", method, "--dir", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--quick", action="store_true", help="200,000 orders")
    parser.add_argument("--dir", type=Path, help="keep the Parquet files here (re-used if present)")
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
        results = {method: measure(method, folder) for method in METHODS}
    report(results)


def report(results: dict[str, dict[str, Any]]) -> None:
    for method, result in results.items():
        phases = "  ".join(f"{name} {value:.2f}" for name, value in result["phases"].items())
        print(
            f"{method:>7}: {result['seconds']:8.2f} s   peak {result['peak_mb']:8.0f} MB   {phases}"
        )
    ours = results["ours"]
    print(f"pandas / ours: {results['pandas']['seconds'] / ours['seconds']:.2f}x (goal >= 5x)")
    print(f"ours / sql:    {ours['seconds'] / results['sql']['seconds']:.2f}x (goal <= 1.5x)")
    mine = sum(ours["phases"][name] for name in ("read", "d1", "d2"))
    theirs = sum(results["pandas"]["phases"][name] for name in ("read", "d1", "d2"))
    floor = results["sql"]["phases"]["read+d1+d2"]
    print(f"D1+D2 with reading: ours {mine:.2f} s, pandas {theirs:.2f} s, sql {floor:.2f} s")
    print(json.dumps(ours["numbers"], ensure_ascii=False))
    for method in ("pandas", "sql"):
        other = results[method]["numbers"]
        assert other["d1"] == ours["numbers"]["d1"], (method, other["d1"], ours["numbers"]["d1"])
        assert other["d2"] == ours["numbers"]["d2"], (method, other["d2"], ours["numbers"]["d2"])
        for key, value in ours["numbers"]["d6"].items():
            assert abs(float(other["d6"][key]) - float(value)) < 1e-6, (method, key, other["d6"])
    print("D1 totals, D2 counts and D6 quantiles agree across the three.")


if __name__ == "__main__":
    main()
