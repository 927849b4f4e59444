"""Dispatch throughput: actions per second through plan → claim → policy → channel → record,
against procrastinate running no-op jobs on the same PostgreSQL server in the same run.

    python bench/dispatch.py [--actions 5000] [--postgres URL]   (needs the `bench` extra)

Ours: ``outbox.enqueue`` of N payment reminders (one per unpaid order, buyers with phones and
consent unknown), then dispatcher workers claim them in batches, read the facts (orders,
contacts, consent, suppressions, caps), run the send policy, send through a
``MemoryChannel`` and record attempts and outcomes. The anchor: ``batch_defer`` of N no-op
jobs, then procrastinate workers run them (fetch, run, finish), in its own schema. Both are
timed from the first write to the last job done; worker processes are started, imported and
connected before the clock starts (procrastinate: the app opened with ``open_async`` and a
pool of ``concurrency + 1`` connections, all opened before the clock; the deferring app opened
before the clock too). The no-op task is ``async`` so that procrastinate's ``concurrency``
applies (its docs: "Do not use concurrency if you have synchronous blocking tasks"); each
worker count is run at concurrency 1, 4 and 16 and the best counts. Each run gets a fresh
database (SQLite file, PostgreSQL schema).

CPU time is that of this process and of the worker processes over the timed region (each
worker reports its own); the database server's CPU is in neither. Peak memory is the
largest of those processes' high-water marks (bench/_measure.py).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _measure import Usage, machine_load, measuring, peak_rss_mb, ratio
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from winback.act.dispatcher import Dispatcher
from winback.clock import SystemClock
from winback.model import ActionChannel
from winback.store import outbox, repo
from winback.store.db import connect, migrate
from winback.store.outbox_engine import Outbox
from winback.store.schema import customers, orders
from winback.testing import MemoryChannel, planned_action

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BUYERS = 1000


def midday_zone(now: datetime) -> str:
    """A fixed-offset zone where it is about noon now, so quiet hours never defer the run
    (``Etc/GMT-8`` is UTC+8: the sign is inverted)."""
    offset = max(-12, min(14, 12 - now.hour))
    return "Etc/GMT" + (f"{-offset:+d}" if offset else "")


def fill(engine: Engine, count: int) -> list[Any]:
    """A store with 1,000 buyers (phones) and ``count`` unpaid orders; returns the reminders
    to plan (not yet enqueued)."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="bench", platform="taobao", timezone=midday_zone(now), currency="CNY",
            now=now,
        )  # fmt: skip
        conn.execute(
            insert(customers),
            [{"store_id": store, "platform": "taobao", "customer_key": f"b{n}",
              "phone": f"1380000{n:04d}", "phone_masked": False, "email_masked": False,
              "address_masked": False} for n in range(BUYERS)],
        )  # fmt: skip
        ids = [r.id for r in conn.execute(select(customers.c.id).order_by(customers.c.id))]
        conn.execute(
            insert(orders),
            [{"store_id": store, "platform": "taobao", "order_id": str(n),
              "customer_id": ids[n % BUYERS], "status": "pending", "created_at": now,
              "total_amount": Decimal("50.00"), "shipping_fee": Decimal(0),
              "discount": Decimal(0), "refund_amount": Decimal(0), "currency": "CNY",
              "updated_at": now} for n in range(count)],
        )  # fmt: skip
    due = now - timedelta(minutes=1)
    return [
        planned_action(store, str(n), customer_id=ids[n % BUYERS], due_at=due) for n in range(count)
    ]


def dispatch_worker(url: str, start: Any, done: Any) -> None:
    """One of our worker processes: says it is ready, waits for ``start``, drains the outbox."""
    engine = connect(url)
    channel = MemoryChannel(ActionChannel.SMS)
    dispatcher = Dispatcher(
        Outbox(engine), {ActionChannel.SMS: channel}, clock=SystemClock(), batch_size=100
    )
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    done.put("ready")
    start.wait()
    with measuring() as usage:
        while dispatcher.drain().claimed:
            pass
    done.put((len(channel.sent), usage.cpu_s, peak_rss_mb()))
    engine.dispose()


def collect(done: Any, procs: list[Any], usage: Usage) -> int:
    """Wait for every worker's (count, CPU seconds, peak MB) and add them to ``usage``."""
    total = 0
    for _ in procs:
        count, cpu, peak = done.get()
        total += count
        usage.cpu_s += cpu
        usage.peak_mb = max(usage.peak_mb, peak)
    return total


