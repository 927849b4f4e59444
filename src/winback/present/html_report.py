"""The HTML report: one self-contained file a shop team opens in any browser, offline.

No CDN, no network, no JavaScript: inline CSS, inline SVG charts from
:mod:`winback.present.charts`, tables from :mod:`winback.present.diagnosis_tables`. The page
is an ordered list of sections (:data:`DIAGNOSIS_SECTIONS`); another part of the product adds
its own by passing more :class:`~winback.present.report_blocks.Section` objects to
:func:`render_html` or ``extra_sections`` to :func:`write_html`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any, Final

import jinja2
from markupsafe import Markup

from winback.present import charts
from winback.present.diagnosis_tables import (
    TableData,
    chat_flag_orders_table,
    chat_flag_summary_table,
    decomposition_table,
    lost_products_table,
    lost_ratio_table,
    payment_sentence,
    payment_table,
    reasons_table,
    restock_table,
    stockout_table,
)
from winback.present.labels import part_label, segment_label, text
from winback.present.numbers import money, money_axis, percent
from winback.present.report_blocks import (
    Block,
    Chart,
    Figure,
    Figures,
    Paragraph,
    Section,
    html_table,
)
from winback.services.diagnosis import Diagnosis

__all__ = ["DIAGNOSIS_SECTIONS", "diagnosis_sections", "render_html", "write_html"]

PART_COLOURS: Final = {
    "unpaid": "#f2b441",
    "paid_not_shipped": "#2f6fbd",
    "shipped": "#2aa3b8",
    "settled": "#3a9e6f",
    "paid_shipping_unknown": "#7b8794",
    "shipped_settlement_unknown": "#5f9ea0",
    "closed_before_payment": "#d64550",
    "refunded": "#8a63c7",
}
"""D1 parts: money kept in green/blue, money at risk in amber, money lost in red/violet;
the parts the data cannot tell apart in grey."""
PROVISIONAL_COLOUR: Final = "#b8c2cc"

LONG_TABLE_ROWS: Final = 50
_MINUTE, _HOUR, _DAY = 60.0, 3600.0, 86400.0


def render_html(
    sections: Sequence[Section], *, title: str, subtitle: str, language: str, footer: str = ""
) -> str:
    """The report page: ``sections`` in order, each with its anchor in the contents."""
    return _template().render(
        title=title,
        subtitle=subtitle,
        language="zh-CN" if language == "zh" else "en",
        sections=sections,
        footer=footer,
    )


def write_html(diagnosis: Diagnosis, path: Path, *, extra_sections: Sequence[Section] = ()) -> Path:
    """Write the diagnosis (and ``extra_sections`` after it) to ``path`` as one HTML file."""
    d, lang = diagnosis, diagnosis.language
    page = render_html(
        [*diagnosis_sections(d), *extra_sections],
        title=f"{text('report_title', lang)} · {d.store.name}",
        subtitle=(
            f"{text('period', lang)} {d.period.start} – {d.period.end} ({d.store.timezone}) · "
            f"{text('as_of', lang)} {d.as_of.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        ),
        language=lang,
        footer=text("generated_by", lang),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def summary_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    totals, lost = d.decomposition_totals(), d.lost_ratio_totals()
    ratio = lost["lost_ratio"]
    unknown = next(
        (row["share"] for row in d.reasons.reasons.to_pylist() if row["reason"] == "unknown"), None
    )
    figures = [
        Figure(text("orders", lang), f"{totals['orders']:,}", money(totals["amount"], currency)),
        Figure(
            text("closed", lang),
            percent(ratio),
            money(lost["closed_amount"], currency),
            "alert" if ratio is not None and ratio > d.settings.lost_ratio_alert else "plain",
        ),
        Figure(
            text("alert_days_label", lang),
            f"{lost['alert_days']}",
            text("threshold", lang, pct=percent(d.settings.lost_ratio_alert, 0)),
            "alert" if lost["alert_days"] else "good",
        ),
        Figure(
            part_label("settled", lang),
            money(totals["settled_amount"], currency),
            percent(
                float(totals["settled_amount"] / totals["amount"]) if totals["amount"] else None
            ),
            "good",
        ),
        Figure(
            text("lost_orders", lang),
            f"{d.lost_orders:,}",
            text("unknown_share", lang, pct=percent(unknown)) if unknown is not None else "",
        ),
    ]
    blocks: list[Block] = [Figures(items=figures), Paragraph(text=payment_sentence(d), strong=True)]
    blocks += [Paragraph(text=note, warning=True) for note in d.deadline_notes]
    return Section("summary", text("summary", lang), blocks)


def decomposition_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    days = d.decomposition.to_pylist()
    chart = charts.stacked_bars(
        [f"{day['day']:%m-%d}" for day in days],
        [
            charts.Series(
                part_label(part, lang), [day[f"{part}_amount"] for day in days], PART_COLOURS[part]
            )
            for part in d.parts
        ],
        title=text("chart_decomposition", lang),
        y_label=text("axis_amount", lang),
        y_format=lambda value: money_axis(value, currency),
    )
    data = decomposition_table(d)
    table = html_table(data, currency=currency, language=lang, collapsed=True)
    blocks: list[Block] = [Chart(svg=Markup(chart)), *_warnings(data), table]
    return Section("decomposition", text("decomposition", lang), blocks)


def _warnings(table: TableData) -> list[Block]:
    """What the figures of ``table`` cannot show, one paragraph each, above the table."""
    return [Paragraph(text=warning, warning=True) for warning in table.warnings]


def lost_ratio_section(d: Diagnosis) -> Section:
    lang = d.language
    days = d.lost_ratio.to_pylist()
    threshold = d.settings.lost_ratio_alert
    final = [None if day["provisional"] else day["lost_ratio"] for day in days]
    series = [
        charts.Series(
            text("lost_ratio_col", lang),
            final,
            highlights=[bool(day["alert"]) for day in days],
        ),
        charts.Series(
            text("trend_7d", lang),
            [day["lost_ratio_7d"] for day in days],
            "#8c8c8c",
            markers=False,
        ),
        charts.Series(
            text("baseline", lang),
            [day["baseline_ratio"] for day in days],
            "#3a9e6f",
            markers=False,
        ),
    ]
    if any(day["provisional"] for day in days):
        series.append(
            charts.Series(
                text("provisional", lang),
                [day["lost_ratio"] if day["provisional"] else None for day in days],
                PROVISIONAL_COLOUR,
                highlights=[False] * len(days),
            )
        )
    chart = charts.line_chart(
        [f"{day['day']:%m-%d}" for day in days],
        series,
        title=text("chart_lost_ratio", lang),
        y_label=text("axis_ratio", lang),
        y_format=lambda value: f"{value:.0%}",
        threshold=threshold,
        threshold_label=text("threshold", lang, pct=percent(threshold, 0)),
    )
    table = lost_ratio_table(d)
    lost = d.lost_ratio_totals()
    split = (
        f"{text('closed', lang)}: {lost['closed_orders']:,} · "
        f"{text('consulted', lang)} {lost['closed_consulted_orders']:,} · "
        f"{text('self_service', lang)} {lost['closed_self_service_orders']:,}"
    )
    blocks: list[Block] = [
        Chart(svg=Markup(chart)),
        Paragraph(text=table.note, strong=any(table.alerts)),
        *_warnings(table),
        Paragraph(text=split),
        html_table(table, currency=d.store.currency, language=lang, collapsed=True),
    ]
    return Section("lost_ratio", text("lost_ratio", lang), blocks)


def payment_section(d: Diagnosis) -> Section:
    lang = d.language
    curves = d.payment.curves.to_pylist()
    deadline = d.payment.settings.payment_deadline
    horizon = max(deadline.total_seconds() if deadline else _DAY * 3, _HOUR)
    ticks = [
        charts.Tick(value, label)
        for value, label in (
            (_MINUTE, "1 min" if lang == "en" else "1分钟"),
            (10 * _MINUTE, "10 min" if lang == "en" else "10分钟"),
            (_HOUR, "1 h" if lang == "en" else "1小时"),
            (6 * _HOUR, "6 h" if lang == "en" else "6小时"),
            (_DAY, "1 d" if lang == "en" else "1天"),
            (3 * _DAY, "3 d" if lang == "en" else "3天"),
            (7 * _DAY, "7 d" if lang == "en" else "7天"),
        )
        if value <= horizon * 1.001
    ]
    blocks: list[Block] = [Paragraph(text=payment_sentence(d), strong=True)]
    for dimension in ("buyer_type", "amount_band"):
        series = [_payment_curve(curves, "all", "all", lang, "#1f2933", dashed=True)]
        segments = [
            row["segment"]
            for row in d.payment.segments.to_pylist()
            if row["dimension"] == dimension
        ]
        for k, segment in enumerate(segments):
            series.append(_payment_curve(curves, dimension, segment, lang, charts.PALETTE[k]))
        chart = charts.step_chart(
            [s for s in series if s.xs],
            title=f"{text('payment', lang)} · {segment_label(dimension, lang)}",
            x_label=text("axis_time_after_order", lang),
            y_label=text("axis_paid_share", lang),
            x_ticks=ticks,
            log_x=True,
        )
        blocks.append(Chart(svg=Markup(chart)))
    table = payment_table(d)
    blocks += _warnings(table)
    blocks.append(html_table(table, currency=d.store.currency, language=lang))
    return Section("payment", text("payment", lang), blocks)


def _payment_curve(
    curves: list[dict[str, Any]],
    dimension: str,
    segment: str,
    lang: str,
    colour: str,
    *,
    dashed: bool = False,
) -> charts.StepSeries:
    """The paying buyers' share paid, G(t), of one segment as a step series."""
    steps = [row for row in curves if row["dimension"] == dimension and row["segment"] == segment]
    label = segment_label(segment, lang)
    return charts.StepSeries(
        label,
        [row["time_s"] for row in steps],
        [row["payers_paid_share"] for row in steps],
        colour,
        dashed,
    )


