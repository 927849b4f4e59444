"""The dashboard's aggregates (P3): computed once, read by every page.

:func:`refresh_aggregates` runs the heavy work — the loss diagnosis of the period (D1–D6),
the recovery report against the holdout (M1, M2), the 催付 tiles, the customer segments and
the win-back list — and stores each as a *panel* (JSON). It is called at the end of an
import and of a plan, and by ``winback serve``'s applier after webhooks changed the store;
a page then reads its panel with one lookup, so it is as fast on 1,000,000 orders as on
the demo store. A part that cannot be computed (no customer scores yet, too little
history) is stored as its reason in words, which the page shows.

The 催付 tiles follow Chinese seller tools' payment-reminder reports: orders reminded,
orders and amount recovered, success rate, cost and ROI, for today and for the period.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from winback.app import App
from winback.errors import WinbackError
from winback.measure.attribution import Costs, attribute
from winback.privacy import mask_text
from winback.services import lifecycle, recovery
from winback.services.diagnosis import diagnose, to_plain
from winback.services.per_store import settings_for
from winback.services.stores import find_store
from winback.store import aggregates, repo
from winback.store import recovery as recovery_rows

__all__ = [
    "ACTION_PANELS",
    "PANELS",
    "Panel",
    "read_panel",
    "refresh_after_change",
    "refresh_aggregates",
    "reminder_tiles",
    "stale_stores",
]

PANELS: Final = ("diagnosis", "recovery", "tiles", "customers")
ACTION_PANELS: Final = ("recovery", "tiles")
"""What a plan changes: the actions, not the orders (the diagnosis and segments stand)."""
log = logging.getLogger("winback.dashboard")
WINBACK_LIST: Final = 20
STAMP: Final = "stamp"
"""A small panel: the newest import the panels were computed after (staleness, by id)."""
PANEL_ROWS: Final = 200
INLINE_ORDERS: Final = 200_000
"""Up to this many orders, an import or a plan refreshes the store's panels itself (a few
seconds); beyond, ``winback serve``'s worker does it in the background."""
_CENT: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Panel:
    """A stored panel: its data, and when it was computed and as of when."""

    name: str
    as_of: datetime
    computed_at: datetime
    data: Any


def refresh_aggregates(
    app: App, store: str | None = None, *, panels: Iterable[str] = PANELS
) -> list[str]:
    """Recompute the ``panels`` (default: every one) of ``store`` as of
    ``app.clock.now()``; the panels written."""
    info = find_store(app, store)
    now = app.clock.now()
    last_import = _last_import(app, info.id)  # before the work: an import meanwhile is newer
    built: dict[str, Callable[[], Any]] = {
        "diagnosis": lambda: _compact(diagnose(app, store=info.name, now=now).to_dict()),
        "recovery": lambda: recovery.recovery_report(app, info.name).to_dict(),
        "tiles": lambda: reminder_tiles(app, info.name, now=now),
        "customers": lambda: _customers(app, info.name),
        STAMP: lambda: {"last_import": last_import},
    }
    wanted = set(panels) | ({STAMP} if "diagnosis" in set(panels) else set())
    bodies = {
        name: json.dumps(_safely(build), ensure_ascii=False, default=str)
        for name, build in built.items()
        if name in wanted
    }
    with app.engine.begin() as conn:
        for name, body in bodies.items():
            aggregates.write_panel(conn, info.id, name, as_of=now, now=app.clock.now(), body=body)
    return list(bodies)


def refresh_after_change(app: App, store: str, *, panels: Iterable[str] = PANELS) -> None:
    """Refresh the store's panels at the end of an import (every panel) or a plan (the
    panels of actions: ``ACTION_PANELS``) — at once for a store of up to
    ``INLINE_ORDERS`` orders; a larger store's panels are left to ``winback serve``'s worker
    process, which finds them older than the import and refreshes them in the background,
    so a large import is not held up by its dashboard. The import or plan has already
    committed: a failure here is logged and never undoes or fails it."""
    try:
        info = find_store(app, store)
        with app.engine.connect() as conn:
            size = aggregates.order_count(conn, info.id)
        if size > INLINE_ORDERS:
            log.info("%s has %d orders: its panels are refreshed by winback serve", store, size)
            return
        refresh_aggregates(app, store, panels=panels)
    except Exception:
        log.exception("the dashboard of %s could not be refreshed; it shows older figures", store)


def stale_stores(app: App) -> list[str]:
    """The stores whose panels are older than an import or a recorded task outcome
    (``winback serve``'s worker process refreshes them)."""
    with app.engine.connect() as conn:
        ids = set(aggregates.outcomes_since_panel(conn, "recovery"))
        names = {info.id: info.name for info in repo.list_stores(conn)}
        for store_id, last in aggregates.last_imports(conn).items():
            stamp = aggregates.read_panel(conn, store_id, STAMP)
            if stamp is None or json.loads(stamp.body).get("last_import", 0) < last:
                ids.add(store_id)
    return sorted(names[i] for i in ids if i in names)


