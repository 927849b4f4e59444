"""The outbox: recovery actions, the orders they are about, one row per delivery attempt,
and the suppression list (docs/recovery-engine.md).

Revision ID: 0002_outbox
Revises: 0001
Create Date: 2026-11-30 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_outbox"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of winback.store.schema's column types (see 0001).
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
INSTANT = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
MONEY = sa.BigInteger()


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("playbook", sa.String(length=100), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("order_ids", sa.Text(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("template", sa.String(length=200), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_at", INSTANT, nullable=True),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("converted_at", INSTANT, nullable=True),
        sa.Column("converted_order_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            _in(
                "status",
                (
                    "planned",
                    "sending",
                    "sent",
                    "failed",
                    "cancelled",
                    "skipped",
                    "held_out",
                    "unknown",
                ),
            ),
            name=op.f("ck_actions_status_known"),
        ),
        sa.CheckConstraint(
            _in("channel", ("email", "sms", "im_robot", "phone_task", "chat_task")),
            name=op.f("ck_actions_channel_known"),
        ),
        sa.CheckConstraint(
            _in("purpose", ("transactional", "marketing")), name=op.f("ck_actions_purpose_known")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_actions_store_id_stores"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_actions_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
        sa.UniqueConstraint("store_id", "key", name=op.f("uq_actions_store_id_key")),
    )
    op.create_index(op.f("ix_actions_status_due_at"), "actions", ["status", "due_at"])
    op.create_index(
        op.f("ix_actions_store_id_playbook_status"), "actions", ["store_id", "playbook", "status"]
    )
    op.create_index(op.f("ix_actions_customer_id"), "actions", ["customer_id"])
    op.create_table(
        "action_orders",
        sa.Column("action_id", ID, autoincrement=False, nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_action_orders_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_action_orders_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "order_id", name=op.f("pk_action_orders")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_action_orders_store_id_order_id"), "action_orders", ["store_id", "order_id"]
    )
    op.create_table(
        "action_attempts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("action_id", ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("started_at", INSTANT, nullable=False),
        sa.Column("finished_at", INSTANT, nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _in("outcome", ("sent", "transient", "permanent", "unknown")),
            name=op.f("ck_action_attempts_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_action_attempts_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_attempts")),
        sa.UniqueConstraint(
            "action_id", "number", name=op.f("uq_action_attempts_action_id_number")
        ),
    )
    op.create_table(
        "suppressions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("store_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("customer_id", ID, nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.CheckConstraint(
            _in("reason", ("reply_stop", "unsubscribe", "hard_bounce", "erasure", "manual")),
            name=op.f("ck_suppressions_reason_known"),
        ),
        sa.CheckConstraint(
            "address IS NOT NULL OR customer_id IS NOT NULL",
            name=op.f("ck_suppressions_address_or_customer"),
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_suppressions_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_suppressions_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    op.create_index(
        op.f("ix_suppressions_store_id_address"), "suppressions", ["store_id", "address"]
    )
    op.create_index(
        op.f("ix_suppressions_store_id_customer_id"), "suppressions", ["store_id", "customer_id"]
    )


def downgrade() -> None:
    op.drop_table("suppressions")
    op.drop_table("action_attempts")
    op.drop_table("action_orders")
    op.drop_table("actions")
