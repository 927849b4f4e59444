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
    "potential": "potential",
    "active": "active",
    "repeat_seeking": "repeat-seeking",
    "lost": "lost",
}
RULES: Final = (
    "potential: known, never bought · active: 2+ purchase days, the last within the cutoff · "
    "repeat-seeking: one purchase, within the cutoff · lost: no purchase within the cutoff"
)


def print_segments(console: Console, result: StoreLifecycle) -> None:
    """The four segments with counts and revenue shares, then the cutoff and why."""
    view = result.lifecycle
    sign = CURRENCY_SIGNS.get(result.currency, f"{result.currency} ")
    table = Table(
        title=f"{result.store}: customers by lifecycle segment on {view.as_of:%Y-%m-%d}",
        title_justify="left",
        caption=RULES,
        caption_justify="left",
    )
    for header in ("segment", "customers", "share", "revenue", "revenue share"):
        table.add_column(header, justify="left" if header == "segment" else "right")
    for row in view.summary.to_pylist():
        table.add_row(
            SEGMENT_LABELS[row["segment"]],
            f"{row['customers']:,}",
            f"{row['customer_share']:.1%}",
            f"{sign}{row['revenue']:,.2f}",
            f"{row['revenue_share']:.1%}",
        )
    print_table(console, table)
    cutoff = view.cutoff
    console.print(
        f"Churn cutoff: [bold]{cutoff.days} days[/] ({cutoff.source}) — {cutoff.reason}.",
        highlight=False,
    )
    for note in view.notes:
        console.print(f"[yellow]Note:[/] {note}", highlight=False)


def print_score_report(console: Console, report: ScoreReport) -> None:
    """What was fitted and stored, with the parameters and totals."""
    params = ", ".join(
        f"{name.split('.')[-1]}={value:.4g}" for name, value in report.params.items()
    )
    console.print(
        f"Scored [bold]{report.customers:,}[/] buyers of {report.store} at "
        f"{report.as_of:%Y-%m-%d} with {report.model} ({params}); stored {report.stored:,}.",
        highlight=False,
    )
    console.print(
        f"Mean P(alive) {report.mean_p_alive:.2f}; next {report.horizon_days} days: "
        f"{report.expected_purchases:,.1f} purchases, spend {_money(report.expected_spend)}; "
        f"total CLV {_money(report.total_clv)}.",
        highlight=False,
    )


def print_winback_list(console: Console, result: WinbackList) -> None:
    """The ranked list with masked contacts and the reason for each customer."""
    kind = "promising " if result.rules.promising else ""
    what = (
        f"{kind}lost customers worth winning back"
        if result.rules.lost_only
        else f"most valuable {kind}buyers"
    )
    table = Table(
        title=f"{result.store}: {what} "
        f"(scores of {result.as_of:%Y-%m-%d}, cutoff {result.cutoff_days} days)",
        title_justify="left",
    )
    for header in ("#", "customer", "contact", "why"):
        table.add_column(header, justify="right" if header == "#" else "left")
    for rank, target in enumerate(result.targets, start=1):
        contact = " ".join(part for part in (target.phone, target.email) if part) or "—"
        table.add_row(str(rank), target.customer_key, contact, target.reason)
    print_table(console, table)
    if not result.targets:
        console.print(
            f"No customer matches (cutoff {result.cutoff_days} days: {result.cutoff_reason}).",
            highlight=False,
        )


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"
