"""Customers with consent, chats, carts, wishlists, feedback and stock: stored once, updated
by their natural keys, no-ops when re-applied."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from store_factories import NOW, SHANGHAI, T0, apply, new_store, order

from winback.ingest.records import (
    MASKED,
    CartItem,
    CartRecord,
    ChatMessageRecord,
    Contact,
    CustomerRecord,
    FeedbackRecord,
    StockRecord,
    WishlistRecord,
)
from winback.model import ChatSender, Platform
from winback.store.schema import (
    cart_items,
    carts,
    chat_messages,
    consents,
    customers,
    feedback,
    stock_levels,
    wishlists,
)
from winback.store.types import KindCounts

SHOPIFY = Platform.SHOPIFY


@pytest.fixture
def store(engine: Engine) -> int:
    with engine.begin() as conn:
        return new_store(conn)


def rows(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def consent_log(engine: Engine) -> list[tuple[str, str, bool | None]]:
    query = (
        select(customers.c.customer_key, consents.c.channel, consents.c.granted)
        .join(customers)
        .order_by(consents.c.id)
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]  # type: ignore[misc]


def customer(key: str = "c1", **fields: Any) -> CustomerRecord:
    return CustomerRecord(platform=SHOPIFY, customer_id=key, **fields)


def test_customer_consent_is_logged_per_channel_and_unknown_records_nothing(
    engine: Engine, store: int
) -> None:
    first = customer(
        email=Contact("a@example.com"), accepts_email_marketing=True, accepts_sms_marketing=None
    )
    result = apply(engine, store, [first], source_file="customers.csv")
    assert result.kinds["customer"] == KindCounts(1, 0, 0)
    assert consent_log(engine) == [("c1", "email", True)]

    assert apply(engine, store, [first]).kinds["customer"] == KindCounts(0, 0, 1)
    assert consent_log(engine) == [("c1", "email", True)]

    withdrawn = customer(accepts_email_marketing=False, accepts_sms_marketing=True)
    assert apply(engine, store, [withdrawn]).kinds["customer"] == KindCounts(0, 1, 0)
    assert consent_log(engine) == [
        ("c1", "email", True),
        ("c1", "email", False),
        ("c1", "sms", True),
    ]
    (row,) = rows(engine, customers)
    assert row.email == "a@example.com"  # a record without an email keeps the known one


def test_customer_records_and_order_buyers_are_the_same_customer(
    engine: Engine, store: int
) -> None:
    apply(engine, store, [customer("buyer-a", name="Ann", tags=("vip", "wholesale"))])
    apply(engine, store, [order("1")])
    (row,) = rows(engine, customers)
    assert row.customer_key == "buyer-a"
    assert row.tags == '["vip", "wholesale"]'
    assert row.name == "张三"  # the newer sighting's name


def test_chats_are_stored_once_and_make_their_buyers_customers(engine: Engine, store: int) -> None:
    messages = [
        ChatMessageRecord(Platform.TAOBAO, "tb-1", T0, ChatSender.BUYER, "能便宜点吗"),
        ChatMessageRecord(Platform.TAOBAO, "tb-1", T0 + timedelta(seconds=40), ChatSender.STAFF,
                          "亲，不能改价哦", staff="小美"),
        ChatMessageRecord(Platform.TAOBAO, "tb-2", T0, ChatSender.BUYER, "在吗"),
    ]  # fmt: skip
    assert apply(engine, store, messages).kinds["chat"] == KindCounts(3, 0, 0)
    assert apply(engine, store, messages).kinds["chat"] == KindCounts(0, 0, 3)
    stored = rows(engine, chat_messages)
    assert [m.text for m in stored] == ["能便宜点吗", "亲，不能改价哦", "在吗"]
    assert stored[1].staff == "小美"
    assert len(rows(engine, customers)) == 2


def test_a_cart_is_replaced_by_a_newer_snapshot_and_not_by_an_older_one(
    engine: Engine, store: int
) -> None:
    item = CartItem("T-shirt", 1, Decimal("19.90"), sku="TS-M", attributes={"size": "M"})
    cart = CartRecord(
        SHOPIFY, "cart-1", "c1", T0, T0 + timedelta(minutes=5), items=(item,),
        email=Contact("a@example.com"), phone=MASKED,
    )  # fmt: skip
    assert apply(engine, store, [cart]).kinds["cart"] == KindCounts(1, 0, 0)
    assert apply(engine, store, [cart]).kinds["cart"] == KindCounts(0, 0, 1)
    newer = CartRecord(
        SHOPIFY, "cart-1", "c1", T0, T0 + timedelta(hours=1), items=(item, item), order_id="1"
    )
    assert apply(engine, store, [newer]).kinds["cart"] == KindCounts(0, 1, 0)
    assert apply(engine, store, [cart]).kinds["cart"] == KindCounts(0, 0, 1)
    (row,) = rows(engine, carts)
    assert row.order_id == "1"
    items = rows(engine, cart_items)
    assert [(i.position, i.size, i.unit_price) for i in items] == [
        (0, "M", Decimal("19.90")),
        (1, "M", Decimal("19.90")),
    ]
    (buyer,) = rows(engine, customers)
    assert (buyer.email, buyer.phone_masked) == ("a@example.com", True)


def test_wishlists_keep_the_first_time_and_the_newest_price(engine: Engine, store: int) -> None:
    first = WishlistRecord(Platform.TAOBAO, "tb-1", "P1", T0, price=Decimal("99.00"))
    later = WishlistRecord(
        Platform.TAOBAO, "tb-1", "P1", T0 + timedelta(days=3), price=Decimal("79.00")
    )
    assert apply(engine, store, [first]).kinds["wishlist"] == KindCounts(1, 0, 0)
    assert apply(engine, store, [later]).kinds["wishlist"] == KindCounts(0, 1, 0)
    assert apply(engine, store, [later]).kinds["wishlist"] == KindCounts(0, 0, 1)
    (row,) = rows(engine, wishlists)
    assert row.added_at == T0
    assert row.price == Decimal("79.00")


def test_feedback_is_keyed_by_its_id(engine: Engine, store: int) -> None:
    review = FeedbackRecord(Platform.TAOBAO, "f1", T0, "review", "质量一般", buyer_id="tb-1",
                            order_id="1", rating=3)  # fmt: skip
    assert apply(engine, store, [review]).kinds["feedback"] == KindCounts(1, 0, 0)
    assert apply(engine, store, [review]).kinds["feedback"] == KindCounts(0, 0, 1)
    edited = FeedbackRecord(Platform.TAOBAO, "f1", T0, "review", "质量很好", rating=5)
    assert apply(engine, store, [edited]).kinds["feedback"] == KindCounts(0, 1, 0)
    (row,) = rows(engine, feedback)
    assert (row.text, row.rating, row.customer_id) == ("质量很好", 5, None)


def test_stock_levels_are_keyed_by_sku_and_time(engine: Engine, store: int) -> None:
    day = T0.replace(tzinfo=SHANGHAI)
    levels = [
        StockRecord(Platform.TAOBAO, "SKU-1", 5, day, attributes={"colour": "白色"}),
        StockRecord(Platform.TAOBAO, "SKU-1", 0, day + timedelta(days=1)),
    ]
    assert apply(engine, store, levels).kinds["stock"] == KindCounts(2, 0, 0)
    assert apply(engine, store, levels).kinds["stock"] == KindCounts(0, 0, 2)
    stored = rows(engine, stock_levels)
    assert [(s.quantity, s.colour) for s in stored] == [(5, "白色"), (0, None)]


def test_activity_records_with_naive_times_are_rejected_not_fatal(
    engine: Engine, store: int
) -> None:
    naive = ChatMessageRecord(
        Platform.TAOBAO, "tb-1", NOW.replace(tzinfo=None), ChatSender.BUYER, "hi"
    )
    fine = ChatMessageRecord(Platform.TAOBAO, "tb-1", NOW, ChatSender.BUYER, "hi")
    result = apply(engine, store, [naive, fine], source_file="chats.csv")
    assert result.kinds["chat"] == KindCounts(1, 0, 0)
    (rejection,) = result.rejections
    assert (rejection.file, rejection.row, rejection.column) == ("chats.csv", 0, "sent_at")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(chat_messages)).scalar() == 1
