"""Canonical records from the rows of a generic file, one builder per kind.

Each builder reads :class:`~winback.ingest.rows.Row` cells whose values already went through
the mapping's ``[values]`` tables, and raises :class:`~winback.ingest.rows.FieldError` for the
first cell it cannot use. See ``docs/mapping.md`` for the fields of each kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import MAX_AMOUNT, clean_text
from winback.ingest.mapping import FALSE_WORDS, TRUE_WORDS, Mapping
from winback.ingest.records import (
    ZERO,
    Buyer,
    CartItem,
    CartRecord,
    ChatMessageRecord,
    CustomerRecord,
    FeedbackRecord,
    OrderLineRecord,
    OrderRecord,
    Record,
    SourceRef,
    StockRecord,
    WishlistRecord,
)
from winback.ingest.rows import FieldError, Row
from winback.ingest.status_rules import PlacedRule, decide
from winback.model import ChatSender, OrderStatus

DEFAULT_CURRENCY = "CNY"
T = TypeVar("T")
_TAG_SPLIT = re.compile(r"[,;，；、]")


@dataclass(frozen=True)
class Reading:
    """What every builder needs besides the rows: the mapping, the zone for naive times and
    the mapping's status rules placed on the file's columns."""

    mapping: Mapping
    tz: ZoneInfo
    rules: tuple[PlacedRule, ...] = ()
    default_currency: str = DEFAULT_CURRENCY

    def time(self, row: Row, name: str) -> datetime | None:
        return row.time(name, self.tz, self.mapping.formats.get(name))

    def required_time(self, row: Row, name: str) -> datetime:
        return row.required_time(name, self.tz, self.mapping.formats.get(name))

    def group_time(self, rows: list[Row], name: str) -> datetime | None:
        """A time of a multi-row order or cart: the first row's, or with ``[merge]`` the
        earliest or latest of its rows' (lines stamped a minute apart)."""
        how = self.mapping.merge.get(name)
        if how is None:
            return self.time(rows[0], name)
        times = [time for row in rows if (time := self.time(row, name)) is not None]
        if not times:
            return None
        return min(times) if how == "earliest" else max(times)

    def required_group_time(self, rows: list[Row], name: str) -> datetime:
        value = self.group_time(rows, name)
        if value is None:
            raise FieldError(name, "the cell is empty but a value is required")
        return value

    def source(self, row: Row) -> SourceRef:
        return SourceRef(row.columns.file, row.number)

    @property
    def currency(self) -> str:
        """The mapping's currency, else the store's (the file's amounts are in the money of
        the store it is imported into)."""
        return self.mapping.currency or self.default_currency


def order(rows: list[Row], reading: Reading) -> OrderRecord:
    """One order from its rows (``rows[0]`` carries the order-level fields). Without a
    total column the total is the lines' sum (quantity × unit price) plus shipping minus
    the discount."""
    first = rows[0]
    lines = tuple(_items(rows, "line_", _order_line))
    shipping = first.amount("shipping_fee") or ZERO
    discount = first.amount("discount") or ZERO
    if first.columns.has("total_amount"):
        total = first.required_amount("total_amount")
    else:
        total = sum((ln.unit_price * ln.quantity for ln in lines), ZERO) + shipping - discount
        if not ZERO <= total <= MAX_AMOUNT:
            reason = f"the lines' total {total} is not an order amount (0 to {MAX_AMOUNT:,})"
            raise FieldError("line_unit_price", reason)
    return OrderRecord(
        platform=reading.mapping.platform,
        order_id=first.required_id("order_id"),
        status=status(first, reading),
        created_at=reading.required_group_time(rows, "created_at"),
        total_amount=total,
        buyer=Buyer(
            first.text("buyer_id"),
            first.text("buyer_name"),
            first.contact("phone"),
            first.contact("email"),
            first.contact("address"),
            first.text("region"),
        ),
        currency=first.text("currency") or reading.currency,
        goods_amount=first.amount("goods_amount"),
        shipping_fee=shipping,
        discount=discount,
        paid_amount=first.amount("paid_amount"),
        refund_amount=first.amount("refund_amount") or ZERO,
        paid_at=reading.group_time(rows, "paid_at"),
        shipped_at=reading.group_time(rows, "shipped_at"),
        delivered_at=reading.group_time(rows, "delivered_at"),
        settled_at=reading.group_time(rows, "settled_at"),
        closed_at=reading.group_time(rows, "closed_at"),
        refunded_at=reading.group_time(rows, "refunded_at"),
        payment_method=first.text("payment_method"),
        buyer_message=first.text("buyer_message"),
        seller_remark=first.text("seller_remark"),
        close_reason=first.text("close_reason"),
        cancel_reason=first.text("cancel_reason"),
        raw_status=clean_text(first.raw("status")),
        lines=lines,
        source=reading.source(first),
        coupon_code=first.text("coupon_code"),
    )


