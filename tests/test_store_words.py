"""The import report speaks each store's language and names it (issue 11, point 1): a
Chinese Taobao store and an English Shopify store of one settings file. (``customers score``:
tests/test_cli_customers.py; ``dispatch``: tests/act/test_dispatch_cli.py; the demo:
tests/test_demo_pipeline.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from test_cli import ROWS, report_file
from test_stores import shopify_file
from winback.cli import cli

TWO_STORES = """
default_store = "俏艺旗舰店"

[stores."俏艺旗舰店"]
platform = "taobao"
currency = "CNY"
language = "zh"
unpaid_close_after = "3m"

[stores."Qiaoyi Global"]
platform = "shopify"
timezone = "America/New_York"
currency = "USD"
language = "en"
unpaid_close_after = "3m"
"""


def run(folder: Path, *args: str) -> Result:
    return CliRunner(env={"COLUMNS": "160"}).invoke(
        cli,
        ["--config", str(folder / "winback.toml"), "--database", f"sqlite:///{folder}/w.db", *args],
        catch_exceptions=False,
    )


def flat(text: str) -> str:
    """The output without its spaces and line breaks (Chinese text wraps anywhere)."""
    return "".join(text.split())


@pytest.fixture
def shops(tmp_path: Path) -> Path:
    (tmp_path / "winback.toml").write_text(TWO_STORES, encoding="utf-8")
    return tmp_path


def test_the_import_report_is_one_block_per_store_in_its_language(shops: Path) -> None:
    late = ROWS["settled"]  # paid 5 min after the order: later than the 3 min deadline
    unknown = ROWS["closed"].replace("交易关闭", "外星状态")
    taobao = run(shops, "import", str(report_file(shops, "o.csv", [late, unknown])),
                 "--source", "taobao")  # fmt: skip
    exported = shopify_file(shops)
    lines = exported.read_text(encoding="utf-8").splitlines()
    exported.write_text("\n".join(f"{line},x" for line in lines) + "\n", encoding="utf-8")
    shopify = run(shops, "import", str(exported), "--source", "shopify")
    zh, en = flat(taobao.output), flat(shopify.output)
    assert "俏艺旗舰店的导入报告" in zh and "读取行数" in zh and "拒绝" in zh
    assert "订单报表" in zh and "rowsread" not in zh and "Importreport" not in zh
    assert "o.csv：拒绝1行" in zh and "o.csv第3行" in zh
    assert "o.csv：未映射的列：" in zh and "columnsnotmapped" not in zh
    assert "俏艺旗舰店：1笔已付款订单中有1笔" in zh  # the deadline note, in Chinese
    assert "Import report of Qiaoyi Global" in shopify.output
    assert "rows read" in shopify.output and "导入报告" not in shopify.output
    assert "orders_export.csv: columns not mapped:" in shopify.output
    assert "俏艺旗舰店" not in en and "Qiaoyi Global" not in zh


def test_the_import_report_as_json_keeps_its_english_notes(shops: Path) -> None:
    path = report_file(shops, "o.csv", [ROWS["settled"]])
    (report,) = json.loads(run(shops, "import", str(path), "--source", "taobao", "--json").stdout)
    assert report["store"] == "俏艺旗舰店" and "notes_zh" not in report
    assert report["notes"] and report["notes"][0].startswith("1 of 1 paid orders")


def test_a_folder_of_files_for_one_store_prints_one_block(shops: Path) -> None:
    folder = shops / "exports"
    folder.mkdir()
    report_file(folder, "a.csv", [ROWS["settled"]])
    report_file(folder, "b.csv", [ROWS["pending"]])
    output = run(shops, "import", str(folder), "--source", "taobao").output
    assert output.count("俏艺旗舰店 的导入报告") == 1
    assert "a.csv" in output and "b.csv" in output
