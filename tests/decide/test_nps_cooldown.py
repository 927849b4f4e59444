"""At most one NPS survey per buyer per ``cooldown`` (default 90 days), counted over the
outbox's history, not only within one plan run: a buyer surveyed about one order is not
surveyed again about the next one delivered weeks later."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from after_sale_facts import after_sale, book, customer_id, plan
from pydantic import ValidationError
from recovery_facts import NOW, context
from sqlalchemy import Engine, select

from winback.app import App
from winback.config import Settings
from winback.ingest.records import Buyer, Contact, OrderLineRecord, OrderRecord, SourceRef
from winback.model import OrderStatus, Platform
from winback.services import recovery
from winback.store import repo
from winback.store.schema import actions
from winback.testing import FixedClock

DAY = timedelta(days=1)
NPS = book("nps", holdout_share=0)


def surveyed(buyer: str, order_id: str, *, due: datetime, playbook: str = "nps") -> dict[str, Any]:
    """An earlier first step of ``playbook`` in the outbox, about ``order_id``."""
    return {"playbook": playbook, "customer_id": customer_id(buyer), "order_id": order_id,
            "due_at": due}  # fmt: skip


def test_the_cooldown_is_ninety_days_by_default_and_at_most_a_year() -> None:
    assert NPS.cooldown == 90 * DAY
    assert book("nps", cooldown="0d").cooldown == timedelta(0)
    with pytest.raises(ValidationError, match="cooldown"):
        book("nps", cooldown="400d")


def test_a_buyer_surveyed_within_the_cooldown_about_another_order_gets_no_survey() -> None:
    order = after_sale("o2", delivered_at=NOW - 3 * DAY, buyer="b")
    earlier = [surveyed("b", "o1", due=NOW - 30 * DAY)]
    assert plan(context(), "nps", NPS, [order], first_steps=earlier) == []


def test_a_buyer_surveyed_before_the_cooldown_is_surveyed_again() -> None:
    order = after_sale("o2", delivered_at=NOW - 3 * DAY, buyer="b")
    earlier = [surveyed("b", "o1", due=NOW - 91 * DAY)]
    (survey,) = plan(context(), "nps", NPS, [order], first_steps=earlier)
    assert survey.order_ids == ("o2",) and survey.due_at == NOW


def test_a_survey_due_just_before_the_cooldown_ends_waits_for_it_while_still_valid() -> None:
    order = after_sale("o2", delivered_at=NOW - 3 * DAY, buyer="b")  # due now, valid 7 days
    earlier = [surveyed("b", "o1", due=NOW - 86 * DAY)]
    (survey,) = plan(context(), "nps", NPS, [order], first_steps=earlier)
    assert survey.due_at == NOW + 4 * DAY
    assert survey.expires_at == NOW + 7 * DAY


def test_only_the_same_buyers_earlier_surveys_of_this_playbook_count() -> None:
    order = after_sale("o2", delivered_at=NOW - 3 * DAY, buyer="b")
    others = [
        surveyed("someone-else", "o9", due=NOW - 10 * DAY),
        surveyed("b", "o1", due=NOW - 10 * DAY, playbook="another_nps"),
        surveyed("b", "o2", due=NOW - 10 * DAY),  # this very order: its own key, not a new one
    ]
    (survey,) = plan(context(), "nps", NPS, [order], first_steps=others)
    assert survey.order_ids == ("o2",)


def test_a_cooldown_of_zero_surveys_every_delivered_order() -> None:
    order = after_sale("o2", delivered_at=NOW - 3 * DAY, buyer="b")
    earlier = [surveyed("b", "o1", due=NOW - 2 * DAY)]
    (survey,) = plan(context(), "nps", book("nps", holdout_share=0, cooldown="0d"), [order],
                     first_steps=earlier)  # fmt: skip
    assert survey.order_ids == ("o2",)


def make_app(engine: Engine, tmp_path: Path, now: datetime) -> App:
    settings = Settings.model_validate(
        {"store": {"name": "shop", "platform": "shopify"},
         "playbooks": {"nps": {"kind": "nps", "holdout_share": 0}}}
    )  # fmt: skip
    return App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(now))


def delivered_order(order_id: str, buyer: str, *, delivered: datetime) -> OrderRecord:
    created = delivered - 3 * DAY
    return OrderRecord(
        platform=Platform.SHOPIFY, currency="CNY", order_id=order_id,
        status=OrderStatus.DELIVERED, created_at=created, total_amount=Decimal("129.00"),
        paid_at=created + timedelta(minutes=5), paid_amount=Decimal("129.00"),
        shipped_at=created + DAY, delivered_at=delivered,
        buyer=Buyer(buyer_id=buyer, name="张三", email=Contact(value=f"{buyer}@example.com")),
        lines=(OrderLineRecord("1", "白色针织开衫", 1, Decimal("129.00"), product_id="p1"),),
        source=SourceRef("orders.csv", 2),
    )  # fmt: skip


def deliver(engine: Engine, order_id: str, *, delivered: datetime) -> None:
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name="shop", platform="shopify", timezone="Asia/Shanghai", currency="CNY",
            now=NOW - 60 * DAY,
        )  # fmt: skip
        repo.apply_records(
            conn,
            store_id,
            [delivered_order(order_id, "buyer-a", delivered=delivered)],
            source_file="orders.csv",
            now=delivered,
        )


def surveys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(actions.c.key).where(actions.c.playbook == "nps")).scalars()
        )


def test_plan_runs_weeks_apart_survey_a_buyer_once_over_the_outbox_history(
    engine: Engine, tmp_path: Path
) -> None:
    """First run: the buyer's first order is surveyed. Three weeks later their second order
    is delivered: the second run, which no longer sees the first order as recent, plans no
    survey (the outbox says the buyer was surveyed 18 days before)."""
    first = NOW - 21 * DAY
    deliver(engine, "5001", delivered=first - 3 * DAY)
    recovery.plan(make_app(engine, tmp_path, first), "shop")
    assert surveys(engine) == ["order:5001:nps:1"]
    deliver(engine, "5002", delivered=NOW - 3 * DAY)
    recovery.plan(make_app(engine, tmp_path, NOW), "shop")
    assert surveys(engine) == ["order:5001:nps:1"]
