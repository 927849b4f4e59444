"""Import benchmark: a large Taobao order report into SQLite and PostgreSQL.

Contenders, each in a fresh process on a fresh database, everything a user would do once
(imports, engines, connections, the schema) done before the clock starts:

* ``winback`` — ``services.import_path``: decode, clean every quirk, map statuses, build the
  status timeline, upsert customers and orders, one transaction. Into an empty store a file
  this large is read by a helper process while this one writes (see
  ``winback.store._streamed``).
* ``pandas`` — the strongest loader pandas documents, no cleaning at all:
  ``read_csv(engine="pyarrow", dtype_backend="pyarrow")`` then ``to_sql`` with, on
  PostgreSQL, the ``psql_insert_copy`` COPY method of the pandas IO docs (written for
  psycopg2's ``copy_expert``; here the same CSV buffer goes through psycopg 3's
  ``cursor.copy``) and on SQLite ``method="multi"`` with the chunk size tuned (``--tune``).
* ``floor`` — the raw physical floor: PostgreSQL's ``COPY … FROM 'file' (FORMAT csv)`` of the
  raw file into a table of text columns (the server reads the file itself); SQLite's
  ``sqlite3`` CLI ``.import --csv`` into a table of text columns.

For each it prints wall time, CPU time (the contender's process and its children: winback's
helper, the ``sqlite3`` CLI) and peak RSS (the process's, plus its largest child's). On
PostgreSQL it also prints the server's CPU for the run: the backends serving the
contender's database, read from ``/proc`` every 0.1 s (a local server only; the shared
background writer, checkpointer and WAL writer are not in it). The ratios compare contenders
measured in the same round; rounds interleave the contenders.

    .venv/bin/python bench/import.py --export /tmp/taobao_1m.csv          # 1,000,000 orders
    .venv/bin/python bench/import.py --orders 100000 --skip-postgres
    .venv/bin/python bench/import.py --export /tmp/taobao_1m.csv --rounds 3
    .venv/bin/python bench/import.py --export /tmp/taobao_100k.csv --tune  # SQLite chunk size

PostgreSQL: ``WINBACK_BENCH_POSTGRES_URL`` (default the local test server); a scratch
database is created and dropped per contender and round.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

POSTGRES = os.environ.get(
    "WINBACK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CONTENDERS = ("winback", "pandas", "floor")
SQLITE_MAX_VARIABLES = 32_766
SQLITE_MULTI_ROWS = 0
"""Rows per ``INSERT`` of the SQLite anchor's ``method="multi"`` (capped by SQLite's
32,766 variables): the best of 100, 500, 1,000 and the largest allowed in ``--tune``."""


def build_export(folder: Path, orders: int, path: Path | None = None) -> Path:
    from winback.demo.exports.taobao import write_order_report
    from winback.demo.simulator import simulate

    shop = simulate(seed=2, start=date(2026, 1, 1), days=120, orders=orders)
    path = path or folder / "taobao_orders.csv"
    write_order_report(shop.orders, path)
    return path


# -- the contenders, each run in its own process ---------------------------------------------


def _usage() -> tuple[float, float, int, int]:
    """CPU seconds of this process, of its waited-for children, and the peak RSS (kB) of
    this process and of its largest child."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (
        own.ru_utime + own.ru_stime,
        kids.ru_utime + kids.ru_stime,
        own.ru_maxrss,
        kids.ru_maxrss,
    )


def _go() -> None:
    """Tell the parent the set-up is done and wait for its go (it snapshots the server)."""
    print("ready", flush=True)
    sys.stdin.readline()


def _done(started: float, before: tuple[float, float, int, int], **extra: Any) -> None:
    wall = time.perf_counter() - started
    after = _usage()
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": after[0] - before[0],
                "cpu_children": after[1] - before[1],
                "rss_kb": after[2],
                "rss_children_kb": after[3],
                **extra,
            }
        ),
        flush=True,
    )


def run_winback(path: Path, db: str, target: str) -> None:
    from winback import services
    from winback.app import App
    from winback.config import load_settings
    from winback.model import Platform

    url = f"sqlite:///{target}" if db == "sqlite" else target
    settings = load_settings(env={}, overrides={"database": {"url": url}}, cwd=path.parent)
    app = App.open(settings, cwd=path.parent)  # connects and creates the schema
    try:
        with app.engine.connect():
            pass  # a pooled connection, as the anchor's
        before = _usage()
        _go()
        started = time.perf_counter()
        (report,) = services.import_path(app, path, source=Platform.TAOBAO)
        _done(started, before, rows=report.created, rejected=report.rejected)
    finally:
        app.close()


