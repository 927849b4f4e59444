"""Payment behaviour (PRODUCT D6): payment rate and time to payment per segment.

Time to payment is survival data. An order paid by the cut-off is an *event* at
``paid_at − created_at``. An order not paid by then is *censored*, not dropped: at the
cut-off while it is open, at ``closed_at`` if it was closed unpaid (it can no longer pay; a
closed order without a close time is taken to close at ``payment_deadline`` after creation,
else at the cut-off). Orders placed after the cut-off are left out, and so are orders whose
status says paid but whose payment time is missing (counted in the report). Times before
creation (clock skew) count as 0.

Censoring closed orders treats the platform's auto-close as independent of the buyer's
wish to pay, so ``1 − S(t)`` estimates when buyers *would* pay if orders never closed. The
alternative, ``closed_orders="never_pay"``, keeps closed orders at risk until the cut-off;
``1 − S(t)`` is then the cumulative incidence of payment with closure as a competing risk
(Kalbfleisch & Prentice 2002, ch. 8) and plateaus at the observed payment rate.

Segments: ``all``; ``buyer_type`` (``returning`` when the same ``customer_key`` has another
order paid strictly before this order was placed; no key means ``new``); ``amount_band``
(edges in the order currency); ``payment_method``; ``platform``. Per segment: the
Kaplan–Meier curve (:mod:`winback.analyse.survival`), P50/P90 with Brookmeyer–Crowley
intervals, and the *payers'* P50/P90: since not every buyer pays, ``1 − S`` plateaus below 1,
and "90% of paying buyers pay within T" is the 0.9 quantile of ``F(t) / F(τ)``, the time to
payment given payment by the end of follow-up ``τ`` (:func:`~winback.analyse.survival.
susceptible_curve`).

A segment with fewer than ``min_payers`` payers is flagged ``sufficient=False``;
:meth:`PaymentTimeReport.reminder_delay` then falls back to the whole store, and if that is
thin too, to ``default_delay`` (2 h, the seed 003 example).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from itertools import pairwise
from typing import Any, Literal

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.survival import Quantile, SurvivalCurve, kaplan_meier, susceptible_curve
from winback.model import OrderStatus

__all__ = [
    "DIMENSIONS",
    "PaymentTimeReport",
    "PaymentTimeSettings",
    "ReminderDelay",
    "amount_band_labels",
    "amount_bands",
    "format_duration",
    "payers_sentence",
    "payment_time",
]

Language = Literal["en", "zh"]
ClosedOrders = Literal["censor_at_close", "never_pay"]
DIMENSIONS = ("all", "buyer_type", "amount_band", "payment_method", "platform")
REQUIRED_COLUMNS = (
    "order_id",
    "customer_key",
    "status",
    "created_at",
    "paid_at",
    "closed_at",
    "total_amount",
    "payment_method",
    "platform",
)
_TIMES = ("created_at", "paid_at", "closed_at")
_QUANTILES = (("p50", 0.5), ("p90", 0.9))
_COMPUTED = ("duration_s", "paid", "returning", "mature", "paid_time_unknown")


@dataclass(frozen=True, slots=True)
class PaymentTimeSettings:
    """How the analysis is cut. ``payment_deadline`` is the platform's auto-close time
    (e.g. 72 h on Taobao); when given, the payment rate is also reported over the orders
    old enough to be past it (``mature``)."""

    amount_bands: tuple[Decimal, ...] = (Decimal(100), Decimal(300), Decimal(1000))
    payment_deadline: timedelta | None = None
    closed_orders: ClosedOrders = "censor_at_close"
    min_payers: int = 30
    alpha: float = 0.05
    default_delay: timedelta = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class ReminderDelay:
    """The payers' P90 to time a first reminder, and where it came from."""

    delay: timedelta
    source: Literal["segment", "store", "default"]