def status(row: Row, reading: Reading) -> OrderStatus:
    """The status of the first status rule that holds, else the status column's canonical
    status after ``[values.status]`` (canonical names in any case)."""
    ruled = decide(reading.rules, row.cells)
    if ruled is not None:
        return ruled
    if not row.columns.has("status"):
        reason = "no status rule holds for this row and no status column is mapped"
        raise FieldError("status", reason)
    text = row.required_text("status")
    try:
        return OrderStatus(text.lower())
    except ValueError:
        reason = f"unknown status {text!r}: map it to a canonical status in [values.status]"
        raise FieldError("status", reason) from None


def _items(rows: list[Row], prefix: str, build: Callable[[Row, str, int], T]) -> list[T]:
    items: list[T] = []
    for row in rows:
        title = row.text(f"{prefix}title") or row.text(f"{prefix}sku")
        if title is None:
            continue
        try:
            items.append(build(row, title, len(items) + 1))
        except FieldError as error:
            error.row = row.number
            error.origin = getattr(row.cells, "origins", None)
            raise
    return items


def _order_line(row: Row, title: str, position: int) -> OrderLineRecord:
    quantity, price = _quantity_and_price(row, "line_")
    return OrderLineRecord(
        line_id=row.id("line_id") or str(position),
        title=title,
        quantity=quantity,
        unit_price=price,
        sku=row.text("line_sku"),
        product_id=row.id("line_product_id"),
        attributes=_attributes(row, "line_"),
    )


def _quantity_and_price(row: Row, prefix: str) -> tuple[int, Decimal]:
    quantity = row.integer(f"{prefix}quantity")
    price_field = f"{prefix}unit_price"
    has_price = row.columns.has(price_field)
    price = row.required_amount(price_field) if has_price else ZERO
    return (1 if quantity is None else quantity), price


def _attributes(row: Row, prefix: str) -> dict[str, str]:
    pairs = (("colour", row.text(f"{prefix}colour")), ("size", row.text(f"{prefix}size")))
    return {key: value for key, value in pairs if value is not None}


def cart(rows: list[Row], reading: Reading) -> CartRecord:
    """One cart or checkout from its rows."""
    first = rows[0]
    created = reading.required_group_time(rows, "created_at")
    return CartRecord(
        platform=reading.mapping.platform,
        cart_id=first.required_id("cart_id"),
        buyer_id=first.text("buyer_id"),
        created_at=created,
        updated_at=reading.group_time(rows, "updated_at") or created,
        items=tuple(_items(rows, "item_", _cart_item)),
        currency=first.text("currency") or reading.currency,
        email=first.contact("email"),
        phone=first.contact("phone"),
        order_id=first.text("order_id"),
        source=reading.source(first),
    )


def _cart_item(row: Row, title: str, _position: int) -> CartItem:
    quantity, price = _quantity_and_price(row, "item_")
    return CartItem(
        title=title,
        quantity=quantity,
        unit_price=price,
        sku=row.text("item_sku"),
        product_id=row.text("item_product_id"),
        attributes=_attributes(row, "item_"),
    )


