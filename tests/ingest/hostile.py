"""One small, valid order file per reader, with a hook to spoil one cell: the shared ground
of the hostile-input tests (issue 12). Each :class:`Layout` knows its header, a good row, and
which header holds the id, the creation time, an amount and a free-text cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.ingest import douyin, generic, jd, pdd, shopify, taobao, woocommerce
from winback.ingest.records import ParsedFile

SHANGHAI = ZoneInfo("Asia/Shanghai")

GENERIC_MAPPING = """
kind = "orders"
[columns]
order_id = "单号"
created_at = "时间"
status = "状态"
total_amount = "金额"
buyer_message = "留言"
email = "邮箱"
"""


@dataclass(frozen=True)
class Layout:
    """A reader and the cells of one good row, by header."""

    name: str
    cells: dict[str, str]
    id: str
    created: str
    amount: str
    text: str
    parse: Callable[[Path], ParsedFile]
    encoding: str = "utf-8"

    @property
    def headers(self) -> list[str]:
        return list(self.cells)

    def row(self, number: int, **spoiled: str) -> list[str]:
        """The good row with the id made unique by ``number``, and ``spoiled`` cells (by
        role: id, created, amount, text) replaced."""
        cells = {header: cell.format(n=number) for header, cell in self.cells.items()}
        for role, value in spoiled.items():
            cells[getattr(self, role)] = value
        return list(cells.values())

    def write(self, folder: Path, rows: list[list[str]], headers: list[str] | None = None) -> Path:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(headers or self.headers)
        writer.writerows(rows)
        path = folder / f"{self.name}.csv"
        path.write_bytes(buffer.getvalue().encode(self.encoding))
        return path


def _generic(folder_file: Path) -> ParsedFile:
    mapping = folder_file.parent / "mapping.toml"
    mapping.write_text(GENERIC_MAPPING, encoding="utf-8")
    return generic.parse(folder_file, mapping=generic.load_mapping(mapping), tz=SHANGHAI)


LAYOUTS = [
    Layout(
        "taobao",
        {"订单编号": "10000000000{n}", "总金额": "128.00", "订单创建时间": "2024-03-01 10:00:00",
         "订单状态": "交易成功", "买家留言": "尽快发货"},
        "订单编号", "订单创建时间", "总金额", "买家留言",
        lambda path: taobao.parse(path, tz=SHANGHAI), "gb18030",
    ),
    Layout(
        "jd",
        {"订单号": "2000000{n}", "商品名称": "T恤", "订购数量": "1", "京东价": "99.00",
         "下单时间": "2024-03-01 10:00:00", "订单金额": "99.00", "订单状态": "完成",
         "订单备注": "谢谢"},
        "订单号", "下单时间", "订单金额", "订单备注",
        lambda path: jd.parse(path, tz=SHANGHAI), "gb18030",
    ),
    Layout(
        "pdd",
        {"订单号": "240301-3000000{n}", "订单成交时间": "2024-03-01 10:00:00", "商品": "袜子",
         "商品总价(元)": "19.90", "商品数量(件)": "1", "订单状态": "待发货", "买家留言": "好"},
        "订单号", "订单成交时间", "商品总价(元)", "买家留言",
        lambda path: pdd.parse(path, tz=SHANGHAI), "gb18030",
    ),
    Layout(
        "douyin",
        {"主订单编号": "600000000{n}", "选购商品": "帽子", "商品数量": "1",
         "订单应付金额": "59.00", "订单提交时间": "2024-03-01 10:00:00", "订单状态": "待发货",
         "买家留言": "快"},
        "主订单编号", "订单提交时间", "订单应付金额", "买家留言",
        lambda path: douyin.parse(path, tz=SHANGHAI), "utf-8-sig",
    ),
    Layout(
        "shopify",
        {"Name": "#10{n}", "Email": "a{n}@example.com", "Financial Status": "paid",
         "Total": "25.00", "Currency": "USD", "Created at": "2024-03-01 10:00:00 +0800",
         "Notes": "gift wrap", "Id": "550000000{n}"},
        "Id", "Created at", "Total", "Notes",
        lambda path: shopify.parse(path, tz=SHANGHAI),
    ),
    Layout(
        "woocommerce",
        {"Order Number": "70{n}", "Order Status": "processing",
         "Order Date": "2024-03-01 10:00:00", "Order Total": "30.00", "Customer Note": "hi"},
        "Order Number", "Order Date", "Order Total", "Customer Note",
        lambda path: woocommerce.parse(path, tz=SHANGHAI),
    ),
    Layout(
        "generic",
        {"单号": "G{n}", "时间": "2024-03-01 10:00:00", "状态": "paid", "金额": "10.00",
         "留言": "ok", "邮箱": "b{n}@example.com"},
        "单号", "时间", "金额", "留言",
        _generic,
    ),
]  # fmt: skip
