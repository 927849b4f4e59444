"""End to end: `winback import` of a Taobao item report on its own, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from winback.cli import cli

ORDERS = (
    "订单编号,买家会员名,总金额,订单状态,订单创建时间\n"
    '="1001",tb_alice,128.00,交易成功,2026-10-01 10:00:00\n'
    '="1002",tb_bob,59.00,等待买家付款,2026-10-01 11:00:00\n'
)
ITEMS = (
    "订单编号,标题,价格,购买数量,商品属性,商家编码\n"
    '="1001",法式碎花连衣裙,128.00,1,颜色分类：白色;尺码：M,SKU-1\n'
    '="1002",针织开衫,59.00,1,颜色分类：灰色,SKU-2\n'
    '="9999",纯棉白衬衫,99.00,1,-,SKU-3\n'
)


def run(database_url: str, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(
        cli, ["--database", database_url, *args, "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert isinstance(report, dict)
    return report


def test_an_item_report_alone_attaches_its_lines_and_rejects_unknown_orders(
    database_url: str, tmp_path: Path
) -> None:
    orders, items = tmp_path / "ExportOrderList.csv", tmp_path / "ExportOrderDetailList.csv"
    orders.write_bytes(ORDERS.encode("gb18030"))
    items.write_bytes(ITEMS.encode("gb18030"))
    run(database_url, "import", str(orders), "--source", "taobao")

    report = run(database_url, "import", str(items), "--source", "taobao")
    assert report["kind"] == "item_report"
    assert report["records_by_kind"] == {
        "order_lines": {"created": 2, "updated": 0, "unchanged": 0}
    }
    [rejection] = report["rejections"]  # type: ignore[misc]
    assert rejection["file"] == str(items)
    assert (rejection["row"], rejection["column"]) == (4, "订单编号")
    assert "order 9999 is not in the store" in rejection["reason"]

    again = run(database_url, "import", str(items), "--source", "taobao")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
