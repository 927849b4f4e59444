"""On the benchmark's store (bench/plan.py's data, smaller), on SQLite and PostgreSQL:
``winback plan`` makes exactly the actions the readable reference planner makes from the
same facts, writes them with their order links, and a later run (with what the first one
planned as earlier steps) agrees with the reference too."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reference_planner import plan as reference
from reference_planner.facts import Buyer, ClosedOrder, UnpaidOrder
from sqlalchemy import text

from winback.app import App
from winback.clock import FixedClock
from winback.config import load_settings
from winback.contracts import planned_actions
from winback.decide.planner import Facts
from winback.model import Channel, OrderStatus
from winback.services import recovery as service
from winback.store.db import connect, migrate

BENCH = Path(__file__).resolve().parents[2] / "bench" / "plan.py"


def bench_module() -> Any:
    if str(BENCH.parent) not in sys.path:  # bench/plan.py imports bench/_measure.py
        sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_plan", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def buyer_of(row: Mapping[str, Any]) -> Buyer:
    granted = {c for c in Channel if row.get(f"{c}_granted")}
    refused = {c for c in Channel if row.get(f"{c}_refused")}
    return Buyer(
        customer_id=row["customer_id"],
        customer_key=row["customer_key"],
        paid_orders=row["paid_orders"],
        phone_known=row["phone_known"],
        phone_masked=row["phone_masked"],
        email_known=row["email_known"],
        email_masked=row["email_masked"],
        granted=frozenset(granted),
        refused=frozenset(refused),
        chat=row["chat"],
    )


def reference_facts(facts: Facts) -> dict[str, Any]:
    unpaid = [
        UnpaidOrder(
            order_id=r["order_id"], status=OrderStatus.PENDING, created_at=r["created_at"],
            amount=Decimal(r["amount"]), buyer=buyer_of(r), has_remark=r["has_remark"],
            payment_method=r["payment_method"], platform=r["platform"], items=tuple(r["items"]),
            reordered_by=r["reordered_by"],
        )
        for r in facts.table("open_orders").to_pylist()
    ]  # fmt: skip
    closed = [
        ClosedOrder(
            order_id=r["order_id"], status=OrderStatus.CLOSED, created_at=r["created_at"],
            closed_at=r["closed_at"], amount=Decimal(r["amount"]), buyer=buyer_of(r),
            has_remark=r["has_remark"], texts=tuple(r["texts"]), items=tuple(r["items"]),
            close_inferred=r["close_inferred"], reordered_by=r["reordered_by"],
        )
        for r in facts.table("closed_orders").to_pylist()
    ]  # fmt: skip
    earlier: dict[str, dict[str, tuple[int, datetime]]] = {}
    for r in facts.table("earlier_steps").to_pylist():
        earlier.setdefault(r["playbook"], {})[r["order_id"]] = (r["step"], r["due_at"])
    return {"unpaid": unpaid, "closed": closed, "earlier": earlier}


def plan_and_compare(app: App, monkeypatch: pytest.MonkeyPatch) -> int:
    seen: dict[str, Any] = {}
    columnar = service.plan_recovery

    def spy(context: Any, playbooks: Any, facts: Facts) -> Any:
        seen.update(context=context, playbooks=playbooks, facts=facts)
        plans = columnar(context, playbooks, facts)
        seen["plans"] = plans
        return plans

    monkeypatch.setattr(service, "plan_recovery", spy)
    result = service.plan(app, "bench")
    given = reference_facts(seen["facts"])
    unreachable: dict[str, set[str]] = {}
    expected = reference.plan_recovery(
        seen["context"], seen["playbooks"], guess=seen["facts"].guess,
        unreachable=unreachable, **given,
    )  # fmt: skip
    made = [a for plan in seen["plans"].values() for a in planned_actions(plan.actions)]
    assert made == expected
    assert {n: p.unreachable for n, p in seen["plans"].items()} == {
        n: len(unreachable.get(n, ())) for n in seen["plans"]
    }
    assert result.planned == len(expected) > 0
    return result.created


@pytest.mark.parametrize("orders", [3000])
def test_winback_plan_on_the_bench_store_makes_the_reference_actions(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, orders: int
) -> None:
    bench = bench_module()
    engine = connect(database_url)
    migrate(engine)
    bench.fill(engine, orders)
    settings = load_settings(env={}, overrides={"database": {"url": database_url}}, cwd=tmp_path)
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(bench.NOW))
    created = plan_and_compare(app, monkeypatch)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM actions")).scalar_one()
        links = conn.execute(text("SELECT count(*) FROM action_orders")).scalar_one()
        linked = conn.execute(
            text("SELECT count(*) FROM action_orders l JOIN orders o ON o.order_id = l.order_id")
        ).scalar_one()
    assert stored == created
    assert links == linked > stored  # merged reminders name several orders
    # three hours later: earlier steps in play, the same agreement
    app.clock = FixedClock(bench.NOW + timedelta(hours=3))
    plan_and_compare(app, monkeypatch)
    engine.dispose()