def read_panel(app: App, store: str, name: str) -> Panel | None:
    """The stored panel ``name`` of ``store``, or None before the first refresh."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        panel = aggregates.read_panel(conn, info.id, name)
    if panel is None:
        return None
    return Panel(panel.name, panel.as_of, panel.computed_at, json.loads(panel.body))


def reminder_tiles(app: App, store: str, *, now: datetime) -> dict[str, Any]:
    """The payment-reminder (催付) tiles for today and for the diagnosis period, per day
    too: orders reminded, orders and amount recovered, success rate, cost, ROI."""
    info = find_store(app, store)
    settings = settings_for(app, info.name)
    zone = ZoneInfo(info.timezone)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=settings.diagnose.period_days - 1)
    unpaid_books = {name for name, book in settings.playbooks.items() if book.kind == "unpaid"}
    with app.engine.connect() as conn:
        actions = recovery_rows.actions_frame(conn, info.id)
        orders = repo.orders_table(conn, info.id)
    prices = settings.channels.costs
    costs = Costs(
        sms_price=prices.sms_price,
        email_price=prices.email_price,
        agent_minute_cost=prices.agent_hourly_cost / 60,
        phone_task_minutes=prices.agent_minutes_per_task,
        chat_task_minutes=prices.agent_minutes_per_task,
    )
    sent = [
        a
        for a in actions.to_pylist()
        if a["playbook"] in unpaid_books and not a["held_out"] and a["sent_at"] is not None
    ]
    recovered = attribute(actions, orders, settings.recovery.attribution_window)
    reminder_ids = {int(a["action_id"]) for a in sent}
    days: dict[date, dict[str, Any]] = {}
    for action in sent:
        day = action["sent_at"].astimezone(zone).date()
        tile = days.setdefault(day, _empty())
        tile["reminded"].update(action["order_ids"] or ())
        tile["cost"] += costs.of(action["channel"])
    for item in recovered:
        if item.action_id in reminder_ids:
            tile = days.setdefault(item.paid_at.astimezone(zone).date(), _empty())
            tile["recovered"] += 1
            tile["amount"] += item.amount
    return {
        "currency": info.currency,
        "today": today.isoformat(),
        "period": {"from": first.isoformat(), "to": today.isoformat()},
        "tiles": {
            "today": _tile([days.get(today, _empty())]),
            "period": _tile(tile for day, tile in days.items() if first <= day <= today),
        },
        "days": [
            {"day": day.isoformat(), **_tile([days[day]])}
            for day in sorted(days)
            if first <= day <= today
        ],
    }


def _compact(diagnosis: dict[str, Any]) -> dict[str, Any]:
    """The diagnosis as a panel: every table and total, but the per-order lists (every
    lost order, every flagged chat) cut to their first ``PANEL_ROWS``, so a page of a
    1,000,000-order store reads a small panel (the API's ``from``/``to`` gives them whole)."""
    for part, key in (("reasons", "orders"), ("chat_flags", "orders")):
        rows = diagnosis.get(part, {}).get(key)
        if isinstance(rows, list):
            diagnosis[part][f"{key}_total"] = len(rows)
            diagnosis[part][key] = rows[:PANEL_ROWS]
    for part in ("stockouts", "restock", "lost_products"):
        if isinstance(diagnosis.get(part), list):
            diagnosis[part] = diagnosis[part][:PANEL_ROWS]
    return diagnosis


def _empty() -> dict[str, Any]:
    return {"reminded": set(), "recovered": 0, "amount": Decimal(0), "cost": Decimal(0)}


def _tile(tiles: Iterable[dict[str, Any]]) -> dict[str, Any]:
    reminded: set[str] = set()
    recovered, amount, cost = 0, Decimal(0), Decimal(0)
    for tile in tiles:
        reminded |= tile["reminded"]
        recovered += tile["recovered"]
        amount += tile["amount"]
        cost += tile["cost"]
    return {
        "orders_reminded": len(reminded),
        "orders_recovered": recovered,
        "amount_recovered": str(amount.quantize(_CENT)),
        "success_rate": recovered / len(reminded) if reminded else None,
        "cost": str(cost.quantize(_CENT)),
        "roi": float((amount - cost) / cost) if cost else None,
    }


def _customers(app: App, store: str) -> dict[str, Any]:
    segments = lifecycle.customer_lifecycle(app, store=store).to_dict()
    try:
        targets = lifecycle.winback_list(app, store=store, limit=WINBACK_LIST)
    except WinbackError as problem:
        return {"segments": segments, "winback": {"problem": str(problem)}}
    return {
        "segments": segments,
        "winback": {
            "as_of": targets.as_of.isoformat(),
            "cutoff_days": targets.cutoff_days,
            "targets": [
                to_plain(vars(t)) if hasattr(t, "__dict__") else _target(t) for t in targets.targets
            ],
        },
    }


def _target(target: lifecycle.WinbackTarget) -> dict[str, Any]:
    plain: dict[str, Any] = to_plain(
        {
            "customer": mask_text(target.customer_key),
            "phone": target.phone,
            "email": target.email,
            "segment": target.segment,
            "purchases": target.purchases,
            "revenue": target.revenue,
            "avg_bill": target.avg_bill,
            "last_purchase": target.last_purchase,
            "days_since_last": target.days_since_last,
            "p_alive": target.p_alive,
            "clv": target.clv,
            "reason": target.reason,
        }
    )
    return plain


def _last_import(app: App, store_id: int) -> int:
    with app.engine.connect() as conn:
        return aggregates.last_imports(conn).get(store_id, 0)


def _safely(build: Callable[[], Any]) -> Any:
    try:
        return build()
    except WinbackError as problem:
        return {"problem": str(problem)}
