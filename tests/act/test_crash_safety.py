"""Crash safety, proven: 4 dispatcher processes over PostgreSQL, SIGKILLed again and again
while they deliver 10,000 actions through a slow channel that records every delivery
durably. Afterwards every action is in a terminal state and no (order, step) was delivered
twice; every action marked sent was delivered."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, insert, select, text

from winback.act.dispatcher import Dispatcher
from winback.clock import SystemClock
from winback.model import ActionChannel, ActionStatus
from winback.store import outbox, repo
from winback.store.db import connect, migrate
from winback.store.outbox_engine import Outbox
from winback.store.schema import customers, orders
from winback.testing import planned_action

ACTIONS = 10_000
WORKERS = 4
KILLS = 12
WORKER_SCRIPT = Path(__file__).with_name("crash_worker.py")

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg_url(postgres_admin: Engine) -> Iterator[str]:
    from act_factories import PG_URL

    schema = f"wb_crash_{uuid.uuid4().hex[:12]}"
    with postgres_admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with postgres_admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def fill(engine: Engine) -> None:
    """10,000 unpaid orders of 100 buyers, and one phone task per order, due now."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="crash", platform="taobao", timezone="Asia/Shanghai", currency="CNY",
            now=now,
        )  # fmt: skip
        conn.execute(
            insert(customers),
            [{"store_id": store, "platform": "taobao", "customer_key": f"b{n}",
              "phone_masked": True, "email_masked": False, "address_masked": False}
             for n in range(100)],
        )  # fmt: skip
        ids = [row.id for row in conn.execute(select(customers.c.id).order_by(customers.c.id))]
        conn.execute(
            insert(orders),
            [{"store_id": store, "platform": "taobao", "order_id": str(n),
              "customer_id": ids[n % 100], "status": "pending", "created_at": now,
              "total_amount": Decimal("50.00"), "shipping_fee": Decimal(0),
              "discount": Decimal(0), "refund_amount": Decimal(0), "currency": "CNY",
              "updated_at": now}
             for n in range(ACTIONS)],
        )  # fmt: skip
        planned = [
            planned_action(store, str(n), customer_id=ids[n % 100],
                           channel=ActionChannel.PHONE_TASK, due_at=now - timedelta(minutes=1))
            for n in range(ACTIONS)
        ]  # fmt: skip
        counts = outbox.enqueue(conn, planned, now=now)
    assert counts.created == ACTIONS


def start_worker(url: str, delivered: Path) -> subprocess.Popen[bytes]:
    with (delivered.parent / "workers.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), url, str(delivered)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


def test_sigkilled_workers_never_deliver_a_step_twice_and_leave_nothing_pending(
    pg_url: str, tmp_path: Path
) -> None:
    engine = connect(pg_url)
    migrate(engine)
    fill(engine)
    delivered = tmp_path / "delivered.txt"
    delivered.touch()
    rng = random.Random(4)
    workers = [start_worker(pg_url, delivered) for _ in range(WORKERS)]
    kills = 0
    deadline = time.monotonic() + 120
    try:
        while kills < KILLS and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.2, 0.6))
            with engine.connect() as conn:
                if outbox.count_by_status(conn).get("planned", 0) == 0:
                    break  # only kills in the middle of the run count
            victim = rng.randrange(WORKERS)
            if workers[victim].poll() is None:
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait()
                kills += 1
            workers[victim] = start_worker(pg_url, delivered)
        for worker in workers:
            worker.wait(timeout=max(deadline - time.monotonic(), 1))
            log = (tmp_path / "workers.log").read_text(errors="replace")
            assert worker.returncode == 0, log[-2000:]
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait()
    # Every worker is dead: a restart resolves whatever they left in ``sending``.
    Dispatcher(Outbox(engine), {}, clock=SystemClock(), lease=timedelta(0)).reconcile()

    with engine.connect() as conn:
        final = {a.key: a.status for a in outbox.list_actions(conn)}
    engine.dispose()
    lines = delivered.read_text().splitlines()
    per_step = Counter(tuple(key.split(":")[1:4]) for key in lines)
    assert kills >= 5, f"only {kills} workers were killed while actions were still due"
    assert len(final) == ACTIONS
    assert all(status.is_terminal for status in final.values()), Counter(final.values())
    assert max(per_step.values()) == 1, [step for step, n in per_step.items() if n > 1][:5]
    sent = {key for key, status in final.items() if status is ActionStatus.SENT}
    assert sent <= set(lines), "an action marked sent was never delivered"
    assert {final[key] for key in lines} <= {ActionStatus.SENT, ActionStatus.UNKNOWN}
    assert len(sent) >= ACTIONS * 0.95
