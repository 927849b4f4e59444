"""Hypothesis strategies for the Chinese platform importers' round-trip tests.

Each strategy draws orders a platform's export can carry, consistent with their status
(a paid order has a payment time, a closed one none), so that writer → parser gives the
same records back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from winback.ingest.cleaning import EMPTY_MARKERS
from winback.ingest.records import (
    MASKED,
    NO_CONTACT,
    Buyer,
    Contact,
    OrderLineRecord,
    OrderRecord,
)
from winback.model import OrderStatus, Platform

SHANGHAI = ZoneInfo("Asia/Shanghai")
PROVINCES = ("浙江省", "广东省", "北京市", "新疆维吾尔自治区", "江苏省")
_ALPHABET = '白色黑红蓝大小号衣服裤子连衣裙请尽快发货谢谢好的abcXYZ0123456789 ,."，。！（）\n'
_PLAIN = "白色黑红蓝大小号衣服裤子连衣裙abcXYZ0123456789"
UNPAID = (OrderStatus.PENDING, OrderStatus.CLOSED)


def _clean(text: str) -> bool:
    return bool(text) and text not in EMPTY_MARKERS and text == text.strip()


texts = st.text(_ALPHABET, min_size=1, max_size=12).map(str.strip).filter(_clean)
plain_texts = st.text(_PLAIN, min_size=1, max_size=8).filter(_clean)
amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False)
small_amounts = st.decimals(min_value=0, max_value=50, places=2, allow_nan=False)
moments = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(SHANGHAI)
).map(lambda moment: moment.replace(microsecond=0))
taobao_ids = st.text("0123456789", min_size=12, max_size=19).filter(lambda s: s[0] != "0")
phones = st.text("0123456789", min_size=11, max_size=11).map(lambda s: "1" + s[1:])


@st.composite
def buyers(draw: st.DrawFn, *, with_id: bool = True) -> Buyer:
    """A buyer whose contacts are usable, masked or absent, with a region when known."""
    province = draw(st.sampled_from(PROVINCES))
    kind = draw(st.sampled_from(["usable", "masked", "none"]))
    if kind == "usable":
        street = draw(plain_texts)
        address, region = Contact(value=f"{province} {street}"), province
    elif kind == "masked":
        address, region = MASKED, draw(st.sampled_from([province, None]))
    else:
        address, region = NO_CONTACT, None
    phone = draw(st.sampled_from([MASKED, NO_CONTACT]) | phones.map(lambda p: Contact(value=p)))
    return Buyer(
        buyer_id=draw(st.none() | plain_texts) if with_id else None,
        name=draw(st.none() | plain_texts),
        phone=phone,
        address=address,
        region=region,
    )


@st.composite
def lines(
    draw: st.DrawFn,
    *,
    ids: str = "position",
    max_lines: int = 3,
    refunds: bool = False,
    product_ids: bool = False,
) -> tuple[OrderLineRecord, ...]:
    """1–``max_lines`` lines; ``ids`` is ``position`` (1, 2, …) or ``digits`` (sub-order ids)."""
    count = draw(st.integers(1, max_lines))
    unique = draw(st.lists(taobao_ids, min_size=count, max_size=count, unique=True))
    drawn = []
    for index in range(count):
        attributes = draw(
            st.dictionaries(st.sampled_from(["colour", "size", "材质"]), plain_texts, max_size=3)
        )
        drawn.append(
            OrderLineRecord(
                line_id=str(index + 1) if ids == "position" else unique[index],
                title=draw(texts),
                quantity=draw(st.integers(1, 5)),
                unit_price=draw(amounts),
                sku=draw(st.none() | plain_texts),
                product_id=unique[index] if product_ids else None,
                attributes=attributes,
                refund_amount=draw(small_amounts) if refunds else Decimal("0"),
            )
        )
    return tuple(drawn)


def after(moment: datetime, minutes: int) -> datetime:
    return moment + timedelta(minutes=minutes)


@st.composite
def orders(
    draw: st.DrawFn,
    *,
    platform: Platform = Platform.TAOBAO,
    statuses: tuple[OrderStatus, ...] = tuple(OrderStatus),
    line_strategy: st.SearchStrategy[tuple[OrderLineRecord, ...]] | None = None,
    order_ids: st.SearchStrategy[str] = taobao_ids,
    with_times: bool = True,
    with_buyer_id: bool = True,
) -> OrderRecord:
    """An order consistent with its status. ``with_times`` adds shipping and settlement times."""
    status = draw(st.sampled_from(statuses))
    created = draw(moments)
    goods, shipping = draw(amounts), draw(small_amounts)
    discount = draw(st.decimals(min_value=0, max_value=goods + shipping, places=2))
    total = goods + shipping - discount
    paid = status.was_paid
    progressed = status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.SETTLED)
    return OrderRecord(
        platform=platform,
        order_id=draw(order_ids),
        status=status,
        created_at=created,
        total_amount=total,
        buyer=draw(buyers(with_id=with_buyer_id)),
        goods_amount=goods,
        shipping_fee=shipping,
        discount=discount,
        paid_amount=total if paid else None,
        paid_at=after(created, draw(st.integers(1, 3000))) if paid else None,
        shipped_at=after(created, 5000) if with_times and progressed else None,
        settled_at=after(created, 9000) if with_times and status is OrderStatus.SETTLED else None,
        buyer_message=draw(st.none() | texts),
        seller_remark=draw(st.none() | texts),
        lines=draw(line_strategy) if line_strategy is not None else (),
    )


def unique_orders(
    strategy: st.SearchStrategy[OrderRecord], max_size: int = 5
) -> st.SearchStrategy[list[OrderRecord]]:
    return st.lists(strategy, min_size=1, max_size=max_size, unique_by=lambda o: o.order_id)


def without_source(record: OrderRecord) -> OrderRecord:
    return replace(record, source=None)
