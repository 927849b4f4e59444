"""The demo's next day: time passes, the dispatcher sends what falls due, buyers answer.

After planning, the demo moves its :class:`~winback.clock.FixedClock` forward in steps
(30 minutes by default) through the next day. At each step it

1. asks the simulated buyers (:mod:`winback.demo.responses`) who has paid since the last
   step, given the actions that reached them so far;
2. when someone has, downloads a newer Taobao order report (the orders of the last four
   days, as the seller back office exports a date range) and imports it through the public
   importer, so the store learns of the payment before the next send — the dispatcher then
   cancels, not sends, a reminder about a paid order;
3. runs the real dispatcher at the step's time (quiet hours, caps and consent apply as in
   production; agent tasks are due in the call windows planning chose).

At the end of the day it imports the report taken at the day's end, with the orders that
closed at their deadline. Nothing is written to the store except through the importer and
the dispatcher.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from winback import services
from winback.act.dispatcher import DispatchReport
from winback.app import App
from winback.clock import FixedClock
from winback.demo.exports import shopify as shopify_export
from winback.demo.exports import taobao as taobao_export
from winback.demo.responses import OpenOrder, Response, Touch, orders_at, respond
from winback.demo.simulator import DemoShop
from winback.ingest.records import OrderRecord
from winback.model import ActionChannel, ActionStatus, OrderStatus, Platform
from winback.privacy import mask_text
from winback.services import dispatch as dispatch_service
from winback.services.dispatch import ChannelFactory
from winback.store import outbox, repo

__all__ = ["STEP", "NextDay", "live_next_day"]

STEP: Final = timedelta(minutes=30)
DAY: Final = timedelta(hours=24)
EXPORT_DAYS: Final = timedelta(days=4)
TAOBAO_REPORT: Final = "2023"
"""The Taobao report the demo exports: the newer one, whose 发货时间 and 确认收货时间 tell
the store when orders shipped and were confirmed (the NPS survey counts from them)."""


@dataclass(frozen=True)
class DemoStore:
    """One simulated store the demo lives through the day with: its shop, its name in the
    store and how its newer export is written (Taobao order + item reports, Shopify CSV)."""

    shop: DemoShop
    name: str

    @property
    def platform(self) -> Platform:
        return self.shop.platform


@dataclass
class NextDay:
    """What happened during the demo's next day."""

    start: datetime
    end: datetime
    steps: int = 0
    dispatched: DispatchReport = field(default_factory=DispatchReport)
    responses: dict[str, Response] = field(default_factory=dict)
    imports: list[services.ImportReport] = field(default_factory=list)
    sent_by_channel: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Actions sent by the end of the day, by (store, channel)."""
    action_stores: dict[str, str] = field(default_factory=dict)
    """The store of each action, by its key (what the gateways see)."""
    failed: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Actions that failed, by (store, "channel: why"), the reason masked."""
    before: dict[tuple[str, str], OrderStatus] = field(default_factory=dict)
    after: dict[tuple[str, str], OrderStatus] = field(default_factory=dict)

    @property
    def moves(self) -> Counter[tuple[OrderStatus, OrderStatus]]:
        """How the stores' order statuses moved during the day, (before, after) → orders."""
        return Counter(
            (status, self.after[key])
            for key, status in self.before.items()
            if self.after.get(key, status) is not status
        )

    def moves_of(self, store: str) -> Counter[tuple[OrderStatus, OrderStatus]]:
        """How ``store``'s order statuses moved during the day."""
        return Counter(
            (status, self.after[key])
            for key, status in self.before.items()
            if key[0] == store and self.after.get(key, status) is not status
        )

    def responses_of(self, shop: DemoShop) -> list[Response]:
        """The simulated answers about ``shop``'s orders that were unpaid in its export."""
        ids = {order.order_id for order in shop.orders}
        return [response for key, response in self.responses.items() if key in ids]

    @property
    def paid(self) -> int:
        return sum(1 for r in self.responses.values() if r.paid_at is not None)

    @property
    def paid_after_reminder(self) -> int:
        return sum(1 for r in self.responses.values() if r.reminded)

    @property
    def closed(self) -> int:
        return sum(1 for r in self.responses.values() if r.closed_at is not None)


