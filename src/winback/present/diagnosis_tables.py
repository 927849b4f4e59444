"""The diagnosis as tables: one description drawn by the terminal, the HTML report and Excel.

:func:`diagnosis_tables` turns a :class:`~winback.services.diagnosis.Diagnosis` into an
ordered list of :class:`TableData`: raw values (Decimal, int, float, date, text) with a
*kind* per column, so each output formats them its own way — ``¥1,234.50`` on screen, a
number with a currency format in Excel. Headings are in the store's language. Free text
(chat excerpts, buyer keys) is masked for contact details here, once, for every output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from winback.analyse.chat_flags import FLAGS
from winback.present.labels import part_label, segment_label, status_label, text
from winback.present.numbers import duration, money, percent
from winback.privacy import mask_contacts
from winback.services.diagnosis import Diagnosis

__all__ = ["Column", "Kind", "TableData", "cell_text", "diagnosis_tables"]

Kind = Literal[
    "text", "int", "money", "ratio", "duration", "interval", "date", "flag", "excerpt", "sentence"
]
"""How a column's values are drawn. ``excerpt`` (chat lines) is cut to its last lines on a
terminal; ``sentence`` columns are left out there (the terminal prints the key sentence)."""

EXCERPT_LINES = 2
SHOWN_ALERTS = 8
EXCERPT_WIDTH = 36


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: Kind = "text"


@dataclass(frozen=True, slots=True)
class TableData:
    """A titled table: ``rows`` of raw values, an optional ``total`` row, per-row
    ``alerts`` (rows to highlight) and ``provisional`` (rows whose figures will still move,
    marked ``*``), a ``note`` shown under it and ``warnings``: what the figures cannot show
    (parts the data cannot tell apart, outliers, late payments), one sentence each."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    alerts: tuple[bool, ...] = field(default=())
    note: str = ""
    warnings: tuple[str, ...] = field(default=())
    provisional: tuple[bool, ...] = field(default=())


def cell_text(
    value: Any, kind: Kind, *, currency: str, language: str, compact: bool = False
) -> str:
    """One cell as text: money with its symbol, ratios as percentages, durations in words,
    intervals as ``T [low – high]``, flags as ✓. ``compact`` (the terminal) drops the
    currency symbol and the year, and keeps the last lines of an excerpt."""
    if value is None:
        return "—"
    if kind == "money":
        return f"{value:,.2f}" if compact else money(value, currency)
    if kind == "int":
        return f"{value:,}"
    if kind == "ratio":
        return percent(value)
    if kind == "duration":
        return duration(value, language)
    if kind == "interval":
        return duration(value[0], language) if compact else _interval(value, language)
    if kind == "date":
        if not isinstance(value, date):
            return str(value)
        return f"{value:%m-%d}" if compact else f"{value:%Y-%m-%d}"
    if kind == "flag":
        return "✓" if value else ""
    if kind == "excerpt" and compact:
        lines = str(value).splitlines()[-EXCERPT_LINES:]
        return "\n".join(_clip(line, EXCERPT_WIDTH) for line in lines)
    return str(value)


def _interval(value: tuple[Any, Any, Any], language: str) -> str:
    middle, low, high = value
    if middle is None or (isinstance(middle, float) and math.isnan(middle)):
        return "—"
    return f"{duration(middle, language)} [{duration(low, language)}–{duration(high, language)}]"


