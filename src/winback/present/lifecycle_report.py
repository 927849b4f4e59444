"""The HTML report's lifecycle section (PRODUCT.md W1, W2, D7): the segments now, their
sizes over time, the P(alive) distribution and the CLV deciles.

Built from :class:`winback.services.lifecycle.LifecycleSection` with the blocks of
:mod:`winback.present.report_blocks`, so it plugs into :func:`winback.present.html_report.
render_html` / ``write_html(extra_sections=…)`` without a template change.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
from markupsafe import Markup

from winback.analyse.lifecycle import SEGMENTS
from winback.present import charts
from winback.present.numbers import money, percent
from winback.present.report_blocks import Block, Chart, Figure, Figures, Paragraph, Section
from winback.services.lifecycle import LifecycleSection

__all__ = ["lifecycle_section"]

SEGMENT_COLOURS: Final = {
    "potential": "#8c8c8c",
    "active": "#3a9e6f",
    "repeat_seeking": "#2f6fbd",
    "lost": "#d64550",
}

_TEXT: Final = {
    "en": {
        "title": "Customer lifecycle",
        "potential": "Potential",
        "active": "Active",
        "repeat_seeking": "Repeat-seeking",
        "lost": "Lost",
        "of_revenue": "{pct} of revenue",
        "cutoff": "Churn cutoff: {days} days ({source}) — {reason}.",
        "sizes": "Customers per segment at each month end (cutoff {days} days)",
        "customers": "customers",
        "p_alive": "Buyers by P(alive), scores of {day}",
        "clv": "Customer lifetime value by decile (total · share of all CLV), scores of {day}",
        "decile": "decile {n}",
        "share": "{value} · {pct}",
        "no_scores": "No customer scores yet: run `winback customers score` to add the "
        "P(alive) distribution and the CLV deciles.",
    },
    "zh": {
        "title": "客户生命周期",
        "potential": "潜在客户",
        "active": "活跃客户",
        "repeat_seeking": "寻求复购客户",
        "lost": "流失客户",
        "of_revenue": "占销售额 {pct}",
        "cutoff": "流失判定:{days} 天({source})— {reason}。",
        "sizes": "每月末各类客户人数(流失判定 {days} 天)",
        "customers": "客户数",
        "p_alive": "买家存活概率 P(alive) 分布,评分日 {day}",
        "clv": "客户终身价值(CLV)十分位(合计 · 占全部 CLV),评分日 {day}",
        "decile": "第 {n} 组",
        "share": "{value} · {pct}",
        "preset": "类目预设",
        "learned": "按本店复购间隔学习",
        "fixed": "设置固定",
        "no_scores": "尚无客户评分:运行 `winback customers score` 后"
        "显示存活概率分布和 CLV 十分位。",
    },
}


def lifecycle_section(data: LifecycleSection, *, language: str) -> Section:
    """The report section: segment figures and the cutoff, segment sizes over time, and —
    when the store has scores — the P(alive) distribution and the CLV deciles."""
    words = _TEXT["zh" if language == "zh" else "en"]
    view, currency = data.segments.lifecycle, data.segments.currency
    summary = {row["segment"]: row for row in view.summary.to_pylist()}
    figures = [
        Figure(
            words[name],
            f"{summary[name]['customers']:,}",
            words["of_revenue"].format(pct=percent(summary[name]["revenue_share"])),
            "alert" if name == "lost" else "good" if name == "active" else "plain",
        )
        for name in SEGMENTS
    ]
    cutoff = view.cutoff
    blocks: list[Block] = [
        Figures(items=figures),
        Paragraph(
            text=words["cutoff"].format(
                days=cutoff.days, source=cutoff.source, reason=cutoff.reason_in(language)
            )
        ),
        *(Paragraph(text=note) for note in view.notes_in(language)),
        Chart(svg=Markup(_sizes_chart(data, words))),
    ]
    if data.p_alive is None or data.clv_deciles is None or data.scored_on is None:
        blocks.append(Paragraph(text=words["no_scores"]))
    else:
        day = data.scored_on.isoformat()
        blocks.append(Chart(svg=Markup(_p_alive_chart(data.p_alive, words, day))))
        blocks.append(Chart(svg=Markup(_clv_chart(data.clv_deciles, words, day, currency))))
    return Section("lifecycle", words["title"], blocks)


def _sizes_chart(data: LifecycleSection, words: dict[str, str]) -> str:
    rows = data.sizes_over_time.to_pylist()
    months = sorted({row["as_of"] for row in rows})
    counts = {(row["as_of"], row["segment"]): row["customers"] for row in rows}
    return charts.stacked_bars(
        [f"{month:%Y-%m}" for month in months],
        [
            charts.Series(words[name], [counts[(m, name)] for m in months], colour)
            for name, colour in SEGMENT_COLOURS.items()
        ],
        title=words["sizes"].format(days=data.segments.lifecycle.cutoff.days),
        y_label=words["customers"],
    )


def _p_alive_chart(table: pa.Table, words: dict[str, str], day: str) -> str:
    bands = table.to_pylist()
    return charts.stacked_bars(
        [f"{band['low']:.1f}–{band['high']:.1f}" for band in bands],
        [charts.Series("P(alive)", [band["customers"] for band in bands], "#2f6fbd")],
        title=words["p_alive"].format(day=day),
        y_label=words["customers"],
    )


def _clv_chart(table: pa.Table, words: dict[str, str], day: str, currency: str) -> str:
    deciles = table.to_pylist()
    return charts.horizontal_bars(
        [words["decile"].format(n=row["decile"]) for row in deciles],
        [row["clv"] for row in deciles],
        title=words["clv"].format(day=day),
        value_labels=[
            words["share"].format(value=money(row["clv"], currency), pct=percent(row["clv_share"]))
            for row in deciles
        ],
    )
