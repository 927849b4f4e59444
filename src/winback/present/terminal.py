"""Terminal output: progress bars, import reports and store summaries, drawn with rich
(the orders of each day: :mod:`winback.present.daily_overview`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
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

from winback.present.fitting import print_table
from winback.present.labels import status_label
from winback.store.types import StoreSummary

if TYPE_CHECKING:  # the importers load only for an import
    from winback.services import ImportReport

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


def print_import_reports(
    console: Console,
    reports: Sequence[ImportReport],
    languages: Mapping[str, str] | None = None,
) -> None:
    """One block per store, titled with its name and in its team's language (``languages``:
    store → zh/en): a row per file with its counts, then the rejected rows (file, row,
    column, reason), the columns nobody mapped and the notes."""
    if not reports:
        console.print("No importable files found.")
        return
    by_store: dict[str, list[ImportReport]] = {}
    for report in reports:
        by_store.setdefault(report.store, []).append(report)
    for store, held in by_store.items():
        _print_store_imports(console, store, held, (languages or {}).get(store, "en"))


_IMPORT_WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("{store} 的导入报告", "Import report of {store}"),
    "file": ("文件", "file"),
    "kind": ("类型", "kind"),
    "rows_read": ("读取行数", "rows read"),
    "created": ("新增", "created"),
    "updated": ("更新", "updated"),
    "unchanged": ("未变", "unchanged"),
    "rejected": ("拒绝", "rejected"),
    "unmapped": ("{file}：未映射的列：{names}", "{file}: columns not mapped: {names}"),
    "rows_rejected": ("{file}：拒绝 {n} 行", "{file}: {n} rows rejected"),
    "rejection": ("{file} 第 {row} 行：{reason}", "{file}, row {row}: {reason}"),
    "rejection_column": (
        "{file} 第 {row} 行，列「{column}」：{reason}",
        "{file}, row {row}, column {column!r}: {reason}",
    ),
    "more": ("  …… 另有 {n} 行（全部见 --json）", "  … and {n} more (use --json for all)"),
    "note": ("{store}：{note}", "{store}: {note}"),
}
_KIND_WORDS: Final[dict[str, str]] = {
    "orders": "订单",
    "order_report": "订单报表",
    "item_report": "宝贝报表",
    "order_and_item_reports": "订单报表 + 宝贝报表",
    "customers": "客户",
    "chats": "聊天记录",
    "carts": "购物车",
    "wishlists": "收藏",
    "feedback": "评价",
    "stock": "库存",
}
"""The kinds of file in Chinese (English readers see the kind's own name)."""


def _imported(key: str, language: str, **values: object) -> str:
    zh, en = _IMPORT_WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def _print_store_imports(
    console: Console, store: str, reports: Sequence[ImportReport], lang: str
) -> None:
    table = Table(title=_imported("title", lang, store=escape(store)), title_justify="left")
    for key in ("file", "kind", "rows_read", "created", "updated", "unchanged", "rejected"):
        header = _imported(key, lang)
        if key in ("file", "kind"):  # names wrap on a narrow terminal, never cut short
            table.add_column(header, justify="left", overflow="fold")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for report in reports:
        table.add_row(
            escape(_name(report)),
            _KIND_WORDS.get(report.kind, report.kind) if lang == "zh" else report.kind,
            f"{report.rows_read:,}",
            f"{report.created:,}",
            f"{report.updated:,}",
            f"{report.unchanged:,}",
            f"[red]{report.rejected:,}[/]" if report.rejected else "0",
        )
    print_table(console, table)
    for report in reports:
        _print_rejections(console, report, lang)
        if report.unmapped_columns:
            line = _imported(
                "unmapped", lang, file=_name(report), names=", ".join(report.unmapped_columns)
            )
            console.print(f"[dim]{escape(line)}[/]", soft_wrap=True)
    notes = (note for report in reports for note in report.notes_in(lang))
    for note in dict.fromkeys(notes):
        console.print(f"[yellow]{escape(_imported('note', lang, store=store, note=note))}[/]",
                      soft_wrap=True)  # fmt: skip


def _print_rejections(console: Console, report: ImportReport, lang: str) -> None:
    if not report.rejections:
        return
    shown = _imported("rows_rejected", lang, file=_name(report), n=f"{report.rejected:,}")
    console.print(f"[red]{escape(shown)}[/]")
    for rejection in report.rejections[:SHOWN_REJECTIONS]:
        key = "rejection_column" if rejection.column else "rejection"
        line = _imported(key, lang, file=rejection.file, row=rejection.row,
                         column=rejection.column, reason=rejection.reason)  # fmt: skip
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    hidden = report.rejected - SHOWN_REJECTIONS
    if hidden > 0:
        console.print(_imported("more", lang, n=f"{hidden:,}"), highlight=False)


def _name(report: ImportReport) -> str:
    return report.file.rsplit("/", 1)[-1]


def print_status(
    console: Console, summaries: Sequence[StoreSummary], languages: Mapping[str, str] | None = None
) -> None:
    """What each store holds, each in its team's language (``languages``: store → zh/en)."""
    if not summaries:
        console.print("The store is empty: import an export with `winback import PATH --source …`.")
        return
    for summary in summaries:
        language = (languages or {}).get(summary.store.name, "en")
        print_table(console, summary_table(summary, language))


_STATUS_WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("{name}（{platform}，{zone}）", "{name} ({platform}, {zone})"),
    "status": ("状态", "status"),
    "orders": ("订单数", "orders"),
    "amount": ("金额（{currency}）", "amount ({currency})"),
    "paid": ("已付款", "paid"),
    "refunded": ("已退款", "refunded"),
    "all": ("合计", "all"),
    "customers": ("{n} 位客户", "{n} customers"),
    "order_lines": ("{n} 条订单明细", "{n} order lines"),
    "chat_lines": ("{n} 条聊天", "{n} chat lines"),
    "carts": ("{n} 个购物车", "{n} carts"),
    "favourites": ("{n} 个收藏", "{n} favourites"),
    "feedback": ("{n} 条评价", "{n} feedback"),
    "stock_rows": ("{n} 条库存记录", "{n} stock rows"),
    "span": ("订单 {first} → {last}", "orders {first} → {last}"),
}