def _clip(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def diagnosis_tables(diagnosis: Diagnosis) -> list[TableData]:
    """Every table of the diagnosis, in reading order (D1, D2, D6, D3, D4, D5, products)."""
    return [
        decomposition_table(diagnosis),
        lost_ratio_table(diagnosis),
        payment_table(diagnosis),
        reasons_table(diagnosis),
        chat_flag_summary_table(diagnosis),
        chat_flag_orders_table(diagnosis),
        stockout_table(diagnosis),
        restock_table(diagnosis),
        lost_products_table(diagnosis),
    ]


def decomposition_table(d: Diagnosis) -> TableData:
    """D1 per day, with the parts the store's data can fill (merged where it cannot tell
    them apart), provisional days marked, outliers named."""
    lang = d.language
    columns = (
        Column(text("day", lang), "date"),
        Column(text("orders", lang), "int"),
        Column(text("amount", lang), "money"),
        *(Column(part_label(part, lang), "money") for part in d.parts),
    )
    keys = ["orders", "amount", *(f"{part}_amount" for part in d.parts)]
    days = d.decomposition.to_pylist()
    rows = tuple((day["day"], *(day[key] for key in keys)) for day in days)
    totals = d.decomposition_totals()
    total = (text("all_days", lang, n=len(rows)), *(totals[key] for key in keys))
    provisional = tuple(bool(day["provisional"]) for day in days)
    warnings = (
        *not_reported_sentences(d),
        *outlier_sentences(d),
        *provisional_sentences(d, provisional, [day["day"] for day in days]),
    )
    title = text("decomposition", lang)
    return TableData(
        "decomposition", title, columns, rows, total, warnings=warnings, provisional=provisional
    )


def not_reported_sentences(d: Diagnosis) -> list[str]:
    """Per source whose data lacks shipping or settlement: which parts are merged."""
    lang, sentences = d.language, []
    for row in d.reported.to_pylist():
        if row["shipping"] and row["settlement"]:
            continue
        if not row["shipping"]:
            events = "events_both" if not row["settlement"] else "events_shipping"
            merged = text("merged_paid", lang, part=part_label("paid_shipping_unknown", lang))
        else:
            events = "events_settlement"
            merged = text(
                "merged_shipped", lang, part=part_label("shipped_settlement_unknown", lang)
            )
        source = row["platform"] or "—"
        sentences.append(
            text("not_reported", lang, source=source, events=text(events, lang), merged=merged)
        )
    return sentences


def outlier_sentences(d: Diagnosis) -> list[str]:
    lang, currency = d.language, d.store.currency
    return [
        text(
            "outlier",
            lang,
            order=row["order_id"],
            amount=money(row["amount"], currency),
            day=f"{row['day']:%m-%d}",
            status=status_label(row["status"], lang),
            median=money(row["median_amount"], currency),
            times=f"{row['times_median']:,.0f}",
            share=percent(row["share_of_day"], 0),
        )
        for row in d.outliers.to_pylist()[:SHOWN_ALERTS]
    ]


def provisional_sentences(
    d: Diagnosis, provisional: tuple[bool, ...], days: list[Any]
) -> list[str]:
    marked = [day for day, mark in zip(days, provisional, strict=True) if mark]
    if not marked:
        return []
    span = f"{marked[0]:%m-%d}" if len(marked) == 1 else f"{marked[0]:%m-%d}–{marked[-1]:%m-%d}"
    deadline = duration(d.close_after.total_seconds(), d.language)
    return [text("provisional_days", d.language, days=span, deadline=deadline)]


def lost_ratio_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("day", lang), "date"),
        Column(text("orders", lang), "int"),
        Column(text("closed", lang), "int"),
        Column(text("lost_ratio_col", lang), "ratio"),
        Column(text("lost_amount_ratio", lang), "ratio"),
        Column(text("trend_7d", lang), "ratio"),
        Column(text("baseline", lang), "ratio"),
        Column(text("consulted", lang), "int"),
        Column(text("self_service", lang), "int"),
        Column(text("alert", lang), "flag"),
    )
    days = d.lost_ratio.to_pylist()
    rows = tuple(
        (
            day["day"], day["orders"], day["closed_orders"], day["lost_ratio"],
            day["lost_amount_ratio"], day["lost_ratio_7d"], day["baseline_ratio"],
            day["closed_consulted_orders"], day["closed_self_service_orders"], bool(day["alert"]),
        )
        for day in days
    )  # fmt: skip
    t = d.lost_ratio_totals()
    total = (
        text("all_days", lang, n=len(rows)), t["orders"], t["closed_orders"], t["lost_ratio"],
        t["lost_amount_ratio"], None, None, t["closed_consulted_orders"],
        t["closed_self_service_orders"], None,
    )  # fmt: skip
    pct = percent(d.settings.lost_ratio_alert, 0)
    worst = sorted((day for day in days if day["alert"]), key=lambda day: -day["lost_ratio"])
    flagged = [f"{day['day']:%m-%d} ({percent(day['lost_ratio'])})" for day in worst[:SHOWN_ALERTS]]
    if len(worst) > SHOWN_ALERTS:
        flagged.append(text("more_days", lang, n=len(worst) - SHOWN_ALERTS))
    note = (
        text("alert_days", lang, pct=pct, days=", ".join(flagged))
        if flagged
        else text("no_alert_days", lang, pct=pct)
    )
    provisional = tuple(bool(day["provisional"]) for day in days)
    warnings = [*usual_day_sentences(d, t, pct)]
    warnings += provisional_sentences(d, provisional, [day["day"] for day in days])
    alerts = tuple(bool(day["alert"]) for day in days)
    title = text("lost_ratio", lang)
    return TableData(
        "lost_ratio", title, columns, rows, total, alerts, note, tuple(warnings), provisional
    )


