"""Loss diagnostics for one store and period: D1, D2, D6, D3, D4 and D5 in one call.

:func:`diagnose` reads the store's frames once (orders with their texts, order lines, chats,
feedback, stock levels) and runs every analysis of ``winback.analyse`` over the same period
of the store's calendar, in the store's time zone, as known at ``now``. The result,
:class:`Diagnosis`, is what the terminal tables, ``--json``, the HTML report and the Excel
export all draw from, so they can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Final, Literal, TypedDict
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.chat_flags import chat_flag_summary, chat_flags
from winback.analyse.deadline_check import deadline_notes
from winback.analyse.decomposition import PARTS, decompose, parts_shown
from winback.analyse.loss_reasons import LossReasons, loss_reasons
from winback.analyse.lost_orders import lost_order_ratio
from winback.analyse.lost_products import fill_product_ids, top_lost_products
from winback.analyse.outliers import amount_outliers
from winback.analyse.payment_time import PaymentTimeReport, PaymentTimeSettings, payment_time
from winback.analyse.restock import restock_proposal, stockout_losses
from winback.app import App
from winback.config import DiagnoseSettings, Settings
from winback.errors import WinbackError
from winback.privacy import mask_contacts
from winback.services.known import orders_known
from winback.services.stores import find_store, store_settings
from winback.services.text_reasons import remembering_classifier
from winback.store import frames, repo
from winback.store.types import StoreInfo

__all__ = ["Diagnosis", "Period", "diagnose", "diagnosis_period", "to_plain"]

Language = Literal["zh", "en"]


@dataclass(frozen=True, slots=True)
class Period:
    """Days of the store's calendar, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True, eq=False)