def reasons_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    rows = [row for row in d.reasons.reasons.to_pylist() if row["orders"]]
    chart = charts.horizontal_bars(
        [row["label_zh" if lang == "zh" else "label_en"] for row in rows],
        [row["orders"] for row in rows],
        title=text("chart_reasons", lang),
        value_labels=[
            f"{row['orders']:,} · {money(row['amount'], currency)} · {percent(row['share'])}"
            for row in rows
        ],
        colours=["#b8c2cc" if row["reason"] == "unknown" else "#2f6fbd" for row in rows],
    )
    table = reasons_table(d)
    blocks: list[Block] = [
        Chart(svg=Markup(chart)),
        Paragraph(text=table.note),
        html_table(table, currency=currency, language=lang, collapsed=True),
    ]
    return Section("reasons", text("reasons", lang), blocks)


def chat_flags_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    more = text(
        "rows_shown", lang, shown=LONG_TABLE_ROWS, total=len(chat_flag_orders_table(d).rows)
    )
    blocks: list[Block] = [
        html_table(chat_flag_summary_table(d), currency=currency, language=lang),
        html_table(
            chat_flag_orders_table(d),
            currency=currency,
            language=lang,
            limit=LONG_TABLE_ROWS,
            collapsed=True,
            more=more,
        ),
    ]
    return Section("chat_flags", text("chat_flags", lang), blocks)