@dataclass(frozen=True, slots=True, eq=False)
class PaymentTimeReport:
    """The result of :func:`payment_time`; durations are in seconds (``inf``: never
    reached, NaN: no data). ``orders`` has one row per analysed order, ``segments`` one per
    segment, ``curves`` the Kaplan–Meier steps of every segment."""

    cutoff: datetime
    settings: PaymentTimeSettings
    orders: pa.Table
    segments: pa.Table
    curves: pa.Table
    excluded_after_cutoff: int = 0
    excluded_paid_time_unknown: int = 0
    _index: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def segment(self, dimension: str, segment: str) -> dict[str, Any] | None:
        """The row of one segment, or None when no such segment was seen."""
        row = self._index.get((dimension, segment))
        return None if row is None else self.segments.slice(row, 1).to_pylist()[0]

    def reminder_delay(self, dimension: str = "all", segment: str = "all") -> ReminderDelay:
        """The segment's payers' P90 if it has enough payers, else the whole store's, else
        ``settings.default_delay``."""
        own, store = self.segment(dimension, segment), self.segment("all", "all")
        if own is not None and own["sufficient"]:
            return ReminderDelay(timedelta(seconds=own["payers_p90_s"]), "segment")
        if store is not None and store["sufficient"]:
            return ReminderDelay(timedelta(seconds=store["payers_p90_s"]), "store")
        return ReminderDelay(self.settings.default_delay, "default")


def payment_time(
    orders: pa.Table,
    cutoff: datetime,
    settings: PaymentTimeSettings | None = None,
    *,
    placed_from: datetime | None = None,
) -> PaymentTimeReport:
    """Time to payment and payment rate of ``orders`` as known at ``cutoff`` (aware).

    With ``placed_from``, only orders placed at or after it are analysed (a report period);
    the earlier orders still make their buyers ``returning``, and are counted nowhere else.
    """
    settings = settings or PaymentTimeSettings()
    if cutoff.tzinfo is None or cutoff.utcoffset() is None:
        raise ValueError("cutoff must be time-zone aware")
    frame = _analysed_orders(_checked(orders), cutoff, settings)
    if placed_from is not None:
        start = pa.scalar(placed_from.astimezone(UTC), pa.timestamp("us", "UTC"))
        frame = frame.filter(pc.greater_equal(frame["created_at"], start))
        orders = orders.filter(pc.greater_equal(orders["created_at"], start))
    analysed = frame.filter(pc.invert(frame["paid_time_unknown"])).drop_columns("paid_time_unknown")
    rows, curves = _segment_tables(analysed, settings)
    keys = zip(rows["dimension"].to_pylist(), rows["segment"].to_pylist(), strict=True)
    return PaymentTimeReport(
        cutoff=cutoff,
        settings=settings,
        orders=analysed,
        segments=rows,
        curves=curves,
        excluded_after_cutoff=orders.num_rows - frame.num_rows,
        excluded_paid_time_unknown=frame.num_rows - analysed.num_rows,
        _index={key: i for i, key in enumerate(keys)},
    )


def amount_band_labels(edges: tuple[Decimal, ...]) -> list[str]:
    """``(100, 300)`` → ``["<100", "100–300", "≥300"]``."""
    cuts = [f"{edge:f}" for edge in edges]
    inner = [f"{low}–{high}" for low, high in pairwise(cuts)]
    return [f"<{cuts[0]}", *inner, f"≥{cuts[-1]}"] if cuts else ["all"]


def amount_bands(amounts: pa.Array | pa.ChunkedArray, edges: tuple[Decimal, ...]) -> pa.Array:
    """The band label of each amount (``edge[i-1] ≤ amount < edge[i]``), exact on decimals;
    ``unknown`` where the amount is missing."""
    if list(edges) != sorted(set(edges)):
        raise ValueError("amount band edges must be strictly increasing")
    index = np.zeros(len(amounts), dtype=np.int64)
    for edge in edges:
        index += pc.fill_null(pc.greater_equal(amounts, pa.scalar(edge)), False).to_numpy(
            zero_copy_only=False
        )
    labels = np.asarray(amount_band_labels(edges), dtype=object)[index]
    return pa.array(
        np.where(pc.is_null(amounts).to_numpy(zero_copy_only=False), "unknown", labels), pa.string()
    )