def ours(url: str, count: int, workers: int) -> Usage:
    engine = connect(url)
    migrate(engine)
    plan = fill(engine, count)
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    procs = [
        context.Process(target=dispatch_worker, args=(url, start, done)) for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:  # the workers have imported and connected
        assert done.get() == "ready"
    with measuring() as usage:
        with engine.begin() as conn:
            outbox.enqueue(conn, plan, now=datetime.now(UTC))
        start.set()
        workers_usage = Usage()
        sent = collect(done, procs, workers_usage)
    usage.cpu_s += workers_usage.cpu_s
    usage.peak_mb = max(usage.peak_mb, workers_usage.peak_mb)
    for proc in procs:
        proc.join()
    with engine.connect() as conn:
        statuses = outbox.count_by_status(conn)
    engine.dispose()
    assert statuses == {"sent": count} and sent == count, statuses
    return usage


# -- the anchor: procrastinate ------------------------------------------------------------


def procrastinate_app(conninfo: str, schema: str, connections: int = 1) -> Any:
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=conninfo,
            kwargs={"options": f"-csearch_path={schema}"},
            min_size=connections,
            max_size=connections,
        )
    )

    @app.task(name="noop")
    async def noop() -> None:
        return None

    return app


def procrastinate_worker(
    conninfo: str, schema: str, concurrency: int, start: Any, done: Any
) -> None:
    """One procrastinate worker process: opens its pool (every connection), says it is ready,
    waits for ``start``, runs until the queue is empty."""
    app = procrastinate_app(conninfo, schema, connections=concurrency + 1)

    async def run() -> None:
        async with app.open_async():  # the pool waits for all its connections
            done.put("ready")
            await asyncio.to_thread(start.wait)
            with measuring() as usage:
                await app.run_worker_async(
                    wait=False,
                    concurrency=concurrency,
                    listen_notify=False,
                    install_signal_handlers=False,
                )
        done.put((0, usage.cpu_s, peak_rss_mb()))

    asyncio.run(run())


def anchor(conninfo: str, schema: str, count: int, workers: int, concurrency: int) -> Usage:
    app = procrastinate_app(conninfo, schema)
    with app.open():
        app.schema_manager.apply_schema()
    context = multiprocessing.get_context("spawn")
    start, done = context.Event(), context.Queue()
    procs = [
        context.Process(
            target=procrastinate_worker, args=(conninfo, schema, concurrency, start, done)
        )
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        assert done.get() == "ready"
    with app.open():
        task = app.tasks["noop"]
        with measuring() as usage:
            for first in range(0, count, 1000):
                task.batch_defer(*[{} for _ in range(min(1000, count - first))])
            start.set()
            workers_usage = Usage()
            collect(done, procs, workers_usage)
        left = app.connector.get_sync_connector().execute_query_one(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE status <> 'succeeded'"
        )
    usage.cpu_s += workers_usage.cpu_s
    usage.peak_mb = max(usage.peak_mb, workers_usage.peak_mb)
    for proc in procs:
        proc.join()
    assert left["n"] == 0, left
    return usage


# -- running -------------------------------------------------------------------------------


def fresh_schema(admin: Engine, prefix: str) -> str:
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return schema


def in_schema(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


CONCURRENCY = (1, 4, 16)


def timed(label: str, count: int, run: Callable[[], Usage]) -> Usage:
    usage = run()
    print(
        f"{label:<48} {usage.describe()}  {count / usage.wall_s:9,.0f} actions/s",
        flush=True,
    )
    return usage


def best_anchor(conninfo: str, pg: Callable[[str], str], n: int, workers: int) -> Usage:
    """procrastinate at each concurrency; the fastest (wall) is the anchor."""
    runs = []
    for concurrency in CONCURRENCY:
        label = f"anchor procrastinate, {workers} worker(s), concurrency {concurrency}"
        runs.append(
            timed(label, n, lambda c=concurrency: anchor(conninfo, pg("pc"), n, workers, c))
        )
    return min(runs, key=lambda usage: usage.wall_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=5000)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    args = parser.parse_args()
    n = args.actions
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    conninfo = make_url(args.postgres).set(drivername="postgresql").render_as_string(False)
    schemas: list[str] = []

    def pg(prefix: str) -> str:
        schemas.append(fresh_schema(admin, prefix))
        return schemas[-1]

    print(machine_load(), flush=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
            timed("winback, SQLite, 1 worker", n, lambda: ours(sqlite_url, n, 1))
        ours_1 = timed(
            "winback, PostgreSQL, 1 worker",
            n,
            lambda: ours(in_schema(args.postgres, pg("wb")), n, 1),
        )
        ours_4 = timed(
            "winback, PostgreSQL, 4 workers",
            n,
            lambda: ours(in_schema(args.postgres, pg("wb")), n, 4),
        )
        anchor_1 = best_anchor(conninfo, pg, n, 1)
        anchor_4 = best_anchor(conninfo, pg, n, 4)
    finally:
        with admin.connect() as conn:
            for schema in schemas:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
    print(f"PostgreSQL, 1 worker vs procrastinate's best with 1 worker:  {ratio(anchor_1, ours_1)}")
    print(
        f"PostgreSQL, 4 workers vs procrastinate's best with 4 workers: {ratio(anchor_4, ours_4)}"
    )
    print(machine_load())


if __name__ == "__main__":
    main()
