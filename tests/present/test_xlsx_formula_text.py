"""Issue 12.9: buyer text that looks like a formula stays text in the Excel export, also
after the workbook is re-saved as CSV (a leading ``'``), and the export's numbers stay
numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from winback.present.diagnosis_tables import Column, TableData
from winback.present.xlsx_report import safe_text, write_tables

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+86 138", "-5 stars", "@SUM(A1)",
           "\t=1+2", "=cmd|'/C calc'!A0"]  # fmt: skip


def test_formula_like_text_is_prefixed_and_stays_text(tmp_path: Path) -> None:
    table = TableData(
        key="lost_products",
        title="=title",
        columns=(Column("商品"), Column("金额", "money"), Column("数量", "int")),
        rows=tuple((text, Decimal("-12.50"), -3) for text in [*HOSTILE, "连衣裙"]),
        note="@note",
        warnings=("-warning",),
    )
    path = write_tables([table], tmp_path / "t.xlsx", currency="CNY", language="zh")
    book = openpyxl.load_workbook(path)
    sheet = book["lost_products"]
    assert sheet["A1"].value == "'=title"
    cells = [sheet.cell(row=4 + n, column=1) for n in range(len(HOSTILE) + 1)]
    assert [cell.value for cell in cells] == [*("'" + text for text in HOSTILE), "连衣裙"]
    assert {cell.data_type for cell in cells} == {"s"}
    assert sheet.cell(row=4, column=2).value == -12.5  # numbers are not prefixed
    assert sheet.cell(row=4, column=3).value == -3
    # Re-saved as CSV, as Excel would: no cell starts a formula any more.
    buffer = io.StringIO()
    csv.writer(buffer).writerows(sheet.iter_rows(values_only=True))
    for row in csv.reader(io.StringIO(buffer.getvalue())):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit()


@pytest.mark.parametrize("text", ["连衣裙", "a=b", "", "1-2", " =x"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert safe_text(text) == text