def usual_day_sentences(d: Diagnosis, totals: dict[str, Any], pct: str) -> list[str]:
    """Days above the line that were usual for the store: said, not alerted."""
    crossed, alerted = totals["above_threshold_days"], totals["alert_days"]
    usual = totals["usual_lost_ratio"]
    if crossed <= alerted:
        return []
    if usual is not None and usual > d.settings.lost_ratio_alert:
        return [text("usual_above_line", d.language, usual=percent(usual), pct=pct, days=crossed)]
    return [text("usual_days", d.language, days=crossed - alerted, pct=pct)]


def payment_table(d: Diagnosis) -> TableData:
    """D6 per segment: the payers' P50, P90, P95 and P99, each labelled, and the payments
    that came after the deadline."""
    lang = d.language
    columns = (
        Column(text("dimension", lang)),
        Column(text("segment", lang)),
        Column(text("orders", lang), "int"),
        Column(text("paid", lang), "int"),
        Column(text("payment_rate", lang), "ratio"),
        *(Column(text(f"payers_{q}", lang), "interval") for q in PAYER_QUANTILES),
        Column(text("paid_after_deadline", lang), "int"),
        Column(text("sentence", lang), "sentence"),
    )
    segments = d.payment.segments.to_pylist()
    rows = tuple(
        (
            segment_label(row["dimension"], lang),
            segment_label(row["segment"], lang),
            row["n_orders"],
            row["n_paid"],
            None if math.isnan(row["payment_rate"]) else row["payment_rate"],
            *(
                (row[f"payers_{q}_s"], row[f"payers_{q}_lower_s"], row[f"payers_{q}_upper_s"])
                for q in PAYER_QUANTILES
            ),
            row["n_paid_after_deadline"],
            row["sentence_zh" if lang == "zh" else "sentence_en"],
        )
        for row in segments
    )
    skipped = d.payment.excluded_paid_time_unknown
    note = text("excluded", lang, n=skipped) if skipped else ""
    warnings = tuple(late_payment_sentences(d, segments))
    return TableData("payment", text("payment", lang), columns, rows, note=note, warnings=warnings)


PAYER_QUANTILES = ("p50", "p90", "p95", "p99")


def late_payment_sentences(d: Diagnosis, segments: list[dict[str, Any]]) -> list[str]:
    """The whole store, then each payment method, whose payments came after the deadline:
    how many, the share and the latest (late payments are a payment method's habit: bank
    slips, cash deposits)."""
    lang = d.language
    deadline = duration(d.close_after.total_seconds(), lang)
    sentences = []
    for row in segments:
        late = row["n_paid_after_deadline"]
        if not late or row["dimension"] not in ("all", "payment_method"):
            continue
        name = segment_label(row["segment"], lang)
        if row["dimension"] != "all":
            name = f"{segment_label(row['dimension'], lang)} {name}"
        sentences.append(
            text(
                "late_payments",
                lang,
                segment=name,
                paid=f"{row['n_paid']:,}",
                late=f"{late:,}",
                share=percent(late / row["n_paid"]),
                deadline=deadline,
                longest=duration(row["longest_payment_s"], lang),
            )
        )
    return sentences[:SHOWN_ALERTS]


def payment_sentence(d: Diagnosis) -> str:
    """The whole store's "90% of paying buyers pay within T"."""
    row = d.payment.segment("all", "all")
    return "" if row is None else str(row["sentence_zh" if d.language == "zh" else "sentence_en"])


def reasons_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("reason", lang)),
        Column(text("orders", lang), "int"),
        Column(text("amount", lang), "money"),
        Column(text("share", lang), "ratio"),
        Column(text("amount_share", lang), "ratio"),
    )
    table = d.reasons.reasons.to_pylist()
    rows = tuple(
        (row["label_zh" if lang == "zh" else "label_en"], row["orders"], row["amount"],
         row["share"], row["amount_share"])
        for row in table
    )  # fmt: skip
    unknown = next((row["share"] for row in table if row["reason"] == "unknown"), None)
    note = text("lost_orders_n", lang, n=f"{d.lost_orders:,}")
    if unknown is not None:
        note += " · " + text("unknown_share", lang, pct=percent(unknown))
    return TableData("reasons", text("reasons", lang), columns, rows, note=note)


