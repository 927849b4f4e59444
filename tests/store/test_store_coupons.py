"""Save coupons in the store, on SQLite and PostgreSQL: issued, redeemed once by an order that
carries the code while it is valid and reaches the minimum spend, expired as of a moment; the
offers' ledger sums costs per day and in all, and remembers the buyer's costly offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from winback.ingest.records import Buyer, OrderRecord
from winback.model import OrderStatus, Platform
from winback.store import coupons, repo
from winback.store.coupons import CouponUse
from winback.store.types import Coupon, SaveResponse

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def store(engine: Engine) -> int:
    with engine.begin() as conn:
        return repo.ensure_store(
            conn, name="shop", platform="shopify", timezone="UTC", currency="USD", now=NOW
        )


def a_coupon(code: str = "SAVEabc234", **fields: Any) -> Coupon:
    values: dict[str, Any] = {
        "code": code,
        "customer_key": None,
        "order_id": "5001",
        "playbook": "save",
        "reason": "changed_mind",
        "percent": False,
        "value": Decimal("10"),
        "min_spend": Decimal("50"),
        "currency": "USD",
        "cost": Decimal("10"),
        "issued_at": NOW,
        "expires_at": NOW + timedelta(days=30),
    }
    return Coupon(**(values | fields))


def use(code: str, order: str = "5002", after: timedelta = timedelta(days=1),
        before: str = "80") -> CouponUse:  # fmt: skip
    return CouponUse(order, code, NOW + after, Decimal(before), Decimal("10"))


def test_a_code_is_redeemed_once_whatever_its_case(engine: Engine) -> None:
    store_id = store(engine)
    with engine.begin() as conn:
        issued = coupons.issue(conn, store_id, a_coupon())
        assert issued.code == "SAVEABC234"
        assert coupons.redeem(conn, store_id, [use(" saveabc234 ")]) == 1
        assert coupons.redeem(conn, store_id, [use("SAVEABC234", order="5003")]) == 0
        found = coupons.coupon(conn, store_id, "saveABC234")
    assert found is not None and found.redeemed_order_id == "5002"
    assert found.state(NOW + timedelta(days=60)) == "redeemed"


@pytest.mark.parametrize(
    ("why", "attempt"),
    [
        ("below the minimum spend", use("SAVEABC234", before="49.99")),
        ("after the expiry", use("SAVEABC234", after=timedelta(days=30))),
        ("before it was issued", use("SAVEABC234", after=timedelta(seconds=-1))),
        ("another code", use("SAVEXYZ")),
    ],
)
def test_an_order_does_not_redeem_a_coupon(engine: Engine, why: str, attempt: CouponUse) -> None:
    store_id = store(engine)
    with engine.begin() as conn:
        coupons.issue(conn, store_id, a_coupon())
        assert coupons.redeem(conn, store_id, [attempt]) == 0, why
        (found,) = coupons.list_coupons(conn, store_id)
    assert found.state(NOW) == "issued"
    assert found.state(NOW + timedelta(days=30)) == "expired"


def test_a_code_is_unique_in_its_store(engine: Engine) -> None:
    store_id = store(engine)
    with engine.begin() as conn:
        coupons.issue(conn, store_id, a_coupon())
    with pytest.raises(IntegrityError), engine.begin() as conn:
        coupons.issue(conn, store_id, a_coupon("saveabc234"))


def test_an_imported_paid_order_with_the_code_redeems_it_an_unpaid_one_does_not(
    engine: Engine,
) -> None:
    store_id = store(engine)
    with engine.begin() as conn:
        coupons.issue(conn, store_id, a_coupon())

    def order(order_id: str, status: OrderStatus) -> OrderRecord:
        return OrderRecord(
            platform=Platform.SHOPIFY,
            order_id=order_id,
            status=status,
            created_at=NOW + timedelta(days=1),
            total_amount=Decimal("70"),
            discount=Decimal("10"),
            currency="USD",
            buyer=Buyer("ann@example.com"),
            paid_at=NOW + timedelta(days=1) if status.was_paid else None,
            paid_amount=Decimal("70") if status.was_paid else None,
            coupon_code="saveabc234",
        )

    with engine.begin() as conn:
        repo.apply_records(conn, store_id, [order("6001", OrderStatus.PENDING)], source_file="a")
        assert coupons.list_coupons(conn, store_id)[0].redeemed_at is None
        repo.apply_records(conn, store_id, [order("6002", OrderStatus.PAID)], source_file="b")
        (found,) = coupons.list_coupons(conn, store_id)
    assert found.redeemed_order_id == "6002" and found.redeemed_cost == Decimal("10.00")


def test_the_ledger_sums_the_day_and_all_and_the_buyers_costly_offers(engine: Engine) -> None:
    store_id = store(engine)

    def answer(at: datetime, cost: str, key: str | None = None) -> SaveResponse:
        return SaveResponse("o", key, "save", "form", "shipping_cost", None, "free_shipping",
                            Decimal(cost), None, at)  # fmt: skip

    with engine.begin() as conn:
        repo.apply_records(
            conn, store_id,
            [OrderRecord(Platform.SHOPIFY, "o", OrderStatus.CANCELLED, NOW, Decimal(80),
                         buyer=Buyer("ann"), currency="USD")],
            source_file="a",
        )  # fmt: skip
        coupons.record_response(conn, store_id, answer(NOW - timedelta(days=2), "10.50", "ann"))
        coupons.record_response(conn, store_id, answer(NOW - timedelta(hours=1), "5"))
        coupons.record_response(conn, store_id, answer(NOW - timedelta(hours=1), "0", "ann"))
        coupons.record_response(conn, store_id, answer(NOW + timedelta(hours=1), "99"))
        spent = coupons.ledger(
            conn, store_id, since=NOW - timedelta(hours=10), now=NOW, customer_key="ann"
        )
    assert spent.since == Decimal("5.00") and spent.in_all == Decimal("15.50")
    assert spent.buyer_offers == (NOW - timedelta(days=2),)


def test_erasing_a_buyer_erases_their_words_on_the_reason_form(engine: Engine) -> None:
    from sqlalchemy import select

    from winback.store.erasure import erase_customer
    from winback.store.schema import customers, save_responses

    store_id = store(engine)
    with engine.begin() as conn:
        repo.apply_records(
            conn, store_id,
            [OrderRecord(Platform.SHOPIFY, "o", OrderStatus.CANCELLED, NOW, Decimal(80),
                         buyer=Buyer("ann"), currency="USD")],
            source_file="a",
        )  # fmt: skip
        coupons.record_response(
            conn, store_id,
            SaveResponse("o", "ann", "save", "form", "other", "call me", "thank_you",
                         Decimal(0), None, NOW),
        )  # fmt: skip
        customer_id = conn.scalar(select(customers.c.id).where(customers.c.customer_key == "ann"))
        done = erase_customer(
            conn, store_id, customer_id, addresses=[], now=NOW, requested_by="test"
        )
        assert done["save_responses"] == 1
        assert conn.scalar(select(save_responses.c.note)) is None
