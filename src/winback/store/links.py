"""Single use for signed links: the first visitor to consume a token id wins.

``used_links`` holds one row per consumed token id. :func:`consume` inserts with
``ON CONFLICT DO NOTHING RETURNING`` (SQLite and PostgreSQL alike), so two concurrent clicks
on the same link cannot both succeed, and a replay never raises: it gets ``False``.
:func:`forget_expired` deletes the rows of links that have expired: an expired link is
refused by its signature check anyway, so its row is no longer needed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete
from sqlalchemy.dialects import postgresql, sqlite

from winback.store.schema import used_links

__all__ = ["consume", "forget_expired"]


def consume(
    conn: Connection, token_id: str, now: datetime, *, expires_at: datetime | None = None
) -> bool:
    """Mark ``token_id`` used at ``now``; ``True`` the first time, ``False`` ever after.

    ``expires_at`` (the link's expiry) lets :func:`forget_expired` clean the row up later.
    Takes a connection and does not commit: the caller's transaction decides.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(used_links)
        .values(token_id=token_id, used_at=now, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["token_id"])
        .returning(used_links.c.token_id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for a conflict-tolerant insert.
    return conn.execute(statement).first() is not None


def forget_expired(conn: Connection, now: datetime) -> int:
    """Delete the rows of links that expired before ``now``; the number deleted."""
    result = conn.execute(delete(used_links).where(used_links.c.expires_at < now))
    return int(result.rowcount)