def psql_insert_copy(table: Any, conn: Any, keys: list[str], data_iter: Any) -> None:
    """The COPY method of the pandas IO docs ("Insertion method"), with psycopg 3's
    ``cursor.copy`` in place of psycopg2's ``copy_expert`` (same CSV buffer, same SQL)."""
    import csv
    from io import StringIO

    dbapi_conn = conn.connection
    with dbapi_conn.cursor() as cur:
        s_buf = StringIO()
        writer = csv.writer(s_buf)
        writer.writerows(data_iter)
        s_buf.seek(0)
        columns = ", ".join(f'"{k}"' for k in keys)
        table_name = f"{table.schema}.{table.name}" if table.schema else table.name
        sql = f"COPY {table_name} ({columns}) FROM STDIN WITH CSV"
        with cur.copy(sql) as copy:
            while data := s_buf.read(1 << 20):
                copy.write(data)


def run_pandas(path: Path, db: str, target: str, multi_rows: int) -> None:
    import pandas as pd
    import pyarrow  # noqa: F401 (loaded before the clock, as pandas' engine needs it)
    import sqlalchemy as sa

    url = f"sqlite:///{target}" if db == "sqlite" else target
    engine = sa.create_engine(url)
    try:
        with engine.connect():
            pass
        before = _usage()
        _go()
        started = time.perf_counter()
        frame = pd.read_csv(path, encoding="gb18030", engine="pyarrow", dtype_backend="pyarrow")
        read = time.perf_counter() - started
        if db == "postgres":
            frame.to_sql(
                "orders_raw", engine, if_exists="replace", index=False, method=psql_insert_copy
            )
        elif multi_rows == 0:  # the default: executemany of every row
            frame.to_sql("orders_raw", engine, if_exists="replace", index=False)
        else:
            rows = min(multi_rows, SQLITE_MAX_VARIABLES // len(frame.columns))
            frame.to_sql(
                "orders_raw", engine, if_exists="replace", index=False, method="multi",
                chunksize=rows,
            )  # fmt: skip
        _done(started, before, rows=len(frame), read=read)
    finally:
        engine.dispose()


def _width(path: Path) -> int:
    import csv

    with path.open(encoding="gb18030", newline="") as handle:
        return len(next(csv.reader(handle)))


def run_floor(path: Path, db: str, target: str) -> None:
    width = _width(path)
    columns = ", ".join(f"c{i} text" for i in range(width))
    if db == "sqlite":
        sqlite3 = shutil.which("sqlite3")
        if sqlite3 is None:
            raise SystemExit("the SQLite floor needs the sqlite3 CLI (Debian: sqlite3)")
        subprocess.run([sqlite3, target, f"CREATE TABLE raw ({columns})"], check=True)
        before = _usage()
        _go()
        started = time.perf_counter()
        subprocess.run([sqlite3, target, f".import --csv --skip 1 {path} raw"], check=True)
        _done(started, before)
        return
    import psycopg

    url = target.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE raw ({columns})")
        before = _usage()
        _go()
        started = time.perf_counter()
        copied = conn.execute(
            f"COPY raw FROM '{path}' (FORMAT csv, HEADER true, ENCODING 'GB18030')"
        ).rowcount
        _done(started, before, rows=copied)


# -- the parent: databases, server CPU, rounds -----------------------------------------------


@dataclass(frozen=True)
class Result:
    contender: str
    db: str
    wall: float
    cpu: float  # the contender's process and its children
    rss_mb: float  # its peak RSS plus its largest child's
    server_cpu: float | None
    extra: dict[str, Any]


_TICK = os.sysconf("SC_CLK_TCK")


def _backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each server process serving ``database`` (from its process title)."""
    found: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if not title.startswith("postgres:") or f" {database} " not in title:
                continue
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / _TICK
    return found


class ServerCpu:
    """The server's CPU spent for one database between :meth:`start` and :meth:`stop`,
    sampled often so that a backend that ends in between still counts."""

    def __init__(self, database: str | None) -> None:
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.database is None:
            return
        self.first = _backend_cpu(self.database)
        self.last = dict(self.first)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        assert self.database is not None
        while not self._stop.wait(0.1):
            self.last.update(_backend_cpu(self.database))

    def stop(self) -> float | None:
        if self.database is None or self._thread is None:
            return None
        self._stop.set()
        self._thread.join()
        self.last.update(_backend_cpu(self.database))
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


@contextmanager
def scratch_postgres() -> Iterator[tuple[str, str]]:
    """A fresh database on the server (its URL and name), dropped afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"winback_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES).set(database=name).render_as_string(False), name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_child(contender: str, db: str, path: Path, target: str, database: str | None,
              multi_rows: int) -> Result:  # fmt: skip
    command = [
        sys.executable, __file__, "--child", contender, "--db", db, "--export", str(path),
        "--target", target, "--multi-rows", str(multi_rows),
    ]  # fmt: skip
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    server = ServerCpu(database)
    line = child.stdout.readline()
    if line.strip() != "ready":
        child.wait()
        raise SystemExit(f"{contender} on {db} failed before the clock: {line!r}")
    server.start()
    child.stdin.write("go\n")
    child.stdin.flush()
    line = child.stdout.readline()
    server_cpu = server.stop()
    if child.wait() != 0 or not line:
        raise SystemExit(f"{contender} on {db} failed (exit code {child.returncode})")
    data = json.loads(line)
    return Result(
        contender,
        db,
        data.pop("wall"),
        data.pop("cpu") + data.pop("cpu_children"),
        (data.pop("rss_kb") + data.pop("rss_children_kb")) / 1024,
        server_cpu,
        data,
    )