def customer(row: Row, reading: Reading) -> CustomerRecord:
    """One customer; consent columns go through :func:`boolean`."""
    tags = row.text("tags")
    return CustomerRecord(
        platform=reading.mapping.platform,
        customer_id=row.required_id("customer_id"),
        name=row.text("name"),
        email=row.contact("email"),
        phone=row.contact("phone"),
        accepts_email_marketing=boolean(row, "accepts_email_marketing"),
        accepts_sms_marketing=boolean(row, "accepts_sms_marketing"),
        created_at=reading.time(row, "created_at"),
        region=row.text("region"),
        tags=tuple(tag.strip() for tag in _TAG_SPLIT.split(tags) if tag.strip()) if tags else (),
        source=reading.source(row),
    )


def boolean(row: Row, name: str) -> bool | None:
    """true/false/yes/no/1/0/是/否 (after ``[values]``); blank → None (unknown)."""
    text = row.text(name)
    if text is None:
        return None
    if text.lower() in TRUE_WORDS:
        return True
    if text.lower() in FALSE_WORDS:
        return False
    raise FieldError(name, f"not true or false: {text!r}")


def chat(row: Row, reading: Reading) -> ChatMessageRecord:
    """One chat line; ``sender`` must be buyer or staff after ``[values.sender]``."""
    sender = row.required_text("sender")
    try:
        who = ChatSender(sender.lower())
    except ValueError:
        reason = f"sender {sender!r} is not buyer or staff: map it in [values.sender]"
        raise FieldError("sender", reason) from None
    return ChatMessageRecord(
        platform=reading.mapping.platform,
        buyer_id=row.required_text("buyer_id"),
        sent_at=reading.required_time(row, "sent_at"),
        sender=who,
        text=row.required_text("text"),
        staff=row.text("staff"),
        order_id=row.text("order_id"),
        source=reading.source(row),
    )


def wishlist(row: Row, reading: Reading) -> WishlistRecord:
    """One favourite of one product by one buyer."""
    return WishlistRecord(
        platform=reading.mapping.platform,
        buyer_id=row.required_text("buyer_id"),
        product_id=row.required_text("product_id"),
        added_at=reading.required_time(row, "added_at"),
        title=row.text("title"),
        sku=row.text("sku"),
        price=row.amount("price"),
        source=reading.source(row),
    )


def feedback(row: Row, reading: Reading) -> FeedbackRecord:
    """One review, survey answer or complaint. A title goes before the text (on its own
    line); a rating without any text is a review too (its text is empty)."""
    rating = row.integer("rating")
    parts = [part for part in (row.text("title"), row.text("text")) if part is not None]
    if not parts and rating is None:
        raise FieldError("text", "the review has neither text nor a rating")
    return FeedbackRecord(
        platform=reading.mapping.platform,
        feedback_id=row.required_id("feedback_id"),
        at=reading.required_time(row, "at"),
        kind=row.required_text("kind"),
        text="\n".join(parts),
        buyer_id=row.text("buyer_id"),
        order_id=row.id("order_id"),
        rating=rating,
        source=reading.source(row),
    )


def stock(row: Row, reading: Reading) -> StockRecord:
    """The stock of one SKU at one instant."""
    quantity = row.integer("quantity")
    if quantity is None:
        raise FieldError("quantity", "the cell is empty but a value is required")
    return StockRecord(
        platform=reading.mapping.platform,
        sku=row.required_text("sku"),
        quantity=quantity,
        at=reading.required_time(row, "at"),
        product_id=row.text("product_id"),
        title=row.text("title"),
        attributes=_attributes(row, ""),
        source=reading.source(row),
    )


GROUPED: dict[str, Callable[[list[Row], Reading], Record]] = {"orders": order, "carts": cart}
SINGLE: dict[str, Callable[[Row, Reading], Record]] = {
    "customers": customer,
    "chats": chat,
    "wishlists": wishlist,
    "feedback": feedback,
    "stock": stock,
}