def stock_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    blocks: list[Block] = [
        html_table(restock_table(d), currency=currency, language=lang),
        html_table(
            stockout_table(d),
            currency=currency,
            language=lang,
            limit=LONG_TABLE_ROWS,
            more=text("rows_shown", lang, shown=LONG_TABLE_ROWS, total=d.stockouts.num_rows),
        ),
    ]
    return Section("restock", text("stock_section", lang), blocks)


def lost_products_section(d: Diagnosis) -> Section:
    lang, currency = d.language, d.store.currency
    rows = d.lost_products.to_pylist()
    chart = charts.horizontal_bars(
        [f"{row['title'] or row['product_id']}" for row in rows],
        [row["amount"] for row in rows],
        title=text("chart_products", lang),
        value_labels=[f"{money(row['amount'], currency)} · {row['orders']:,}" for row in rows],
        colours=["#d64550"] * len(rows),
        label_width=260,
    )
    blocks: list[Block] = [
        Chart(svg=Markup(chart)),
        html_table(lost_products_table(d), currency=currency, language=lang),
    ]
    return Section("lost_products", text("lost_products", lang), blocks)


DIAGNOSIS_SECTIONS: Final[tuple[Callable[[Diagnosis], Section], ...]] = (
    summary_section,
    decomposition_section,
    lost_ratio_section,
    payment_section,
    reasons_section,
    chat_flags_section,
    stock_section,
    lost_products_section,
)
"""The diagnosis report's sections, in page order."""


def diagnosis_sections(d: Diagnosis) -> list[Section]:
    """Every section of :data:`DIAGNOSIS_SECTIONS` built for ``d``; a period without orders
    gets the summary and a sentence saying so."""
    if not d.decomposition_totals()["orders"]:
        return [
            Section(
                "summary",
                text("summary", d.language),
                [Paragraph(text=text("no_orders", d.language))],
            )
        ]
    return [build(d) for build in DIAGNOSIS_SECTIONS]


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("winback.present", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2")
