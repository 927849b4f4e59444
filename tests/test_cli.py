"""The `winback` command end to end: real files, a real SQLite store, click's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from winback.cli import SOURCES, cli

HEADER = (
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,总金额,买家实际支付金额,"
    "订单状态,买家留言,收货人姓名,收货地址 ,联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,"
    "宝贝总数量,订单关闭原因,商家备注"
)
ROWS = {
    "pending": '="1001",tb_alice,-,128.00,0.00,128.00,0.00,等待买家付款,-,张*,浙江省 杭州市 ****,'
    "138****5678,2026-10-01 10:00:00,-,法式碎花连衣裙,1,订单未关闭,-",
    "settled": '="1002",tb_bob,-,99.00,10.00,109.00,109.00,交易成功,尽快发货,李*,上海 ****,'
    "139****0000,2026-10-01 11:00:00,2026-10-01 11:05:00,纯棉白衬衫,1,订单未关闭,-",
    "closed": '="1003",tb_carol,-,59.00,0.00,59.00,0.00,交易关闭,-,王*,北京 ****,'
    "137****1111,2026-10-01 12:00:00,-,针织开衫,1,买家未付款,-",
}


def report_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    return path


def run(folder: Path, *args: str) -> Result:
    runner = CliRunner()
    database = f"sqlite:///{folder / 'winback.db'}"
    return runner.invoke(cli, ["--database", database, *args], catch_exceptions=False)


def import_json(folder: Path, path: Path) -> dict[str, object]:
    result = run(folder, "import", str(path), "--source", "taobao", "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def statuses(folder: Path, *as_of: str) -> dict[str, int]:
    result = run(folder, "status", "--json", *as_of)
    assert result.exit_code == 0, result.output
    (summary,) = json.loads(result.stdout)
    return {row["status"]: row["orders"] for row in summary["orders_by_status"]}


def test_importing_a_taobao_report_creates_its_orders_and_reports_them(tmp_path: Path) -> None:
    path = report_file(tmp_path, "orders.csv", list(ROWS.values()))
    report = import_json(tmp_path, path)
    assert (report["rows_read"], report["created"], report["rejected"]) == (3, 3, 0)
    # as of the export's time the unpaid order is open; long after, its deadline has passed
    as_of_export = statuses(tmp_path, "--as-of", "2026-10-01 13:00")
    assert as_of_export == {"pending": 1, "settled": 1, "closed": 1}
    assert statuses(tmp_path, "--as-of", "2026-12-01") == {"settled": 1, "closed": 2}


def test_the_human_report_names_counts_and_unmapped_columns(tmp_path: Path) -> None:
    path = report_file(tmp_path, "orders.csv", list(ROWS.values()))
    result = run(tmp_path, "import", str(path), "--source", "taobao")
    assert result.exit_code == 0, result.output
    # a store without settings speaks the default language, Chinese (store.language)
    assert "default 的导入报告" in result.stdout and "读取行数" in result.stdout
    assert re.search(r"orders\.csv：未映射的列：.*买家支付宝账号", result.stdout)


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    path = report_file(tmp_path, "orders.csv", list(ROWS.values()))
    import_json(tmp_path, path)
    again = import_json(tmp_path, path)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_a_newer_file_moves_a_status_forward_and_an_older_one_never_back(tmp_path: Path) -> None:
    old = report_file(tmp_path, "old.csv", [ROWS["pending"]])
    paid = (
        ROWS["pending"]
        .replace("等待买家付款", "买家已付款，等待卖家发货")
        .replace(",128.00,0.00,128.00,0.00,", ",128.00,0.00,128.00,128.00,")
        .replace("2026-10-01 10:00:00,-,", "2026-10-01 10:00:00,2026-10-01 10:20:00,")
    )
    new = report_file(tmp_path, "new.csv", [paid])
    import_json(tmp_path, old)
    assert import_json(tmp_path, new)["updated"] == 1
    assert statuses(tmp_path) == {"paid": 1}
    late = import_json(tmp_path, old)
    assert late["updated"] == 0
    assert statuses(tmp_path) == {"paid": 1}


def test_a_bad_amount_rejects_that_row_naming_row_and_column(tmp_path: Path) -> None:
    bad = ROWS["settled"].replace(",109.00,109.00,", ",一百零九,109.00,")
    path = report_file(tmp_path, "orders.csv", [ROWS["pending"], bad])
    report = import_json(tmp_path, path)
    assert report["created"] == 1
    (rejection,) = report["rejections"]  # type: ignore[misc]
    assert (rejection["row"], rejection["column"].strip()) == (3, "总金额")
    human = run(tmp_path, "import", str(path), "--source", "taobao")
    assert "第 3 行" in human.stdout and "总金额" in human.stdout  # the default store: Chinese


def test_a_file_missing_a_required_column_fails_and_stores_nothing(tmp_path: Path) -> None:
    import_json(tmp_path, report_file(tmp_path, "good.csv", [ROWS["settled"]]))
    broken = tmp_path / "broken.csv"
    header = HEADER.replace("订单编号,", "编号,")
    broken.write_bytes(f"{header}\n{ROWS['pending']}\n".encode("gb18030"))
    result = run(tmp_path, "import", str(broken), "--source", "taobao")
    assert result.exit_code == 1
    assert "broken.csv" in result.stderr and "订单编号" in result.stderr
    assert statuses(tmp_path) == {"settled": 1}


def test_a_file_in_the_wrong_encoding_fails_with_a_readable_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\xff\xfe\xfa\x00\x81\x82\x83\x84\x85" * 200)
    result = run(tmp_path, "import", str(path), "--source", "taobao")
    assert result.exit_code == 1
    assert "latin.csv" in result.stderr


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run(tmp_path, "import", str(tmp_path / "nope.csv"), "--source", "taobao")
    assert result.exit_code == 1
    assert "nope.csv" in result.stderr and "no such file" in result.stderr


def test_generic_imports_require_a_mapping(tmp_path: Path) -> None:
    path = report_file(tmp_path, "orders.csv", [ROWS["pending"]])
    result = run(tmp_path, "import", str(path), "--source", "generic")
    assert result.exit_code == 1
    assert "--mapping" in result.stderr


def test_status_of_an_unknown_store_names_the_known_ones(tmp_path: Path) -> None:
    import_json(tmp_path, report_file(tmp_path, "orders.csv", [ROWS["pending"]]))
    result = run(tmp_path, "status", "--store", "nope")
    assert result.exit_code == 1
    assert "no store named 'nope'" in result.stderr and "default" in result.stderr


def test_status_on_an_empty_store_says_how_to_start(tmp_path: Path) -> None:
    result = run(tmp_path, "status")
    assert result.exit_code == 0
    assert "winback import" in result.stdout


@pytest.mark.parametrize("command", ["import", "status", "demo", "dispatch", "actions"])
def test_every_command_documents_itself(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "--json" in result.output


def test_the_readme_lists_every_source_the_cli_accepts() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for source in SOURCES:
        assert f"`{source}`" in readme
