"""The HTML report: one self-contained file, every section, escaped text, zh or en."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from winback.present.html_report import DIAGNOSIS_SECTIONS, render_html, write_html
from winback.present.report_blocks import Paragraph, Section
from winback.present.xlsx_report import write_xlsx
from winback.services.diagnosis import Diagnosis

SECTION_KEYS = [
    "summary",
    "decomposition",
    "lost_ratio",
    "payment",
    "reasons",
    "chat_flags",
    "restock",
    "lost_products",
]


@pytest.fixture(scope="module")
def report(demo_diagnosis: Diagnosis, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = write_html(demo_diagnosis, tmp_path_factory.mktemp("html") / "report.html")
    return path.read_text(encoding="utf-8")


def test_the_report_has_every_section_in_order(report: str) -> None:
    found = re.findall(r'<section class="report-section" id="([a-z_]+)"', report)
    assert found == SECTION_KEYS
    assert len(DIAGNOSIS_SECTIONS) == len(SECTION_KEYS)


def test_the_report_needs_no_network_and_no_script(report: str) -> None:
    assert "<script" not in report
    without_namespace = report.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"(?:src|href)\s*=\s*\"(?:https?:)?//", without_namespace)
    assert "url(" not in report and "@import" not in report


def test_the_report_draws_the_charts_inline(report: str) -> None:
    assert report.count("<svg") >= 6
    assert "每日订单金额" in report and "预警线 30%" in report
    assert re.search(r"¥\d{1,3}(,\d{3})*\.\d{2}", report), "amounts read like ¥1,234.50"


def test_text_in_sections_is_escaped() -> None:
    page = render_html(
        [Section("x", "<b>title</b>", [Paragraph(text='<img src=x onerror="alert(1)">')])],
        title="<script>",
        subtitle="s",
        language="en",
    )
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<script>" not in page


def test_another_part_of_the_product_can_add_a_section(
    demo_diagnosis: Diagnosis, tmp_path: Path
) -> None:
    extra = Section("lifecycle", "Lifecycle", [Paragraph(text="customers by stage")])
    page = write_html(demo_diagnosis, tmp_path / "r.html", extra_sections=[extra]).read_text(
        "utf-8"
    )
    assert re.findall(r'id="([a-z_]+)" data-section', page)[-1] == "lifecycle"
    assert '<a href="#lifecycle">Lifecycle</a>' in page


def test_english_settings_give_an_english_report(
    demo_diagnosis_en: Diagnosis, tmp_path: Path
) -> None:
    page = write_html(demo_diagnosis_en, tmp_path / "en.html").read_text("utf-8")
    assert '<html lang="en">' in page and "Lost-order ratio" in page and "订单流失诊断" not in page


def test_the_excel_export_has_one_sheet_per_table_with_numbers(
    demo_diagnosis: Diagnosis, tmp_path: Path
) -> None:
    path = write_xlsx(demo_diagnosis, tmp_path / "tables.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [
        "decomposition",
        "lost_ratio",
        "payment",
        "reasons",
        "chat_flag_summary",
        "chat_flag_orders",
        "stockouts",
        "restock",
        "lost_products",
    ]
    rows = list(book["decomposition"].iter_rows(min_row=4, values_only=True))
    days = [row for row in rows if isinstance(row[0], datetime)]
    (total,) = [row for row in rows if str(row[0]).startswith(("全部", "All"))]
    assert isinstance(total[2], float)
    # the total amount equals the sum of the daily amounts, to the cent
    assert round(sum(row[2] for row in days), 2) == round(total[2], 2)
    book.close()
