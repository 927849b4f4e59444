"""Alembic environment for winback's packaged migrations.

Run through :func:`winback.store.db.migrate`, which hands over a connection in
``config.attributes["connection"]``; no alembic.ini and no logging set-up are involved.
"""

from __future__ import annotations

from alembic import context

from winback.store.schema import metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run winback's migrations through winback.store.db.migrate(engine)")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("winback's migrations run online only (winback.store.db.migrate)")
run_migrations_online()
