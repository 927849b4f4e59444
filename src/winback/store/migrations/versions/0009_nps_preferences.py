"""After the sale: NPS answers and the buyers' preferences (topics and frequency).

Revision ID: 0009_nps_preferences
Revises: 0008_save_coupons
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_nps_preferences"
down_revision: str | None = "0008_save_coupons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "nps_responses",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("action_id", ID, nullable=True),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_id", sa.String(length=100), nullable=True),
        sa.Column("playbook", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answered_at", INSTANT, nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_nps_responses_score_range")),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_nps_responses_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_nps_responses_action_id_actions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_nps_responses_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nps_responses")),
        sa.UniqueConstraint("token_id", name=op.f("uq_nps_responses_token_id")),
    )
    op.create_index(
        op.f("ix_nps_responses_store_id_answered_at"),
        "nps_responses",
        ["store_id", "answered_at"],
    )
    op.create_table(
        "preferences",
        sa.Column("store_id", ID, autoincrement=False, nullable=False),
        sa.Column("customer_id", ID, autoincrement=False, nullable=False),
        sa.Column("topics", sa.String(length=200), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "frequency IN ('any', 'weekly', 'monthly')",
            name=op.f("ck_preferences_frequency_known"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_preferences_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_preferences_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_preferences")),
    )


def downgrade() -> None:
    op.drop_table("preferences")
    op.drop_index(op.f("ix_nps_responses_store_id_answered_at"), table_name="nps_responses")
    op.drop_table("nps_responses")
