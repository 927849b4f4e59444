"""Recovery: the outcomes agents record for phone and platform-chat tasks (PRODUCT R3).

Revision ID: 0004_recovery
Revises: 0003_channels
Create Date: 2026-11-30 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_recovery"
down_revision: str | None = "0003_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "task_outcomes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("agent", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            "outcome IN ('paid', 'promised', 'no_answer', 'refused')",
            name=op.f("ck_task_outcomes_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_task_outcomes_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_task_outcomes_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_outcomes")),
    )
    op.create_index(
        op.f("ix_task_outcomes_action_id"), "task_outcomes", ["action_id"], unique=False
    )
    op.create_index(
        op.f("ix_task_outcomes_store_id_recorded_at"),
        "task_outcomes",
        ["store_id", "recorded_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_task_outcomes_store_id_recorded_at"), table_name="task_outcomes")
    op.drop_index(op.f("ix_task_outcomes_action_id"), table_name="task_outcomes")
    op.drop_table("task_outcomes")
