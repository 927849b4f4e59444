"""The HTML report in a real browser: Debian's headless Chromium, no network, no errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from browser import visit
from PIL import Image

from winback.present.html_report import write_html
from winback.services.diagnosis import Diagnosis

SECTIONS = {
    "summary",
    "decomposition",
    "lost_ratio",
    "payment",
    "reasons",
    "chat_flags",
    "restock",
    "lost_products",
}


def test_the_report_opens_without_errors_and_shows_every_section(
    demo_diagnosis: Diagnosis, tmp_path: Path
) -> None:
    page = write_html(demo_diagnosis, tmp_path / "report.html")
    seen = visit(page, tmp_path / "profile")
    assert seen.errors == []
    assert set(seen.sections) == SECTIONS
    assert all(height > 80 for height in seen.sections.values()), seen.sections
    assert seen.dom.count("<svg") >= 6
    image = Image.open(io.BytesIO(seen.screenshot)).convert("RGB")
    (tmp_path / "report.png").write_bytes(seen.screenshot)
    width, height = image.size
    assert width >= 1000 and height > 3000, image.size
    small = image.resize((width // 8, height // 8))
    colours = small.getcolors(maxcolors=1 << 16) or []
    background = max(colours)[0] / (small.width * small.height)
    assert len(colours) > 200, "the page is not blank"
    assert background < 0.9, f"{background:.0%} of the page is one colour"


def test_a_page_with_a_javascript_error_is_caught(tmp_path: Path) -> None:
    """The check really fails on an error: a thrown exception and console.error are seen."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p>"
        "<script>console.error('drawn badly'); throw new Error('boom');</script>"
        "</body></html>",
        encoding="utf-8",
    )
    seen = visit(page, tmp_path / "profile")
    assert any("boom" in error for error in seen.errors), seen.errors
    assert any("drawn badly" in error for error in seen.errors), seen.errors


def test_a_page_that_reaches_for_the_network_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "fetching.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="file:///nonexistent/winback-chart.png"></body></html>',
        encoding="utf-8",
    )
    seen = visit(page, tmp_path / "profile")
    assert any(
        "winback-chart.png" in error or "ERR_FILE_NOT_FOUND" in error for error in seen.errors
    ), seen.errors


pytestmark = pytest.mark.slow
