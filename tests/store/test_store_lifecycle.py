"""The lifecycle queries on SQLite and PostgreSQL: known customers, stored scores, contacts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from store_factories import NOW, apply, new_store, order

from winback.ingest.records import Contact, CustomerRecord
from winback.model import OrderStatus, Platform
from winback.store import lifecycle as store_lifecycle
from winback.store.lifecycle import CustomerScore

AS_OF = date(2024, 3, 31)


def score(key: str, clv: str) -> CustomerScore:
    return CustomerScore(key, 0.42, 1.5, Decimal("80.10"), Decimal("120.15"), Decimal(clv))


def test_known_customers_include_buyers_and_customers_who_never_ordered(engine: Engine) -> None:
    with engine.begin() as conn:
        store_id = new_store(conn)
    visitor = CustomerRecord(
        platform=Platform.TAOBAO,
        customer_id="visitor",
        email=Contact("v@example.com"),
        phone=Contact("13800138000"),
    )
    apply(engine, store_id, [order("1", OrderStatus.SETTLED, buyer="buyer-a"), visitor])
    with engine.connect() as conn:
        known = store_lifecycle.known_customers(conn, store_id)
        reach = store_lifecycle.contacts(conn, store_id, ["visitor", "nobody"])
    assert sorted(known.column("customer_key").to_pylist()) == ["buyer-a", "visitor"]
    assert list(reach) == ["visitor"]
    assert (reach["visitor"].phone, reach["visitor"].email) == ("13800138000", "v@example.com")


def test_scores_are_stored_per_day_and_a_rescore_replaces_that_day(engine: Engine) -> None:
    with engine.begin() as conn:
        store_id = new_store(conn)
    apply(engine, store_id, [order("1", buyer="a"), order("2", buyer="b")])
    with engine.begin() as conn:
        first = store_lifecycle.replace_scores(
            conn, store_id, as_of=AS_OF, model="bgnbd+gammagamma", horizon_days=90,
            scores=[score("a", "10.00"), score("b", "20.00"), score("ghost", "1.00")],
            computed_at=NOW,
        )  # fmt: skip
        store_lifecycle.replace_scores(
            conn, store_id, as_of=date(2024, 2, 29), model="bgnbd+gammagamma", horizon_days=90,
            scores=[score("a", "5.00")], computed_at=NOW,
        )  # fmt: skip
        again = store_lifecycle.replace_scores(
            conn, store_id, as_of=AS_OF, model="paretonbd+gammagamma", horizon_days=30,
            scores=[score("a", "12.34")], computed_at=NOW,
        )  # fmt: skip
    with engine.connect() as conn:
        days = store_lifecycle.scored_days(conn, store_id)
        table = store_lifecycle.scores_table(conn, store_id, AS_OF)
    assert (first, again) == (2, 1)
    assert days == [AS_OF, date(2024, 2, 29)]
    (row,) = table.to_pylist()
    assert row["customer_key"] == "a"
    assert row["model"] == "paretonbd+gammagamma"
    assert row["horizon_days"] == 30
    assert row["p_alive"] == 0.42
    assert row["clv"] == Decimal("12.34")
    assert row["expected_spend"] == Decimal("120.15")
