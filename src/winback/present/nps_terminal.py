"""Terminal output of ``winback report nps``: the score with its interval, then by period,
product and buyer segment, then the reasons in the whys (tables that never cut a number:
:func:`winback.present.fitting.print_table`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from winback.measure.nps import NpsScore
from winback.present.fitting import print_table
from winback.services.nps_report import NpsReport

__all__ = ["print_nps"]


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def _scores(title: str, name: str, rows: Sequence[tuple[str, NpsScore]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(name)
    for column in ("answers", "promoters", "passives", "detractors", "NPS", "95% low", "95% high"):
        table.add_column(column, justify="right")
    table.add_column("note")
    for key, score in rows:
        table.add_row(
            key,
            str(score.answers),
            str(score.promoters),
            str(score.passives),
            str(score.detractors),
            _number(score.score),
            _number(score.low),
            _number(score.high),
            "few answers" if score.few else "",
        )
    return table


def print_nps(console: Console, report: NpsReport) -> None:
    """The report as terminal tables."""
    span = f" from {report.start}" if report.start else ""
    span += f" to {report.end}" if report.end else ""
    console.print(f"NPS of {report.store}{span}, as of {report.as_of:%Y-%m-%d %H:%M} UTC")
    if report.overall.answers == 0:
        console.print("No survey answers yet.")
        return
    print_table(console, _scores("NPS", "all answers", [("all", report.overall)]))
    console.print(f"interval: {report.interval}; docs/nps.md explains it", highlight=False)
    print_table(console, _scores(f"By {report.period}", report.period, report.by_period))
    print_table(console, _scores("By product", "product", report.by_product))
    print_table(console, _scores("By buyer", "segment", report.by_segment))
    if not report.reasons:
        console.print("No detractor or passive gave a why.")
        return
    table = Table(title="Why (detractors and passives, D3 reasons)", title_justify="left")
    for column in ("reason", "label", "detractors", "passives"):
        table.add_column(
            column, justify="right" if column in ("detractors", "passives") else "left"
        )
    for row in report.reasons:
        table.add_row(row.reason, row.label_en, str(row.detractors), str(row.passives))
    print_table(console, table)
