"""The buyers' choices on the preference centre page (R8): topics and frequency.

One row per (store, customer), replaced on each save; no row means the buyer never chose
(every topic, any frequency). The dispatcher reads them with the other send-time facts
(:mod:`winback.store.outbox_engine`). Takes a connection and does not commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from winback.model import Frequency, Preference, Topic
from winback.store.schema import preferences

__all__ = ["erase_preference", "preference_of", "preferences_of", "save_preference"]


def save_preference(
    conn: Connection, store_id: int, customer_id: int, choice: Preference, *, now: datetime
) -> None:
    """Store ``choice`` as the buyer's preference (replacing an earlier one)."""
    topics = ",".join(sorted(str(topic) for topic in choice.topics))
    values = {"topics": topics, "frequency": str(choice.frequency), "updated_at": now}
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(preferences).values(
        store_id=store_id, customer_id=customer_id, **values
    )
    conn.execute(
        statement.on_conflict_do_update(index_elements=["store_id", "customer_id"], set_=values)
    )


def preferences_of(conn: Connection, customer_ids: Sequence[int]) -> dict[int, Preference]:
    """customer id → their stored preference (buyers who never chose are absent)."""
    found: dict[int, Preference] = {}
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 5_000):
        rows = conn.execute(
            select(preferences.c.customer_id, preferences.c.topics, preferences.c.frequency).where(
                preferences.c.customer_id.in_(ids[start : start + 5_000])
            )
        ).all()
        for customer_id, topics, frequency in rows:
            found[int(customer_id)] = _preference(topics, frequency)
    return found


def preference_of(conn: Connection, store_id: int, customer_id: int) -> Preference | None:
    """The stored preference of one buyer of ``store_id``, None if they never chose."""
    row = conn.execute(
        select(preferences.c.topics, preferences.c.frequency).where(
            preferences.c.store_id == store_id, preferences.c.customer_id == customer_id
        )
    ).first()
    return None if row is None else _preference(row.topics, row.frequency)


def erase_preference(conn: Connection, store_id: int, customer_id: int) -> int:
    """Delete the buyer's preference row; how many rows were deleted."""
    result = conn.execute(
        delete(preferences).where(
            preferences.c.store_id == store_id, preferences.c.customer_id == customer_id
        )
    )
    return int(result.rowcount or 0)


def _preference(topics: str, frequency: str) -> Preference:
    known = {str(topic) for topic in Topic}
    chosen = frozenset(Topic(name) for name in topics.split(",") if name in known)
    return Preference(chosen, Frequency(frequency))
