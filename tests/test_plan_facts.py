"""The facts ``winback plan`` hands the planners (services.plan_facts), on SQLite and
PostgreSQL: the open orders are exactly those open and unpaid as of the moment, each with its
buyer's contacts and consents, the orders the buyer paid *before the moment*, its items and
its re-order; yesterday's closed orders come with what was said about them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from winback.app import App
from winback.clock import FixedClock
from winback.config import load_settings
from winback.contracts import CLOSED_ORDERS, OPEN_ORDERS
from winback.decide.planner import Facts
from winback.ingest.records import (
    MASKED,
    Buyer,
    Contact,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
)
from winback.model import OrderStatus, Platform
from winback.services import recovery as service
from winback.store import repo

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def order(order_id: str, buyer: str, hours_ago: float, **fields: Any) -> OrderRecord:
    title = fields.pop("title", "连衣裙")
    phone = fields.pop("phone", Contact("13800138000"))
    line = OrderLineRecord(line_id="1", title=title, quantity=1, unit_price=Decimal("99.00"))
    fields.setdefault("status", OrderStatus.PENDING)
    return OrderRecord(
        platform=Platform.TAOBAO, order_id=order_id, buyer=Buyer(buyer_id=buyer, phone=phone),
        created_at=NOW - timedelta(hours=hours_ago), total_amount=Decimal("99.00"),
        lines=(line,), **fields,
    )  # fmt: skip


def records() -> list[Any]:
    later = NOW + timedelta(hours=1)
    yesterday_noon = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
    return [
        CustomerRecord(platform=Platform.TAOBAO, customer_id="tb_a", accepts_sms_marketing=False),
        order("a-old", "tb_a", 24 * 60, status=OrderStatus.SETTLED,
              paid_at=NOW - timedelta(days=59), paid_amount=Decimal("99.00")),
        order("a-open", "tb_a", 3, buyer_message="周末能发货吗", title="衬衫"),
        order("b-open", "tb_b", 2, phone=MASKED),
        # paid in the store's data, but an hour after the moment of the plan: not yet
        order("c-paid-later", "tb_c", 30 * 24, status=OrderStatus.PAID, paid_at=later,
              paid_amount=Decimal("99.00")),
        order("c-open", "tb_c", 1),
        # placed again by the buyer an hour later, and paid: no reminder, but a fact
        order("d-first", "tb_d", 5),
        order("d-again", "tb_d", 4, status=OrderStatus.PAID, paid_at=NOW - timedelta(hours=3),
              paid_amount=Decimal("99.00")),
        order("e-closed", "tb_e", 36, status=OrderStatus.CLOSED, closed_at=yesterday_noon,
              close_reason="运费太贵了"),
        order("too-old", "tb_f", 30),  # past Taobao's 24 h deadline: closed as of now
    ]  # fmt: skip


@pytest.fixture
def facts(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Facts:
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="shop", platform="taobao", timezone="Asia/Shanghai", currency="CNY"
        )
        result = repo.apply_records(conn, store, records(), source_file="orders.csv")
        assert result.rejected == 0, result.rejections
    settings = load_settings(env={}, cwd=tmp_path)
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))
    seen: dict[str, Facts] = {}
    columnar = service.plan_recovery

    def spy(context: Any, playbooks: Any, given: Facts) -> Any:
        seen["facts"] = given
        return columnar(context, playbooks, given)

    monkeypatch.setattr(service, "plan_recovery", spy)
    service.plan(app, "shop")
    return seen["facts"]


def test_the_open_orders_are_those_open_as_of_the_moment_with_buyers_and_items(
    facts: Facts,
) -> None:
    table = facts.table("open_orders")
    assert table.schema == OPEN_ORDERS
    rows = {row["order_id"]: row for row in table.to_pylist()}
    assert set(rows) == {"a-open", "b-open", "c-open", "d-first"}
    a = rows["a-open"]
    assert (a["paid_orders"], a["has_remark"], a["items"]) == (1, True, ["衬衫"])
    assert a["phone_known"] and a["sms_refused"] and a["chat"]
    assert rows["b-open"]["phone_masked"] and not rows["b-open"]["phone_known"]
    assert rows["c-open"]["paid_orders"] == 0  # its buyer's payment comes after the moment
    assert rows["d-first"]["reordered_by"] == "d-again"
    assert rows["a-open"]["reordered_by"] is None


def test_yesterdays_closed_orders_come_with_what_was_said(facts: Facts) -> None:
    table = facts.table("closed_orders")
    assert table.schema == CLOSED_ORDERS
    (row,) = table.to_pylist()
    assert (row["order_id"], row["texts"], row["close_inferred"]) == (
        "e-closed",
        ["运费太贵了"],
        False,
    )
