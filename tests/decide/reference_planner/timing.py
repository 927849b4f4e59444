"""When a reminder or a task is due: segment payment times, call windows, deadlines.

* The first reminder waits for the payers' P90 of the buyer's segment (D6, seed 003: "90% of
  buyers pay within T: remind at T"), but never less than ``first_not_before`` (a P90 of
  51 s describes buyers who pay at checkout, not when to remind); returning buyers an hour
  later by default. A store with too little history uses the playbook's ``fallback_delay``.
* Agent tasks (phone, platform chat) are moved into the next call window of the store's day
  (seed 003: 11:00–12:00 and around 16:00).
* Nothing is due after ``auto-close − close_margin``: a reminder after the platform closed
  the order is useless.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from reference_planner.facts import UnpaidOrder
from winback.analyse.payment_time import PaymentTimeReport, amount_band_labels
from winback.playbook_settings import UnpaidSettings as Playbook

__all__ = [
    "CallWindows",
    "amount_text",
    "first_delay",
    "into_call_window",
    "items_text",
    "payment_probability",
    "segment_of",
    "yesterday",
]

CallWindows = Sequence[tuple[time, time]]


def segment_of(order: UnpaidOrder, dimension: str, report: PaymentTimeReport | None) -> str:
    """The D6 segment ``order`` falls in along ``dimension`` (labels as in the report)."""
    if dimension == "buyer_type":
        return "returning" if order.buyer.returning else "new"
    if dimension == "payment_method":
        return order.payment_method or "unknown"
    if dimension == "platform":
        return order.platform or "unknown"
    if dimension == "amount_band" and report is not None:
        edges = report.settings.amount_bands
        labels = amount_band_labels(edges)
        return labels[bisect.bisect_right(list(edges), order.amount)] if edges else "all"
    return "all"


def first_delay(
    order: UnpaidOrder, playbook: Playbook, report: PaymentTimeReport | None
) -> timedelta:
    """How long after creation the first ``p90`` reminder is due for ``order``: the
    segment's P90 (else ``fallback_delay``), at least ``first_not_before``, plus
    ``returning_delay`` for a returning buyer."""
    base = playbook.fallback_delay
    if report is not None:
        found = report.reminder_delay(playbook.segment, segment_of(order, playbook.segment, report))
        if found.source != "default":
            base = found.delay
    base = max(base, playbook.first_not_before)
    return base + (playbook.returning_delay if order.buyer.returning else timedelta(0))


def into_call_window(at: datetime, windows: CallWindows, zone: ZoneInfo) -> datetime:
    """The first instant at or after ``at`` inside one of the store's call windows (store
    time); ``at`` itself when it already is in one or when there are no windows."""
    if not windows:
        return at
    local = at.astimezone(zone)
    for day in range(8):
        on = local.date() + timedelta(days=day)
        for opens, closes in sorted(windows):
            start = _local(on, opens, zone)
            end = _local(on, closes, zone)
            if local < end:
                return max(local, start).astimezone(at.tzinfo)
    return at


def yesterday(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the store's previous calendar day, as aware instants."""
    today = now.astimezone(zone).date()
    return _local(today - timedelta(days=1), time(0), zone), _local(today, time(0), zone)


def payment_probability(
    report: PaymentTimeReport | None,
    dimension: str,
    segment: str,
    age: timedelta,
    horizon: timedelta,
) -> float | None:
    """P(paid by ``horizon`` | still unpaid at ``age``) from the segment's Kaplan–Meier curve:
    ``(S(age) − S(horizon)) / S(age)``. None without a curve for the segment (or the store)."""
    if report is None:
        return None
    curve = _curve(report, dimension, segment) or _curve(report, "all", "all")
    if curve is None:
        return None
    times, survival = curve
    at_age = _survival_at(times, survival, age.total_seconds())
    at_horizon = _survival_at(times, survival, horizon.total_seconds())
    if at_age <= 0:
        return 0.0
    return max(0.0, min(1.0, (at_age - at_horizon) / at_age))


def _curve(
    report: PaymentTimeReport, dimension: str, segment: str
) -> tuple[list[float], list[float]] | None:
    row = report.segment(dimension, segment)
    if row is None or not row["sufficient"]:
        return None
    return report.curve(dimension, segment)


def _survival_at(times: list[float], survival: list[float], at: float) -> float:
    """S(at) of a right-continuous step curve given at its event times."""
    index = bisect.bisect_right(times, at) - 1
    return 1.0 if index < 0 else float(survival[index])


def _local(on: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, at, tzinfo=zone)


def items_text(items: Sequence[str], most: int = 2) -> str:
    """The first ``most`` item titles for a message, ``"、"``-separated, "…" when cut."""
    unique = list(dict.fromkeys(items))
    return "、".join(unique[:most]) + ("…" if len(unique) > most else "")


def amount_text(amount: Decimal) -> str:
    """An amount as a template parameter: two decimals, no exponent."""
    return f"{amount.quantize(Decimal('0.01')):f}"
