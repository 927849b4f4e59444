"""``winback report nps`` (PRODUCT M3): the NPS of the store's survey answers with its 95%
interval, by period, by product and by buyer segment, and the whys classified into D3's
reasons.

Answers are counted by the moment they were given, in the store's time zone, up to the app's
clock (``--as-of``) and within ``[start, end]`` when given. An answer counts for every
product of its order (a product's row is the answers about orders that contained it). The
buyer segment is ``new`` (no order paid before this one) or ``returning``; ``unknown`` when
the order is not in the store. The whys of detractors and passives are classified with the
shipped D3 classifier through the store's memory (:mod:`winback.services.text_reasons`):
D3's taxonomy names why orders are lost, which is what a low score's why says; a promoter's
praise ("快递很快") is not a loss reason and is not classified. docs/nps.md has the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from winback.analyse.reasons import LossReason, label
from winback.app import App
from winback.measure.nps import NpsScore, group_of, nps
from winback.services.stores import find_store
from winback.services.text_reasons import remembering_classifier
from winback.store import nps as answers

__all__ = ["NpsReport", "Period", "ReasonRow", "nps_report"]

Period = Literal["day", "week", "month"]
MOST_PRODUCTS: Final = 20


@dataclass(frozen=True, slots=True)
class ReasonRow:
    """A D3 reason and how many detractors' and passives' whys gave it."""

    reason: str
    label: str
    label_en: str
    detractors: int
    passives: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "label": self.label,
            "label_en": self.label_en,
            "detractors": self.detractors,
            "passives": self.passives,
        }


@dataclass(frozen=True, slots=True)
class NpsReport:
    store: str
    as_of: datetime
    start: date | None
    end: date | None
    period: Period
    overall: NpsScore
    by_period: list[tuple[str, NpsScore]] = field(default_factory=list)
    by_product: list[tuple[str, NpsScore]] = field(default_factory=list)
    by_segment: list[tuple[str, NpsScore]] = field(default_factory=list)
    reasons: list[ReasonRow] = field(default_factory=list)
    whys: int = 0
    interval: str = "wald 95% (trinomial variance)"

    def to_dict(self) -> dict[str, Any]:
        def rows(name: str, found: Sequence[tuple[str, NpsScore]]) -> list[dict[str, Any]]:
            return [{name: key, **score.to_dict()} for key, score in found]

        return {
            "store": self.store,
            "as_of": self.as_of.isoformat(),
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "interval": self.interval,
            "overall": self.overall.to_dict(),
            "period": self.period,
            "by_period": rows("period", self.by_period),
            "by_product": rows("product", self.by_product),
            "by_segment": rows("segment", self.by_segment),
            "whys_classified": self.whys,
            "reasons": [row.to_dict() for row in self.reasons],
        }


def nps_report(
    app: App,
    store: str | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    period: Period = "month",
) -> NpsReport:
    """The store's NPS report as of the app's clock (see the module docstring)."""
    info = find_store(app, store)
    zone = ZoneInfo(info.timezone)
    now = app.clock.now()
    since = datetime.combine(start, time(0), tzinfo=zone) if start else None
    until = now
    if end is not None:
        until = min(now, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone))
    with app.engine.connect() as conn:
        frame = answers.answers_frame(conn, info.id, since=since, until=until)
    rows = frame.to_pylist()
    scores = [int(row["score"]) for row in rows]
    return NpsReport(
        store=info.name,
        as_of=now,
        start=start,
        end=end,
        period=period,
        overall=nps(scores),
        by_period=_grouped(
            ((_period(row["answered_at"], zone, period), row["score"]) for row in rows),
        ),
        by_product=_by_product(rows),
        by_segment=_grouped((_segment(row["returning"]), row["score"]) for row in rows),
        reasons=_reasons(app, info.id, rows),
        whys=sum(1 for row in rows if row["why"] and group_of(row["score"]) != "promoter"),
    )


def _grouped(pairs: Iterable[tuple[str, int]]) -> list[tuple[str, NpsScore]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for key, score in pairs:
        groups[key].append(int(score))
    return [(key, nps(values)) for key, values in sorted(groups.items())]


def _by_product(rows: Sequence[dict[str, Any]]) -> list[tuple[str, NpsScore]]:
    """Per product title, the answers about orders that contained it; the products with the
    most answers first (at most :data:`MOST_PRODUCTS`)."""
    pairs = [(title, row["score"]) for row in rows for title in row["products"] or ()]
    found = _grouped(pairs)
    found.sort(key=lambda item: (-item[1].answers, item[0]))
    return found[:MOST_PRODUCTS]


def _segment(returning: bool | None) -> str:
    return "unknown" if returning is None else "returning" if returning else "new"


def _period(moment: datetime, zone: ZoneInfo, period: Period) -> str:
    day = moment.astimezone(zone).date()
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _reasons(app: App, store_id: int, rows: Sequence[dict[str, Any]]) -> list[ReasonRow]:
    said = [
        (row["why"], group_of(row["score"]))
        for row in rows
        if row["why"] and row["why"].strip() and group_of(row["score"]) != "promoter"
    ]
    if not said:
        return []
    classify = remembering_classifier(app, store_id)
    predictions = classify([text for text, _ in said])
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"detractor": 0, "passive": 0})
    for (_, group), prediction in zip(said, predictions, strict=True):
        counts[str(prediction.reason)][group] += 1
    known = {str(reason) for reason in LossReason}
    return sorted(
        (
            ReasonRow(
                reason,
                label(reason, "zh") if reason in known else reason,
                label(reason, "en") if reason in known else reason,
                found["detractor"],
                found["passive"],
            )
            for reason, found in counts.items()
        ),
        key=lambda row: (-(row.detractors + row.passives), row.reason),
    )
