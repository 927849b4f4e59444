"""Single-use signed links: ``used_links`` (one row per consumed token id).

Revision ID: 0003_channels
Revises: 0002_outbox
Create Date: 2026-11-30 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_channels"
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of winback.store.schema.UtcDateTime's storage (see 0001_initial).
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "used_links",
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("used_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=True),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_used_links")),
    )
    op.create_index(op.f("ix_used_links_expires_at"), "used_links", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_used_links_expires_at"), table_name="used_links")
    op.drop_table("used_links")