class Diagnosis:
    """Every loss diagnostic of one store and period (tables are Arrow, money Decimal).

    ``decomposition`` D1 per day; ``lost_ratio`` D2 per day; ``payment`` D6; ``reasons`` D3;
    ``chat_flags`` / ``chat_flag_summary`` D4; ``stockouts`` / ``restock`` D5;
    ``lost_products`` the products of the lost orders, largest amount first.
    ``reported`` says per source which later events its data tells, ``parts`` the D1 parts
    the store's data can fill (:func:`~winback.analyse.decomposition.parts_shown`);
    ``outliers`` the orders of the period whose amount dwarfs the store's usual order.
    """

    store: StoreInfo
    language: Language
    period: Period
    as_of: datetime
    settings: DiagnoseSettings
    close_after: timedelta
    deadline_notes: tuple[str, ...]
    reported: pa.Table
    parts: tuple[str, ...]
    outliers: pa.Table
    decomposition: pa.Table
    lost_ratio: pa.Table
    payment: PaymentTimeReport
    reasons: LossReasons
    chat_flags: pa.Table
    chat_flag_summary: pa.Table
    stockouts: pa.Table
    restock: pa.Table
    lost_products: pa.Table

    @property
    def lost_orders(self) -> int:
        """Orders of the period closed before payment, cancelled or refunded (D3–D5)."""
        return int(self.reasons.orders.num_rows)

    def decomposition_totals(self) -> dict[str, Any]:
        """D1 over the whole period: ``orders``, ``amount`` and each part's orders and amount
        (exact sums of the daily rows, so the parts add up to the total)."""
        names = ["orders", "amount"] + [
            f"{part}_{kind}" for part in PARTS for kind in ("orders", "amount")
        ]
        return {name: _column_sum(self.decomposition, name) for name in names}

    def lost_ratio_totals(self) -> dict[str, Any]:
        """D2 over the whole period: orders, closed orders and amounts, both ratios and the
        consulted / self-service split of the closed orders."""
        names = (
            "orders", "amount", "closed_orders", "closed_amount",
            "closed_consulted_orders", "closed_consulted_amount",
            "closed_self_service_orders", "closed_self_service_amount",
        )  # fmt: skip
        totals = {name: _column_sum(self.lost_ratio, name) for name in names}
        orders, amount = totals["orders"], totals["amount"]
        totals["lost_ratio"] = totals["closed_orders"] / orders if orders else None
        totals["lost_amount_ratio"] = float(totals["closed_amount"] / amount) if amount else None
        days = self.lost_ratio.to_pylist()
        totals["alert_days"] = sum(bool(day["alert"]) for day in days)
        totals["above_threshold_days"] = sum(
            bool(day["above_threshold"]) and not day["provisional"] for day in days
        )
        totals["provisional_days"] = sum(bool(day["provisional"]) for day in days)
        final = [day for day in days if not day["provisional"]]
        final_orders = sum(day["orders"] for day in final)
        totals["usual_lost_ratio"] = (
            sum(day["closed_orders"] for day in final) / final_orders if final_orders else None
        )
        return totals

    def to_dict(self) -> Any:
        """Everything, machine-readable: Decimals as strings, dates ISO, no NaN/inf (null);
        contact details in buyer keys, texts and chat excerpts masked."""
        segments = self.payment.segments
        return to_plain(
            {
                "store": self.store.name,
                "platform": self.store.platform,
                "timezone": self.store.timezone,
                "currency": self.store.currency,
                "language": self.language,
                "period": {"from": self.period.start, "to": self.period.end},
                "as_of": self.as_of,
                "unpaid_close_after_hours": self.close_after.total_seconds() / 3600,
                "deadline_notes": list(self.deadline_notes),
                "decomposition": {
                    "parts": list(self.parts),
                    "reported": self.reported.to_pylist(),
                    "days": self.decomposition.to_pylist(),
                    "total": self.decomposition_totals(),
                    "outliers": self.outliers.to_pylist(),
                },
                "lost_ratio": {
                    "threshold": self.settings.lost_ratio_alert,
                    "days": self.lost_ratio.to_pylist(),
                    "total": self.lost_ratio_totals(),
                },
                "payment": {
                    "segments": segments.to_pylist(),
                    "excluded_after_cutoff": self.payment.excluded_after_cutoff,
                    "excluded_paid_time_unknown": self.payment.excluded_paid_time_unknown,
                },
                "reasons": {
                    "lost_orders": self.lost_orders,
                    "table": self.reasons.reasons.to_pylist(),
                    "orders": _masked(self.reasons.orders.to_pylist()),
                },
                "chat_flags": {
                    "summary": self.chat_flag_summary.to_pylist(),
                    "orders": _masked(self.chat_flags.to_pylist()),
                },
                "stockouts": self.stockouts.to_pylist(),
                "restock": self.restock.to_pylist(),
                "lost_products": self.lost_products.to_pylist(),
            }
        )


MAX_PERIOD_DAYS: Final = 3660
"""The longest period one diagnosis covers (ten years): its tables have a row per day."""


def diagnosis_period(
    *, today: date, date_from: date | None, date_to: date | None, days: int
) -> Period:
    """The period asked for: ``--from``/``--to`` as given; a missing end is ``today``, a
    missing start ``days`` days before the end (inclusive); at most
    :data:`MAX_PERIOD_DAYS` days."""
    end = date_to or today
    start = date_from or end - timedelta(days=days - 1)
    if start > end:
        raise WinbackError(f"the period starts after it ends: {start} > {end}")
    length = (end - start).days + 1
    if length > MAX_PERIOD_DAYS:
        raise WinbackError(
            f"the period {start} → {end} is {length:,} days long; a diagnosis covers at most "
            f"{MAX_PERIOD_DAYS:,} days (ten years): choose a shorter --from/--to"
        )
    return Period(start, end)


