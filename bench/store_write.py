"""Micro-benchmark of the store's write path: apply_records on synthetic Taobao-like orders.

    python bench/store_write.py [--orders 200000] [--postgres URL] [--no-pandas]

For each backend it times: the first import (all new), a re-import of the same records (all
unchanged), and an import in which 20% of the orders moved on (updates). For scale, it also
times what the import benchmark compares against: writing the same orders as a CSV, then
``pandas.read_csv`` + ``DataFrame.to_sql`` (pandas is a dev dependency).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text

from winback.ingest.records import MASKED, Buyer, OrderRecord, SourceRef
from winback.model import OrderStatus, Platform
from winback.store import repo
from winback.store.db import connect, migrate

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATUSES = [
    (OrderStatus.SETTLED, 55),
    (OrderStatus.CLOSED, 20),
    (OrderStatus.PENDING, 5),
    (OrderStatus.PAID, 5),
    (OrderStatus.SHIPPED, 8),
    (OrderStatus.REFUNDED, 7),
]


def synthetic_orders(count: int, seed: int = 7) -> list[OrderRecord]:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=SHANGHAI)
    population, weights = zip(*STATUSES, strict=True)
    out = []
    for i in range(count):
        status = rng.choices(population, weights)[0]
        created = start + timedelta(seconds=rng.randrange(365 * 86400))
        total = Decimal(rng.randrange(990, 59900)) / 100
        paid = status.was_paid
        out.append(
            OrderRecord(
                platform=Platform.TAOBAO,
                order_id=str(3_000_000_000_000_000 + i * 7919),
                status=status,
                created_at=created,
                total_amount=total,
                goods_amount=total,
                paid_amount=total if paid else None,
                refund_amount=total if status is OrderStatus.REFUNDED else Decimal(0),
                paid_at=created + timedelta(minutes=3) if paid else None,
                shipped_at=created + timedelta(hours=30)
                if status in (OrderStatus.SHIPPED, OrderStatus.SETTLED)
                else None,
                settled_at=created + timedelta(days=9) if status is OrderStatus.SETTLED else None,
                closed_at=created + timedelta(days=1) if status is OrderStatus.CLOSED else None,
                refunded_at=created + timedelta(days=5) if status is OrderStatus.REFUNDED else None,
                buyer=Buyer(
                    buyer_id=f"tb{rng.randrange(count // 2 + 1)}",
                    name="张**",
                    phone=MASKED,
                    address=MASKED,
                    region="浙江省 杭州市",
                ),
                payment_method="支付宝",
                raw_status={OrderStatus.SETTLED: "交易成功"}.get(status, "交易关闭"),
                seller_remark="加急" if i % 50 == 0 else None,
                source=SourceRef("orders.csv", i + 2),
            )
        )
    return out


def moved_on(records: list[OrderRecord], share: float = 0.2) -> list[OrderRecord]:
    """The same export a week later: ``share`` of the open orders moved forward."""
    out = []
    for i, r in enumerate(records):
        if i % int(1 / share) == 0 and r.status is OrderStatus.PENDING:
            r = replace(r, status=OrderStatus.PAID, paid_at=r.created_at + timedelta(hours=1))
        elif i % int(1 / share) == 0 and r.status in (OrderStatus.PAID, OrderStatus.SHIPPED):
            r = replace(r, status=OrderStatus.SETTLED, settled_at=r.created_at + timedelta(days=9))
            r = replace(r, shipped_at=r.shipped_at or r.created_at + timedelta(hours=30))
        elif i % int(1 / share) == 0:
            r = replace(r, seller_remark="已联系")
        out.append(r)
    return out


def timed(label: str, count: int, action: Callable[[], Any]) -> Any:
    start, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  {label:<34} {seconds:7.2f} s  {count / seconds:>10,.0f} rows/s"
        f"   (this process's CPU: {cpu:6.2f} s)"
    )
    return result


def bench_backend(engine: Engine, records: list[OrderRecord]) -> None:
    migrate(engine)
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="bench", platform="taobao", timezone="Asia/Shanghai", currency="CNY"
        )

    def run(batch: list[OrderRecord]) -> repo.ApplyResult:
        with engine.begin() as conn:
            return repo.apply_records(conn, store, batch, source_file="orders.csv")

    n = len(records)
    first = timed("first import (all new)", n, lambda: run(records))
    again = timed("same file again (all unchanged)", n, lambda: run(records))
    later = moved_on(records)
    third = timed("a week later (some moved on)", n, lambda: run(later))
    print(f"    counts: {first.created=} {again.unchanged=} {third.updated=} {third.unchanged=}")


def bench_pandas(records: list[OrderRecord], url: str) -> None:
    import pandas as pd

    fields = [
        "order_id", "status", "created_at", "paid_at", "shipped_at", "settled_at", "closed_at",
        "refunded_at", "total_amount", "paid_amount", "refund_amount", "payment_method",
        "raw_status", "seller_remark",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        rows = [{f: getattr(r, f) for f in fields} | {"buyer": r.buyer.buyer_id} for r in records]
        pd.DataFrame(rows).to_csv(path, index=False)
        engine = create_engine(url)

        def load() -> None:
            frame = pd.read_csv(path, dtype={"order_id": str})
            frame.to_sql("pandas_orders", engine, index=False, if_exists="replace")

        timed("pandas read_csv + to_sql", len(records), load)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE pandas_orders"))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "WINBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-pandas", action="store_true")
    args = parser.parse_args()
    records = synthetic_orders(args.orders)
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        print(f"SQLite, {args.orders:,} orders")
        engine = connect(sqlite_url)
        bench_backend(engine, records)
        engine.dispose()
        if not args.no_pandas:
            bench_pandas(records, sqlite_url)
    if args.no_postgres:
        return
    schema = f"wb_bench_{os.getpid()}"
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in args.postgres else "?"
        url = f"{args.postgres}{separator}options=-csearch_path%3D{schema}"
        print(f"PostgreSQL, {args.orders:,} orders")
        engine = connect(url)
        bench_backend(engine, records)
        engine.dispose()
        if not args.no_pandas:
            bench_pandas(records, url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