def format_duration(seconds: float, lang: Language = "en") -> str:
    """A duration as people say it: ``45 s``, ``12 min``, ``2 h 05 min``, ``3 d 4 h``
    (zh: ``45秒``, ``12分钟``, ``2小时05分``, ``3天4小时``), rounded to the unit shown."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot format a duration of {seconds} s")
    zh = lang == "zh"
    if seconds < 59.5:
        return f"{_half_up(seconds)}{'秒' if zh else ' s'}"
    minutes = _half_up(seconds / 60)
    if minutes < 60:
        return f"{minutes}{'分钟' if zh else ' min'}"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        tail = (f"{rest:02d}分" if zh else f" {rest:02d} min") if rest else ""
        return f"{hours}{'小时' if zh else ' h'}{tail}"
    days, hours = divmod(_half_up(seconds / 3600), 24)
    tail = (f"{hours}小时" if zh else f" {hours} h") if hours else ""
    return f"{days}{'天' if zh else ' d'}{tail}"


def payers_sentence(
    seconds: float,
    lang: Language = "en",
    *,
    share: float = 0.9,
    payers: int | None = None,
    enough: int = 0,
) -> str:
    """ "90% of paying buyers pay within 2 h 05 min" / "90%的付款买家在下单后 2小时05分 内付款",
    with a warning when ``payers`` is below ``enough``; NaN (no orders) and ``inf`` (no
    payer yet) say so."""
    pct = f"{share * 100:g}%"
    if math.isnan(seconds):
        text = "No orders in this segment" if lang == "en" else "该细分暂无订单"
    elif not math.isfinite(seconds):
        text = "No buyer has paid yet" if lang == "en" else "尚无买家付款"
    elif lang == "zh":
        text = f"{pct}的付款买家在下单后 {format_duration(seconds, 'zh')} 内付款"
    else:
        text = f"{pct} of paying buyers pay within {format_duration(seconds, 'en')}"
    if payers is not None and 0 < payers < enough:
        text += (
            f" (only {payers} payers: too few to rely on)"
            if lang == "en"
            else f"（仅 {payers} 位付款买家，样本不足）"
        )
    return text


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _checked(orders: pa.Table) -> pa.Table:
    missing = [name for name in REQUIRED_COLUMNS if name not in orders.column_names]
    if missing:
        raise ValueError(f"orders table lacks the column(s) {', '.join(missing)}")
    for name in _TIMES:
        kind = orders.schema.field(name).type
        if not pa.types.is_null(kind) and not (pa.types.is_timestamp(kind) and kind.tz):
            raise ValueError(f"column {name!r} must hold time-zone aware timestamps, not {kind}")
    return orders


def _epoch_us(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(pc.cast(column, pa.timestamp("us", "UTC")), pa.int64())


def _analysed_orders(orders: pa.Table, cutoff: datetime, settings: PaymentTimeSettings) -> pa.Table:
    """One row per order placed by the cut-off: the input columns plus ``duration_s``,
    ``paid``, ``returning`` (bool), ``buyer_type``, ``amount_band`` and ``mature``."""
    view = pa.table(
        {
            "_row": pa.array(np.arange(orders.num_rows, dtype=np.int64)),
            "customer_key": orders["customer_key"],
            "status": orders["status"],
            **{name.replace("_at", "_us"): _epoch_us(orders[name]) for name in _TIMES},
        }
    )
    computed = _run_sql(view, cutoff, settings)
    order = np.argsort(computed["_row"])
    picked = orders.take(pa.array(computed["_row"][order]))
    columns = {name: np.asarray(computed[name])[order] for name in _COMPUTED}
    columns["buyer_type"] = np.where(columns["returning"], "returning", "new")
    for name, values in columns.items():
        picked = picked.append_column(name, pa.array(values))
    bands = amount_bands(picked["total_amount"], settings.amount_bands)
    return picked.append_column("amount_band", bands)


def _run_sql(
    view: pa.Table, cutoff: datetime, settings: PaymentTimeSettings
) -> dict[str, npt.NDArray[Any]]:
    deadline = settings.payment_deadline
    params = {
        "cutoff_us": _to_us(cutoff - datetime(1970, 1, 1, tzinfo=UTC)),
        "deadline_us": None if deadline is None else _to_us(deadline),
        "censor_at_close": settings.closed_orders == "censor_at_close",
        "paid_statuses": [str(s) for s in OrderStatus if s.was_paid],
    }
    sql = files("winback.analyse").joinpath("sql/payment_time.sql").read_text(encoding="utf-8")
    with duckdb.connect() as con:
        con.register("orders", view)
        result: dict[str, npt.NDArray[Any]] = con.execute(sql, params).fetchnumpy()
    return result


def _to_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _segments(
    frame: pa.Table, settings: PaymentTimeSettings
) -> Iterator[tuple[str, str, npt.NDArray[np.bool_]]]:
    """(dimension, segment, row mask); fixed vocabularies are listed even when empty."""
    yield "all", "all", np.ones(frame.num_rows, dtype=bool)
    fixed = {
        "buyer_type": ["new", "returning"],
        "amount_band": amount_band_labels(settings.amount_bands),
    }
    for dimension in DIMENSIONS[1:]:
        encoded = pc.dictionary_encode(pc.fill_null(frame[dimension], "unknown")).combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        seen: list[str] = encoded.dictionary.to_pylist()
        listed = fixed.get(dimension, [])
        for value in listed + sorted(set(seen) - set(listed)):
            code = seen.index(value) if value in seen else -1
            yield dimension, value, codes == code


def _segment_tables(frame: pa.Table, settings: PaymentTimeSettings) -> tuple[pa.Table, pa.Table]:
    durations = frame["duration_s"].to_numpy()
    paid = frame["paid"].to_numpy(zero_copy_only=False)
    mature = frame["mature"].to_numpy(zero_copy_only=False)
    rows, curves = [], []
    for dimension, value, mask in _segments(frame, settings):
        curve = kaplan_meier(durations[mask], paid[mask], alpha=settings.alpha)
        payers = susceptible_curve(curve)
        rows.append(
            _segment_row((dimension, value), (curve, payers), paid[mask], mature[mask], settings)
        )
        curves.append(_curve_table(dimension, value, curve, payers))
    return pa.Table.from_pylist(rows), pa.concat_tables(curves)


def _segment_row(
    key: tuple[str, str],
    curves: tuple[SurvivalCurve, SurvivalCurve],
    paid: npt.NDArray[np.bool_],
    mature: npt.NDArray[np.bool_],
    settings: PaymentTimeSettings,
) -> dict[str, Any]:
    """Counts, rates, quantiles of the curve and of the payers' curve, and the sentences."""
    dimension, value = key
    n_paid, n_mature = int(paid.sum()), int(mature.sum())
    row: dict[str, Any] = {
        "dimension": dimension,
        "segment": value,
        "n_orders": int(paid.size),
        "n_paid": n_paid,
        "payment_rate": n_paid / paid.size if paid.size else math.nan,
        "n_mature": n_mature,
        "mature_payment_rate": float(paid[mature].mean()) if n_mature else math.nan,
    }
    for prefix, source in zip(("", "payers_"), curves, strict=True):
        for name, q in _QUANTILES:
            row.update(_quantile_columns(f"{prefix}{name}", source.quantile(q)))
    row["sufficient"] = n_paid >= settings.min_payers
    for lang in ("en", "zh"):
        row[f"sentence_{lang}"] = payers_sentence(
            row["payers_p90_s"], lang, payers=n_paid, enough=settings.min_payers
        )
    return row


def _quantile_columns(name: str, quantile: Quantile) -> dict[str, float]:
    return {
        f"{name}_s": quantile.time,
        f"{name}_lower_s": quantile.lower,
        f"{name}_upper_s": quantile.upper,
    }


def _curve_table(
    dimension: str, value: str, curve: SurvivalCurve, payers: SurvivalCurve
) -> pa.Table:
    n = curve.timeline.size
    return pa.table(
        {
            "dimension": pa.repeat(pa.scalar(dimension, pa.string()), n),
            "segment": pa.repeat(pa.scalar(value, pa.string()), n),
            "time_s": curve.timeline,
            "at_risk": curve.at_risk,
            "events": curve.events,
            "censored": curve.censored,
            "survival": curve.survival,
            "lower": curve.lower,
            "upper": curve.upper,
            "payers_paid_share": 1.0 - payers.survival,
        }
    )
