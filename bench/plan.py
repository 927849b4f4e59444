"""Planning benchmark: ``winback plan`` over a store with N open unpaid orders.

Ours: ``services.recovery.plan`` end to end — judge the store's orders as of the moment
(``orders_known``), read the lines of the orders planning is about, find the re-orders, read
the facts the enabled planners name (open orders with buyers, paid history, consents and
item titles; yesterday's closed orders; earlier steps), build the D6 payment-time report, run
every default playbook in columns (merging, timing, gaps, channel rules, holdout), and
enqueue the actions with their order links through the outbox's bulk path, in one
transaction. The anchor, measured in the same run on the same data: the floor of a
hand-written SQL planner with no rules at all — set-based ``INSERT … SELECT`` statements from
the orders table writing **the same rows** as ours: as many action rows (with parameters of
the same size) and as many order-link rows (issue 15: a floor that writes no links is not
the same work). The figure that matters is ours/anchor (how many times the floor).

    .venv/bin/python bench/plan.py                         # 1,000,000 open orders
    .venv/bin/python bench/plan.py --orders 100000 --skip-postgres
    .venv/bin/python bench/plan.py --orders 100000 --profile /tmp/plan.prof

Each contender runs in its own subprocess on a fresh copy of the data (a copied SQLite
file; a PostgreSQL schema rebuilt from scratch), and reports its wall time and its peak
resident memory (``VmHWM`` from ``/proc/self/status``: tracemalloc misses Arrow, DuckDB and
driver memory). Ours also reports a breakdown by phase. The machine's load average is
printed before and after each contender (the machine is shared). PostgreSQL:
``WINBACK_BENCH_POSTGRES_URL`` (default the local test server, trust auth, database
``test``); a scratch schema is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from _measure import measuring
from sqlalchemy import Engine, text

from winback.app import App
from winback.config import load_settings
from winback.store import repo
from winback.store._bulk import Bulk
from winback.store.db import connect, migrate
from winback.store.schema import consents, customers, order_lines, orders, to_epoch_us
from winback.testing import FixedClock

POSTGRES: Final = os.environ.get(
    "WINBACK_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NOW: Final = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
ZONE: Final = "Asia/Shanghai"
HOUR_US: Final = 3_600_000_000
CLOSE_HOURS: Final = 24
"""Taobao's deadline for unpaid orders (winback.platforms), which the bench store keeps."""
TITLES: Final = ("连衣裙", "羊毛大衣", "运动鞋", "保温杯", "蓝牙耳机", "床上四件套", "面膜")
METHODS: Final = ("alipay", "alipay", "alipay", "huabei", "credit_card")


# -- the data (not timed) --------------------------------------------------------------------


