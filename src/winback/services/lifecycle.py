"""Customer lifecycle use cases (PRODUCT.md W1, W2, seed 004): the segments, the model
scores, and the list of lost customers worth winning back. See docs/lifecycle.md.

Days (``as_of``) are days of the store's calendar; without one, today in the store's time
zone according to the app's clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from winback.analyse.customer_scores import ModelName, NotIdentifiedError, Scores
from winback.analyse.customer_scores import score_customers as fit_scores
from winback.analyse.lifecycle import (
    Lifecycle,
    lifecycle,
    month_ends,
    purchase_days,
    segment_sizes_over_time,
)
from winback.analyse.lifecycle_report import clv_deciles, p_alive_histogram
from winback.analyse.winback_targets import TargetRules, reason, winback_targets
from winback.app import App
from winback.errors import WinbackError
from winback.privacy import mask_email, mask_phone, mask_text
from winback.services.stores import find_store, store_settings
from winback.store import lifecycle as scores_repo
from winback.store import repo
from winback.store.types import StoreInfo

audit = logging.getLogger("winback.audit")
"""Authorised exceptions to masking, one record each, never with the contacts."""

CENT = Decimal("0.01")


@dataclass(frozen=True)
class StoreLifecycle:
    """The segments of one store (see :class:`winback.analyse.lifecycle.Lifecycle`)."""

    store: str
    currency: str
    lifecycle: Lifecycle
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        cutoff = self.lifecycle.cutoff
        return {
            "store": self.store,
            "currency": self.currency,
            "as_of": self.lifecycle.as_of.isoformat(),
            "cutoff": {
                "days": cutoff.days,
                "source": cutoff.source,
                "reason": cutoff.reason,
                "category": cutoff.category,
                "gaps": cutoff.gaps,
                "learned_days": cutoff.learned_days,
            },
            "history_days": self.lifecycle.history_days,
            "segments": self.lifecycle.summary.to_pylist(),
            "notes": list(self.lifecycle.notes),
            "notes_zh": list(self.lifecycle.notes_zh),
        }


@dataclass(frozen=True)
class ScoreReport:
    """What ``winback customers score`` fitted and stored."""

    store: str
    as_of: date
    model: str
    horizon_days: int
    customers: int
    stored: int
    params: dict[str, float]
    mean_p_alive: float
    expected_purchases: float
    expected_spend: Decimal
    total_clv: Decimal


@dataclass(frozen=True)
class WinbackTarget:
    """One lost customer worth winning back, contacts masked, with the reason in words."""

    customer_key: str
    phone: str | None
    email: str | None
    segment: str
    purchases: int
    revenue: Decimal
    avg_bill: Decimal
    last_purchase: date
    days_since_last: int
    p_alive: float
    clv: Decimal
    reason: str


@dataclass(frozen=True)
class WinbackList:
    store: str
    currency: str
    as_of: date
    cutoff_days: int
    cutoff_reason: str
    rules: TargetRules
    targets: tuple[WinbackTarget, ...]
    language: str = "en"


@dataclass(frozen=True)
class LifecycleSection:
    """The data of the report's lifecycle section: the segments now, their sizes at each
    month end (with today's cutoff), and, when the store has scores, the P(alive)
    distribution and the CLV deciles of the newest scores up to the day (``scored_on``)."""

    segments: StoreLifecycle
    sizes_over_time: pa.Table
    scored_on: date | None
    p_alive: pa.Table | None
    clv_deciles: pa.Table | None


def customer_lifecycle(
    app: App, *, as_of: date | None = None, store: str | None = None
) -> StoreLifecycle:
    """The lifecycle segments of the store at ``as_of`` (default: today), with the cutoff
    chosen by the ``[lifecycle]`` settings."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        orders = repo.orders_table(conn, info.id)
        known = scores_repo.known_customers(conn, info.id)
    return _customer_lifecycle(app, info, orders, known, as_of)


def _customer_lifecycle(
    app: App, info: StoreInfo, orders: pa.Table, known: pa.Table, as_of: date | None
) -> StoreLifecycle:
    """:func:`customer_lifecycle` over the store's orders and known customers, once read."""
    day = as_of or _today(app, info)
    settings = store_settings(app, info).lifecycle
    result = lifecycle(
        orders,
        known,
        as_of=day,
        time_zone=info.timezone,
        rule=settings.cutoff,
        category=settings.category,
        preset_days=settings.preset_days,
        quantile=settings.learn_quantile,
        min_gaps=settings.learn_min_gaps,
    )
    language = store_settings(app, info).store.language
    return StoreLifecycle(info.name, info.currency, result, language)


def score_customers(
    app: App,
    *,
    as_of: date | None = None,
    horizon_days: int | None = None,
    store: str | None = None,
) -> ScoreReport:
    """Fit the purchase model (``[lifecycle] model``) and Gamma-Gamma on the purchases up to
    ``as_of`` and store every buyer's scores for that day (replacing earlier ones)."""
    info = find_store(app, store)
    day = as_of or _today(app, info)
    configured = store_settings(app, info)
    settings = configured.lifecycle
    horizon = horizon_days if horizon_days is not None else settings.horizon.days
    if horizon <= 0:
        raise WinbackError(f"the horizon must be at least one day, not {horizon}")
    with app.engine.connect() as conn:
        orders = repo.orders_table(conn, info.id)
    model: ModelName = settings.model
    try:
        scores = fit_scores(
            purchase_days(orders, as_of=day, time_zone=info.timezone),
            as_of=day,
            horizon_days=horizon,
            model=model,
            discount_rate=settings.discount_rate,
            clv_months=settings.clv_months,
        )
    except NotIdentifiedError as error:
        if configured.store.language == "zh":  # said in the store's language
            raise NotIdentifiedError(error.zh, error.zh) from None
        raise
    rows = _score_rows(scores)
    with app.engine.begin() as conn:
        stored = scores_repo.replace_scores(
            conn,
            info.id,
            as_of=day,
            model=scores.model,
            horizon_days=horizon,
            scores=rows,
            computed_at=app.clock.now(),
        )
    return _score_report(info.name, scores, rows, stored)


def winback_list(
    app: App,
    *,
    as_of: date | None = None,
    lost_only: bool = True,
    promising: bool = True,
    limit: int = 20,
    store: str | None = None,
    unmasked: bool = False,
) -> WinbackList:
    """The lost customers most worth winning back, ranked by CLV, using the scores stored
    for ``as_of`` (default: the newest scored day).

    Contacts are masked, and so is a customer key that is a contact (a Shopify buyer's key
    is the e-mail address). ``unmasked`` is the authorised export: refused unless the
    store's ``[privacy] allow_unmasked_export`` is true, and logged under ``winback.audit``
    with the store and the number of customers, never the contacts."""
    info = find_store(app, store)
    if unmasked and not store_settings(app, info).privacy.allow_unmasked_export:
        raise WinbackError(
            f"store {info.name!r}: contacts are shown unmasked only when the settings allow "
            "it: set `allow_unmasked_export = true` under [privacy] in winback.toml "
            "(docs/privacy.md)"
        )
    with app.engine.connect() as conn:
        days = scores_repo.scored_days(conn, info.id)
        if not days:
            raise WinbackError(
                f"store {info.name!r} has no customer scores yet: run `winback customers score`"
            )
        day = as_of or days[0]
        if day not in days:
            shown = ", ".join(d.isoformat() for d in days[:5])
            raise WinbackError(
                f"no customer scores at {day.isoformat()} (scored days: {shown}); "
                f"run `winback customers score --as-of {day.isoformat()}`"
            )
        scores = scores_repo.scores_table(conn, info.id, day)
    segments = customer_lifecycle(app, as_of=day, store=info.name)
    settings = store_settings(app, info).lifecycle
    rules = TargetRules(
        lost_only=lost_only,
        promising=promising,
        min_purchases=settings.promising_min_purchases,
        avg_bill_quantile=settings.promising_avg_bill_quantile,
        max_inactive_days=settings.promising_max_inactive.days,
    )
    table = winback_targets(segments.lifecycle.customers, scores, rules, limit=limit)
    with app.engine.connect() as conn:
        reach = scores_repo.contacts(conn, info.id, table.column("customer_key").to_pylist())
    targets = tuple(
        _target(
            row,
            reach.get(row["customer_key"]),
            info.currency,
            segments.language,
            unmasked=unmasked,
        )
        for row in table.to_pylist()
    )
    if unmasked:
        audit.warning(
            "unmasked export: customers top of store %r, %d customers with their contacts "
            "(scores of %s), allowed by [privacy] allow_unmasked_export",
            info.name,
            len(targets),
            day.isoformat(),
        )
    cutoff = segments.lifecycle.cutoff
    return WinbackList(
        info.name, info.currency, day, cutoff.days, cutoff.reason, rules, targets, segments.language
    )


def lifecycle_section(
    app: App, *, as_of: date | None = None, store: str | None = None
) -> LifecycleSection:
    """Everything the report's lifecycle section draws (see :class:`LifecycleSection`)."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        orders = repo.orders_table(conn, info.id)  # read once for the segments and the sizes
        known = scores_repo.known_customers(conn, info.id)
        segments = _customer_lifecycle(app, info, orders, known, as_of)
        view = segments.lifecycle
        scored = [day for day in scores_repo.scored_days(conn, info.id) if day <= view.as_of]
        scores = scores_repo.scores_table(conn, info.id, scored[0]) if scored else None
    days = purchase_days(orders, as_of=view.as_of, time_zone=info.timezone)
    first = min(days.column("day").to_pylist(), default=view.as_of)
    sizes = segment_sizes_over_time(
        days, known, as_ofs=month_ends(first, view.as_of), cutoff_days=view.cutoff.days
    )
    return LifecycleSection(
        segments=segments,
        sizes_over_time=sizes,
        scored_on=scored[0] if scored else None,
        p_alive=None if scores is None else p_alive_histogram(scores),
        clv_deciles=None if scores is None else clv_deciles(scores),
    )


def _target(
    row: dict[str, Any],
    contact: scores_repo.Contact | None,
    currency: str,
    language: str,
    *,
    unmasked: bool = False,
) -> WinbackTarget:
    phone = contact.phone if contact and contact.phone else None
    email = contact.email if contact and contact.email else None
    key = str(row["customer_key"])
    return WinbackTarget(
        customer_key=key if unmasked else mask_text(key),
        phone=phone if unmasked or phone is None else mask_phone(phone),
        email=email if unmasked or email is None else mask_email(email),
        segment=row["segment"],
        purchases=int(row["purchases"]),
        revenue=row["revenue"],
        avg_bill=row["avg_bill"],
        last_purchase=row["last_purchase"],
        days_since_last=int(row["days_since_last"]),
        p_alive=float(row["p_alive"]),
        clv=row["clv"],
        reason=reason(row, currency, language),
    )


def _score_rows(scores: Scores) -> list[scores_repo.CustomerScore]:
    columns = scores.table.to_pydict()
    return [
        scores_repo.CustomerScore(
            customer_key=key,
            p_alive=float(alive),
            expected_purchases=float(expected),
            average_spend=_cents(average),
            expected_spend=_cents(spend),
            clv=_cents(clv),
        )
        for key, alive, expected, average, spend, clv in zip(
            columns["customer_key"],
            columns["p_alive"],
            columns["expected_purchases"],
            columns["average_spend"],
            columns["expected_spend"],
            columns["clv"],
            strict=True,
        )
    ]


def _score_report(
    store: str, scores: Scores, rows: list[scores_repo.CustomerScore], stored: int
) -> ScoreReport:
    count = len(rows)
    return ScoreReport(
        store=store,
        as_of=scores.as_of,
        model=scores.model,
        horizon_days=scores.horizon_days,
        customers=count,
        stored=stored,
        params=scores.params,
        mean_p_alive=sum(row.p_alive for row in rows) / count if count else 0.0,
        expected_purchases=sum(row.expected_purchases for row in rows),
        expected_spend=sum((row.expected_spend for row in rows), start=Decimal(0)),
        total_clv=sum((row.clv for row in rows), start=Decimal(0)),
    )


def _cents(value: float) -> Decimal:
    """A model's money output (a float) as Decimal cents; the float's shortest repr first,
    so 12.345 rounds as written, not as its binary approximation."""
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _today(app: App, info: StoreInfo) -> date:
    """The store-calendar day the app's clock is in; a clock stopped at midnight
    (``--as-of 2026-02-28`` means the end of the 28th) is still in the day before."""
    return (app.clock.now() - timedelta(microseconds=1)).astimezone(ZoneInfo(info.timezone)).date()


def today(app: App, store: str | None = None) -> date:
    """The day of the store's calendar the app's clock is in (``--as-of``)."""
    return _today(app, find_store(app, store))
