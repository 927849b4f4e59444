"""The HTML report's lifecycle section: built from the store, rendered by the report page,
and written by `winback report --html`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from test_cli_customers import AS_OF, write_shop
from winback.app import App
from winback.cli import cli
from winback.config import load_settings
from winback.present.html_report import render_html
from winback.present.lifecycle_report import lifecycle_section
from winback.services.lifecycle import lifecycle_section as section_data


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    options = ["--database", database, "--config", str(folder / "winback.toml")]
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    write_shop(folder)
    for name in ("orders", "customers"):
        result = run(folder, "import", str(folder / f"{name}.csv"), "--source", "generic",
                     "--mapping", str(folder / f"{name}.toml"))  # fmt: skip
        assert result.exit_code == 0, result.output
    return folder


def open_app(folder: Path) -> App:
    database = {"database": {"url": f"sqlite:///{folder / 'winback.db'}"}}
    return App.open(load_settings(folder / "winback.toml", env={}, overrides=database), cwd=folder)


def page_of(folder: Path, language: str) -> str:
    app = open_app(folder)
    try:
        data = section_data(app, as_of=AS_OF)
    finally:
        app.close()
    section = lifecycle_section(data, language=language)
    return render_html([section], title="t", subtitle="s", language=language)


def test_without_scores_the_section_shows_segments_over_time_and_asks_for_scores(
    shop: Path,
) -> None:
    page = page_of(shop, "en")
    assert 'id="lifecycle"' in page and "Customer lifecycle" in page
    assert "Churn cutoff: 90 days (preset)" in page
    assert page.count("<svg") == 1  # the segment sizes over time
    assert "2024-12" in page and "Repeat-seeking" in page
    assert "run `winback customers score`" in page


def test_with_scores_the_section_adds_the_p_alive_bands_and_clv_deciles(shop: Path) -> None:
    assert run(shop, "customers", "score", "--as-of", AS_OF.isoformat()).exit_code == 0
    page = page_of(shop, "zh")
    assert "客户生命周期" in page
    assert page.count("<svg") == 3
    assert "0.9–1.0" in page and "第 10 组" in page
    assert re.search(r"¥[\d,]+\.\d\d · \d+\.\d%", page)


@pytest.mark.slow
def test_winback_report_html_includes_the_lifecycle_section(shop: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    result = run(shop, "report", "--from", "2024-12-25", "--to", AS_OF.isoformat(),
                 "--html", str(html))  # fmt: skip
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert 'id="lifecycle"' in page and 'id="summary"' in page
