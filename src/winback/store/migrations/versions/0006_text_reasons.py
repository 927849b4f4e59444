"""Loss reasons remembered per text: the ``text_reasons`` table (winback diagnose, D3).

Revision ID: 0006_text_reasons
Revises: 0005_lifecycle
Create Date: 2026-12-07 19:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_text_reasons"
down_revision: str | None = "0005_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "text_reasons",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("classifier", sa.String(length=64), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_text_reasons_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_reasons")),
        sa.UniqueConstraint(
            "store_id",
            "classifier",
            "text_sha256",
            name=op.f("uq_text_reasons_store_id_classifier_text_sha256"),
        ),
    )


def downgrade() -> None:
    op.drop_table("text_reasons")
