"""API and dashboard tokens: rows of ``api_tokens`` (only a hash of each secret is kept).

Every function takes a connection and does not commit: the caller's transaction decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from winback.store.schema import api_tokens, stores

__all__ = ["StoredToken", "add_token", "find_by_prefix", "list_tokens", "revoke", "touch"]


@dataclass(frozen=True, slots=True)
class StoredToken:
    id: int
    name: str
    prefix: str
    secret_hash: str
    scope: str
    store_id: int | None
    store: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def add_token(
    conn: Connection,
    *,
    name: str,
    prefix: str,
    secret_hash: str,
    scope: str,
    store_id: int | None,
    now: datetime,
) -> int:
    row = conn.execute(
        insert(api_tokens)
        .values(
            name=name,
            prefix=prefix,
            secret_hash=secret_hash,
            scope=scope,
            store_id=store_id,
            created_at=now,
        )
        .returning(api_tokens.c.id)
    ).one()
    return int(row[0])


def find_by_prefix(conn: Connection, prefix: str) -> StoredToken | None:
    rows = _select(conn, api_tokens.c.prefix == prefix)
    return rows[0] if rows else None


def list_tokens(conn: Connection) -> list[StoredToken]:
    return _select(conn, None)


def revoke(conn: Connection, name: str, *, now: datetime) -> bool:
    """Revoke the token called ``name``; ``False`` when there is none still valid."""
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


def touch(conn: Connection, token_id: int, *, now: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=now))


def _select(conn: Connection, condition: object) -> list[StoredToken]:
    query = select(api_tokens, stores.c.name.label("store")).outerjoin(
        stores, stores.c.id == api_tokens.c.store_id
    )
    if condition is not None:
        query = query.where(condition)  # type: ignore[arg-type]
    query = query.order_by(api_tokens.c.id)
    return [
        StoredToken(
            id=int(row.id),
            name=row.name,
            prefix=row.prefix,
            secret_hash=row.secret_hash,
            scope=row.scope,
            store_id=row.store_id,
            store=row.store,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )
        for row in conn.execute(query)
    ]
