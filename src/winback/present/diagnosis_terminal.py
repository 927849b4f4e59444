"""``winback diagnose`` on a terminal: the diagnosis tables drawn with rich.

Every table of :func:`~winback.present.diagnosis_tables.diagnosis_tables` in reading order,
numbers right-aligned, alert days in red, provisional days dimmed with a ``*``, the total row
under a rule, what the figures cannot show in yellow under each table, and the whole store's
"90% of paying buyers pay within T" after the payment table. Quantiles show their estimate
only (the intervals are in ``--json``, the HTML report and Excel). Long per-order tables show
the first ``diagnose.top_products`` rows and say how many there are.
"""

from __future__ import annotations

from rich import box
from rich.cells import cell_len as cell_width
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from winback.present.diagnosis_tables import (
    TableData,
    cell_text,
    diagnosis_tables,
    payment_sentence,
)
from winback.present.labels import text
from winback.present.numbers import SYMBOLS, money
from winback.services.diagnosis import Diagnosis

__all__ = ["print_diagnosis"]

CI_MARK = " [95% CI]"
_LONG: frozenset[str] = frozenset({"chat_flag_orders", "stockouts", "restock", "lost_products"})
_RIGHT = frozenset({"int", "money", "ratio", "duration", "interval", "flag"})
_FIGURES = frozenset({"int", "money", "ratio", "duration", "interval", "date", "flag"})


def print_diagnosis(console: Console, diagnosis: Diagnosis) -> None:
    """The whole diagnosis, table by table."""
    lang = diagnosis.language
    console.print(_heading(diagnosis))
    for note in diagnosis.deadline_notes:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    if not diagnosis.decomposition.num_rows or not diagnosis.decomposition_totals()["orders"]:
        console.print(text("no_orders", lang))
        return
    for table in diagnosis_tables(diagnosis):
        limit = diagnosis.settings.top_products if table.key in _LONG else None
        if table.rows or table.total is not None:
            console.print(_fitted(console, _rich_table(table, diagnosis, limit)), crop=False)
        else:
            console.print(f"[bold]{escape(table.title)}[/]")
        if table.note:
            style = "red" if any(table.alerts) and table.key == "lost_ratio" else "dim"
            console.print(f"[{style}]{escape(table.note)}[/]", highlight=False)
        for warning in table.warnings:
            console.print(f"[yellow]{escape(warning)}[/]", highlight=False)
        if table.key == "payment":
            console.print(f"[bold]{payment_sentence(diagnosis)}[/]", highlight=False)
        console.print()


def _fitted(console: Console, table: Table) -> Table:
    """``table`` as wide as its figures need when the output is not a terminal (a file, a
    pipe: rich would otherwise cut every line at 80 columns); a terminal's width is kept."""
    if not console.is_terminal:
        needed = console.measure(table, options=console.options.update(width=10_000)).maximum
        table.width = max(console.width, min(needed, 240))
    return table


def _heading(d: Diagnosis) -> str:
    lang = d.language
    totals = d.decomposition_totals()
    lost = d.lost_ratio_totals()
    return (
        f"[bold]{text('report_title', lang)} · {d.store.name}[/]  "
        f"{text('period', lang)} {d.period.start} → {d.period.end} ({d.store.timezone}) · "
        f"{text('orders', lang)} {totals['orders']:,} · "
        f"{money(totals['amount'], d.store.currency)} · "
        f"{text('lost_ratio_col', lang)} "
        f"{cell_text(lost['lost_ratio'], 'ratio', currency='', language=lang)}"
    )


def _rich_table(table: TableData, d: Diagnosis, limit: int | None) -> Table:
    """The table for a terminal: figures keep their full width (their headers wrap instead),
    text columns wrap, provisional rows are dimmed and marked ``*``."""
    shown = table.rows if limit is None else table.rows[:limit]
    rich = Table(
        title=table.title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,  # no vertical rules: more room for the figures on 80 columns
        pad_edge=False,
    )
    alerts = table.alerts or (False,) * len(table.rows)
    marks = table.provisional or (False,) * len(table.rows)
    body = []
    for row, mark in zip(shown, marks, strict=False):
        cells = _cells(table, row, d)
        if mark:
            cells[0] += "*"
        body.append(cells)
    total = _cells(table, table.total, d) if table.total is not None else None
    symbol = SYMBOLS.get(d.store.currency, d.store.currency)
    columns = [column for column in table.columns if column.kind != "sentence"]
    for index, column in enumerate(columns):
        header = column.header.replace(CI_MARK, "")
        header = f"{header} ({symbol})" if column.kind == "money" else header
        figure = column.kind in _FIGURES
        widest = max((cell_width(cells[index]) for cells in [*body, *([total] if total else [])]),
                     default=1)  # fmt: skip
        word = max((cell_width(part) for part in header.split()), default=1)
        rich.add_column(
            header,
            justify="right" if column.kind in _RIGHT else "left",
            overflow="fold",
            # a figure is never cut: its header wraps between words instead
            min_width=max(widest, word) if figure else None,
        )
    for cells, alert, mark in zip(body, alerts, marks, strict=False):
        rich.add_row(*cells, style="red" if alert else "dim italic" if mark else None)
    if total is not None:
        rich.add_section()
        rich.add_row(*total, style="bold")
    if len(shown) < len(table.rows):
        rich.caption = text("rows_shown", d.language, shown=len(shown), total=len(table.rows))
    return rich


def _cells(table: TableData, row: tuple[object, ...], d: Diagnosis) -> list[str]:
    kinds = [column.kind for column in table.columns]
    return [
        escape(cell_text(value, kind, currency=d.store.currency, language=d.language, compact=True))
        for value, kind in zip(row, kinds, strict=True)
        if kind != "sentence"
    ]
