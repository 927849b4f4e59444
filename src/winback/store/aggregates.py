"""The dashboard's precomputed panels: one JSON body per store and panel.

Written by :func:`winback.services.dashboard.refresh_aggregates`, read by every page, so a
page costs one primary-key lookup however large the store is. Takes a connection and does
not commit: the caller's transaction decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select

from winback.store.schema import dashboard_panels, imports, orders, task_outcomes

__all__ = [
    "Panel",
    "last_imports",
    "order_count",
    "outcomes_since_panel",
    "read_panel",
    "write_panel",
]


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    as_of: datetime
    computed_at: datetime
    body: str


def write_panel(
    conn: Connection, store_id: int, name: str, *, as_of: datetime, now: datetime, body: str
) -> None:
    """Replace the panel ``name`` of the store."""
    conn.execute(
        delete(dashboard_panels).where(
            dashboard_panels.c.store_id == store_id, dashboard_panels.c.panel == name
        )
    )
    conn.execute(
        insert(dashboard_panels).values(
            store_id=store_id, panel=name, as_of=as_of, computed_at=now, body=body
        )
    )


def read_panel(conn: Connection, store_id: int, name: str) -> Panel | None:
    row = conn.execute(
        select(dashboard_panels).where(
            dashboard_panels.c.store_id == store_id, dashboard_panels.c.panel == name
        )
    ).first()
    if row is None:
        return None
    return Panel(row.panel, row.as_of, row.computed_at, row.body)


def outcomes_since_panel(conn: Connection, panel: str) -> list[int]:
    """The stores where an agent recorded a task outcome after ``panel`` was computed (or
    that have outcomes and no such panel): their figures are stale."""
    newest = (
        select(task_outcomes.c.store_id, func.max(task_outcomes.c.recorded_at).label("at"))
        .group_by(task_outcomes.c.store_id)
        .subquery()
    )
    query = (
        select(newest.c.store_id)
        .outerjoin(
            dashboard_panels,
            and_(
                dashboard_panels.c.store_id == newest.c.store_id, dashboard_panels.c.panel == panel
            ),
        )
        .where((dashboard_panels.c.as_of.is_(None)) | (newest.c.at > dashboard_panels.c.as_of))
    )
    return [int(store) for store in conn.scalars(query)]


def last_imports(conn: Connection) -> dict[int, int]:
    """The newest import's row id of each store (clock-independent: an id only grows)."""
    query = select(imports.c.store_id, func.max(imports.c.id)).group_by(imports.c.store_id)
    return {int(store): int(last) for store, last in conn.execute(query)}


def order_count(conn: Connection, store_id: int) -> int:
    return int(
        conn.scalar(select(func.count()).select_from(orders).where(orders.c.store_id == store_id))
        or 0
    )