def one(contender: str, db: str, path: Path, folder: Path, multi_rows: int) -> Result:
    if db == "sqlite":
        target = folder / f"{contender}_{uuid.uuid4().hex[:6]}.db"
        try:
            return run_child(contender, db, path, str(target), None, multi_rows)
        finally:
            for leftover in folder.glob(f"{target.name}*"):
                leftover.unlink()
    with scratch_postgres() as (url, name):
        return run_child(contender, db, path, url, name, multi_rows)


def show(result: Result, rows: int) -> None:
    server = "" if result.server_cpu is None else f"  server CPU {result.server_cpu:6.1f} s"
    read = f"  (read_csv {result.extra['read']:.1f} s)" if "read" in result.extra else ""
    print(
        f"  {result.db:<8} {result.contender:<8} wall {result.wall:6.1f} s "
        f"({rows / result.wall:>9,.0f} rows/s)  CPU {result.cpu:6.1f} s{server}  "
        f"peak RSS {result.rss_mb:6.0f} MB{read}",
        flush=True,
    )


def ratios(results: dict[str, Result]) -> str:
    ours, anchor, floor = (results.get(c) for c in CONTENDERS)
    parts = []
    if ours and anchor:
        parts.append(f"pandas/winback {anchor.wall / ours.wall:.2f}x wall")
        parts.append(f"{anchor.cpu / ours.cpu:.2f}x client CPU")
        if ours.server_cpu is not None and anchor.server_cpu is not None:
            total = (anchor.cpu + anchor.server_cpu) / (ours.cpu + ours.server_cpu)
            parts.append(f"{total:.2f}x CPU with the server's")
    if ours and floor:
        parts.append(f"winback/floor {ours.wall / floor.wall:.2f}x wall")
        ours_cpu = ours.cpu + (ours.server_cpu or 0.0)
        floor_cpu = floor.cpu + (floor.server_cpu or 0.0)
        parts.append(f"{ours_cpu / floor_cpu:.2f}x CPU")
    return ", ".join(parts)


def tune(path: Path, folder: Path) -> None:
    """The SQLite anchor's rows per INSERT: the fastest of a few, same file."""
    width = _width(path)
    largest = SQLITE_MAX_VARIABLES // width
    for rows in sorted({0, 10, 100, 1000, largest}):
        result = one("pandas", "sqlite", path, folder, rows)
        setting = "method=None" if rows == 0 else f"method='multi', chunksize={min(rows, largest)}"
        print(f"{setting}: wall {result.wall:.1f} s, CPU {result.cpu:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--only", choices=CONTENDERS, action="append", help="run only these contenders"
    )
    parser.add_argument("--tune", action="store_true", help="time the SQLite anchor's chunks")
    parser.add_argument(
        "--export", type=Path, help="reuse this export file (written here when missing)"
    )
    parser.add_argument("--child", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--multi-rows", type=int, default=SQLITE_MULTI_ROWS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path = args.export.resolve()
        if args.child == "winback":
            run_winback(path, args.db, args.target)
        elif args.child == "pandas":
            run_pandas(path, args.db, args.target, args.multi_rows)
        else:
            run_floor(path, args.db, args.target)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.export is not None and args.export.exists():
            path = args.export.resolve()
        else:
            started = time.perf_counter()
            path = build_export(folder, args.orders, args.export).resolve()
            print(f"simulate + write {args.orders:,} orders: {time.perf_counter() - started:.1f} s")
        rows = sum(1 for _ in path.open("rb")) - 1
        print(f"file: {path}, {path.stat().st_size / 1e6:.0f} MB, {rows:,} lines, GB18030")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}\n", flush=True)
        if args.tune:
            tune(path, folder)
            return
        dbs = [db for db, skip in (("sqlite", args.skip_sqlite), ("postgres", args.skip_postgres))
               if not skip]  # fmt: skip
        contenders = args.only or list(CONTENDERS)
        for round_ in range(args.rounds):
            # Interleaved: each round runs every contender once, in a rotated order.
            order = contenders[round_ % len(contenders) :] + contenders[: round_ % len(contenders)]
            print(f"round {round_ + 1}, load average {os.getloadavg()}", flush=True)
            for db in dbs:
                results = {}
                for contender in order:
                    results[contender] = one(contender, db, path, folder, args.multi_rows)
                    show(results[contender], rows)
                print(f"  {db:<8} {ratios(results)}\n", flush=True)


if __name__ == "__main__":
    main()
