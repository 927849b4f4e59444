"""The initial schema: stores, customers, consents, orders with lines and a status timeline,
carts, wishlists, chat messages, feedback, stock levels and the import log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:11:28.314970
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (migrations must not change when
# schema.py does): row ids, instants (timestamptz; on SQLite integer microseconds since the
# epoch, UTC) and money (integer minor units).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
MONEY = sa.BigInteger()
ORDER_STATUS_CHECK = (
    "status IN ('pending', 'paid', 'shipped', 'delivered', 'settled', 'closed', "
    "'cancelled', 'refunded')"
)


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint("name", name=op.f("uq_stores_name")),
    )
    op.create_table(
        "customers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("customer_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("region", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_masked", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("address_masked", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=True),
        sa.Column("first_seen_at", INSTANT, nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_customers_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint(
            "store_id", "customer_key", name=op.f("uq_customers_store_id_customer_key")
        ),
    )
    op.create_table(
        "imports",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("started_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_imports_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_index(
        op.f("ix_imports_store_id_sha256"), "imports", ["store_id", "sha256"], unique=False
    )
    op.create_index(
        op.f("ix_imports_store_id_started_at"), "imports", ["store_id", "started_at"], unique=False
    )
    op.create_table(
        "stock_levels",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=100), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("colour", sa.String(length=100), nullable=True),
        sa.Column("size", sa.String(length=100), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_stock_levels_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_levels")),
        sa.UniqueConstraint("store_id", "sku", "at", name=op.f("uq_stock_levels_store_id_sku_at")),
    )
    op.create_table(
        "carts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("cart_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("email_masked", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_masked", sa.Boolean(), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_carts_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_carts_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
        sa.UniqueConstraint("store_id", "cart_id", name=op.f("uq_carts_store_id_cart_id")),
    )
    op.create_index(
        op.f("ix_carts_store_id_updated_at"), "carts", ["store_id", "updated_at"], unique=False
    )
    op.create_table(
        "chat_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("sent_at", INSTANT, nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("staff", sa.String(length=100), nullable=True),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "sender IN ('buyer', 'staff')", name=op.f("ck_chat_messages_sender_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_chat_messages_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_chat_messages_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint(
            "store_id",
            "customer_id",
            "sent_at",
            "sender",
            "text_hash",
            name=op.f("uq_chat_messages_store_id_customer_id_sent_at_sender_text_hash"),
        ),
    )
    op.create_index(
        op.f("ix_chat_messages_store_id_sent_at"),
        "chat_messages",
        ["store_id", "sent_at"],
        unique=False,
    )
    op.create_table(
        "consents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=True),
        sa.Column("source", sa.String(length=400), nullable=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "channel IN ('sms', 'email', 'phone', 'im')", name=op.f("ck_consents_channel_known")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_consents_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(
        op.f("ix_consents_customer_id_channel"),
        "consents",
        ["customer_id", "channel"],
        unique=False,
    )
    op.create_table(
        "feedback",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("feedback_id", sa.String(length=100), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_feedback_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_feedback_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint(
            "store_id", "feedback_id", name=op.f("uq_feedback_store_id_feedback_id")
        ),
    )
    op.create_index(op.f("ix_feedback_store_id_at"), "feedback", ["store_id", "at"], unique=False)
    op.create_table(
        "orders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("paid_at", INSTANT, nullable=True),
        sa.Column("shipped_at", INSTANT, nullable=True),
        sa.Column("delivered_at", INSTANT, nullable=True),
        sa.Column("settled_at", INSTANT, nullable=True),
        sa.Column("closed_at", INSTANT, nullable=True),
        sa.Column("refunded_at", INSTANT, nullable=True),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.Column("goods_amount", MONEY, nullable=True),
        sa.Column("shipping_fee", MONEY, nullable=False),
        sa.Column("discount", MONEY, nullable=False),
        sa.Column("paid_amount", MONEY, nullable=True),
        sa.Column("refund_amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_method", sa.String(length=100), nullable=True),
        sa.Column("buyer_message", sa.Text(), nullable=True),
        sa.Column("seller_remark", sa.Text(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("raw_status", sa.String(length=100), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=True),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            ORDER_STATUS_CHECK,
            name=op.f("ck_orders_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_orders_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_orders_store_id_stores"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("store_id", "order_id", name=op.f("uq_orders_store_id_order_id")),
    )
    op.create_index(op.f("ix_orders_customer_id"), "orders", ["customer_id"], unique=False)
    op.create_index(
        op.f("ix_orders_store_id_created_at"), "orders", ["store_id", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_orders_store_id_status"), "orders", ["store_id", "status"], unique=False
    )
    op.create_table(
        "wishlists",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("product_id", sa.String(length=100), nullable=False),
        sa.Column("added_at", INSTANT, nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("sku", sa.String(length=200), nullable=True),
        sa.Column("price", MONEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_wishlists_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_wishlists_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishlists")),
        sa.UniqueConstraint(
            "store_id",
            "customer_id",
            "product_id",
            name=op.f("uq_wishlists_store_id_customer_id_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_wishlists_store_id_product_id"),
        "wishlists",
        ["store_id", "product_id"],
        unique=False,
    )
    op.create_table(
        "cart_items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("cart_row_id", ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=True),
        sa.Column("product_id", sa.String(length=100), nullable=True),
        sa.Column("colour", sa.String(length=100), nullable=True),
        sa.Column("size", sa.String(length=100), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cart_row_id"],
            ["carts.id"],
            name=op.f("fk_cart_items_cart_row_id_carts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cart_items")),
        sa.UniqueConstraint(
            "cart_row_id", "position", name=op.f("uq_cart_items_cart_row_id_position")
        ),
    )
    op.create_table(
        "order_events",
        sa.Column("order_row_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", INSTANT, nullable=True),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.Column("source_file", sa.String(length=400), nullable=False),
        sa.CheckConstraint(
            ORDER_STATUS_CHECK,
            name=op.f("ck_order_events_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["order_row_id"],
            ["orders.id"],
            name=op.f("fk_order_events_order_row_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_row_id", "status", name=op.f("pk_order_events")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "order_lines",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("order_row_id", ID, nullable=False),
        sa.Column("line_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=200), nullable=True),
        sa.Column("product_id", sa.String(length=100), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("colour", sa.String(length=100), nullable=True),
        sa.Column("size", sa.String(length=100), nullable=True),
        sa.Column("attributes", sa.Text(), nullable=True),
        sa.Column("refund_amount", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["order_row_id"],
            ["orders.id"],
            name=op.f("fk_order_lines_order_row_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
        sa.UniqueConstraint(
            "order_row_id", "line_id", name=op.f("uq_order_lines_order_row_id_line_id")
        ),
    )
    op.create_index(op.f("ix_order_lines_product_id"), "order_lines", ["product_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_order_lines_product_id"), table_name="order_lines")
    op.drop_table("order_lines")
    op.drop_table("order_events")
    op.drop_table("cart_items")
    op.drop_index(op.f("ix_wishlists_store_id_product_id"), table_name="wishlists")
    op.drop_table("wishlists")
    op.drop_index(op.f("ix_orders_store_id_status"), table_name="orders")
    op.drop_index(op.f("ix_orders_store_id_created_at"), table_name="orders")
    op.drop_index(op.f("ix_orders_customer_id"), table_name="orders")
    op.drop_table("orders")
    op.drop_index(op.f("ix_feedback_store_id_at"), table_name="feedback")
    op.drop_table("feedback")
    op.drop_index(op.f("ix_consents_customer_id_channel"), table_name="consents")
    op.drop_table("consents")
    op.drop_index(op.f("ix_chat_messages_store_id_sent_at"), table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index(op.f("ix_carts_store_id_updated_at"), table_name="carts")
    op.drop_table("carts")
    op.drop_table("stock_levels")
    op.drop_index(op.f("ix_imports_store_id_started_at"), table_name="imports")
    op.drop_index(op.f("ix_imports_store_id_sha256"), table_name="imports")
    op.drop_table("imports")
    op.drop_table("customers")
    op.drop_table("stores")
