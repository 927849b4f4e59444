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
from winback.analyse.decomposition import PARTS
from winback.present.labels import part_label, segment_label, text
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
    ``alerts`` (rows to highlight) and a ``note`` shown under it."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    alerts: tuple[bool, ...] = field(default=())
    note: str = ""


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
        return _interval(value, language)
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
    lang = d.language
    columns = (
        Column(text("day", lang), "date"),
        Column(text("orders", lang), "int"),
        Column(text("amount", lang), "money"),
        *(Column(part_label(part, lang), "money") for part in PARTS),
    )
    keys = ["orders", "amount", *(f"{part}_amount" for part in PARTS)]
    rows = tuple((day["day"], *(day[key] for key in keys)) for day in d.decomposition.to_pylist())
    totals = d.decomposition_totals()
    total = (text("all_days", lang, n=len(rows)), *(totals[key] for key in keys))
    return TableData("decomposition", text("decomposition", lang), columns, rows, total)


def lost_ratio_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("day", lang), "date"),
        Column(text("orders", lang), "int"),
        Column(text("closed", lang), "int"),
        Column(text("lost_ratio_col", lang), "ratio"),
        Column(text("lost_amount_ratio", lang), "ratio"),
        Column(text("trend_7d", lang), "ratio"),
        Column(text("consulted", lang), "int"),
        Column(text("self_service", lang), "int"),
        Column(text("alert", lang), "flag"),
    )
    days = d.lost_ratio.to_pylist()
    rows = tuple(
        (
            day["day"], day["orders"], day["closed_orders"], day["lost_ratio"],
            day["lost_amount_ratio"], day["lost_ratio_7d"], day["closed_consulted_orders"],
            day["closed_self_service_orders"], bool(day["alert"]),
        )
        for day in days
    )  # fmt: skip
    t = d.lost_ratio_totals()
    total = (
        text("all_days", lang, n=len(rows)), t["orders"], t["closed_orders"], t["lost_ratio"],
        t["lost_amount_ratio"], None, t["closed_consulted_orders"],
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
    alerts = tuple(bool(day["alert"]) for day in days)
    title = text("lost_ratio", lang)
    return TableData("lost_ratio", title, columns, rows, total, alerts, note)


def payment_table(d: Diagnosis) -> TableData:
    lang = d.language
    columns = (
        Column(text("dimension", lang)),
        Column(text("segment", lang)),
        Column(text("orders", lang), "int"),
        Column(text("paid", lang), "int"),
        Column(text("payment_rate", lang), "ratio"),
        Column(text("p50", lang), "interval"),
        Column(text("payers_p90", lang), "interval"),
        Column(text("sentence", lang), "sentence"),
    )
    rows = tuple(
        (
            segment_label(row["dimension"], lang),
            segment_label(row["segment"], lang),
            row["n_orders"],
            row["n_paid"],
            None if math.isnan(row["payment_rate"]) else row["payment_rate"],
            (row["p50_s"], row["p50_lower_s"], row["p50_upper_s"]),
            (row["payers_p90_s"], row["payers_p90_lower_s"], row["payers_p90_upper_s"]),
            row["sentence_zh" if lang == "zh" else "sentence_en"],
        )
        for row in d.payment.segments.to_pylist()
    )
    skipped = d.payment.excluded_paid_time_unknown
    note = text("excluded", lang, n=skipped) if skipped else ""
    return TableData("payment", text("payment", lang), columns, rows, note=note)


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
        Column(text("to_order", lang), "int"),
        Column(text("variant_quantity", lang), "int"),
    )
    rows = tuple(
        (row["product_id"], row["title"], row["colour"], row["size"], row["sold"],
         row["lost_to_stockout"], row["expected_demand"], row["on_hand"], row["to_order"],
         row["quantity"])
        for row in d.restock.to_pylist()
        if row["to_order"] > 0
    )  # fmt: skip
    note = "" if rows else text("no_restock", lang)
    return TableData("restock", text("restock", lang), columns, rows, note=note)


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
