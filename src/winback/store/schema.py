"""The store's tables, in SQLAlchemy Core (no ORM), and the two column types that carry the
project's money and time conventions.

Conventions (docs/store.md explains why):

* Money is :class:`Money`: integer minor units (fen, cents) in a BIGINT, :class:`~decimal.Decimal`
  in and out. A value with more than two decimal places is refused, never rounded.
* Time is :class:`UtcDateTime`: aware datetimes only (a naive one is refused), stored as UTC,
  returned as aware UTC datetimes on SQLite and PostgreSQL alike.
* ``id`` is the row id; ``order_id``, ``customer_key``, ``cart_id`` … are the platform's own
  ids, always strings. A column pointing at another table's row id ends in ``_row_id`` when the
  plain name (``order_id``) already means the platform id.

The migrations under ``migrations/versions`` must build exactly this metadata; a test compares
them on both backends.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from winback.model import TASK_OUTCOMES

_HUNDRED: Final = Decimal(100)

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def to_minor_units(value: Decimal | int) -> int:
    """``Decimal('12.34')`` → ``1234``. Refuses floats, NaN and more than two decimal places."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"money must be a Decimal or an int, not {type(value).__name__}: {value!r}")
    if isinstance(value, int):
        return value * 100
    try:
        scaled = value * _HUNDRED
        minor = int(scaled)
    except (InvalidOperation, ValueError, OverflowError):
        raise ValueError(f"not an amount of money: {value!r}") from None
    if minor != scaled:
        raise ValueError(f"amount {value} has more than 2 decimal places; refusing to round it")
    return minor


def from_minor_units(value: int) -> Decimal:
    """``1234`` → ``Decimal('12.34')`` (always two decimal places)."""
    return Decimal(value).scaleb(-2)


