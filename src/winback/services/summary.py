"""What a store holds: the summary ``winback status`` prints and the orders per day the demo
prints. Kept apart from :mod:`winback.services.importing` so that reading a summary does not
load the importers (pandas, the file readers)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from winback.app import App
from winback.services.stores import find_store, store_settings
from winback.store import repo
from winback.store.types import StoreSummary

if TYPE_CHECKING:
    import pyarrow as pa


def store_status(app: App, store: str | None = None) -> list[StoreSummary]:
    """What the store holds as of the app's clock: one summary per store (each in its own
    currency), or just the one named."""
    now = app.clock.now()
    with app.engine.connect() as conn:
        chosen = repo.list_stores(conn) if store is None else [find_store(app, store)]
    summaries = []
    for held in chosen:
        info = held if store is not None else find_store(app, held.name)
        close_after = store_settings(app, info).store.close_after
        with app.engine.connect() as conn:
            summaries.append(repo.store_summary(conn, info.id, as_of=now, close_after=close_after))
    return summaries


def daily_overview(app: App, store: str | None = None, *, since: date | None = None) -> pa.Table:
    """Orders per day of the store's calendar, as of the app's clock: counts by status,
    amounts, new/returning.

    With ``since``, only the days from it on; buyers are still ``returning`` by their whole
    history.
    """
    import pyarrow.compute as pc

    from winback.analyse.overview import daily_overview as overview_by_day
    from winback.services.known import orders_known

    info = find_store(app, store)
    settings = store_settings(app, info)
    orders = orders_known(app, info, settings, app.clock.now())
    days = overview_by_day(orders, timezone=info.timezone)
    return days if since is None else days.filter(pc.greater_equal(days["day"], since))