def fill(engine: Engine, open_orders: int, seed: int = 7) -> None:
    """A Taobao store whose buyers left ``open_orders`` unpaid orders within the platform's
    deadline (Taobao closes unpaid orders after 24 h: docs/deadlines.md), so all of them are
    open at the moment of the plan.

    Buyers: 0.65 per open order, so about 45% of open orders share a buyer with another
    (merged reminders); 3% of open orders name no buyer. Contacts: 70% phone known, 15%
    masked by the platform; 30% e-mail known; 10% of buyers have a consent statement.
    History: half as many orders again over the last 90 days, 80% paid after a skewed
    delay (D6's data, and returning buyers), the rest closed unpaid, some of them yesterday
    (the closed follow-up playbook's input), with a close reason. One line per order."""
    rng = random.Random(seed)
    now_us = to_epoch_us(NOW)
    buyers = max(1, int(open_orders * 0.65))
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="bench", platform="taobao", timezone=ZONE, currency="CNY", now=NOW
        )
        bulk = Bulk(conn)
        customer_ids = list(bulk.allocate_ids(customers, buyers))
        bulk.insert(
            customers,
            ("id", "store_id", "platform", "customer_key", "phone", "phone_masked", "email",
             "email_masked", "address_masked"),
            [_customer(rng, store, cid, n) for n, cid in enumerate(customer_ids)],
        )  # fmt: skip
        bulk.insert(
            consents,
            ("customer_id", "channel", "granted", "source", "recorded_at"),
            [
                (cid, rng.choice(("sms", "email", "phone")), rng.random() < 0.7, "bench",
                 now_us - rng.randrange(1, 2000) * HOUR_US)
                for cid in customer_ids if rng.random() < 0.10
            ],
        )  # fmt: skip
        rows = _history(rng, store, customer_ids, open_orders // 2, now_us)
        rows += _open(rng, store, customer_ids, open_orders, now_us)
        _insert_orders(bulk, rows, rng)


def _customer(rng: random.Random, store: int, cid: int, n: int) -> tuple[Any, ...]:
    draw = rng.random()
    phone = f"138{n:08d}" if draw < 0.70 else None
    email = f"b{n}@example.cn" if rng.random() < 0.30 else None
    return (cid, store, "taobao", f"tb{n:08d}", phone, 0.70 <= draw < 0.85, email,
            email is None and rng.random() < 0.05, False)  # fmt: skip


ORDER_COLUMNS: Final = (
    "id", "store_id", "platform", "order_id", "customer_id", "status", "created_at", "paid_at",
    "closed_at", "total_amount", "paid_amount", "shipping_fee", "discount", "refund_amount",
    "currency", "payment_method", "buyer_message", "close_reason", "updated_at",
)  # fmt: skip


def _history(
    rng: random.Random, store: int, buyers: list[int], count: int, now_us: int
) -> list[list[Any]]:
    rows = []
    for n in range(count):
        created = now_us - rng.randrange(4 * 24, 90 * 24) * HOUR_US - rng.randrange(HOUR_US)
        if n % 200 == 0:  # closed yesterday (store time): the follow-up playbook's orders
            created = now_us - CLOSE_HOURS * HOUR_US - rng.randrange(6, 30) * HOUR_US
        amount = rng.randrange(1_000, 80_000)
        paid = n % 200 != 0 and rng.random() < 0.8
        delay = int(rng.lognormvariate(7.5, 1.6) * 1_000_000)  # median ~30 min, long tail
        paid_at = created + min(delay, (CLOSE_HOURS - 1) * HOUR_US) if paid else None
        closed_at = None if paid else created + CLOSE_HOURS * HOUR_US
        rows.append(
            [None, store, "taobao", f"h{n:09d}", rng.choice(buyers), "settled" if paid else
             "closed", created, paid_at, closed_at, amount, amount if paid else None, 0, 0, 0,
             "CNY", rng.choice(METHODS), None, None if paid else "买家不想买了", now_us]
        )  # fmt: skip
    return rows


def _open(
    rng: random.Random, store: int, buyers: list[int], count: int, now_us: int
) -> list[list[Any]]:
    rows = []
    for n in range(count):
        created = now_us - rng.randrange(CLOSE_HOURS * HOUR_US - 60_000_000)
        buyer = None if rng.random() < 0.03 else rng.choice(buyers)
        message = "尽快发货" if rng.random() < 0.05 else None
        rows.append(
            [None, store, "taobao", f"u{n:09d}", buyer, "pending", created, None, None,
             rng.randrange(1_000, 80_000), None, 0, 0, 0, "CNY", rng.choice(METHODS), message,
             None, now_us]
        )  # fmt: skip
    return rows


def _insert_orders(bulk: Bulk, rows: list[list[Any]], rng: random.Random) -> None:
    for row, row_id in zip(rows, bulk.allocate_ids(orders, len(rows)), strict=True):
        row[0] = row_id
    bulk.insert(orders, ORDER_COLUMNS, rows)
    bulk.insert(
        order_lines,
        ("order_row_id", "line_id", "title", "quantity", "unit_price", "refund_amount"),
        [(row[0], "1", rng.choice(TITLES), 1, row[9], 0) for row in rows],
    )


# -- the contenders (each in its own subprocess) ------------------------------------------------


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> None:
    """Start the high-water mark ``VmHWM`` again from the current resident set (Linux:
    ``/proc/self/clear_refs``), so that the next reading is one phase's own peak."""
    Path("/proc/self/clear_refs").write_text("5")


def run_ours(url: str, profile: str | None) -> dict[str, Any]:
    """``services.recovery.plan`` on the bench store, with a per-phase breakdown taken by
    wrapping the functions it calls (the wrappers only read the clock and the high-water
    mark, which each phase starts again: its peak is its own; the run's peak is the largest
    of them and of the stretches between)."""
    from winback.services import recovery as service
    from winback.store import planning_facts

    phases: dict[str, float] = {}
    peaks: dict[str, float] = {}
    highest = [0.0]

    def timed(module: Any, name: str, phase: str) -> None:
        inner = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            highest[0] = max(highest[0], peak_rss_mb())
            reset_peak_rss()
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - began
                peaks[phase] = max(peaks.get(phase, 0.0), peak_rss_mb())
                highest[0] = max(highest[0], peaks[phase])

        setattr(module, name, wrapper)

    timed(service, "orders_known_in_chunks", "orders as of now")
    timed(planning_facts, "order_lines_since", "read lines")
    timed(service, "reorders", "re-orders")
    timed(service, "read_facts", "read facts")
    timed(service, "_payment_report", "D6 report")
    timed(service, "plan_recovery", "rules")
    timed(service.outbox, "enqueue_table", "enqueue")
    settings = load_settings(env={}, overrides={"database": {"url": url}}, cwd=Path.cwd())
    app = App.open(settings, cwd=Path.cwd(), clock=FixedClock(NOW))
    try:
        with measuring() as usage:
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                result = profiler.runcall(service.plan, app, "bench")
                profiler.dump_stats(profile)
            else:
                result = service.plan(app, "bench")
        elapsed = usage.wall_s
        with app.engine.connect() as conn:
            links = conn.execute(text("SELECT count(*) FROM action_orders")).scalar_one()
    finally:
        app.close()
    return {
        "seconds": elapsed,
        "cpu_s": usage.cpu_s,
        "rss_mb": max(highest[0], peak_rss_mb()),
        "phases": phases,
        "peaks": peaks,
        "planned": result.planned,
        "created": result.created,
        "links": int(links),
        "held_out": result.held_out,
        "unpaid": result.unpaid_orders,
        "closed": result.closed_orders,
        "reordered": result.reordered,
        "unreachable": sum((result.unreachable or {}).values()),
    }


PARAMS_SQL: Final = (
    '\'{{"amount":"\' || {amount} || \'","buyer_type":"new","closes_at":'
    '"2026-12-03 14:00","item":"连衣裙","order_count":"1","order_id":"\''
    ' || o.order_id || \'","order_ids":"\' || o.order_id || \'","ordered_at":'
    '"11-30 09:00","orders":"1","pay_before":"16:00","payment_probability":'
    '"0.12","ships_today":"yes","shop":"bench","total":"\' || {amount} '
    "|| '\"}}'"
)
"""Template parameters of the size ours writes (the same keys, the order's own id and
amount), so the floor writes rows as long as ours."""

ANCHOR_SQL: Final = (
    "INSERT INTO actions (store_id, key, playbook, step, channel, purpose, status, customer_id,"
    " order_ids, amount, template, params, due_at, expires_at, created_at, updated_at, attempts)"
    " SELECT o.store_id, 'buyer:' || o.order_id || ':unpaid:' || s.step || '@' || o.order_id,"
    " 'unpaid', s.step, 'sms', 'transactional', 'planned', o.customer_id,"
    " '[\"' || o.order_id || '\"]', o.total_amount, 'unpaid_new_buyer', {params},"
    " {due}, {expires}, {now}, {now}, 0"
    " FROM orders o CROSS JOIN (SELECT 1 AS step UNION ALL SELECT 2) s"
    " WHERE o.store_id = :store AND o.status = 'pending' AND o.created_at > {since}"
    " ORDER BY s.step, o.id LIMIT :rows"
)
ANCHOR_LINKS_SQL: Final = (
    "INSERT INTO action_orders (action_id, order_id, store_id)"
    " SELECT a.id, o.order_id, a.store_id FROM actions a"
    " JOIN orders o ON o.store_id = a.store_id AND o.customer_id = a.customer_id"
    " AND o.status = 'pending' AND o.created_at > {since}"
    " ORDER BY a.id, o.id LIMIT :links"
)
"""Each floor action linked to its buyer's open orders (what merging links), as many rows as
ours wrote."""


def run_anchor(url: str, rows: int, links: int) -> dict[str, Any]:
    """``INSERT … SELECT`` of ``rows`` action rows and ``links`` link rows, committed."""
    engine = connect(url)
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            deadline = f"o.created_at + interval '{CLOSE_HOURS} hours'"
            amount = "CAST(o.total_amount AS text)"
            sql = ANCHOR_SQL.format(
                due=deadline, expires=deadline, now=":now", since=":since",
                params=PARAMS_SQL.format(amount=amount),
            )  # fmt: skip
            params: dict[str, Any] = {"now": NOW, "since": NOW - timedelta(hours=CLOSE_HOURS)}
        else:
            deadline = f"o.created_at + {CLOSE_HOURS * HOUR_US}"
            sql = ANCHOR_SQL.format(
                due=deadline, expires=deadline, now=":now", since=":since",
                params=PARAMS_SQL.format(amount="o.total_amount"),
            )  # fmt: skip
            since = NOW - timedelta(hours=CLOSE_HOURS)
            params = {"now": to_epoch_us(NOW), "since": to_epoch_us(since)}
        store = conn.execute(text("SELECT id FROM stores WHERE name = 'bench'")).scalar_one()
        conn.rollback()
        with measuring() as usage, conn.begin():
            written = conn.execute(text(sql), {**params, "store": store, "rows": rows}).rowcount
            linked = conn.execute(
                text(ANCHOR_LINKS_SQL.format(since=":since")),
                {"since": params["since"], "links": links},
            ).rowcount
    engine.dispose()
    return {
        "seconds": usage.wall_s,
        "cpu_s": usage.cpu_s,
        "rss_mb": peak_rss_mb(),
        "rows": written,
        "links": linked,
    }


def child(argv: list[str]) -> None:
    """Entry point of a contender subprocess: prints one JSON line."""
    kind, url = argv[0], argv[1]
    out = (
        run_ours(url, argv[2] or None)
        if kind == "ours"
        else run_anchor(url, int(argv[2]), int(argv[3]))
    )
    print(json.dumps(out))


def in_subprocess(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, stdout=subprocess.PIPE, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- fresh databases ----------------------------------------------------------------------


@contextmanager
def sqlite_store(folder: Path, orders_: int) -> Iterator[Callable[[], str]]:
    """A function returning the URL of a freshly filled SQLite file."""

    def fresh() -> str:
        url = f"sqlite:///{folder / 'bench.db'}"
        engine = connect(url)
        migrate(engine)
        fill(engine, orders_)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))  # statistics, as PostgreSQL gets VACUUM ANALYZE
        engine.dispose()
        return url

    yield fresh


