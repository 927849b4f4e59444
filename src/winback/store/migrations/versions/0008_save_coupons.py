"""Cancelled-order saves: the ``coupons`` and ``save_responses`` tables (issue 14.2-3).

Revision ID: 0008_save_coupons
Revises: 0007_web
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_save_coupons"
down_revision: str | None = "0007_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
MONEY = sa.BigInteger()


def _refs(table: str) -> list[sa.Constraint]:
    return [
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f(f"fk_{table}_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f(f"fk_{table}_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "coupons",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.Column("playbook", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("percent", sa.Boolean(), nullable=False),
        sa.Column("value", MONEY, nullable=False),
        sa.Column("min_spend", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cost", MONEY, nullable=False),
        sa.Column("issued_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("redeemed_at", INSTANT, nullable=True),
        sa.Column("redeemed_order_id", sa.String(length=100), nullable=True),
        sa.Column("redeemed_cost", MONEY, nullable=True),
        *_refs("coupons"),
        sa.UniqueConstraint("store_id", "code", name=op.f("uq_coupons_store_id_code")),
    )
    op.create_index(op.f("ix_coupons_store_id_customer_id"), "coupons", ["store_id", "customer_id"])
    op.create_table(
        "save_responses",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("playbook", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("offer", sa.String(length=32), nullable=False),
        sa.Column("offer_cost", MONEY, nullable=False),
        sa.Column("coupon_code", sa.String(length=64), nullable=True),
        sa.Column("answered_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "source IN ('form', 'agent')", name=op.f("ck_save_responses_source_known")
        ),
        *_refs("save_responses"),
    )
    op.create_index(
        op.f("ix_save_responses_store_id_answered_at"),
        "save_responses",
        ["store_id", "answered_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_save_responses_store_id_answered_at"), table_name="save_responses")
    op.drop_table("save_responses")
    op.drop_index(op.f("ix_coupons_store_id_customer_id"), table_name="coupons")
    op.drop_table("coupons")
