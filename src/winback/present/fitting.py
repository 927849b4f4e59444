"""Tables that never cut a number, on any terminal width or in a file.

A Rich table squeezed into a narrow terminal (or into the 80 columns Rich assumes when the
output goes to a file) shortens its widest cells: "1,610,…" and "22,862.…" in a money column,
product names folded one character per line. :func:`print_table` prevents both: a column of
numbers keeps its full width and never wraps, a text column wraps at word boundaries but not
narrower than a readable minimum, and when the numbers alone do not fit, the table is printed
as a plain list of "header: value" lines instead.
"""

from __future__ import annotations

import re
from typing import Final

from rich.console import Console
from rich.errors import MarkupError
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

__all__ = ["print_table"]

_NUMBER: Final = re.compile(r"^[\s¥$€£+\-−(]*[\d][\d,.\s]*[%×)]?\s*[A-Za-z%×)]{0,4}$")
_UNBOUNDED: Final = 100_000
_TEXT_MIN: Final = 10
"""The narrowest a wrapped text column may become."""


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` so that no number is cut: see the module docstring."""
    for column in table.columns:
        _fit(column)
    unbounded = console.options.update_width(_UNBOUNDED)
    needed = Measurement.get(console, unbounded, table).minimum
    if needed <= console.width:
        console.print(table)
        return
    _print_plain(console, table)


def _fit(column: Column) -> None:
    cells = [_plain(cell) for cell in column.cells]
    if cells and all(_NUMBER.match(cell) or cell in ("", "—", "-") for cell in cells):
        column.no_wrap = True
        column.overflow = "fold"
        column.min_width = max(len(cell) for cell in cells) if any(cells) else None
        return
    if column.min_width is None and cells:
        words = [len(word) for cell in cells for word in cell.split()]
        column.min_width = min(max(words, default=1), _TEXT_MIN)
    if column.overflow == "ellipsis":
        column.overflow = "fold"


def _print_plain(console: Console, table: Table) -> None:
    """The table as blocks of "header: value" lines: nothing can be cut."""
    if table.title:
        console.print(table.title, style="bold", highlight=False)
    headers = [_plain(column.header) for column in table.columns]
    rows = zip(*(list(column.cells) for column in table.columns), strict=True)
    for number, row in enumerate(rows, start=1):
        console.print(f"[{number}]", style="dim", highlight=False)
        for header, cell in zip(headers, row, strict=True):
            value = _plain(cell)
            if value:
                console.print(Text(f"  {header}: {value}"), soft_wrap=True)
    if table.caption:
        console.print(table.caption, style="dim", highlight=False)


def _plain(cell: object) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except MarkupError:
            return cell
    return str(cell)
