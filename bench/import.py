"""Import benchmark: a large Taobao order report into SQLite and PostgreSQL.

Ours: ``winback import`` (decode, clean every quirk, map statuses, build the status timeline,
upsert customers and orders in one transaction). Into an empty store a file this large is read
by a helper process while this one writes (two processes; see ``winback.store._streamed``).
Anchor, measured in the same run on the same file: ``pandas.read_csv(dtype=str)`` +
``DataFrame.to_sql`` — raw text into a table, no cleaning at all, one process. The figure that
matters is the wall-clock ratio anchor/ours (> 1 means we are faster); the client CPU ratio
(our two processes together against the anchor's one) is printed beside it.

    .venv/bin/python bench/import.py                 # 1,000,000 orders
    .venv/bin/python bench/import.py --orders 100000 --skip-postgres
    .venv/bin/python bench/import.py --export /tmp/taobao_1m.csv  # keep the file for reruns

PostgreSQL: ``WINBACK_BENCH_POSTGRES_URL`` (default the local test server); a scratch
database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from winback import services
from winback.app import App
from winback.config import load_settings
from winback.demo.exports.taobao import write_order_report
from winback.demo.simulator import simulate
from winback.model import Platform

POSTGRES = os.environ.get(
    "WINBACK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def build_export(folder: Path, orders: int, path: Path | None = None) -> Path:
    shop = simulate(seed=2, start=date(2026, 1, 1), days=120, orders=orders)
    path = path or folder / "taobao_orders.csv"
    write_order_report(shop.orders, path)
    return path


Timing = tuple[float, float]
"""Wall-clock seconds and the client's CPU seconds: this process and the helper processes it
waited for (the database server's are not in it)."""


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    helpers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + helpers.ru_utime + helpers.ru_stime


def ours(path: Path, url: str) -> Timing:
    settings = load_settings(env={}, overrides={"database": {"url": url}}, cwd=path.parent)
    app = App.open(settings, cwd=path.parent)
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        (report,) = services.import_path(app, path, source=Platform.TAOBAO)
        elapsed = (time.perf_counter() - started, cpu_seconds() - cpu)
    finally:
        app.close()
    assert report.rejected == 0, report.rejections[:3]
    return elapsed


def anchor(path: Path, url: str) -> Timing:
    engine = sa.create_engine(url)
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        frame = pd.read_csv(path, encoding="gb18030", dtype=str)
        frame.to_sql("orders_raw", engine, if_exists="replace", index=False, chunksize=50_000)
        return time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        engine.dispose()


@contextmanager
def scratch_postgres() -> Iterator[tuple[str, str]]:
    """Two fresh databases (ours, anchor) on the server, dropped afterwards."""
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    names = [f"winback_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    base = sa.engine.make_url(POSTGRES)
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield tuple(base.set(database=name).render_as_string(False) for name in names)  # type: ignore[misc]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(label: str, rows: int, ours_t: Timing, anchor_t: Timing) -> None:
    (ours_s, ours_cpu), (anchor_s, anchor_cpu) = ours_t, anchor_t
    print(
        f"{label:<11} ours {ours_s:7.1f} s ({rows / ours_s:>9,.0f} rows/s)   "
        f"anchor {anchor_s:7.1f} s ({rows / anchor_s:>9,.0f} rows/s)   "
        f"ratio {anchor_s / ours_s:4.2f}x   "
        f"(client CPU: ours {ours_cpu:.1f} s, anchor {anchor_cpu:.1f} s, "
        f"ratio {anchor_cpu / ours_cpu:4.2f}x)"
    )


def timed(label: str, action: Callable[[], Path]) -> Path:
    started = time.perf_counter()
    result = action()
    print(f"{label}: {time.perf_counter() - started:.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument(
        "--export", type=Path, help="reuse this export file (written here when missing)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.export is not None and args.export.exists():
            path = args.export
        else:
            path = timed(
                f"simulate + write {args.orders:,} orders",
                lambda: build_export(folder, args.orders, args.export),
            )
        size = path.stat().st_size / 1e6
        print(f"file: {path.name}, {size:.0f} MB, GB18030\n")
        rows = sum(1 for _ in path.open("rb")) - 1
        if not args.skip_sqlite:
            sqlite_ours = ours(path, f"sqlite:///{folder / 'ours.db'}")
            sqlite_anchor = anchor(path, f"sqlite:///{folder / 'anchor.db'}")
            report("SQLite", rows, sqlite_ours, sqlite_anchor)
        if not args.skip_postgres:
            with scratch_postgres() as (ours_url, anchor_url):
                report("PostgreSQL", rows, ours(path, ours_url), anchor(path, anchor_url))


if __name__ == "__main__":
    main()