def chat_flag_summary_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("flag", lang)),
        Column(text("orders", lang), "int"),
        Column(text("share_of_chats", lang), "ratio"),
        Column(text("share_of_lost", lang), "ratio"),
    )
    rows = tuple(
        (row["label_zh" if lang == "zh" else "label_en"], row["orders"], row["share"],
         row["share_of_lost"])
        for row in d.chat_flag_summary.to_pylist()
    )  # fmt: skip
    note = "" if d.chat_flags.num_rows else text("no_chats", lang)
    return TableData("chat_flag_summary", text("chat_flags", lang), columns, rows, note=note)


def chat_flag_orders_table(d: Diagnosis) -> TableData:
    """Per lost order with a conversation that raised at least one flag."""
    lang = d.language
    columns = (
        Column(text("order", lang)),
        Column(text("day", lang), "date"),
        Column(text("status", lang)),
        Column(text("amount", lang), "money"),
        Column(text("flags", lang)),
        Column(text("first_response", lang), "duration"),
        Column(text("excerpt", lang), "excerpt"),
    )
    rows = []
    for row in d.chat_flags.to_pylist():
        raised = [FLAGS[name][0 if lang == "zh" else 1] for name in FLAGS if row[name]]
        if not raised:
            continue
        rows.append(
            (
                row["order_id"], row["day"], row["status"], row["amount"], "、".join(raised)
                if lang == "zh" else ", ".join(raised), row["first_response_s"],
                mask_contacts(row["excerpt"]),
            )
        )  # fmt: skip
    title = text("chat_flag_orders", lang)
    return TableData("chat_flag_orders", title, columns, tuple(rows))


def stockout_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("product", lang)),
        Column(text("title", lang)),
        Column(text("colour", lang)),
        Column(text("size", lang)),
        Column(text("orders", lang), "int"),
        Column(text("quantity", lang), "int"),
        Column(text("amount", lang), "money"),
        Column(text("stock_zero", lang), "int"),
        Column(text("reason_said", lang), "int"),
    )
    rows = tuple(
        (row["product_id"], row["title"], row["colour"], row["size"], row["orders"],
         row["quantity"], row["amount"], row["orders_stock_zero"], row["orders_reason_said"])
        for row in d.stockouts.to_pylist()
    )  # fmt: skip
    note = "" if rows else text("no_stockouts", lang)
    return TableData("stockouts", text("stockouts", lang), columns, rows, note=note)


def restock_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("product", lang)),
        Column(text("title", lang)),
        Column(text("colour", lang)),
        Column(text("size", lang)),
        Column(text("sold", lang), "int"),
        Column(text("lost_to_stockout", lang), "int"),
        Column(text("expected_demand", lang), "int"),
        Column(text("on_hand", lang), "int"),
        Column(text("variant_on_hand", lang), "int"),
        Column(text("sold_out", lang), "flag"),
        Column(text("to_order", lang), "int"),
        Column(text("variant_quantity", lang), "int"),
    )
    proposed = [row for row in d.restock.to_pylist() if row["to_order"] > 0 and row["quantity"] > 0]
    proposed.sort(key=lambda row: (not row["sold_out"], row["product_id"]))
    rows = tuple(
        (row["product_id"], row["title"], row["colour"], row["size"], row["sold"],
         row["lost_to_stockout"], row["expected_demand"], row["on_hand"],
         row["variant_on_hand"], bool(row["sold_out"]), row["to_order"], row["quantity"])
        for row in proposed
    )  # fmt: skip
    note = "" if rows else text("no_restock", lang)
    alerts = tuple(bool(row["sold_out"]) for row in proposed)
    return TableData("restock", text("restock", lang), columns, rows, alerts=alerts, note=note)


def lost_products_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("product", lang)),
        Column(text("title", lang)),
        Column(text("orders", lang), "int"),
        Column(text("quantity", lang), "int"),
        Column(text("amount", lang), "money"),
        Column(text("closed_orders", lang), "int"),
        Column(text("cancelled_orders", lang), "int"),
    )
    rows = tuple(
        (row["product_id"], row["title"], row["orders"], row["quantity"], row["amount"],
         row["closed_orders"], row["cancelled_or_refunded_orders"])
        for row in d.lost_products.to_pylist()
    )  # fmt: skip
    return TableData("lost_products", text("lost_products", lang), columns, rows)
