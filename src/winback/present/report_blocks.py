"""The building blocks of an HTML report: sections made of charts, tables, figures, text.

A report is an ordered list of :class:`Section`; each section is a title and a list of
blocks. The template (``templates/report.html.j2``) knows how to draw each kind of block, so
a new part of the product adds a section by building one from these blocks — no template
change. Text is escaped by the template (autoescape on); :class:`Chart` holds SVG from
:mod:`winback.present.charts`, which escapes its own text, and is the only markup passed
through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from winback.present.diagnosis_tables import TableData, cell_text

__all__ = [
    "Block",
    "Chart",
    "Figure",
    "Figures",
    "HtmlTable",
    "Paragraph",
    "Section",
    "html_table",
]


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline number: ``label``, ``value`` (already formatted) and a small ``detail``;
    ``tone`` colours it (``alert`` red, ``good`` green)."""

    label: str
    value: str
    detail: str = ""
    tone: Literal["plain", "alert", "good"] = "plain"


@dataclass(frozen=True, slots=True)
class Figures:
    kind: Literal["figures"] = field(default="figures", init=False)
    items: Sequence[Figure] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A sentence; ``warning`` marks one that says what the figures cannot show."""

    kind: Literal["paragraph"] = field(default="paragraph", init=False)
    text: str = ""
    strong: bool = False
    warning: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline SVG chart from :mod:`winback.present.charts`."""

    kind: Literal["chart"] = field(default="chart", init=False)
    svg: Markup


@dataclass(frozen=True, slots=True)
class HtmlTable:
    """A table with its cells already formatted; ``numeric`` columns are right-aligned.
    ``collapsed`` tables are folded behind their title (``<details>``); ``provisional``
    rows (figures that will still move) are drawn faint, their first cell marked ``*``."""

    kind: Literal["table"] = field(default="table", init=False)
    title: str = ""
    headers: Sequence[str] = ()
    numeric: Sequence[bool] = ()
    rows: Sequence[Sequence[str]] = ()
    alerts: Sequence[bool] = ()
    total: Sequence[str] | None = None
    note: str = ""
    collapsed: bool = False
    provisional: Sequence[bool] = ()


Block = Figures | Paragraph | Chart | HtmlTable


@dataclass(frozen=True, slots=True)
class Section:
    """One part of the report: an anchor ``key``, a ``title`` and its blocks in order."""

    key: str
    title: str
    blocks: Sequence[Block]


_NUMERIC = frozenset({"int", "money", "ratio", "duration", "interval", "flag"})


def html_table(
    table: TableData,
    *,
    currency: str,
    language: str,
    limit: int | None = None,
    collapsed: bool = False,
    more: str = "",
) -> HtmlTable:
    """``table`` with its cells formatted; with ``limit``, the first rows and ``more`` (a
    note such as "first 20 of 31 rows shown") after them."""
    kinds = [column.kind for column in table.columns]
    rows = table.rows if limit is None else table.rows[:limit]

    def cells(row: Sequence[object]) -> list[str]:
        return [
            cell_text(value, kind, currency=currency, language=language)
            for value, kind in zip(row, kinds, strict=True)
        ]

    note = table.note
    if len(rows) < len(table.rows) and more:
        note = f"{note} · {more}" if note else more
    marks = list(table.provisional[: len(rows)])
    drawn = [cells(row) for row in rows]
    for row, mark in zip(drawn, marks, strict=False):
        if mark:
            row[0] += "*"
    return HtmlTable(
        title=table.title,
        headers=[column.header for column in table.columns],
        numeric=[kind in _NUMERIC for kind in kinds],
        rows=drawn,
        alerts=list(table.alerts[: len(rows)]),
        total=cells(table.total) if table.total is not None else None,
        note=note,
        collapsed=collapsed,
        provisional=marks,
    )