def live_next_day(
    app: App,
    clock: FixedClock,
    stores: Sequence[DemoStore],
    *,
    folder: Path,
    seed: int,
    channels: ChannelFactory = dispatch_service.default_channels,
    step: timedelta = STEP,
    after_step: Callable[[App, datetime], None] | None = None,
) -> NextDay:
    """Move ``clock`` through the next day, dispatching and importing as described above;
    ``after_step(app, now)`` runs after each dispatch."""
    start = clock.now()
    day = NextDay(start=start, end=start + DAY)
    close_after = app.settings.store.close_after
    open_orders = [order for store in stores for order in open_orders_of(store.shop.orders)]
    touches: list[Touch] = []
    known: set[str] = set()
    day.before = _statuses(app, stores)
    while clock.now() < day.end:
        now = clock.advance(min(step, day.end - clock.now()))
        day.steps += 1
        day.responses = respond(
            open_orders, touches, seed=seed, start=start, end=day.end, close_after=close_after
        )
        paid = {k for k, r in day.responses.items() if r.paid_at is not None and r.paid_at <= now}
        if news := paid - known:
            changed = [s for s in stores if not news.isdisjoint(o.order_id for o in s.shop.orders)]
            day.imports += _import_updates(app, changed, day.responses, folder, now, start)
            known |= paid
        day.dispatched.add(dispatch_service.dispatch(app, channels=channels).report)
        if after_step is not None:  # the buyers' answers after the sale (demo.after_sale)
            after_step(app, now)
        touches = _touches(app)
    day.imports += _import_updates(app, stores, day.responses, folder, day.end, start)
    day.after = _statuses(app, stores)
    with app.engine.connect() as conn:
        ids = {info.name: info.id for info in repo.list_stores(conn)}
        for store in stores:
            for action in outbox.list_actions(conn, store_id=ids[store.name]):
                day.action_stores[action.key] = store.name
                if action.status is ActionStatus.SENT:
                    day.sent_by_channel[(store.name, action.channel.value)] += 1
                elif action.status is ActionStatus.FAILED:
                    why = mask_text(action.last_error or "")
                    day.failed[(store.name, f"{action.channel.value}: {why}")] += 1
    return day


def open_orders_of(orders: Sequence[OrderRecord]) -> list[OpenOrder]:
    """The unpaid orders of the export, each marked returning when its buyer had paid an
    earlier order."""
    first_paid: dict[str, datetime] = {}
    for order in orders:
        if order.paid_at is not None and order.buyer.buyer_id is not None:
            known = first_paid.get(order.buyer.buyer_id)
            if known is None or order.paid_at < known:
                first_paid[order.buyer.buyer_id] = order.paid_at
    return [
        OpenOrder(
            order_id=order.order_id,
            created_at=order.created_at,
            returning=order.buyer.buyer_id in first_paid
            and first_paid[order.buyer.buyer_id] < order.created_at,
        )
        for order in orders
        if order.status is OrderStatus.PENDING
    ]


def _touches(app: App) -> list[Touch]:
    """The actions that have reached buyers so far, one touch per order they are about."""
    return [
        Touch(order_id, ActionChannel(view.channel), view.sent_at)
        for view in dispatch_service.list_actions(app, status=ActionStatus.SENT, limit=None)
        if view.sent_at is not None
        for order_id in view.orders
    ]


def _statuses(app: App, stores: Sequence[DemoStore]) -> dict[tuple[str, str], OrderStatus]:
    """The store's current status of each of the shops' orders, by (store, order id)."""
    found: dict[tuple[str, str], OrderStatus] = {}
    with app.engine.connect() as conn:
        known = {info.name: info.id for info in repo.list_stores(conn)}
        for store in stores:
            ids = [o.order_id for o in store.shop.orders]
            for order_id, status in outbox.order_statuses(conn, known[store.name], ids).items():
                found[(store.name, order_id)] = status
    return found


def _import_updates(
    app: App,
    stores: Sequence[DemoStore],
    responses: dict[str, Response],
    folder: Path,
    cutoff: datetime,
    start: datetime,
) -> list[services.ImportReport]:
    """Write each store's newer export as of ``cutoff`` — the orders of the last days, as a
    merchant exports a date range — and import it through the public importer."""
    reports: list[services.ImportReport] = []
    for store in stores:
        recent = [o for o in store.shop.orders if o.created_at >= start - EXPORT_DAYS]
        orders = orders_at(recent, responses, cutoff)
        target = folder / f"{store.platform.value}-update"
        target.mkdir(parents=True, exist_ok=True)
        if store.platform is Platform.SHOPIFY:
            shopify_export.write_orders_csv(orders, target / "orders_export.csv")
        else:
            report = TAOBAO_REPORT
            taobao_export.write_order_report(orders, target / "ExportOrderList.csv", variant=report)
            taobao_export.write_item_report(
                orders, target / "ExportOrderDetailList.csv", variant=report
            )
        reports += services.import_path(app, target, source=store.platform, store=store.name)
    return reports
