"""Read-only views for the API and the dashboard, one store at a time, contacts masked.

Each function returns plain data (``dict``/``list``; money as strings, times ISO) that the
JSON API returns as it is and the dashboard templates render. Pages are keyset pages: pass
the ``next`` of one page as ``before`` to get the next.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from winback.app import App
from winback.privacy import mask_contact, mask_contacts, mask_text
from winback.services.stores import find_store
from winback.store import browse
from winback.store import webhooks as inbox

__all__ = [
    "actions",
    "customers",
    "inbox_status",
    "order",
    "orders",
    "suppressions",
    "today_outcomes",
]

MAX_PAGE: Final = 500


def orders(
    app: App,
    store: str,
    *,
    limit: int = 50,
    before: int | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> dict[str, Any]:
    info = find_store(app, store)
    with app.engine.connect() as conn:
        rows = browse.order_page(
            conn,
            info.id,
            limit=_limit(limit),
            before=before,
            status=status,
            created_from=created_from,
            created_to=created_to,
        )
    return {
        "store": info.name,
        "currency": info.currency,
        "items": [_order(row) for row in rows],
        "next": rows[-1].id if len(rows) == _limit(limit) else None,
    }


def order(app: App, store: str, order_id: str) -> dict[str, Any] | None:
    info = find_store(app, store)
    with app.engine.connect() as conn:
        found = browse.order_detail(conn, info.id, order_id)
    if found is None:
        return None
    row, lines, timeline = found
    return {
        **_order(row),
        "lines": [{**line, "unit_price": str(line["unit_price"])} for line in lines],
        "timeline": [{"status": status, "at": _iso(at)} for status, at in timeline],
    }


def actions(
    app: App,
    store: str,
    *,
    limit: int = 50,
    before: int | None = None,
    status: str | None = None,
    playbook: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """The outbox: actions with their attempts and the policy's recorded decision."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        rows = browse.action_page(
            conn,
            info.id,
            limit=_limit(limit),
            before=before,
            status=status,
            playbook=playbook,
            channel=channel,
        )
        tries = browse.attempts(conn, info.id, [row.id for row in rows])
        counts = browse.facets(conn, info.id)
    return {
        "store": info.name,
        "currency": info.currency,
        "facets": counts,
        "items": [_action(row, tries.get(row.id, [])) for row in rows],
        "next": rows[-1].id if len(rows) == _limit(limit) else None,
    }


def suppressions(
    app: App, store: str, *, limit: int = 50, before: int | None = None
) -> dict[str, Any]:
    info = find_store(app, store)
    with app.engine.connect() as conn:
        rows = browse.suppression_page(conn, info.id, limit=_limit(limit), before=before)
    items = [
        {
            **row,
            "address": mask_contact(row["address"]) if row["address"] else None,
            "customer": mask_text(row.pop("customer_key")) if row.get("customer_key") else None,
            "source": mask_text(row["source"]),
            "created_at": _iso(row["created_at"]),
        }
        for row in rows
    ]
    for item in items:
        item.pop("customer_key", None)
    return {
        "store": info.name,
        "items": items,
        "next": rows[-1]["id"] if len(rows) == _limit(limit) else None,
    }


def customers(
    app: App, store: str, *, limit: int = 50, before: int | None = None
) -> dict[str, Any]:
    info = find_store(app, store)
    with app.engine.connect() as conn:
        rows = browse.customer_page(conn, info.id, limit=_limit(limit), before=before)
    return {
        "store": info.name,
        "currency": info.currency,
        "items": [
            {
                "customer": mask_text(row.customer_key),
                "name": _mask_name(row.name),
                "phone": mask_contact(row.phone) if row.phone else None,
                "email": mask_contact(row.email) if row.email else None,
                "region": row.region,
                "first_seen_at": _iso(row.first_seen_at),
                "orders": row.orders,
                "paid_amount": str(row.paid_amount),
                "p_alive": row.p_alive,
                "clv": None if row.clv is None else str(row.clv),
                "scored_on": None if row.scored_on is None else str(row.scored_on),
            }
            for row in rows
        ],
        "next": rows[-1].id if len(rows) == _limit(limit) else None,
    }


def inbox_status(app: App, store: str, *, problems: int = 20) -> dict[str, Any]:
    """The webhook inbox of the store: counts per state and the latest rejected events."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        counts = inbox.counts_by_state(conn, info.id)
        rejected = inbox.recent_events(conn, info.id, limit=problems, problems_only=True)
    return {
        "store": info.name,
        "counts": counts,
        "rejected": [
            {
                "id": event.id,
                "source": event.source,
                "topic": event.topic,
                "resource_id": event.resource_id,
                "received_at": _iso(event.received_at),
            }
            for event in rejected
        ],
    }


def today_outcomes(app: App, store: str) -> dict[str, int]:
    """What agents recorded today (the store's calendar): outcomes by kind, and the total."""
    info = find_store(app, store)
    zone = ZoneInfo(info.timezone)
    today = app.clock.now().astimezone(zone).date()
    start = datetime.combine(today, time(), zone).astimezone(UTC)
    with app.engine.connect() as conn:
        counts = browse.outcomes_between(conn, info.id, start, start + timedelta(days=1))
    return {**counts, "total": sum(counts.values())}


# -- pieces ---------------------------------------------------------------------------------


def _order(row: browse.OrderRow) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "status": row.status,
        "created_at": _iso(row.created_at),
        "paid_at": _iso(row.paid_at),
        "shipped_at": _iso(row.shipped_at),
        "closed_at": _iso(row.closed_at),
        "total_amount": str(row.total_amount),
        "paid_amount": None if row.paid_amount is None else str(row.paid_amount),
        "refund_amount": str(row.refund_amount),
        "currency": row.currency,
        "buyer": mask_text(row.customer_key) if row.customer_key else None,
        "raw_status": row.raw_status,
    }


def _action(row: browse.ActionRow, tries: list[dict[str, Any]]) -> dict[str, Any]:
    direct = {"sms": row.phone, "email": row.email}.get(row.channel)
    to = (
        mask_contact(direct)
        if direct
        else (mask_text(row.customer_key) if row.customer_key else None)
    )
    return {
        "id": row.id,
        "playbook": row.playbook,
        "step": row.step,
        "channel": row.channel,
        "purpose": row.purpose,
        "status": row.status,
        "to": to,
        "order_ids": list(row.order_ids),
        "amount": str(row.amount),
        "template": row.template,
        "due_at": _iso(row.due_at),
        "sent_at": _iso(row.sent_at),
        "attempts": [
            {
                **attempt,
                "started_at": _iso(attempt["started_at"]),
                "finished_at": _iso(attempt["finished_at"]),
                "answer": mask_contacts(attempt["answer"]),
            }
            for attempt in tries
        ],
        "decision": _decision(row),
    }


def _decision(row: browse.ActionRow) -> str:
    """What the send policy decided, as recorded: the status and its reason."""
    reason = mask_contacts(row.last_error) if row.last_error else None
    return f"{row.status}: {reason}" if reason else row.status


def _mask_name(name: str | None) -> str | None:
    """A buyer's name shows its first character only (张** , A****)."""
    if not name:
        return None
    return name[0] + "*" * min(len(name) - 1, 4) if len(name) > 1 else "*"


def _limit(limit: int) -> int:
    return max(1, min(limit, MAX_PAGE))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
