"""Several stores in one settings file: imports go to the store they belong to, stores never
mix, and a failed import leaves the database exactly as it was (issue 11.1, 12.4)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from test_cli import HEADER, ROWS, report_file
from winback.cli import cli

TWO_STORES = """
default_store = "俏艺旗舰店"

[policy]
reminders_per_order = 3

[stores."俏艺旗舰店"]
platform = "taobao"
unpaid_close_after = "72h"

[stores."Qiaoyi Global"]
platform = "shopify"
timezone = "America/New_York"
currency = "USD"
language = "en"

[stores."Qiaoyi Global".policy]
reminders_per_order = 1
"""

SHOPIFY_HEADER = (
    "Name,Email,Financial Status,Currency,Total,Created at,"
    "Lineitem name,Lineitem quantity,Lineitem price"
)


def shopify_file(folder: Path, currency: str = "USD", name: str = "orders_export.csv") -> Path:
    path = folder / name
    rows = [
        f"#1001,ann@example.com,paid,{currency},168.90,2026-10-02 09:30:00 -0400,Tee,1,168.90",
        f"#1002,bob@example.com,pending,{currency},40.00,2026-10-02 10:00:00 -0400,Cap,2,20.00",
    ]
    path.write_text("\n".join([SHOPIFY_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["--config", str(folder / "winback.toml"), "--database", f"sqlite:///{folder}/w.db", *args],
        catch_exceptions=False,
    )


def ok_json(folder: Path, *args: str) -> object:
    result = run(folder, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def shops(tmp_path: Path) -> Path:
    (tmp_path / "winback.toml").write_text(TWO_STORES, encoding="utf-8")
    return tmp_path


def test_each_file_goes_to_the_store_of_its_platform_and_keeps_its_currency(shops: Path) -> None:
    taobao = ok_json(shops, "import", str(report_file(shops, "o.csv", list(ROWS.values()))),
                     "--source", "taobao")  # fmt: skip
    shopify = ok_json(shops, "import", str(shopify_file(shops)), "--source", "shopify")
    assert [r["store"] for r in taobao] == ["俏艺旗舰店"]  # type: ignore[index]
    assert [r["store"] for r in shopify] == ["Qiaoyi Global"]  # type: ignore[index]
    summaries = ok_json(shops, "status", "--as-of", "2026-10-02")
    by_store = {s["store"]["name"]: s for s in summaries}  # type: ignore[union-attr]
    assert by_store["俏艺旗舰店"]["store"]["currency"] == "CNY"
    assert by_store["Qiaoyi Global"]["store"]["currency"] == "USD"
    assert by_store["Qiaoyi Global"]["store"]["timezone"] == "America/New_York"
    assert by_store["Qiaoyi Global"]["orders"] == 2 and by_store["俏艺旗舰店"]["orders"] == 3
    human = run(shops, "status").output
    assert "amount (USD)" in human and "金额（CNY）" in human  # each store in its own words
    assert "订单数" in human and "orders" in human


def test_a_shopify_file_without_a_shopify_store_is_refused_with_the_settings_to_add(
    tmp_path: Path,
) -> None:
    (tmp_path / "winback.toml").write_text('[store]\nname = "淘宝店"\n', encoding="utf-8")
    result = run(tmp_path, "import", str(shopify_file(tmp_path)), "--source", "shopify")
    assert result.exit_code == 1
    assert "no store in" in result.output and "sells on shopify" in result.output
    assert '[stores."' in result.output and 'currency = "USD"' in result.output
    assert not (tmp_path / "w.db").exists() or _tables_empty(tmp_path / "w.db")


def test_a_file_named_into_a_store_of_another_platform_is_refused(shops: Path) -> None:
    result = run(shops, "import", str(shopify_file(shops)), "--source", "shopify",
                 "--store", "俏艺旗舰店")  # fmt: skip
    assert result.exit_code == 1
    assert "sells on taobao, this is a shopify file: refused" in result.output


def test_orders_in_another_currency_than_the_store_are_refused_never_merged(shops: Path) -> None:
    result = run(shops, "import", str(shopify_file(shops, currency="EUR")), "--source", "shopify")
    assert result.exit_code == 1
    assert "in EUR, store 'Qiaoyi Global' trades in USD" in result.output
    assert _count_orders(shops / "w.db") == 0


def test_a_new_shopify_store_named_on_the_command_line_must_be_described_first(
    shops: Path,
) -> None:
    result = run(shops, "import", str(shopify_file(shops)), "--source", "shopify",
                 "--store", "Brand New Shop")  # fmt: skip
    assert result.exit_code == 1 and "Brand New Shop" in result.output
    assert _store_names(shops / "w.db") == []


def test_a_chinese_marketplace_store_named_on_the_command_line_is_created_in_cny(
    shops: Path,
) -> None:
    path = report_file(shops, "o.csv", list(ROWS.values()))
    (report,) = ok_json(shops, "import", str(path), "--source", "tmall", "--store", "天猫店")  # type: ignore[misc]
    assert report["store"] == "天猫店"
    (summary,) = ok_json(shops, "status", "--store", "天猫店")  # type: ignore[misc]
    assert (summary["store"]["platform"], summary["store"]["currency"]) == ("tmall", "CNY")


def test_a_command_about_one_store_uses_that_stores_settings(shops: Path) -> None:
    ok_json(shops, "import", str(shopify_file(shops)), "--source", "shopify")
    data = ok_json(shops, "diagnose", "--store", "Qiaoyi Global", "--as-of", "2026-10-03",
                   "--from", "2026-10-02", "--to", "2026-10-02")  # fmt: skip
    assert data["currency"] == "USD" and data["timezone"] == "America/New_York"  # type: ignore[index]
    assert data["language"] == "en"  # type: ignore[index]
    assert data["decomposition"]["total"]["orders"] == 2  # type: ignore[index]


def test_several_stores_without_a_default_make_a_one_store_command_ask_which(
    tmp_path: Path,
) -> None:
    (tmp_path / "winback.toml").write_text(
        TWO_STORES.replace('default_store = "俏艺旗舰店"', ""), encoding="utf-8"
    )
    result = run(tmp_path, "diagnose")
    assert result.exit_code == 1
    assert "several stores" in result.output and "--store" in result.output


def test_a_failed_import_leaves_the_database_byte_identical(shops: Path) -> None:
    good = report_file(shops, "o.csv", list(ROWS.values()))
    ok_json(shops, "import", str(good), "--source", "taobao")
    before = _dump(shops / "w.db")
    broken = shops / "jd.csv"
    broken.write_text("订单号,下单时间\n1,2026-10-01 10:00:00\n", encoding="utf-8")
    jd = run(shops, "import", str(broken), "--source", "jd", "--store", "俏艺旗舰店")
    assert jd.exit_code == 1
    empty = shops / "empty.csv"
    empty.write_bytes(b"")
    new = run(shops, "import", str(empty), "--source", "taobao", "--store", "Brand New Shop")
    assert new.exit_code == 1
    missing = shops / "missing.csv"
    missing.write_text(HEADER.replace("订单编号", "编号") + "\n", encoding="gb18030")
    gone = run(shops, "import", str(missing), "--source", "taobao")
    assert gone.exit_code == 1
    assert _dump(shops / "w.db") == before


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def _count_orders(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM orders").fetchone()[0])


def _store_names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [name for (name,) in conn.execute("SELECT name FROM stores")]


def _tables_empty(path: Path) -> bool:
    return _count_orders(path) == 0 and _store_names(path) == []


def test_dates_outside_the_settings_window_reject_their_rows_with_file_row_and_column(
    tmp_path: Path,
) -> None:
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "淘宝店"\n[imports]\nearliest_date = 2026-06-01\n', encoding="utf-8"
    )
    rows = [
        ROWS["settled"],
        ROWS["pending"].replace("2026-10-01 10:00:00", "2026-05-31 10:00:00"),
        ROWS["closed"].replace("2026-10-01 12:00:00", "2099-10-01 12:00:00"),
    ]
    (report,) = ok_json(tmp_path, "import", str(report_file(tmp_path, "o.csv", rows)),
                        "--source", "taobao")  # type: ignore[misc]  # fmt: skip
    assert (report["created"], report["rejected"]) == (1, 2)
    rejected = {(r["row"], r["column"]) for r in report["rejections"]}
    assert rejected == {(3, "订单创建时间"), (4, "订单创建时间")}
