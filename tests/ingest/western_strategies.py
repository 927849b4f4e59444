"""Hypothesis strategies for Shopify and WooCommerce round-trip tests.

Records are drawn in the form each export can carry (e.g. a Shopify line id is its position),
so a round trip through a writer and a parser must give them back unchanged.
"""

from __future__ import annotations

import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from winback.ingest.cleaning import EMPTY_MARKERS
from winback.ingest.records import (
    ZERO,
    Buyer,
    Contact,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
)
from winback.model import OrderStatus, Platform

ZONES = [UTC, ZoneInfo("Asia/Shanghai"), timezone(timedelta(hours=-3, minutes=-30))]
SHIPPED = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED)

word = st.text(string.ascii_letters + string.digits + "éü中", min_size=1, max_size=8).filter(
    lambda text: text not in EMPTY_MARKERS
)
words = st.lists(word, min_size=1, max_size=4).map(" ".join)
prose = st.lists(
    st.one_of(word, st.sampled_from(['"quoted"', "a,b", "line\nbreak", "50%"])),
    min_size=1,
    max_size=5,
).map(" ".join)
amounts = st.decimals(min_value=0, max_value=99999, places=2)
positive = st.decimals(min_value=Decimal("0.01"), max_value=99999, places=2)
ids = st.integers(min_value=1, max_value=10**12).map(str)
emails = st.tuples(st.text(string.ascii_lowercase, min_size=1, max_size=8), word).map(
    lambda parts: f"{parts[0]}@{parts[1].lower()}.com"
)
phones = st.integers(min_value=10**6, max_value=10**11).map(lambda n: f"+{n}")
skus = st.text(string.ascii_uppercase + "-", min_size=2, max_size=12).filter(
    lambda text: text not in EMPTY_MARKERS
)
regions = st.one_of(st.none(), words, st.tuples(words, words).map(", ".join))
colours = st.sampled_from(["Blue", "Black", "Light Grey", "Red", "Navy"])
sizes = st.sampled_from(["S", "M", "XL", "42", "One Size"])
attributes = st.one_of(
    st.just({}),
    colours.map(lambda colour: {"colour": colour}),
    sizes.map(lambda size: {"size": size}),
    st.tuples(colours, sizes).map(lambda pair: {"colour": pair[0], "size": pair[1]}),
    st.tuples(sizes, colours).map(lambda pair: {"size": pair[0], "colour": pair[1]}),
)


@st.composite
def moments(draw: st.DrawFn) -> datetime:
    naive = draw(
        st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31))
    ).replace(microsecond=0)
    return naive.replace(tzinfo=draw(st.sampled_from(ZONES)))


@st.composite
def buyers(draw: st.DrawFn) -> Buyer:
    email = draw(st.one_of(st.none(), emails))
    phone = draw(st.one_of(st.none(), phones))
    return Buyer(
        buyer_id=email or phone,
        name=draw(st.one_of(st.none(), words)),
        phone=Contact(phone),
        email=Contact(email),
        region=draw(regions),
    )


@st.composite
def lines(draw: st.DrawFn, position: int, platform: Platform) -> OrderLineRecord:
    woo = platform is Platform.WOOCOMMERCE
    return OrderLineRecord(
        line_id=draw(ids) if woo else str(position),
        title=draw(words),
        quantity=draw(st.integers(min_value=1, max_value=50)),
        unit_price=draw(amounts),
        sku=draw(st.one_of(st.none(), skus)),
        product_id=draw(st.one_of(st.none(), ids)) if woo else None,
        attributes=draw(attributes),
    )


@st.composite
def orders(draw: st.DrawFn, platform: Platform, *, with_attributes: bool = True) -> OrderRecord:
    """An order in the form ``platform``'s exports carry it."""
    status = draw(st.sampled_from(list(OrderStatus)))
    created = draw(moments())
    later = st.integers(min_value=1, max_value=10**6).map(lambda s: created + timedelta(seconds=s))
    total = draw(amounts)
    refund = _refund(draw, status, total)
    count = draw(st.integers(min_value=0, max_value=3))
    items = [draw(lines(position, platform)) for position in range(1, count + 1)]
    if not with_attributes:
        items = [replace(line, attributes={}) for line in items]
    paid_at = draw(later) if status.was_paid else None
    return OrderRecord(
        platform=platform,
        order_id=draw(ids),
        status=status,
        created_at=created,
        total_amount=total,
        buyer=draw(buyers()),
        currency=draw(st.sampled_from(["USD", "EUR", "CNY"])),
        goods_amount=draw(st.one_of(st.none(), amounts)) if platform is Platform.SHOPIFY else None,
        shipping_fee=draw(amounts),
        discount=draw(amounts),
        paid_amount=total if paid_at is not None else None,
        refund_amount=refund,
        paid_at=paid_at,
        shipped_at=draw(later) if status in SHIPPED else None,
        closed_at=draw(later) if status in (OrderStatus.CLOSED, OrderStatus.CANCELLED) else None,
        refunded_at=draw(later) if status is OrderStatus.REFUNDED else None,
        payment_method=draw(st.one_of(st.none(), words)),
        buyer_message=draw(st.one_of(st.none(), prose)),
        lines=tuple(items),
    )


def _refund(draw: st.DrawFn, status: OrderStatus, total: Decimal) -> Decimal:
    if status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        return total
    if status in (OrderStatus.PAID, *SHIPPED):
        return draw(st.one_of(st.just(ZERO), positive))
    return ZERO


@st.composite
def shopify_customers(draw: st.DrawFn) -> CustomerRecord:
    email = draw(st.one_of(st.none(), emails))
    phone = draw(phones) if email is None else draw(st.one_of(st.none(), phones))
    consent = st.one_of(st.none(), st.booleans())
    return CustomerRecord(
        platform=Platform.SHOPIFY,
        customer_id=email or phone or "",
        name=draw(st.one_of(st.none(), words)),
        email=Contact(email),
        phone=Contact(phone),
        accepts_email_marketing=draw(consent),
        accepts_sms_marketing=draw(consent),
        region=draw(regions),
        tags=tuple(draw(st.lists(words, max_size=3))),
    )
