"""Customer lifecycle: the ``customer_scores`` table of ``winback customers score``.

Revision ID: 0005_lifecycle
Revises: 0004_recovery
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_lifecycle"
down_revision: str | None = "0004_recovery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
MONEY = sa.BigInteger()


def upgrade() -> None:
    op.create_table(
        "customer_scores",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=40), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("p_alive", sa.Float(), nullable=False),
        sa.Column("expected_purchases", sa.Float(), nullable=False),
        sa.Column("average_spend", MONEY, nullable=False),
        sa.Column("expected_spend", MONEY, nullable=False),
        sa.Column("clv", MONEY, nullable=False),
        sa.Column("computed_at", INSTANT, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_customer_scores_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_scores_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_scores")),
        sa.UniqueConstraint(
            "store_id",
            "as_of",
            "customer_id",
            name=op.f("uq_customer_scores_store_id_as_of_customer_id"),
        ),
    )
    op.create_index(
        op.f("ix_customer_scores_customer_id"), "customer_scores", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_scores_customer_id"), table_name="customer_scores")
    op.drop_table("customer_scores")
