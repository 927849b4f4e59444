"""Canonical records: what every importer produces and the store consumes.

Rows in, frozen dataclasses out. Money is :class:`~decimal.Decimal`, platform ids are
strings, every timestamp is time-zone aware (an importer applies the store's zone to the
naive times platform exports carry).

Row numbers in :class:`SourceRef` and :class:`Rejection` are the numbers a spreadsheet shows:
the header is row 1 and the first data row is row 2 (for JSON input, the 1-based position of
the object in the file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import pyarrow as pa

from winback.model import ChatSender, OrderStatus, Platform
from winback.privacy import mask_text

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class Contact:
    """A phone number, email or address as the source shows it.

    Since about 2022 the Chinese platforms mask or encrypt buyer contacts in exports
    (``138****1234``, ``##密文``, ``$$…``). A masked contact keeps no value: it tells winback
    that a direct message is impossible and the platform's own channel must be used.
    """

    value: str | None = None
    masked: bool = False

    @property
    def usable(self) -> bool:
        return self.value is not None and not self.masked


NO_CONTACT = Contact()
MASKED = Contact(value=None, masked=True)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: file and the row it starts on."""

    file: str
    row: int


@dataclass(frozen=True, slots=True)
class Buyer:
    """The buyer as an order export shows them. ``buyer_id`` is the platform's handle
    (Taobao 买家会员名, JD 下单帐号, Shopify customer email or id)."""

    buyer_id: str | None = None
    name: str | None = None
    phone: Contact = NO_CONTACT
    email: Contact = NO_CONTACT
    address: Contact = NO_CONTACT
    region: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLineRecord:
    """One SKU line of an order. ``attributes`` uses the keys ``colour`` and ``size`` for
    the variant where the source names them (颜色分类/颜色, 尺码/尺寸), and the source's own
    key for anything else."""

    line_id: str
    title: str
    quantity: int
    unit_price: Decimal
    sku: str | None = None
    product_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    refund_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One order as one source saw it at the time of the export.

    ``total_amount`` is what the buyer owes for the order (goods + shipping − discounts, the
    Taobao 总金额 / 买家应付), ``paid_amount`` what was actually paid before any refund (the
    gross amount, None when unknown or unpaid; an export whose paid column is net of refunds
    is read back to gross), ``refund_amount`` what went back (partial refunds keep the
    status). ``status_inferred`` is true when the export had no status for the order and the
    importer inferred it from the other columns (times, amounts, refunds).
    """

    platform: Platform
    order_id: str
    status: OrderStatus
    created_at: datetime
    total_amount: Decimal
    buyer: Buyer = Buyer()
    currency: str = "CNY"
    goods_amount: Decimal | None = None
    shipping_fee: Decimal = ZERO
    discount: Decimal = ZERO
    paid_amount: Decimal | None = None
    refund_amount: Decimal = ZERO
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    settled_at: datetime | None = None
    closed_at: datetime | None = None
    refunded_at: datetime | None = None
    payment_method: str | None = None
    buyer_message: str | None = None
    seller_remark: str | None = None
    close_reason: str | None = None
    cancel_reason: str | None = None
    raw_status: str | None = None
    lines: tuple[OrderLineRecord, ...] = ()
    source: SourceRef | None = None
    status_inferred: bool = False
    coupon_code: str | None = None
    """The discount code the buyer used (Shopify ``discount_codes``, a ``coupon_code``
    column): it redeems a save coupon of that code (:mod:`winback.store.coupons`)."""


@dataclass(frozen=True, slots=True)
class OrderLinesRecord:
    """The lines of an order known from another file (a Taobao item report without its order
    report). The store attaches them to the order; lines for an order it does not know are
    rejected. ``status`` is the item report's own status column, when it has one."""

    platform: Platform
    order_id: str
    lines: tuple[OrderLineRecord, ...]
    status: OrderStatus | None = None
    source: SourceRef | None = None
    order_column: str | None = None  # the file's header of the order id, for rejections


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """A customer and their consent, e.g. from Shopify's customers CSV.

    Consent is three-valued: True (opted in), False (opted out), None (unknown: the source
    did not say). Only an explicit True allows marketing.
    """

    platform: Platform
    customer_id: str
    name: str | None = None
    email: Contact = NO_CONTACT
    phone: Contact = NO_CONTACT
    accepts_email_marketing: bool | None = None
    accepts_sms_marketing: bool | None = None
    created_at: datetime | None = None
    region: str | None = None
    tags: tuple[str, ...] = ()
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class ChatMessageRecord:
    """One line of a customer-service conversation (旺旺/千牛/咚咚, shop inbox)."""

    platform: Platform
    buyer_id: str
    sent_at: datetime
    sender: ChatSender
    text: str
    staff: str | None = None
    order_id: str | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class CartItem:
    title: str
    quantity: int
    unit_price: Decimal
    sku: str | None = None
    product_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CartRecord:
    """A cart or checkout that may or may not have become an order."""

    platform: Platform
    cart_id: str
    buyer_id: str | None
    created_at: datetime
    updated_at: datetime
    items: tuple[CartItem, ...] = ()
    currency: str = "CNY"
    email: Contact = NO_CONTACT
    phone: Contact = NO_CONTACT
    order_id: str | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class WishlistRecord:
    """A favourite (收藏/加购) of one product by one buyer."""

    platform: Platform
    buyer_id: str
    product_id: str
    added_at: datetime
    title: str | None = None
    sku: str | None = None
    price: Decimal | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    """Free text from a buyer: a review, a survey answer, a complaint, a cancel form."""

    platform: Platform
    feedback_id: str
    at: datetime
    kind: str
    text: str
    buyer_id: str | None = None
    order_id: str | None = None
    rating: int | None = None
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class StockRecord:
    """Stock of one SKU at one instant."""

    platform: Platform
    sku: str
    quantity: int
    at: datetime
    product_id: str | None = None
    title: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    source: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class OrderTable:
    """Many orders without lines as one Arrow table: the columnar form of
    :class:`OrderRecord` values, made by the column-wise reader of a large clean export so
    that neither it nor the store builds an object per order.

    The columns are those of :data:`ORDER_TABLE_SCHEMA`: the order fields of
    :class:`OrderRecord` with money in hundredths (fen, cents) as ``int64``, instants as
    UTC timestamps, and the buyer flattened (``buyer_id``, ``buyer_name``, ``buyer_region``,
    each contact as a value and a ``…_masked`` flag). ``status`` holds
    :class:`~winback.model.OrderStatus` values, ``status_inferred`` whether it was inferred.
    :meth:`records` turns it back into records.
    """

    platform: Platform
    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def records(self) -> list[OrderRecord]:
        """The same orders as :class:`OrderRecord` values (without their source row)."""
        return [_order_record(self.platform, row) for row in self.table.to_pylist()]


_HUNDREDTHS = Decimal("0.01")
_MONEY = ("total_amount", "goods_amount", "shipping_fee", "discount", "paid_amount")
_INSTANTS = (
    "created_at", "paid_at", "shipped_at", "delivered_at", "settled_at", "closed_at",
    "refunded_at",
)  # fmt: skip
_TEXTS = (
    "order_id", "status", "currency", "payment_method", "buyer_message", "seller_remark",
    "close_reason", "cancel_reason", "raw_status",
)  # fmt: skip
_BUYER = ("buyer_id", "buyer_name", "buyer_region")
_CONTACTS = ("phone", "email", "address")

ORDER_TABLE_SCHEMA = pa.schema(
    [
        *((name, pa.string()) for name in _TEXTS + _BUYER),
        *((name, pa.timestamp("us", tz="UTC")) for name in _INSTANTS),
        *((name, pa.int64()) for name in (*_MONEY, "refund_amount")),
        *(
            field
            for name in _CONTACTS
            for field in ((name, pa.string()), (f"{name}_masked", pa.bool_()))
        ),
        ("status_inferred", pa.bool_()),
    ]
)


def _order_record(platform: Platform, row: dict[str, Any]) -> OrderRecord:
    def money(name: str) -> Decimal | None:
        return None if row[name] is None else Decimal(row[name]) * _HUNDREDTHS

    def contact(name: str) -> Contact:
        return Contact(row[name], bool(row[f"{name}_masked"]))

    return OrderRecord(
        platform=platform,
        order_id=row["order_id"],
        status=OrderStatus(row["status"]),
        created_at=row["created_at"],
        total_amount=money("total_amount") or ZERO,
        buyer=Buyer(
            buyer_id=row["buyer_id"],
            name=row["buyer_name"],
            phone=contact("phone"),
            email=contact("email"),
            address=contact("address"),
            region=row["buyer_region"],
        ),
        currency=row["currency"],
        goods_amount=money("goods_amount"),
        shipping_fee=money("shipping_fee") or ZERO,
        discount=money("discount") or ZERO,
        paid_amount=money("paid_amount"),
        refund_amount=money("refund_amount") or ZERO,
        paid_at=row["paid_at"],
        shipped_at=row["shipped_at"],
        delivered_at=row["delivered_at"],
        settled_at=row["settled_at"],
        closed_at=row["closed_at"],
        refunded_at=row["refunded_at"],
        payment_method=row["payment_method"],
        buyer_message=row["buyer_message"],
        seller_remark=row["seller_remark"],
        close_reason=row["close_reason"],
        cancel_reason=row["cancel_reason"],
        raw_status=row["raw_status"],
        status_inferred=bool(row["status_inferred"]),
    )


Record = (
    OrderRecord
    | OrderLinesRecord
    | CustomerRecord
    | ChatMessageRecord
    | CartRecord
    | WishlistRecord
    | FeedbackRecord
    | StockRecord
)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not imported, and why. The rest of the file still is.

    The reason is masked like every other output: an e-mail address or phone number it
    quotes from the file shows as ``a***@example.com`` or ``138****5678``."""

    file: str
    row: int
    column: str | None
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", mask_text(self.reason))

    def __str__(self) -> str:
        column = f", column {self.column!r}" if self.column else ""
        return f"{self.file}, row {self.row}{column}: {self.reason}"


class OrderChunks(Protocol):
    """Orders still to be read, chunk by chunk, while the store writes them: a large
    order report (:class:`winback.ingest.taobao_columns.OrderStream`)."""

    @property
    def file(self) -> str: ...

    @property
    def most_rows(self) -> int: ...

    def chunks(self) -> Iterator[OrderTable]: ...


Parsed = Record | OrderTable | OrderChunks
"""What a parser hands the store: records, a table of orders, or orders still to read."""


@dataclass(slots=True)
class ParsedFile:
    """What an importer made of one file, before anything is stored (an
    :class:`OrderChunks` is read while it is stored)."""

    file: str
    source: Platform
    kind: str
    records: list[Parsed] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    unmapped_columns: list[str] = field(default_factory=list)


RowProgress = Callable[[int], None]
"""Called by a parser with the number of rows it has just read (for progress bars)."""