def diagnose(
    app: App,
    *,
    store: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime,
) -> Diagnosis:
    """Run D1, D2, D6, D3, D4 and D5 over the orders ``store`` (default: the configured
    store) placed from ``date_from`` to ``date_to`` (store calendar), as known at ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, not {now!r}")
    info = find_store(app, store)
    configured = store_settings(app, info)
    settings = configured.diagnose
    zone = ZoneInfo(info.timezone)
    period = diagnosis_period(
        today=now.astimezone(zone).date(),
        date_from=date_from,
        date_to=date_to,
        days=settings.period_days,
    )
    orders = orders_known(app, info, configured, now)
    close_after = configured.store.close_after
    with app.engine.connect() as conn:
        delays = repo.payment_delays(conn, info.id, close_after)
        reported = frames.reported_events_frame(conn, info.id)
        lines = frames.order_lines_frame(conn, info.id)
        chats = frames.chats_frame(conn, info.id)
        feedback = frames.feedback_frame(conn, info.id)
        stock = frames.stock_frame(conn, info.id)
    lines, stock = fill_product_ids(lines, stock)
    tz, span = info.timezone, _Span(start=period.start, end=period.end)
    reasons = loss_reasons(
        orders,
        chats,
        feedback,
        classify=remembering_classifier(app, info.id),
        timezone=tz,
        min_confidence=settings.min_reason_confidence,
        **span,
    )
    flags = chat_flags(
        orders, chats, timezone=tz, slow_first_response=settings.slow_first_response, **span
    )
    return Diagnosis(
        store=info,
        language=configured.store.language,
        period=period,
        as_of=now,
        settings=settings,
        close_after=close_after,
        deadline_notes=tuple(
            deadline_notes(
                delays,
                close_after,
                configured.store.unpaid_close_after,
                configured.store.language,
            )
        ),
        reported=reported,
        parts=parts_shown(reported),
        outliers=amount_outliers(orders, timezone=tz, **span),
        decomposition=decompose(
            orders, timezone=tz, as_of=now, reported=reported, close_after=close_after, **span
        ),
        lost_ratio=lost_order_ratio(
            orders,
            chats,
            timezone=tz,
            threshold=settings.lost_ratio_alert,
            consult_window=settings.consult_window,
            as_of=now,
            close_after=close_after,
            **span,
        ),
        payment=_payment(configured, orders, period, zone, now),
        reasons=reasons,
        chat_flags=flags,
        chat_flag_summary=chat_flag_summary(flags, lost_orders=reasons.orders.num_rows),
        stockouts=stockout_losses(orders, lines, stock, timezone=tz, **span),
        restock=restock_proposal(
            lines,
            orders,
            stock,
            as_of=min(now, _day_start(period.end + timedelta(days=1), zone)),
            horizon_days=settings.restock_horizon_days,
            lookback_days=settings.restock_lookback_days,
        ),
        lost_products=top_lost_products(
            orders, lines, timezone=tz, limit=settings.top_products, **span
        ),
    )


class _Span(TypedDict):
    start: date
    end: date


def _payment(
    configured: Settings, orders: pa.Table, period: Period, zone: ZoneInfo, now: datetime
) -> PaymentTimeReport:
    """D6 over the orders placed in the period, followed up to ``now``; earlier orders only
    decide who is a returning buyer."""
    settings = configured.diagnose
    until = _day_start(period.end + timedelta(days=1), zone)
    placed = orders.filter(
        pc.less(orders["created_at"], pa.scalar(until, orders["created_at"].type))
    )
    return payment_time(
        placed,
        now,
        PaymentTimeSettings(
            amount_bands=settings.amount_bands,
            payment_deadline=configured.store.close_after,
            min_payers=settings.min_payers,
        ),
        placed_from=_day_start(period.start, zone),
    )


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def _column_sum(table: pa.Table, name: str) -> Any:
    values = table[name].to_pylist()
    if pa.types.is_decimal(table.schema.field(name).type):
        return sum((value or Decimal(0) for value in values), Decimal("0.00"))
    return sum(int(value or 0) for value in values)


_FREE_TEXT = ("customer_key", "text", "excerpt")


def _masked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with phone numbers and e-mail addresses masked in their free-text columns."""
    return [
        {key: mask_contacts(value) if key in _FREE_TEXT else value for key, value in row.items()}
        for row in rows
    ]


def to_plain(value: Any) -> Any:
    """``value`` with Decimals as strings, dates and times ISO, NaN and infinities as None,
    tuples as lists: ready for ``json.dumps``."""
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
