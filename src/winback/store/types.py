"""What the store hands back: frozen values, never rows or SQLAlchemy objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

from winback.ingest.records import Rejection


@dataclass(frozen=True, slots=True)
class KindCounts:
    """What happened to the records of one kind: new rows, changed rows, no-ops."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: KindCounts) -> KindCounts:
        return KindCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """The outcome of :func:`winback.store.repo.apply_records`.

    ``created``/``updated``/``unchanged`` count orders; ``kinds`` has the same counts for
    every kind of record seen (``"order"``, ``"customer"``, ``"chat"``, ``"cart"``,
    ``"wishlist"``, ``"feedback"``, ``"stock"``). ``rejections`` are records the store
    refused (e.g. a naive timestamp, an amount with three decimals); the rest were applied.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kinds: dict[str, KindCounts] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)


@dataclass(frozen=True, slots=True)
class StoreInfo:
    id: int
    name: str
    platform: str
    timezone: str
    currency: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StatusTotals:
    """Orders in one status: how many, and their amounts."""

    status: str
    orders: int
    total_amount: Decimal
    paid_amount: Decimal
    refund_amount: Decimal


@dataclass(frozen=True, slots=True)
class ImportEntry:
    """One line of the import log."""

    id: int
    file_name: str
    sha256: str | None
    source: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """What one store holds, for ``winback status`` and the dashboard's header."""

    store: StoreInfo
    orders_by_status: tuple[StatusTotals, ...]
    customers: int
    first_order_at: datetime | None
    last_order_at: datetime | None
    order_lines: int
    chat_messages: int
    carts: int
    wishlists: int
    feedback: int
    stock_levels: int
    last_imports: tuple[ImportEntry, ...]

    @property
    def orders(self) -> int:
        return sum(s.orders for s in self.orders_by_status)


InboxSource = Literal["shopify", "woocommerce", "events"]
InboxState = Literal["pending", "applied", "ignored", "rejected"]


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """An event as received: where it comes from, what makes it unique, and its raw body.
    ``resource_updated_at`` is the resource's own last-modified time, which orders the
    events of one resource however they arrive."""

    source: InboxSource
    event_key: str
    topic: str
    resource: str
    resource_id: str | None
    resource_updated_at: datetime | None
    webhook_id: str | None
    triggered_at: datetime | None
    body: str
    state: InboxState = "pending"


@dataclass(frozen=True, slots=True)
class Coupon:
    """A save coupon as stored (docs/offers.md). ``state`` as of a moment: ``issued``,
    ``redeemed`` (an order carried the code) or ``expired`` (past ``expires_at`` unused).
    ``cost`` is what the coupon takes off an order of the cancelled amount; ``redeemed_cost``
    what it took off the order that used it."""

    code: str
    customer_key: str | None
    order_id: str | None
    playbook: str
    reason: str
    percent: bool
    value: Decimal
    min_spend: Decimal
    currency: str
    cost: Decimal
    issued_at: datetime
    expires_at: datetime
    redeemed_at: datetime | None = None
    redeemed_order_id: str | None = None
    redeemed_cost: Decimal | None = None

    def state(self, now: datetime) -> Literal["issued", "redeemed", "expired"]:
        if self.redeemed_at is not None:
            return "redeemed"
        return "expired" if now >= self.expires_at else "issued"


@dataclass(frozen=True, slots=True)
class SaveResponse:
    """What a buyer (on the reason form) or an agent said about a cancelled order, and the
    offer it got."""

    order_id: str
    customer_key: str | None
    playbook: str
    source: str
    reason: str
    note: str | None
    offer: str
    offer_cost: Decimal
    coupon_code: str | None
    answered_at: datetime