@contextmanager
def postgres_schemas(orders_: int) -> Iterator[Callable[[], str]]:
    """A function returning the URL of a freshly filled PostgreSQL schema; dropped after."""
    admin = connect(POSTGRES)
    made: list[str] = []

    def fresh() -> str:
        schema = f"bench_plan_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        made.append(schema)
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        engine = connect(url)
        migrate(engine)
        fill(engine, orders_)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        engine.dispose()
        return url

    try:
        yield fresh
    finally:
        with admin.begin() as conn:
            for schema in made:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def clear_actions(url: str) -> None:
    """Empty the outbox again (not timed), so the anchor writes into empty tables too."""
    engine = connect(url)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            with conn.begin():
                conn.execute(text("TRUNCATE actions CASCADE"))
        else:
            with conn.begin():
                conn.execute(text("DELETE FROM action_orders"))
                conn.execute(text("DELETE FROM actions"))
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM actions"))
    engine.dispose()


# -- the report ---------------------------------------------------------------------------


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): it is shared."""
    return "load " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def compare(label: str, fresh: Callable[[], str], profile: str | None) -> None:
    """Fill a fresh database, run ours, empty the outbox, run the anchor; print both."""
    began = time.perf_counter()
    url = fresh()
    print(f"{label}: data ready in {time.perf_counter() - began:.0f} s; {load()}", flush=True)
    ours = in_subprocess("ours", url, profile or "")
    after_ours = load()
    clear_actions(url)
    anchor = in_subprocess("anchor", url, str(ours["created"]), str(ours["links"]))
    assert (anchor["rows"], anchor["links"]) == (ours["created"], ours["links"]), (anchor, ours)
    phases = "  ".join(f"{name} {secs:.1f}" for name, secs in ours["phases"].items())
    peaks = "  ".join(f"{name} {mb:.0f}" for name, mb in ours["peaks"].items())
    print(
        f"{label:<10}  ours {ours['seconds']:7.1f} s (CPU {ours['cpu_s']:6.1f} s) "
        f"peak {ours['rss_mb']:6.0f} MB   "
        f"anchor {anchor['seconds']:6.1f} s (CPU {anchor['cpu_s']:6.1f} s) "
        f"peak {anchor['rss_mb']:5.0f} MB   "
        f"ratio {ours['seconds'] / anchor['seconds']:.2f}x the floor "
        f"(CPU {ours['cpu_s'] / max(anchor['cpu_s'], 1e-9):.2f}x; the database server's "
        f"CPU is in neither)\n"
        f"{'':<10}  {ours['unpaid']:,} open orders, {ours['closed']:,} closed yesterday, "
        f"{ours['reordered']:,} re-ordered, {ours['unreachable']:,} unreachable → "
        f"{ours['created']:,} actions ({ours['held_out']:,} held out), "
        f"{ours['links']:,} order links\n"
        f"{'':<10}  breakdown (s): {phases}\n"
        f"{'':<10}  peak memory during each phase (MB): {peaks}\n"
        f"{'':<10}  after ours: {after_ours}; after the anchor: {load()}",
        flush=True,
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="open unpaid orders")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--profile", help="write ours' cProfile stats here (per database)")
    args = parser.parse_args()
    profile = args.profile
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp, sqlite_store(Path(tmp), args.orders) as fresh:
            compare("SQLite", fresh, f"{profile}.sqlite" if profile else None)
    if not args.skip_postgres:
        with postgres_schemas(args.orders) as fresh:
            compare("PostgreSQL", fresh, f"{profile}.postgres" if profile else None)


if __name__ == "__main__":
    main()
