"""Payment behaviour (PRODUCT D6): payment rate and time to payment per segment.

Time to payment is survival data. An order paid by the cut-off is an *event* at
``paid_at − created_at``. An order not paid by then is *censored*, not dropped: at the
cut-off while it is open, at ``closed_at`` if it was closed unpaid at a time the data gives
(it can no longer pay). A close time the data does not give — none, or one inferred at the
deadline (``close_inferred``, :mod:`winback.analyse.orders_as_of`) — is no time to censor
at: such an order stays at risk, unpaid, until the cut-off. Censoring it at the deadline
left, after the deadline, only the buyers who paid late at risk; when payments do come after
the deadline (bank slips clear days later) the payers' curve then reached 1 on them and one
method's payers' median moved from 0.37 h to 20.6 h (issue 10). When every payment comes
before the deadline the two readings give the same payers' quantiles. Orders placed after
the cut-off are left out, and so are orders whose status says paid but whose payment time is
missing (counted in the report). Times before creation (clock skew) count as 0.

Censoring closed orders treats the platform's auto-close as independent of the buyer's
wish to pay, so ``1 − S(t)`` estimates when buyers *would* pay if orders never closed. The
alternative, ``closed_orders="never_pay"``, keeps closed orders at risk until the cut-off;
``1 − S(t)`` is then the cumulative incidence of payment with closure as a competing risk
(Kalbfleisch & Prentice 2002, ch. 8) and plateaus at the observed payment rate.

Segments: ``all``; ``buyer_type`` (``returning`` when the same ``customer_key`` has another
order paid strictly before this order was placed; no key means ``new``); ``amount_band``
(edges in the order currency); ``payment_method``; ``platform``. Per segment: the
Kaplan–Meier curve (:mod:`winback.analyse.survival`), P50/P90/P95/P99 with Brookmeyer–Crowley
intervals, and the *payers'* P50/P90/P95/P99: since not every buyer pays, ``1 − S``
plateaus below 1, and "90% of paying buyers pay within T" is the 0.9 quantile of
``F(t) / F(τ)``, the time to payment given payment by the end of follow-up ``τ``
(:func:`~winback.analyse.survival.susceptible_curve`). With ``payment_deadline``, each
segment also counts its payments that came after the deadline (``n_paid_after_deadline``)
and gives the longest delay (``longest_payment_s``): the figures behind the warning that the
deadline is too short for this segment.

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

from winback.analyse.survival import (
    Quantile,
    SurvivalCurve,
    kaplan_meier_counts,
    susceptible_curve,
)
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
_QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p95", 0.95), ("p99", 0.99))
_COUNTS = ("removed", "events", "mature", "mature_events", "late_events")


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
    # Planning asks for a segment's row and curve once per action: each is read from the
    # Arrow tables once and kept (a copy of the row is handed out).
    _rows: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)
    _curves: dict[tuple[str, str], tuple[list[float], list[float]]] = field(
        default_factory=dict, repr=False
    )

    def segment(self, dimension: str, segment: str) -> dict[str, Any] | None:
        """The row of one segment, or None when no such segment was seen."""
        key = (dimension, segment)
        row = self._rows.get(key)
        if row is None:
            index = self._index.get(key)
            if index is None:
                return None
            row = self._rows[key] = self.segments.slice(index, 1).to_pylist()[0]
        return dict(row)

    def curve(self, dimension: str, segment: str) -> tuple[list[float], list[float]]:
        """The segment's Kaplan–Meier steps: event times (seconds) and survival after each;
        empty lists for a segment with no curve."""
        key = (dimension, segment)
        found = self._curves.get(key)
        if found is None:
            mask = pc.and_(
                pc.equal(self.curves["dimension"], dimension),
                pc.equal(self.curves["segment"], segment),
            )
            picked = self.curves.filter(mask)
            found = self._curves[key] = (
                picked["time_s"].to_pylist(),
                picked["survival"].to_pylist(),
            )
        return found

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
    per_order: bool = True,
) -> PaymentTimeReport:
    """Time to payment and payment rate of ``orders`` as known at ``cutoff`` (aware).

    With ``placed_from``, only orders placed at or after it are analysed (a report period);
    the earlier orders still make their buyers ``returning``, and are counted nowhere else.

    Two DuckDB queries over Arrow: one row per order (duration, paid, returning, mature),
    then every segment's life table in one ``GROUPING SETS`` pass; the Kaplan–Meier curves
    come from those small tables (:func:`~winback.analyse.survival.kaplan_meier_counts`),
    so the work per order is columnar and the work per curve is per distinct time.

    ``per_order=False`` leaves the report's per-order table empty (planning reads the
    segments and curves only; the table is a copy of every order's columns).
    """
    settings = settings or PaymentTimeSettings()
    if cutoff.tzinfo is None or cutoff.utcoffset() is None:
        raise ValueError("cutoff must be time-zone aware")
    checked = _checked(orders)
    codes = _segment_codes(checked, settings)
    with duckdb.connect() as con:
        each = _per_order(con, checked, codes, cutoff, settings)
        placed_by_cutoff = each.num_rows
        if placed_from is not None:
            each = _placed_from(each, checked, placed_from)
        con.register("per_order", each)
        steps = con.sql(_sql("payment_time_steps.sql")).fetchnumpy()
    unknown = int(pc.sum(each["paid_time_unknown"]).as_py() or 0)
    if per_order:
        analysed = _analysed_orders(checked, each, codes)
    else:
        analysed = _analysed_orders(checked.slice(0, 0), each.slice(0, 0), _no_rows(codes))
    rows, curves = _segment_tables(steps, codes, settings)
    keys = zip(rows["dimension"].to_pylist(), rows["segment"].to_pylist(), strict=True)
    return PaymentTimeReport(
        cutoff=cutoff,
        settings=settings,
        orders=analysed,
        segments=rows,
        curves=curves,
        excluded_after_cutoff=orders.num_rows - placed_by_cutoff,
        excluded_paid_time_unknown=unknown,
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
    labels = [*amount_band_labels(edges), "unknown"]
    index = pa.array(_band_index(amounts, edges), pa.int16())
    return pc.cast(pa.DictionaryArray.from_arrays(index, pa.array(labels)), pa.string())


def _band_index(
    amounts: pa.Array | pa.ChunkedArray, edges: tuple[Decimal, ...]
) -> npt.NDArray[np.int16]:
    """The index of each amount's band in :func:`amount_band_labels`, one past the last
    band where the amount is missing."""
    if list(edges) != sorted(set(edges)):
        raise ValueError("amount band edges must be strictly increasing")
    index = np.zeros(len(amounts), dtype=np.int16)
    for edge in edges:
        index += pc.fill_null(pc.greater_equal(amounts, pa.scalar(edge)), False).to_numpy(
            zero_copy_only=False
        )
    missing = pc.is_null(amounts).to_numpy(zero_copy_only=False)
    index[missing] = len(edges) + 1
    return index


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


@dataclass(frozen=True, slots=True)
class _SegmentCodes:
    """Integer codes of the order's segments, one array per dimension, and the label of
    each code (buyer_type's codes come from the query: 0 new, 1 returning)."""

    band: npt.NDArray[np.int16]
    method: pa.ChunkedArray
    platform: pa.ChunkedArray
    labels: dict[str, list[str]]


def _segment_codes(orders: pa.Table, settings: PaymentTimeSettings) -> _SegmentCodes:
    """Integer codes for the segment columns, so that the queries group integers, not
    strings: dictionary indices for payment method and platform (missing → ``unknown``) and
    the band index of each amount."""
    labels = {"all": ["all"], "buyer_type": ["new", "returning"]}
    labels["amount_band"] = [*amount_band_labels(settings.amount_bands), "unknown"]
    encoded = {}
    for dimension in ("payment_method", "platform"):
        words = pc.dictionary_encode(pc.fill_null(orders[dimension], "unknown"))
        words = words.unify_dictionaries()
        labels[dimension] = words.chunk(0).dictionary.to_pylist() if words.num_chunks else []
        indices = [chunk.indices for chunk in words.chunks]
        encoded[dimension] = pa.chunked_array(indices, pa.int32())
    band = _band_index(orders["total_amount"], settings.amount_bands)
    return _SegmentCodes(band, encoded["payment_method"], encoded["platform"], labels)


def _no_rows(codes: _SegmentCodes) -> _SegmentCodes:
    """``codes`` for no orders (the labels kept): the per-order table's empty shape."""
    return _SegmentCodes(codes.band[:0], codes.method[:0], codes.platform[:0], codes.labels)


def _per_order(
    con: duckdb.DuckDBPyConnection,
    orders: pa.Table,
    codes: _SegmentCodes,
    cutoff: datetime,
    settings: PaymentTimeSettings,
) -> pa.Table:
    """payment_time.sql over a view of ``orders``: one row per order placed by the
    cut-off, in no particular order (``_row`` is the row in ``orders``)."""
    inferred = (
        pc.fill_null(orders["close_inferred"], False)
        if "close_inferred" in orders.column_names
        else pa.nulls(orders.num_rows, pa.bool_()).fill_null(False)
    )
    view = pa.table(
        {
            "_row": pa.array(np.arange(orders.num_rows, dtype=np.int64)),
            "customer_key": orders["customer_key"],
            "status": orders["status"],
            **{name.replace("_at", "_us"): _epoch_us(orders[name]) for name in _TIMES},
            "close_inferred": inferred,
            "band": pa.array(codes.band),
            "method": codes.method,
            "platform": codes.platform,
        }
    )
    deadline = settings.payment_deadline
    params = {
        "cutoff_us": _to_us(cutoff - datetime(1970, 1, 1, tzinfo=UTC)),
        "deadline_us": None if deadline is None else _to_us(deadline),
        "censor_at_close": settings.closed_orders == "censor_at_close",
        "paid_statuses": [str(s) for s in OrderStatus if s.was_paid],
    }
    con.register("orders", view)
    result: pa.Table = con.sql(_sql("payment_time.sql"), params=params).to_arrow_table()
    con.unregister("orders")
    return result


def _placed_from(per_order: pa.Table, orders: pa.Table, start: datetime) -> pa.Table:
    """The rows of ``per_order`` whose order was placed at or after ``start``."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("placed_from must be time-zone aware")
    created = _epoch_us(orders["created_at"]).to_numpy()
    in_period = created >= _to_us(start - datetime(1970, 1, 1, tzinfo=UTC))
    return per_order.filter(pa.array(in_period[per_order["_row"].to_numpy()]))


def _sql(name: str) -> str:
    return files("winback.analyse").joinpath(f"sql/{name}").read_text(encoding="utf-8")


def _analysed_orders(orders: pa.Table, per_order: pa.Table, codes: _SegmentCodes) -> pa.Table:
    """The input rows placed by the cut-off and with a known payment time, in input order,
    plus ``duration_s``, ``paid``, ``returning``, ``mature``, ``buyer_type`` and
    ``amount_band``: the query's rows scattered back to their input positions."""
    rows = per_order["_row"].to_numpy()
    keep = np.zeros(orders.num_rows, dtype=bool)
    keep[rows] = ~per_order["paid_time_unknown"].to_numpy(zero_copy_only=False)
    picked = orders if keep.all() else orders.filter(pa.array(keep))

    def aligned(name: str, kind: type) -> npt.NDArray[Any]:
        values = np.zeros(orders.num_rows, dtype=kind)
        values[rows] = per_order[name].to_numpy(zero_copy_only=False)
        return values if keep.all() else values[keep]

    duration = aligned("duration_us", np.int64) / 1e6
    paid, returning, mature = (
        aligned(name, np.bool_) for name in ("paid", "returning_buyer", "mature")
    )
    band = codes.band if keep.all() else codes.band[keep]
    columns = {
        "duration_s": pa.array(duration),
        "paid": pa.array(paid),
        "returning": pa.array(returning),
        "mature": pa.array(mature),
        "buyer_type": _labelled(returning.astype(np.int16), codes.labels["buyer_type"]),
        "amount_band": _labelled(band, codes.labels["amount_band"]),
    }
    for name, values in columns.items():
        picked = picked.append_column(name, values)
    return picked


def _labelled(index: npt.NDArray[np.int16], labels: list[str]) -> pa.Array:
    return pc.cast(pa.DictionaryArray.from_arrays(pa.array(index), pa.array(labels)), pa.string())


def _to_us(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _segments(
    steps: dict[str, npt.NDArray[Any]], codes: _SegmentCodes, settings: PaymentTimeSettings
) -> Iterator[tuple[str, str, slice]]:
    """(dimension, segment, its rows in ``steps``); fixed vocabularies are listed even when
    empty (an empty slice), other values only when seen."""
    dimension_ids, code_of = steps["dimension_id"], steps["code"]
    fixed = {
        "all": ["all"],
        "buyer_type": ["new", "returning"],
        "amount_band": amount_band_labels(settings.amount_bands),
    }
    for number, dimension in enumerate(DIMENSIONS):
        low, high = np.searchsorted(dimension_ids, [number, number + 1])
        seen = np.unique(code_of[low:high])
        labels = codes.labels[dimension]
        spans = {
            labels[code]: slice(*(low + np.searchsorted(code_of[low:high], [code, code + 1])))
            for code in seen.tolist()
        }
        listed = fixed.get(dimension, [])
        for value in listed + sorted(set(spans) - set(listed)):
            yield dimension, value, spans.get(value, slice(0, 0))


def _segment_tables(
    steps: dict[str, npt.NDArray[Any]], codes: _SegmentCodes, settings: PaymentTimeSettings
) -> tuple[pa.Table, pa.Table]:
    times = steps["duration_us"] / 1e6
    rows, curves = [], []
    for dimension, value, span in _segments(steps, codes, settings):
        curve = kaplan_meier_counts(
            times[span], steps["removed"][span], steps["events"][span], alpha=settings.alpha
        )
        payers = susceptible_curve(curve)
        counts = {name: int(steps[name][span].sum()) for name in _COUNTS}
        rows.append(_segment_row((dimension, value), (curve, payers), counts, settings))
        curves.append(_curve_table(dimension, value, curve, payers))
    return pa.Table.from_pylist(rows), pa.concat_tables(curves)


def _segment_row(
    key: tuple[str, str],
    curves: tuple[SurvivalCurve, SurvivalCurve],
    counts: dict[str, int],
    settings: PaymentTimeSettings,
) -> dict[str, Any]:
    """Counts, rates, quantiles of the curve and of the payers' curve, and the sentences."""
    dimension, value = key
    n_orders, n_paid, n_mature = counts["removed"], counts["events"], counts["mature"]
    row: dict[str, Any] = {
        "dimension": dimension,
        "segment": value,
        "n_orders": n_orders,
        "n_paid": n_paid,
        "payment_rate": n_paid / n_orders if n_orders else math.nan,
        "n_mature": n_mature,
        "mature_payment_rate": counts["mature_events"] / n_mature if n_mature else math.nan,
        "n_paid_after_deadline": counts["late_events"],
        "longest_payment_s": _longest_event(curves[0]),
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


def _longest_event(curve: SurvivalCurve) -> float:
    """The longest time to payment among the payers (NaN without one)."""
    paid = curve.timeline[curve.events > 0]
    return float(paid.max()) if paid.size else math.nan


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
