"""Terminal output of the customer lifecycle: segments, score runs and the win-back list."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from rich.console import Console
from rich.table import Table

from winback.analyse.winback_targets import CURRENCY_SIGNS
from winback.present.fitting import print_table
from winback.services.lifecycle import ScoreReport, StoreLifecycle, WinbackList

SEGMENT_LABELS: Final = {
    "potential": ("潜在客户", "potential"),
    "active": ("活跃客户", "active"),
    "repeat_seeking": ("待复购客户", "repeat-seeking"),
    "lost": ("流失客户", "lost"),
}
WORDS: Final[dict[str, tuple[str, str]]] = {
    "rules": (
        "潜在：已知但从未购买 · 活跃：2 天及以上有购买，最近一次在流失期内 · "
        "待复购：只买过一次，在流失期内 · 流失：流失期内没有购买",
        "potential: known, never bought · active: 2+ purchase days, the last within the cutoff "
        "· repeat-seeking: one purchase, within the cutoff · lost: no purchase within the cutoff",
    ),
    "segments_title": (
        "{store}：{day} 的客户生命周期分层",
        "{store}: customers by lifecycle segment on {day}",
    ),
    "segment": ("分层", "segment"),
    "customers": ("客户数", "customers"),
    "share": ("占比", "share"),
    "revenue": ("销售额", "revenue"),
    "revenue_share": ("销售额占比", "revenue share"),
    "cutoff": (
        "流失期：[bold]{days} 天[/]（{source}）— {reason}。",
        "Churn cutoff: [bold]{days} days[/] ({source}) — {reason}.",
    ),
    "note": ("[yellow]注意：[/]{note}", "[yellow]Note:[/] {note}"),
    "lost_list": ("值得挽回的{kind}流失客户", "{kind}lost customers worth winning back"),
    "top_list": ("最有价值的{kind}买家", "most valuable {kind}buyers"),
    "promising": ("有潜力的", "promising "),
    "list_title": (
        "{store}：{what}（{day} 的评分，流失期 {days} 天）",
        "{store}: {what} (scores of {day}, cutoff {days} days)",
    ),
    "rank": ("#", "#"),
    "customer": ("客户", "customer"),
    "contact": ("联系方式", "contact"),
    "why": ("理由", "why"),
    "scored": (
        "已为 {store} 的 [bold]{n}[/] 位买家评分（{day}，{model}：{params}）；已保存 {stored} 条。",
        "Scored [bold]{n}[/] buyers of {store} at {day} with {model} ({params}); stored {stored}.",
    ),
    "score_totals": (
        "平均 P(存活) {p_alive}；未来 {days} 天：预计购买 {purchases} 次，消费 {spend}；"
        "CLV 合计 {clv}。",
        "Mean P(alive) {p_alive}; next {days} days: {purchases} purchases, spend {spend}; "
        "total CLV {clv}.",
    ),
    "no_match": (
        "没有符合条件的客户（流失期 {days} 天：{reason}）。",
        "No customer matches (cutoff {days} days: {reason}).",
    ),
}
_SOURCES: Final = {
    ("preset", "zh"): "按品类预设",
    ("learned", "zh"): "从本店的复购间隔学得",
    ("fixed", "zh"): "设置固定",
}


def words(key: str, language: str, **values: object) -> str:
    """``key`` in the store's language, with ``{names}`` filled in."""
    zh, en = WORDS[key]
    chosen = zh if language == "zh" else en
    return chosen.format(**values) if values else chosen


def segment_label(segment: str, language: str = "en") -> str:
    zh, en = SEGMENT_LABELS[segment]
    return zh if language == "zh" else en


def print_segments(console: Console, result: StoreLifecycle) -> None:
    """The four segments with counts and revenue shares, then the cutoff and why."""
    view, lang = result.lifecycle, result.language
    sign = CURRENCY_SIGNS.get(result.currency, f"{result.currency} ")
    table = Table(
        title=words("segments_title", lang, store=result.store, day=f"{view.as_of:%Y-%m-%d}"),
        title_justify="left",
        caption=words("rules", lang),
        caption_justify="left",
    )
    for key in ("segment", "customers", "share", "revenue", "revenue_share"):
        table.add_column(words(key, lang), justify="left" if key == "segment" else "right")
    for row in view.summary.to_pylist():
        table.add_row(
            segment_label(row["segment"], lang),
            f"{row['customers']:,}",
            f"{row['customer_share']:.1%}",
            f"{sign}{row['revenue']:,.2f}",
            f"{row['revenue_share']:.1%}",
        )
    print_table(console, table)
    cutoff = view.cutoff
    console.print(
        words(
            "cutoff",
            lang,
            days=cutoff.days,
            source=_SOURCES.get((cutoff.source, lang), cutoff.source),
            reason=cutoff.reason_in(lang),
        ),
        highlight=False,
    )
    for note in view.notes_in(lang):
        console.print(words("note", lang, note=note), highlight=False)


def print_score_report(
    console: Console, report: ScoreReport, *, language: str = "en", currency: str = ""
) -> None:
    """What was fitted and stored, with the parameters and totals, in the store's language
    and money in its ``currency``."""
    params = ", ".join(
        f"{name.split('.')[-1]}={value:.4g}" for name, value in report.params.items()
    )
    sign = CURRENCY_SIGNS.get(currency, f"{currency} " if currency else "")
    console.print(
        words("scored", language, n=f"{report.customers:,}", store=report.store,
              day=f"{report.as_of:%Y-%m-%d}", model=report.model, params=params,
              stored=f"{report.stored:,}"),
        highlight=False,
    )  # fmt: skip
    console.print(
        words("score_totals", language, p_alive=f"{report.mean_p_alive:.2f}",
              days=report.horizon_days, purchases=f"{report.expected_purchases:,.1f}",
              spend=f"{sign}{_money(report.expected_spend)}",
              clv=f"{sign}{_money(report.total_clv)}"),
        highlight=False,
    )  # fmt: skip


def print_winback_list(console: Console, result: WinbackList) -> None:
    """The ranked list with masked contacts and the reason for each customer."""
    lang = result.language
    kind = words("promising", lang) if result.rules.promising else ""
    what = words("lost_list" if result.rules.lost_only else "top_list", lang, kind=kind)
    table = Table(
        title=words("list_title", lang, store=result.store, what=what,
                    day=f"{result.as_of:%Y-%m-%d}", days=result.cutoff_days),
        title_justify="left",
    )  # fmt: skip
    for key in ("rank", "customer", "contact", "why"):
        table.add_column(words(key, lang), justify="right" if key == "rank" else "left")
    for rank, target in enumerate(result.targets, start=1):
        contact = " ".join(part for part in (target.phone, target.email) if part) or "—"
        table.add_row(str(rank), target.customer_key, contact, target.reason)
    print_table(console, table)
    if not result.targets:
        console.print(
            words("no_match", lang, days=result.cutoff_days, reason=result.cutoff_reason),
            highlight=False,
        )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"
