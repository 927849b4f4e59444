"""The web app: the webhook inbox, API tokens, the dashboard's panels and the erasure log.

Revision ID: 0007_web
Revises: 0006_text_reasons
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_web"
down_revision: str | None = "0006_text_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")


def _store_ref(table: str, *, nullable: bool = False) -> tuple[sa.Column[int], sa.Constraint]:
    return (
        sa.Column("store_id", ID, nullable=nullable),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f(f"fk_{table}_store_id_stores"),
            ondelete="CASCADE",
        ),
    )


def upgrade() -> None:
    op.create_table(
        "webhook_events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_store_ref("webhook_events"),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("event_key", sa.String(length=400), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("resource", sa.String(length=16), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=True),
        sa.Column("resource_updated_at", INSTANT, nullable=True),
        sa.Column("webhook_id", sa.String(length=100), nullable=True),
        sa.Column("triggered_at", INSTANT, nullable=True),
        sa.Column("received_at", INSTANT, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("applied_at", INSTANT, nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "source IN ('shopify', 'woocommerce', 'events')",
            name=op.f("ck_webhook_events_source_known"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'applied', 'ignored', 'rejected')",
            name=op.f("ck_webhook_events_state_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint(
            "store_id",
            "source",
            "event_key",
            name=op.f("uq_webhook_events_store_id_source_event_key"),
        ),
    )
    op.create_index(
        op.f("ix_webhook_events_state_store_id"), "webhook_events", ["state", "store_id"]
    )
    op.create_index(
        op.f("ix_webhook_events_store_id_resource_resource_id"),
        "webhook_events",
        ["store_id", "resource", "resource_id"],
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        *_store_ref("api_tokens", nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("last_used_at", INSTANT, nullable=True),
        sa.Column("revoked_at", INSTANT, nullable=True),
        sa.CheckConstraint("scope IN ('read', 'write')", name=op.f("ck_api_tokens_scope_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_tokens_prefix")),
    )
    op.create_table(
        "dashboard_panels",
        *_store_ref("dashboard_panels"),
        sa.Column("panel", sa.String(length=40), nullable=False),
        sa.Column("as_of", INSTANT, nullable=False),
        sa.Column("computed_at", INSTANT, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "panel", name=op.f("pk_dashboard_panels")),
    )
    op.create_table(
        "erasures",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        *_store_ref("erasures"),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("erased_at", INSTANT, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_erasures_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )


def downgrade() -> None:
    op.drop_table("erasures")
    op.drop_table("dashboard_panels")
    op.drop_table("api_tokens")
    op.drop_index(
        op.f("ix_webhook_events_store_id_resource_resource_id"), table_name="webhook_events"
    )
    op.drop_index(op.f("ix_webhook_events_state_store_id"), table_name="webhook_events")
    op.drop_table("webhook_events")