def _said(key: str, language: str, **values: object) -> str:
    zh, en = _STATUS_WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def summary_table(summary: StoreSummary, language: str = "en") -> Table:
    """Orders by status with amounts, and what else the store holds, in one table."""
    store, lang = summary.store, language
    title = _said("title", lang, name=store.name, platform=store.platform, zone=store.timezone)
    table = Table(title=title, title_justify="left")
    table.add_column(_said("status", lang))
    table.add_column(_said("orders", lang), justify="right")
    table.add_column(_said("amount", lang, currency=store.currency), justify="right")
    table.add_column(_said("paid", lang), justify="right")
    table.add_column(_said("refunded", lang), justify="right")
    for row in summary.orders_by_status:
        table.add_row(
            status_label(row.status, lang) if lang == "zh" else row.status,
            f"{row.orders:,}",
            money(row.total_amount),
            money(row.paid_amount),
            money(row.refund_amount),
        )
    table.add_section()
    table.add_row(
        _said("all", lang),
        f"{summary.orders:,}",
        money(sum((row.total_amount for row in summary.orders_by_status), Decimal(0))),
        money(sum((row.paid_amount for row in summary.orders_by_status), Decimal(0))),
        money(sum((row.refund_amount for row in summary.orders_by_status), Decimal(0))),
    )
    table.caption = _holdings(summary, lang)
    return table


def _holdings(summary: StoreSummary, lang: str) -> str:
    parts = [
        _said("customers", lang, n=f"{summary.customers:,}"),
        _said("order_lines", lang, n=f"{summary.order_lines:,}"),
        _said("chat_lines", lang, n=f"{summary.chat_messages:,}"),
        _said("carts", lang, n=f"{summary.carts:,}"),
        _said("favourites", lang, n=f"{summary.wishlists:,}"),
        _said("feedback", lang, n=f"{summary.feedback:,}"),
        _said("stock_rows", lang, n=f"{summary.stock_levels:,}"),
    ]
    if summary.first_order_at and summary.last_order_at:
        zone = ZoneInfo(summary.store.timezone)
        first, last = (
            summary.first_order_at.astimezone(zone),
            summary.last_order_at.astimezone(zone),
        )
        parts.append(_said("span", lang, first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}"))
    return " · ".join(parts)


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"
