"""`winback diagnose` and `winback report` end to end on the demo shop's store."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console

from winback.cli import cli
from winback.demo.pipeline import run_demo


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten days of the demo shop (11-13 to 11-22 in Shanghai)."""
    folder = tmp_path_factory.mktemp("cli") / "demo"
    run_demo(folder, days=10, console=Console(quiet=True), clock=FixedClock())
    return folder


def run(shop: Path, *args: str) -> Result:
    base = [
        "--config",
        str(shop / "winback.toml"),
        "--database",
        f"sqlite:///{shop / 'winback.db'}",
    ]
    return CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)


def test_diagnose_prints_every_table_for_the_period(shop: Path) -> None:
    result = run(shop, "diagnose", "--from", "2026-11-13", "--to", "2026-11-22")
    assert result.exit_code == 0, result.output
    for title in (
        "D1 每日订单金额构成",
        "D2 订单流失比例",
        "D6 付款行为",
        "D3 流失原因",
        "D4",
        "D5",
    ):
        assert title in result.output
    assert "90%的付款买家在下单后" in result.output
    assert "2026-11-13 → 2026-11-22" in result.output


def test_diagnose_json_is_complete_and_its_amounts_are_exact_strings(shop: Path) -> None:
    result = run(shop, "diagnose", "--from", "2026-11-13", "--to", "2026-11-22", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["period"] == {"from": "2026-11-13", "to": "2026-11-22"}
    days = data["decomposition"]["days"]
    assert len(days) == 10
    parts = (
        "unpaid",
        "paid_not_shipped",
        "shipped",
        "settled",
        "closed_before_payment",
        "refunded",
    )
    for day in days:
        assert Decimal(day["amount"]) == sum(Decimal(day[f"{part}_amount"]) for part in parts)
    assert data["lost_ratio"]["threshold"] == 0.3
    assert {row["dimension"] for row in data["payment"]["segments"]} >= {
        "all",
        "buyer_type",
        "amount_band",
    }
    assert data["reasons"]["table"][-1]["reason"] == "unknown"


def test_report_writes_one_html_file_and_an_excel_workbook(shop: Path, tmp_path: Path) -> None:
    html, xlsx = tmp_path / "out" / "report.html", tmp_path / "out" / "tables.xlsx"
    result = run(
        shop,
        "report",
        "--from",
        "2026-11-13",
        "--to",
        "2026-11-22",
        "--html",
        str(html),
        "--xlsx",
        str(xlsx),
    )
    assert result.exit_code == 0, result.output
    assert f"HTML report: {html}" in result.output
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'id="restock"' in page
    assert xlsx.stat().st_size > 5000


def test_report_without_a_file_says_what_to_pass(shop: Path) -> None:
    result = run(shop, "report")
    assert result.exit_code == 1
    assert "--html FILE" in result.output


def test_a_bad_date_or_an_unknown_store_is_one_clear_error(shop: Path) -> None:
    bad = run(shop, "diagnose", "--from", "30/07/2026")
    assert bad.exit_code == 2 and "not a date like 2026-07-30" in bad.output
    unknown = run(shop, "diagnose", "--store", "nowhere")
    assert unknown.exit_code == 1 and "no store named 'nowhere'" in unknown.output
    backwards = run(shop, "diagnose", "--from", "2026-11-20", "--to", "2026-11-10")
    assert backwards.exit_code == 1 and "starts after it ends" in backwards.output


@pytest.mark.parametrize("command", ["diagnose", "report"])
def test_the_docs_describe_every_option_of_the_command(command: str) -> None:
    docs = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text("utf-8")
    help_text = CliRunner().invoke(cli, [command, "--help"]).output
    options = sorted(set(re.findall(r"--[a-z]+", help_text)) - {"--help"})
    assert options
    for option in options:
        assert option in docs, f"docs/diagnostics.md does not mention {command} {option}"


def test_a_period_without_orders_says_so_everywhere(shop: Path, tmp_path: Path) -> None:
    shown = run(shop, "diagnose", "--from", "2020-01-01", "--to", "2020-01-03")
    assert shown.exit_code == 0 and "该区间没有订单" in shown.output
    page = tmp_path / "empty.html"
    written = run(shop, "report", "--from", "2020-01-01", "--to", "2020-01-03", "--html", str(page))
    assert written.exit_code == 0
    assert "该区间没有订单" in page.read_text("utf-8")
    data = json.loads(
        run(shop, "diagnose", "--from", "2020-01-01", "--to", "2020-01-03", "--json").stdout
    )
    assert (
        data["decomposition"]["total"]["orders"] == 0
        and data["lost_ratio"]["total"]["lost_ratio"] is None
    )


def test_the_diagnosis_modules_load_without_scipy_stats_scikit_learn_or_jieba() -> None:
    """Issue 10, point 8: these cost about 2 s of every `winback diagnose` before it starts."""
    probe = (
        "import sys\n"
        "import winback.services.diagnosis, winback.present.diagnosis_terminal\n"
        "import winback.present.html_report, winback.present.xlsx_report\n"
        "heavy = ('scipy.stats', 'sklearn', 'jieba', 'winback.services.importing')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == ""


def test_the_winback_command_loads_no_pandas_scipy_or_alembic_and_prints_the_same(
    shop: Path,
) -> None:
    """Issue 10, point 8: the `winback` command (``main``) answers pyarrow's pandas probe
    with no and opens a store at head without Alembic; its figures are the group's, run
    inside this process where pyarrow found pandas."""
    args = [
        "--config",
        str(shop / "winback.toml"),
        "--database",
        f"sqlite:///{shop / 'winback.db'}",
        "diagnose",
        "--from",
        "2026-11-13",
        "--to",
        "2026-11-22",
        "--as-of",
        "2026-11-23T12:00:00+08:00",
        "--json",
    ]
    inside = CliRunner().invoke(cli, args, catch_exceptions=False)  # remembers the reasons
    assert inside.exit_code == 0, inside.output
    probe = (
        "import sys\n"
        "from winback.cli import main\n"
        f"sys.argv = ['winback', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('pandas', 'scipy', 'sklearn', 'jieba', 'alembic')\n"
        "print('heavy:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    *printed, loaded = result.stdout.rstrip("\n").split("\n")
    assert loaded == "heavy:"
    assert json.loads("\n".join(printed)) == json.loads(inside.stdout)
