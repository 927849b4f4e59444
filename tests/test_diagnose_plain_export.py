"""`winback diagnose` and `report` on a store built from a plain export (issue 10, points 2, 3
and 9): a generic CSV with the order, its buyer, when it was placed and paid, its status and
its refund, and no shipping or settlement column. Imported through the generic mapping into a
real SQLite store; every output is checked: terminal, JSON, HTML and Excel."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from winback.cli import cli

START = date(2026, 10, 1)
DAYS = 40
BAD_DAY = 30  # 10-31: two thirds of the orders closed
HUGE_DAY = DAYS - 1  # the last day: one unpaid order of ¥188,320.00
PERIOD = ("--from", "2026-10-11", "--to", "2026-11-09", "--as-of", "2026-11-09 20:00")
MAPPING = """
kind = "orders"
timezone = "Asia/Shanghai"

[columns]
order_id = "id"
buyer_id = "buyer"
created_at = "created"
paid_at = "paid"
status = "status"
total_amount = "total"
refund_amount = "refund"
"""
SETTINGS = """
[store]
name = "plain"
platform = "generic"
timezone = "Asia/Shanghai"
currency = "CNY"
language = "{language}"
"""


def order_rows() -> list[list[str]]:
    """30 orders a day of ¥99 or ¥129: a third closed unpaid, the rest paid; refunds on day 15;
    on the bad day two thirds closed; the last three days still open (72 h deadline)."""
    rows: list[list[str]] = []
    for day in range(DAYS):
        for n in range(30):
            placed = datetime.combine(START + timedelta(days=day), datetime.min.time())
            placed += timedelta(hours=9, minutes=n * 17)
            total = "99.00" if n % 2 else "129.00"
            closed = n < (20 if day == BAD_DAY else 10)
            if day >= DAYS - 2 and n < 10:
                status, paid = "pending", ""  # not yet closed: their day is provisional
            elif closed:
                status, paid = "closed", ""
            else:
                status, paid = "paid", f"{placed + timedelta(minutes=12):%Y-%m-%d %H:%M:%S}"
            rows.append([f"o{day:02d}{n:02d}", f"b{(day * 30 + n) % 97}", f"{placed}", paid,
                         status, total, "0.00"])  # fmt: skip
    refunds = {"o1520": ("refunded", "129.00"), "o1522": ("refunded", "100.00"),
               "o1524": ("paid", "19.90"), "o1526": ("refunded", "129.00")}  # fmt: skip
    for row in rows:
        if row[0] in refunds:
            row[4], row[6] = refunds[row[0]]
            row[5] = "110.00" if row[0] == "o1522" else row[5]  # kept ¥10 of shipping
    huge = datetime.combine(START + timedelta(days=HUGE_DAY), datetime.min.time())
    rows.append(["huge", "b-wholesale", f"{huge + timedelta(hours=15)}", "", "pending",
                 "188320.00", "0.00"])  # fmt: skip
    return rows


def write_store(folder: Path, language: str) -> Path:
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "buyer", "created", "paid", "status", "total", "refund"])
        writer.writerows(order_rows())
    (folder / "orders.toml").write_text(MAPPING, encoding="utf-8")
    (folder / "winback.toml").write_text(SETTINGS.format(language=language), encoding="utf-8")
    imported = run(
        folder, "import", str(folder / "orders.csv"), "--source", "generic",
        "--mapping", str(folder / "orders.toml"),
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    return folder


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    options = ["--database", database, "--config", str(folder / "winback.toml")]
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(tmp_path_factory.mktemp("plain"), "en")


@pytest.fixture(scope="module")
def report(plain: Path) -> dict[str, Any]:
    result = run(plain, "diagnose", *PERIOD, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_paid_orders_of_a_file_without_shipping_columns_are_not_paid_not_shipped(
    report: dict[str, Any],
) -> None:
    """Point 2: no "paid, not shipped, ¥… waiting" for orders the file cannot say about."""
    decomposition = report["decomposition"]
    assert decomposition["reported"] == [
        {"platform": "generic", "shipping": False, "settlement": False}
    ]
    assert decomposition["parts"] == [
        "unpaid", "paid_shipping_unknown", "closed_before_payment", "refunded",
    ]  # fmt: skip
    total = decomposition["total"]
    assert total["paid_not_shipped_amount"] == total["shipped_amount"] == "0.00"
    assert Decimal(total["paid_shipping_unknown_amount"]) > 0
    parts = sum(Decimal(total[f"{part}_amount"]) for part in decomposition["parts"])
    assert parts == Decimal(total["amount"])


def test_the_refunded_part_is_the_file_s_refund_sum(report: dict[str, Any]) -> None:
    """Point 3: full refunds, a refund that kept the shipping fee, a partial refund."""
    refunds = Decimal("129.00") + Decimal("100.00") + Decimal("19.90") + Decimal("129.00")
    assert Decimal(report["decomposition"]["total"]["refunded_amount"]) == refunds
    assert report["decomposition"]["total"]["refunded_orders"] == 2  # refunded in full


def test_the_last_days_are_provisional_and_kept_out_of_trend_and_alerts(
    report: dict[str, Any],
) -> None:
    days = report["lost_ratio"]["days"]
    provisional = [day["day"] for day in days if day["provisional"]]
    assert provisional == ["2026-11-06", "2026-11-07", "2026-11-08", "2026-11-09"]
    assert all(day["lost_ratio_7d"] is None and not day["alert"] for day in days[-4:])
    final_days = [day for day in report["decomposition"]["days"] if not day["provisional"]]
    assert final_days[-1]["day"] == "2026-11-05"


def test_only_the_day_unusual_for_the_store_alerts(report: dict[str, Any]) -> None:
    days = report["lost_ratio"]["days"]
    assert [day["day"] for day in days if day["alert"]] == ["2026-10-31"]
    total = report["lost_ratio"]["total"]
    assert total["above_threshold_days"] > 20  # a third closed: above the 30% line every day
    assert total["alert_days"] == 1


def test_the_huge_unpaid_order_is_flagged_as_an_outlier(report: dict[str, Any]) -> None:
    (outlier,) = report["decomposition"]["outliers"]
    assert (outlier["order_id"], outlier["amount"], outlier["day"]) == (
        "huge", "188320.00", "2026-11-09",
    )  # fmt: skip
    assert outlier["times_median"] > 1000


def test_the_terminal_says_what_the_file_cannot_tell_and_names_the_outlier(plain: Path) -> None:
    result = run(plain, "diagnose", *PERIOD)
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.split())
    assert "Paid, not shipped" not in shown
    assert "The data of source generic carries no shipping or settlement" in shown
    assert "Outlier order: huge, ¥188,320.00 (11-09, unpaid)" in shown
    assert "* Provisional: orders of 11-06–11-09 can still be paid or closed" in shown
    assert "Days losing more than 30% of orders: 10-31" in shown
    assert re.search(r"The store's usual lost ratio \(3\d\.\d%\) is above the 30% alert", shown)


def test_the_html_report_and_the_excel_tables_merge_the_same_parts(
    plain: Path, tmp_path: Path
) -> None:
    html, xlsx = tmp_path / "report.html", tmp_path / "tables.xlsx"
    result = run(plain, "report", *PERIOD, "--html", str(html), "--xlsx", str(xlsx))
    assert result.exit_code == 0, result.output
    page = html.read_text("utf-8")
    assert "Paid (shipping not in the data)" in page and "Paid, not shipped" not in page
    assert 'class="warning">Outlier order: huge' in page
    assert 'class="provisional"' in page
    book = openpyxl.load_workbook(xlsx, read_only=True)
    sheet = list(book["decomposition"].iter_rows(values_only=True))
    headers = sheet[2]
    assert "Paid (shipping not in the data)" in headers and "Paid, not shipped" not in headers
    assert headers[-1] == "Provisional"
    lines = [row[0] for row in sheet if isinstance(row[0], str)]
    assert any(line.startswith("The data of source generic carries no shipping") for line in lines)
    book.close()


def test_a_chinese_store_says_it_in_chinese(tmp_path: Path) -> None:
    folder = write_store(tmp_path, "zh")
    result = run(folder, "diagnose", *PERIOD)
    assert result.exit_code == 0, result.output
    shown = "".join(result.output.split())
    assert "已付款（数据中无发货信息）" in shown or "来源generic的数据中没有发货和回款信息" in shown
    assert "异常大额订单：huge" in shown
    assert "已付款未发货" not in shown


SLIP_MAPPING = MAPPING + 'payment_method = "method"\n'


@pytest.fixture(scope="module")
def slip_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point 5: 20 days of 20 orders; alipay buyers pay within the half hour, bank-slip
    buyers mostly too, but every fourth slip payment clears four days later, after the 72 h
    deadline; the unpaid orders are closed without a close time."""
    folder = tmp_path_factory.mktemp("slip")
    rows = []
    for day in range(20):
        for n in range(20):
            placed = datetime.combine(START + timedelta(days=day), datetime.min.time())
            placed += timedelta(hours=10, minutes=n * 7)
            method = "slip" if n % 2 else "alipay"
            delay = timedelta(days=4) if method == "slip" and n % 8 == 1 else timedelta(minutes=n)
            status, paid = ("closed", "") if n % 5 == 0 else ("paid", f"{placed + delay}")
            rows.append([f"s{day:02d}{n:02d}", f"b{n}", f"{placed}", paid, status, "99.00",
                         "0.00", method])  # fmt: skip
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "buyer", "created", "paid", "status", "total", "refund", "method"])
        writer.writerows(rows)
    (folder / "orders.toml").write_text(SLIP_MAPPING, encoding="utf-8")
    (folder / "winback.toml").write_text(SETTINGS.format(language="en"), encoding="utf-8")
    imported = run(
        folder, "import", str(folder / "orders.csv"), "--source", "generic",
        "--mapping", str(folder / "orders.toml"),
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    return folder


SLIP_PERIOD = ("--from", "2026-10-01", "--to", "2026-10-20", "--as-of", "2026-10-31")


def test_payments_after_the_deadline_are_counted_and_warned_about(slip_store: Path) -> None:
    result = run(slip_store, "diagnose", *SLIP_PERIOD, "--json")
    assert result.exit_code == 0, result.output
    segments = {
        (row["dimension"], row["segment"]): row
        for row in json.loads(result.stdout)["payment"]["segments"]
    }
    slip = segments[("payment_method", "slip")]
    assert slip["n_paid_after_deadline"] == 60  # n = 1, 9, 17 of 20 days
    assert slip["longest_payment_s"] == 4 * 86400
    assert slip["payers_p50_s"] < 3600  # the payers' median is not dragged past the deadline
    assert slip["payers_p99_s"] == 4 * 86400
    shown = " ".join(run(slip_store, "diagnose", *SLIP_PERIOD).output.split())
    assert "Payment method slip: 60 of 160 payments (37.5%) came after the 3 d deadline" in shown
    assert "Payers' P50" in shown and "Payers' P99" in shown