def to_utc(value: datetime) -> datetime:
    """An aware datetime as UTC. Refuses naive datetimes: their zone would be a guess."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, not {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} refused: timestamps must be aware")
    return value.astimezone(UTC)


EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


def to_epoch_us(value: datetime) -> int:
    """An aware datetime as integer microseconds since 1970-01-01 UTC (SQLite's storage).

    Refuses naive datetimes. Integers are three times cheaper to produce than text, half
    the size in rows and indexes, sort correctly and turn into Arrow timestamps for free.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, not {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} refused: timestamps must be aware")
    return (value - EPOCH) // _MICROSECOND


def from_epoch_us(value: int) -> datetime:
    """Integer microseconds since the epoch → aware UTC datetime."""
    return EPOCH + timedelta(microseconds=value)


class Money(TypeDecorator[Decimal]):
    """An amount of money as integer minor units (BIGINT); Decimal in, Decimal out."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        return None if value is None else to_minor_units(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else from_minor_units(value)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: aware datetimes in (naive refused), aware UTC datetimes out.

    PostgreSQL stores ``timestamp with time zone``; SQLite stores integer microseconds since
    1970-01-01 UTC (see :func:`to_epoch_us`).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | int | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_epoch_us(value)
        return to_utc(value)

    def process_result_value(
        self, value: datetime | int | None, dialect: Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, int):
            return from_epoch_us(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def _id_type() -> TypeEngine[int]:
    """BIGINT on PostgreSQL; INTEGER on SQLite so the key is the rowid (auto-assigned)."""
    return BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column[Any]:
    return Column("id", _id_type(), primary_key=True, autoincrement=True)


def _ref(name: str, target: str, *, nullable: bool = False, cascade: bool = True) -> Column[Any]:
    return Column(
        name,
        _id_type(),
        ForeignKey(target, ondelete="CASCADE" if cascade else "SET NULL"),
        nullable=nullable,
    )


def _status_check(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_known")


ORDER_STATUSES: Final = (
    "pending", "paid", "shipped", "delivered", "settled", "closed", "cancelled", "refunded",
)  # fmt: skip
CONSENT_CHANNELS: Final = ("sms", "email", "phone", "im")
CHAT_SENDERS: Final = ("buyer", "staff")

stores = Table(
    "stores",
    metadata,
    _id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("platform", String(40), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# One row per buyer the store knows, from orders, customer lists, chats, carts. Contacts are
# columns: a contact is known (value), masked by the platform (value NULL, *_masked true), or
# unknown (both empty).
customers = Table(
    "customers",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    Column("customer_key", String(200), nullable=False),
    Column("name", String(200)),
    Column("region", String(200)),
    Column("phone", String(64)),
    Column("phone_masked", Boolean(), nullable=False, default=False),
    Column("email", String(320)),
    Column("email_masked", Boolean(), nullable=False, default=False),
    Column("address", Text()),
    Column("address_masked", Boolean(), nullable=False, default=False),
    Column("tags", Text()),
    Column("first_seen_at", UtcDateTime()),
    UniqueConstraint("store_id", "customer_key"),
)

# Append-only: a row whenever a source states a customer's consent for a channel and it
# differs from the last statement. The newest row per (customer, channel) is the consent.
consents = Table(
    "consents",
    metadata,
    _id(),
    _ref("customer_id", "customers.id"),
    Column("channel", String(16), nullable=False),
    Column("granted", Boolean()),
    Column("source", String(400), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    _status_check("channel", CONSENT_CHANNELS),
    Index(None, "customer_id", "channel"),
)

orders = Table(
    "orders",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    Column("order_id", String(100), nullable=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("paid_at", UtcDateTime()),
    Column("shipped_at", UtcDateTime()),
    Column("delivered_at", UtcDateTime()),
    Column("settled_at", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Column("refunded_at", UtcDateTime()),
    Column("total_amount", Money(), nullable=False),
    Column("goods_amount", Money()),
    Column("shipping_fee", Money(), nullable=False),
    Column("discount", Money(), nullable=False),
    Column("paid_amount", Money()),
    Column("refund_amount", Money(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method", String(100)),
    Column("buyer_message", Text()),
    Column("seller_remark", Text()),
    Column("close_reason", Text()),
    Column("cancel_reason", Text()),
    Column("raw_status", String(100)),
    Column("fingerprint", String(32)),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("store_id", "order_id"),
    _status_check("status", ORDER_STATUSES),
    Index(None, "store_id", "created_at"),
    Index(None, "store_id", "status"),
    Index(None, "customer_id"),
)

order_lines = Table(
    "order_lines",
    metadata,
    _id(),
    _ref("order_row_id", "orders.id"),
    Column("line_id", String(100), nullable=False),
    Column("title", Text(), nullable=False),
    Column("sku", String(200)),
    Column("product_id", String(100)),
    Column("quantity", Integer(), nullable=False),
    Column("unit_price", Money(), nullable=False),
    Column("colour", String(100)),
    Column("size", String(100)),
    Column("attributes", Text()),  # JSON object of the other variant attributes, or NULL
    Column("refund_amount", Money(), nullable=False),
    UniqueConstraint("order_row_id", "line_id"),
    Index(None, "product_id"),
)

# The status timeline: one row per status an order reached. ``at`` is when it happened (NULL
# when no source said), ``recorded_at`` when winback learnt it, from which file. Keyed by
# (order, status): a status is reached once. No rowid on SQLite: one B-tree, not two.
order_events = Table(
    "order_events",
    metadata,
    Column(
        "order_row_id",
        _id_type(),
        ForeignKey("orders.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("status", String(16), primary_key=True),
    Column("at", UtcDateTime()),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("source_file", String(400), nullable=False),
    _status_check("status", ORDER_STATUSES),
    sqlite_with_rowid=False,
)

carts = Table(
    "carts",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    Column("cart_id", String(100), nullable=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("email", String(320)),
    Column("email_masked", Boolean(), nullable=False, default=False),
    Column("phone", String(64)),
    Column("phone_masked", Boolean(), nullable=False, default=False),
    Column("order_id", String(100)),  # the platform order it became, if any
    Column("fingerprint", String(32), nullable=False),
    UniqueConstraint("store_id", "cart_id"),
    Index(None, "store_id", "updated_at"),
)

cart_items = Table(
    "cart_items",
    metadata,
    _id(),
    _ref("cart_row_id", "carts.id"),
    Column("position", Integer(), nullable=False),
    Column("title", Text(), nullable=False),
    Column("quantity", Integer(), nullable=False),
    Column("unit_price", Money(), nullable=False),
    Column("sku", String(200)),
    Column("product_id", String(100)),
    Column("colour", String(100)),
    Column("size", String(100)),
    Column("attributes", Text()),
    UniqueConstraint("cart_row_id", "position"),
)

wishlists = Table(
    "wishlists",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    _ref("customer_id", "customers.id"),
    Column("product_id", String(100), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("title", Text()),
    Column("sku", String(200)),
    Column("price", Money()),
    UniqueConstraint("store_id", "customer_id", "product_id"),
    Index(None, "store_id", "product_id"),
)

chat_messages = Table(
    "chat_messages",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    _ref("customer_id", "customers.id"),
    Column("sent_at", UtcDateTime(), nullable=False),
    Column("sender", String(8), nullable=False),
    Column("text", Text(), nullable=False),
    Column("text_hash", String(32), nullable=False),
    Column("staff", String(100)),
    Column("order_id", String(100)),
    UniqueConstraint("store_id", "customer_id", "sent_at", "sender", "text_hash"),
    _status_check("sender", CHAT_SENDERS),
    Index(None, "store_id", "sent_at"),
)

feedback = Table(
    "feedback",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    Column("feedback_id", String(100), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("text", Text(), nullable=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("order_id", String(100)),
    Column("rating", Integer()),
    UniqueConstraint("store_id", "feedback_id"),
    Index(None, "store_id", "at"),
)

stock_levels = Table(
    "stock_levels",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("platform", String(40), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("quantity", Integer(), nullable=False),
    Column("product_id", String(100)),
    Column("title", Text()),
    Column("colour", String(100)),
    Column("size", String(100)),
    Column("attributes", Text()),
    UniqueConstraint("store_id", "sku", "at"),
)

imports = Table(
    "imports",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("file_name", String(400), nullable=False),
    Column("sha256", String(64)),
    Column("source", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("rows_read", Integer(), nullable=False, default=0),
    Column("created", Integer(), nullable=False, default=0),
    Column("updated", Integer(), nullable=False, default=0),
    Column("unchanged", Integer(), nullable=False, default=0),
    Column("rejected", Integer(), nullable=False, default=0),
    Index(None, "store_id", "started_at"),
    Index(None, "store_id", "sha256"),
)

used_links = Table(
    "used_links",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    Index(None, "expires_at"),
)

# -- the outbox (docs/recovery-engine.md) ---------------------------------------------------

ACTION_STATUSES: Final = (
    "planned", "sending", "sent", "failed", "cancelled", "skipped", "held_out", "unknown",
)  # fmt: skip
ACTION_CHANNELS: Final = ("email", "sms", "im_robot", "phone_task", "chat_task")
PURPOSES: Final = ("transactional", "marketing")
ATTEMPT_OUTCOMES: Final = ("sent", "transient", "permanent", "unknown")
SUPPRESSION_REASONS: Final = ("reply_stop", "unsubscribe", "hard_bounce", "erasure", "manual")

# One row per recovery action. ``key`` is the idempotency key, unique per store: planning
# twice stores each action once, so a step is never sent twice. ``order_ids`` and ``params``
# are JSON text; the orders are also linked in ``action_orders`` for the per-order caps.
actions = Table(
    "actions",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("key", String(300), nullable=False),
    Column("playbook", String(100), nullable=False),
    Column("step", Integer(), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("order_ids", Text(), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("template", String(200), nullable=False),
    Column("params", Text(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("claimed_by", String(100)),
    Column("claimed_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("provider_id", String(200)),
    Column("attempts", Integer(), nullable=False, default=0),
    Column("last_error", Text()),
    Column("converted_at", UtcDateTime()),
    Column("converted_order_id", String(100)),
    UniqueConstraint("store_id", "key"),
    _status_check("status", ACTION_STATUSES),
    _status_check("channel", ACTION_CHANNELS),
    _status_check("purpose", PURPOSES),
    Index(None, "status", "due_at"),
    Index(None, "store_id", "playbook", "status"),
    Index(None, "customer_id"),
)

# The orders an action is about (a merged reminder has several), for per-order caps and the
# "(order, step) is sent once" check. No rowid on SQLite.
action_orders = Table(
    "action_orders",
    metadata,
    Column(
        "action_id",
        _id_type(),
        ForeignKey("actions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("order_id", String(100), primary_key=True),
    Column("store_id", _id_type(), ForeignKey("stores.id", ondelete="CASCADE"), nullable=False),
    Index(None, "store_id", "order_id"),
    sqlite_with_rowid=False,
)

# One row per try at delivering an action: when it started and ended, what came back.
action_attempts = Table(
    "action_attempts",
    metadata,
    _id(),
    _ref("action_id", "actions.id"),
    Column("number", Integer(), nullable=False),
    Column("worker", String(100), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("outcome", String(16)),
    Column("provider_id", String(200)),
    Column("answer", Text()),
    UniqueConstraint("action_id", "number"),
    _status_check("outcome", ATTEMPT_OUTCOMES),
)

# Who must not be contacted: by address (a phone number or e-mail, normalised by
# winback.model.contact_address) and/or by customer; ``channel`` NULL means every channel.
# Suppression beats every rule, and nothing ever deletes a row here.
suppressions = Table(
    "suppressions",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("channel", String(16)),
    Column("address", String(320)),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("reason", String(16), nullable=False),
    Column("source", Text(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    _status_check("reason", SUPPRESSION_REASONS),
    CheckConstraint("address IS NOT NULL OR customer_id IS NOT NULL", name="address_or_customer"),
    Index(None, "store_id", "address"),
    Index(None, "store_id", "customer_id"),
)

# TASK_OUTCOMES (paid, promised, no_answer, refused) is winback.model's: the CLI offers them too.

# What an agent reported after a phone or platform-chat task (PRODUCT R3): append-only, the
# newest row per action is its outcome. ``reason`` is a D3 loss-reason code (refusals).
task_outcomes = Table(
    "task_outcomes",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    _ref("action_id", "actions.id"),
    Column("outcome", String(16), nullable=False),
    Column("reason", String(40)),
    Column("note", Text()),
    Column("agent", String(100)),
    Column("recorded_at", UtcDateTime(), nullable=False),
    _status_check("outcome", TASK_OUTCOMES),
    Index(None, "action_id"),
    Index(None, "store_id", "recorded_at"),
)

# The customer models' scores (docs/lifecycle.md): one row per customer and as-of day, from
# ``winback customers score``. Re-scoring a day replaces that day's rows. ``p_alive`` and
# ``expected_purchases`` are model probabilities/expectations (floats); spend is money.
customer_scores = Table(
    "customer_scores",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    _ref("customer_id", "customers.id"),
    Column("as_of", Date(), nullable=False),
    Column("model", String(40), nullable=False),
    Column("horizon_days", Integer(), nullable=False),
    Column("p_alive", Float(), nullable=False),
    Column("expected_purchases", Float(), nullable=False),
    Column("average_spend", Money(), nullable=False),
    Column("expected_spend", Money(), nullable=False),
    Column("clv", Money(), nullable=False),
    Column("computed_at", UtcDateTime(), nullable=False),
    UniqueConstraint("store_id", "as_of", "customer_id"),
    Index(None, "customer_id"),
)

# What the loss-reason classifier answered for each distinct text of a store (D3), so that
# `winback diagnose` classifies a text once, not on every run. Keyed by the classifier's
# fingerprint (its code, weights and word lists) and the SHA-256 of the text with contact
# details masked: no text is stored. A new classifier replaces the rows.
text_reasons = Table(
    "text_reasons",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("classifier", String(64), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("confidence", Float(), nullable=False),
    UniqueConstraint("store_id", "classifier", "text_sha256"),
)

# -- the web app (docs/web.md, docs/webhooks.md) ---------------------------------------------

WEBHOOK_SOURCES: Final = ("shopify", "woocommerce", "events")
WEBHOOK_STATES: Final = ("pending", "applied", "ignored", "rejected")
TOKEN_SCOPES: Final = ("read", "write")

# The webhook inbox: every verified event, raw, keyed by what the source says makes it unique
# (Shopify: shop, topic and X-Shopify-Event-Id), so a redelivery is stored once. Events are
# applied to the store after the request has been answered (winback.services.webhooks).
webhook_events = Table(
    "webhook_events",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("source", String(16), nullable=False),
    Column("event_key", String(400), nullable=False),
    Column("topic", String(100), nullable=False),
    Column("resource", String(16), nullable=False),
    Column("resource_id", String(100)),
    Column("resource_updated_at", UtcDateTime()),
    Column("webhook_id", String(100)),
    Column("triggered_at", UtcDateTime()),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("body", Text(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("applied_at", UtcDateTime()),
    Column("problem", Text()),
    UniqueConstraint("store_id", "source", "event_key"),
    _status_check("source", WEBHOOK_SOURCES),
    _status_check("state", WEBHOOK_STATES),
    Index(None, "state", "store_id"),
    Index(None, "store_id", "resource", "resource_id"),
)

# Bearer tokens for the API and the dashboard: only a SHA-256 of the secret is kept. The
# ``prefix`` (public, in the token itself) finds the row; the hashes are compared in constant
# time. ``store_id`` NULL: every store.
api_tokens = Table(
    "api_tokens",
    metadata,
    _id(),
    Column("name", String(100), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("scope", String(8), nullable=False),
    _ref("store_id", "stores.id", nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    _status_check("scope", TOKEN_SCOPES),
)

# What the dashboard shows, computed by winback.services.dashboard.refresh_aggregates at the
# end of an import and a plan: one JSON body per store and panel, so a page never scans the
# store's whole history.
dashboard_panels = Table(
    "dashboard_panels",
    metadata,
    Column(
        "store_id",
        _id_type(),
        ForeignKey("stores.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("panel", String(40), primary_key=True),
    Column("as_of", UtcDateTime(), nullable=False),
    Column("computed_at", UtcDateTime(), nullable=False),
    Column("body", Text(), nullable=False),
)

# A buyer's personal data erased on request (PIPL, GDPR): when, and what was changed. The
# record names no one: the customer row it refers to keeps only an anonymous key.
erasures = Table(
    "erasures",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    _ref("customer_id", "customers.id"),
    Column("requested_by", String(100)),
    Column("erased_at", UtcDateTime(), nullable=False),
    Column("summary", Text(), nullable=False),
)

# -- cancelled-order saves (docs/offers.md) ---------------------------------------------------

SAVE_SOURCES: Final = ("form", "agent")

# Save coupons: one unique code per offer made, with its terms; ``redeemed_*`` are set when an
# imported or webhooked order carries the code (winback.store.coupons). A coupon is expired as
# of a moment past ``expires_at`` without a redemption (a state read, not stored).
coupons = Table(
    "coupons",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    Column("code", String(64), nullable=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("order_id", String(100)),
    Column("playbook", String(64), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("percent", Boolean(), nullable=False),
    Column("value", Money(), nullable=False),
    Column("min_spend", Money(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("cost", Money(), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("redeemed_at", UtcDateTime()),
    Column("redeemed_order_id", String(100)),
    Column("redeemed_cost", Money()),
    UniqueConstraint("store_id", "code"),
    Index(None, "store_id", "customer_id"),
)

# What buyers (on the reason form) and agents said about a cancelled order, and the offer it
# got: labelled loss reasons (D3) and the save offers' ledger (budgets, per-buyer limits).
save_responses = Table(
    "save_responses",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("order_id", String(100), nullable=False),
    Column("playbook", String(64), nullable=False),
    Column("source", String(8), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text()),
    Column("offer", String(32), nullable=False),
    Column("offer_cost", Money(), nullable=False),
    Column("coupon_code", String(64)),
    Column("answered_at", UtcDateTime(), nullable=False),
    _status_check("source", SAVE_SOURCES),
    Index(None, "store_id", "answered_at"),
)

# -- after the sale (docs/nps.md) -------------------------------------------------------------

PREFERENCE_FREQUENCIES: Final = ("any", "weekly", "monthly")

# One answer per survey link (``token_id`` is the link's id: a link answers once). ``why`` is
# the buyer's own words (emptied by an erasure); the score stays, anonymous, for the figures.
nps_responses = Table(
    "nps_responses",
    metadata,
    _id(),
    _ref("store_id", "stores.id"),
    _ref("action_id", "actions.id", nullable=True, cascade=False),
    _ref("customer_id", "customers.id", nullable=True, cascade=False),
    Column("order_id", String(100)),
    Column("playbook", String(100), nullable=False),
    Column("score", Integer(), nullable=False),
    Column("why", Text()),
    Column("language", String(8), nullable=False),
    Column("answered_at", UtcDateTime(), nullable=False),
    Column("token_id", String(64), nullable=False, unique=True),
    CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
    Index(None, "store_id", "answered_at"),
)

# What a buyer chose on the preference centre page: the topics they want (a comma-separated
# subset of winback.model.TOPICS) and how often marketing may reach them. No row: everything.
preferences = Table(
    "preferences",
    metadata,
    Column(
        "store_id",
        _id_type(),
        ForeignKey("stores.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column(
        "customer_id",
        _id_type(),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("topics", String(200), nullable=False),
    Column("frequency", String(16), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    _status_check("frequency", PREFERENCE_FREQUENCIES),
)
