"""The diagnosis tables as an Excel workbook: one sheet per table, numbers as numbers.

Written with XlsxWriter. Money cells are numbers with the store currency's format (exact:
a Decimal with two places is written as its float, which Excel shows to the cent), ratios are
numbers with a percentage format, days are Excel dates, durations are seconds; so a shop
team can sort, sum and chart them. A table with provisional days gets a last column saying
which; what the figures cannot show (the deadline notes, merged parts, outliers, late
payments) is written under the table it concerns. Chat excerpts arrive masked from
:mod:`winback.present.diagnosis_tables`.

Every text is written as a text cell, and a text that a spreadsheet would take for a formula
(it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: a buyer's message, a
product title) gets a leading ``'``, so that it stays text when the workbook is re-saved as
CSV and that CSV opened again (issue 12.9).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import xlsxwriter

from winback.present.diagnosis_tables import Column, TableData, diagnosis_tables
from winback.present.labels import text
from winback.present.numbers import SYMBOLS
from winback.services.diagnosis import Diagnosis

__all__ = ["safe_text", "write_tables", "write_xlsx"]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """``value``, with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def write_xlsx(diagnosis: Diagnosis, path: Path) -> Path:
    """Write every table of the diagnosis to ``path`` (one sheet each, named by its key)."""
    tables = []
    for table in diagnosis_tables(diagnosis):
        if table.key == "decomposition":
            table = replace(table, warnings=(*diagnosis.deadline_notes, *table.warnings))
        tables.append(table)
    currency, language = diagnosis.store.currency, diagnosis.language
    return write_tables(tables, path, currency=currency, language=language)


def write_tables(tables: Iterable[TableData], path: Path, *, currency: str, language: str) -> Path:
    """Write ``tables`` to ``path``, one sheet each, money in ``currency``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    symbol = SYMBOLS.get(currency, currency + " ")
    with xlsxwriter.Workbook(str(path), {"strings_to_formulas": False}) as book:
        formats = {
            "header": book.add_format({"bold": True, "bg_color": "#F3F5F7", "bottom": 1}),
            "title": book.add_format({"bold": True, "font_size": 13}),
            "money": book.add_format({"num_format": f'"{symbol}"#,##0.00'}),
            "ratio": book.add_format({"num_format": "0.0%"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "int": book.add_format({"num_format": "#,##0"}),
            "bold": book.add_format({"bold": True}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        for table in tables:
            _write_sheet(book, table, formats, language)
    return path


def _write_sheet(
    book: xlsxwriter.Workbook, table: TableData, formats: dict[str, Any], language: str
) -> None:
    sheet = book.add_worksheet(_BAD_SHEET_CHARS.sub("_", table.key)[:31])
    sheet.write_string(0, 0, safe_text(table.title), formats["title"])
    headers = [header for column in table.columns for header in _headers(column, language)]
    marked = any(table.provisional)
    if marked:
        headers.append(text("provisional", language))
    for col, header in enumerate(headers):
        sheet.write_string(2, col, safe_text(header), formats["header"])
        sheet.set_column(col, col, max(12, min(len(header) * 2, 40)))
    row_index = 3
    for number, row in enumerate(table.rows):
        _write_row(sheet, row_index, table.columns, row, formats)
        if marked:
            sheet.write_boolean(row_index, len(headers) - 1, table.provisional[number])
        row_index += 1
    if table.total is not None:
        _write_row(sheet, row_index, table.columns, table.total, formats, total=True)
        row_index += 1
    row_index += 1
    for line in (table.note, *table.warnings):
        if line:
            sheet.write_string(row_index, 0, safe_text(line))
            row_index += 1
    sheet.freeze_panes(3, 0)


def _headers(column: Column, language: str) -> list[str]:
    if column.kind == "interval":
        low, high = ("下限", "上限") if language == "zh" else ("lower", "upper")
        seconds = "秒" if language == "zh" else "s"
        return [f"{column.header} ({seconds})", f"{low} ({seconds})", f"{high} ({seconds})"]
    if column.kind == "duration":
        return [f"{column.header} ({'秒' if language == 'zh' else 's'})"]
    return [column.header]


def _write_row(
    sheet: Any,
    row: int,
    columns: tuple[Column, ...],
    values: tuple[Any, ...],
    formats: dict[str, Any],
    *,
    total: bool = False,
) -> None:
    col = 0
    for column, value in zip(columns, values, strict=True):
        cells = list(value) if column.kind == "interval" else [value]
        if column.kind == "interval" and value is None:
            cells = [None, None, None]
        for cell in cells:
            _write_cell(sheet, row, col, column, cell, formats, total)
            col += 1


def _write_cell(
    sheet: Any, row: int, col: int, column: Column, value: Any, formats: dict[str, Any], total: bool
) -> None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        sheet.write_blank(row, col, None)
        return
    kind = column.kind
    if kind == "money" and isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), formats["money"])
    elif kind == "ratio":
        sheet.write_number(row, col, float(value), formats["ratio"])
    elif kind == "date" and isinstance(value, date):
        sheet.write_datetime(row, col, value, formats["date"])
    elif kind in ("int", "duration", "interval") and isinstance(value, int | float):
        sheet.write_number(row, col, value, formats["int"] if kind == "int" else None)
    elif kind == "flag":
        sheet.write_boolean(row, col, bool(value))
    else:
        cell = safe_text(str(value))
        sheet.write_string(row, col, cell, formats["bold"] if total else formats["wrap"])
