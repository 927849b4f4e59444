"""Terminal output: progress bars, import reports and store summaries, drawn with rich."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from winback.services import ImportReport
from winback.store.repo import StoreSummary

SHOWN_REJECTIONS = 15


class BarProgress:
    """An :class:`winback.services.ImportProgress` drawn as a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int | None) -> None:
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, rows: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, rows)


@contextmanager
def import_progress(console: Console, *, quiet: bool = False) -> Iterator[BarProgress | None]:
    """A progress bar on ``console`` for the duration of an import (None when quiet)."""
    if quiet:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield BarProgress(progress)


def print_import_reports(console: Console, reports: Sequence[ImportReport]) -> None:
    """One block per file: counts, rejected rows (file, row, column, reason), unmapped."""
    if not reports:
        console.print("No importable files found.")
        return
    table = Table(title="Import report", title_justify="left")
    for header in ("file", "kind", "rows read", "created", "updated", "unchanged", "rejected"):
        table.add_column(header, justify="left" if header in ("file", "kind") else "right")
    for report in reports:
        table.add_row(
            report.file.rsplit("/", 1)[-1],
            report.kind,
            f"{report.rows_read:,}",
            f"{report.created:,}",
            f"{report.updated:,}",
            f"{report.unchanged:,}",
            f"[red]{report.rejected:,}[/]" if report.rejected else "0",
        )
    console.print(table)
    for report in reports:
        _print_rejections(console, report)
        if report.unmapped_columns:
            names = ", ".join(report.unmapped_columns)
            console.print(f"[dim]{_name(report)}: columns not mapped: {names}[/]")


def _print_rejections(console: Console, report: ImportReport) -> None:
    if not report.rejections:
        return
    console.print(f"[red]{_name(report)}: {report.rejected:,} rows rejected[/]")
    for rejection in report.rejections[:SHOWN_REJECTIONS]:
        console.print(f"  {rejection}", highlight=False)
    hidden = report.rejected - SHOWN_REJECTIONS
    if hidden > 0:
        console.print(f"  … and {hidden:,} more (use --json for all)")


def _name(report: ImportReport) -> str:
    return report.file.rsplit("/", 1)[-1]


def print_status(console: Console, summaries: Sequence[StoreSummary]) -> None:
    """What each store holds."""
    if not summaries:
        console.print("The store is empty: import an export with `winback import PATH --source …`.")
        return
    for summary in summaries:
        console.print(summary_table(summary))


def summary_table(summary: StoreSummary) -> Table:
    table = Table(title=f"{summary.name} ({summary.platform}, {summary.timezone})", title_justify="left")
    table.add_column("status")
    table.add_column("orders", justify="right")
    table.add_column(f"amount ({summary.currency})", justify="right")
    for status, count, amount in summary.orders_by_status:
        table.add_row(status, f"{count:,}", money(amount))
    table.add_section()
    table.add_row("all", f"{summary.orders:,}", money(summary.total_amount))
    table.caption = (
        f"{summary.customers:,} customers · {summary.lines:,} order lines · "
        f"{summary.chats:,} chat lines · {summary.carts:,} carts · "
        f"{summary.wishlists:,} favourites · {summary.feedback:,} feedback · "
        f"orders from {summary.first_order_at:%Y-%m-%d} to {summary.last_order_at:%Y-%m-%d}"
        if summary.first_order_at and summary.last_order_at
        else f"{summary.customers:,} customers"
    )
    return table


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"
