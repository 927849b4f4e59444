"""Issue 12 re-probed case by case where the hostile-cell tests do not reach: WooCommerce
JSON (points 2, 3 and 5), dates and ids typed by the file format itself (an xlsx date or
number cell, a Parquet timestamp: points 2 and 3), and the CSV rules in xlsx and HTML "xls"
files (point 9). Each case is a rejection naming the file, row and field, or one of winback's
own errors; never a traceback, never a phantom value."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hostile import GENERIC_MAPPING
from openpyxl import Workbook
from sqlalchemy import Engine, select

from winback.app import App
from winback.config import Settings
from winback.errors import DuplicateColumnError, ImportFileError, UnreadableFileError
from winback.ingest import generic, shopify, taobao, woocommerce
from winback.ingest.cleaning import MAX_AMOUNT
from winback.ingest.records import OrderRecord, ParsedFile
from winback.model import Platform
from winback.services import import_path
from winback.store.schema import orders as orders_table
from winback.testing import FixedClock

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 3, 5, tzinfo=UTC)


def orders(parsed: ParsedFile) -> list[OrderRecord]:
    return [r for r in parsed.records if isinstance(r, OrderRecord)]


def woo_order(number: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": number,
        "status": "processing",
        "date_created": "2024-03-01T10:00:00",
        "total": "10.00",
        **fields,
    }


def write_json(folder: Path, body: object) -> Path:
    path = folder / "orders.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


# Point 5 (WooCommerce JSON), point 2 (dates) and point 3 (amounts) in JSON: each bad order
# is rejected alone, naming its key; the good orders around it are read.
WOO_BAD_ORDERS = {
    "billing as a list": ({"billing": ["a@example.com"]}, "billing"),
    "billing as text": ({"billing": "a@example.com"}, "billing"),
    "line_items as an object": ({"line_items": {"id": 1}}, "line_items"),
    "a line as a list": ({"line_items": [[1, 2]]}, "line_items[0]"),
    "meta_data as text": (
        {"line_items": [{"id": 1, "name": "x", "quantity": 1, "price": 10, "meta_data": "x"}]},
        "line_items[0].meta_data",
    ),
    "meta_data entry as a number": (
        {"line_items": [{"id": 1, "name": "x", "quantity": 1, "price": 10, "meta_data": [5]}]},
        "line_items[0].meta_data",
    ),
    "refunds as an object": ({"refunds": {"total": "-1"}}, "refunds"),
    "total 1e400": ({"total": 1e400}, "total"),
    "total as a huge integer": ({"total": 10**30}, "total"),
    "total with a decimal comma": ({"total": "1 299,00"}, "total"),
    "total with broken grouping": ({"total": "1,2,3"}, "total"),
    "total in scientific notation": ({"total": "1e3"}, "total"),
    "negative total": ({"total": "-238.90"}, "total"),
    "total as an object": ({"total": {"amount": 5}}, "total"),
    "impossible date": ({"date_created": "0001-01-01T00:00:00"}, "date_created"),
    "far future date": ({"date_created": "2206-03-01T10:00:00"}, "date_created"),
    "impossible GMT date": ({"date_created_gmt": "0001-01-01T00:00:00"}, "date_created_gmt"),
    "date as a number": ({"date_created": 1e400}, "date_created"),
    "id in scientific notation": ({"id": "2.10000001215793E+18"}, "id"),
    "id as a float": ({"id": 5009399963600.5}, "id"),
    "NUL in a note": ({"customer_note": "a\x00b"}, "customer_note"),
}


@pytest.mark.parametrize("case", WOO_BAD_ORDERS, ids=str)
def test_one_bad_woocommerce_order_is_rejected_alone_naming_its_key(
    tmp_path: Path, case: str
) -> None:
    fields, key = WOO_BAD_ORDERS[case]
    body = [woo_order(1), woo_order(2, **fields), woo_order(3)]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    parsed = woocommerce.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed)] == ["1", "3"]
    [rejection] = parsed.rejections
    assert (rejection.file, rejection.row) == (str(path), 2)
    assert rejection.column is not None and rejection.column.startswith(key.split("[")[0])
    assert rejection.reason.strip()


@pytest.mark.parametrize("depth", [1_000, 200_000])
def test_deeply_nested_woocommerce_json_is_a_clear_error(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes(b"[" * depth + b"]" * depth)
    with pytest.raises(ImportFileError):
        woocommerce.parse(path, tz=SHANGHAI)


def test_deep_nesting_inside_one_order_rejects_that_order_or_the_file_clearly(
    tmp_path: Path,
) -> None:
    deep = "[" * 200_000 + "]" * 200_000
    text = f'[{json.dumps(woo_order(1))}, {{"id": 2, "meta_data": {deep}}}]'
    path = tmp_path / "orders.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError):
        woocommerce.parse(path, tz=SHANGHAI)


# Point 2 and 3 where the file format types the cell: an xlsx date or number, a Parquet
# timestamp or float.
TAOBAO_HEADER = ["订单编号", "总金额", "订单创建时间", "订单状态", "买家留言"]


def xlsx(folder: Path, rows: list[list[Any]], header: list[str] = TAOBAO_HEADER) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = folder / "orders.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    "created",
    [datetime(1900, 1, 1), datetime(2002, 12, 31, 23, 0), datetime(9999, 12, 31), 1.0, 2958465.0],
    ids=["1900", "2002", "9999", "serial 1", "serial max"],
)
def test_an_xlsx_date_cell_outside_the_window_rejects_its_row(
    tmp_path: Path, created: object
) -> None:
    path = xlsx(
        tmp_path,
        [
            ["1001", 10, datetime(2024, 3, 1, 10), "交易成功", "ok"],
            ["1002", 10, created, "交易成功", "ok"],
        ],
    )
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed)] == ["1001"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "订单创建时间")


@pytest.mark.parametrize(
    ("amount", "id_cell"),
    [(-238.9, "1002"), (1e300, "1002"), (10, 2.10000001215793e18)],
    ids=["negative number", "huge number", "id past 15 digits"],
)
def test_an_xlsx_number_cell_that_cannot_be_an_amount_or_id_rejects_its_row(
    tmp_path: Path, amount: float, id_cell: object
) -> None:
    path = xlsx(
        tmp_path,
        [
            ["1001", 10, "2024-03-01 10:00:00", "交易成功", "ok"],
            [id_cell, amount, "2024-03-01 10:00:00", "交易成功", "ok"],
        ],
    )
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed)] == ["1001"]
    [rejection] = parsed.rejections
    assert rejection.row == 3 and rejection.column in ("订单编号", "总金额")


def test_a_numeric_shopify_id_in_xlsx_is_exact_or_refused_never_a_phantom(
    tmp_path: Path,
) -> None:
    """An xlsx number cell holds the whole double: up to 15 digits it is the id exactly (a
    13-digit Shopify id shown as 5.0094E+12 is still 5009399963648 in the cell); past that
    Excel changed it and the row is refused."""
    header = ["Name", "Email", "Financial Status", "Total", "Currency", "Created at", "Id"]
    at = "2024-03-01 10:00:00 +0000"
    path = xlsx(
        tmp_path,
        [
            ["#1001", "a@example.com", "paid", 10, "USD", at, 5009399963648],
            ["#1002", "b@example.com", "paid", 10, "USD", at, 5.0093999636e18],
        ],
        header,
    )
    parsed = shopify.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed)] == ["5009399963648"]
    assert [(r.row, r.column) for r in parsed.rejections] == [(3, "Id")]
    assert all("Excel" in r.reason for r in parsed.rejections)


def generic_parquet(folder: Path, table: pa.Table) -> ParsedFile:
    (folder / "m.toml").write_text(GENERIC_MAPPING, encoding="utf-8")
    path = folder / "orders.parquet"
    pq.write_table(table, path)
    return generic.parse(path, mapping=generic.load_mapping(folder / "m.toml"), tz=SHANGHAI)


def test_a_parquet_timestamp_outside_the_window_rejects_its_row(tmp_path: Path) -> None:
    table = pa.table(
        {
            "单号": ["G1", "G2", "G3"],
            "时间": pa.array(
                [datetime(2024, 3, 1), datetime(1, 1, 1), datetime(9999, 12, 31)],
                pa.timestamp("us"),
            ),
            "状态": ["paid"] * 3,
            "金额": ["10.00"] * 3,
            "留言": ["ok"] * 3,
            "邮箱": ["b@example.com"] * 3,
        }
    )
    parsed = generic_parquet(tmp_path, table)
    assert [r.order_id for r in orders(parsed)] == ["G1"]
    assert [(r.row, r.column) for r in parsed.rejections] == [(3, "时间"), (4, "时间")]


def test_parquet_number_columns_are_checked_like_text(tmp_path: Path) -> None:
    table = pa.table(
        {
            "单号": pa.array([1.0, 2.0, 3.0, 4.0, 5.0, 2.1e18], pa.float64()),
            "时间": ["2024-03-01 10:00:00"] * 6,
            "状态": ["paid"] * 6,
            "金额": pa.array([10.0, 1e300, float("inf"), float("nan"), -5.0, 1.0], pa.float64()),
            "留言": ["ok"] * 6,
            "邮箱": ["b@example.com"] * 6,
        }
    )
    parsed = generic_parquet(tmp_path, table)
    assert [(r.order_id, r.total_amount) for r in orders(parsed)] == [("1", 10)]
    assert [(r.row, r.column) for r in parsed.rejections] == [
        (3, "金额"), (4, "金额"), (5, "金额"), (6, "金额"), (7, "单号"),
    ]  # fmt: skip


# Point 9 in the other table formats.
def test_a_header_twice_in_an_xlsx_is_refused_naming_both(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        [["1001", 10, "2024-03-01 10:00:00", "交易成功", "ok", "11"]],
        [*TAOBAO_HEADER, "总金额"],
    )
    with pytest.raises(DuplicateColumnError, match="columns 2 and 6"):
        taobao.parse(path, tz=SHANGHAI)


def test_a_row_longer_than_the_header_in_an_xlsx_is_rejected(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path,
        [
            ["1001", 10, "2024-03-01 10:00:00", "交易成功", "ok"],
            ["1002", 10, "2024-03-01 10:00:00", "交易成功", "ok", "stray"],
        ],
    )
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed)] == ["1001"]
    [rejection] = parsed.rejections
    assert rejection.row == 3 and "has 6 cells but the header has 5" in rejection.reason


def html_xls(folder: Path, rows: list[list[str]]) -> Path:
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for row in [TAOBAO_HEADER, *rows]
    )
    path = folder / "ExportOrderList.xls"
    path.write_bytes(f"<html><body><table>{body}</table></body></html>".encode())
    return path


def test_a_huge_cell_in_an_html_xls_names_its_row_and_column(tmp_path: Path) -> None:
    good = ["10.00", "2024-03-01 10:00:00", "交易成功"]
    path = html_xls(
        tmp_path,
        [["1001", *good, "ok"], ["1002", *good, "x" * (10 << 20)], ["1003", *good, "ok"]],
    )
    parsed = taobao.parse(path, tz=SHANGHAI)  # libxml2 dropped the cell and the rows after it
    assert [r.order_id for r in orders(parsed)] == ["1001", "1003"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "买家留言")
    assert "10,485,760 characters" in rejection.reason and len(str(rejection)) < 600


def test_html_nested_too_deeply_to_read_is_refused_not_cut_short(tmp_path: Path) -> None:
    deep = "<b>" * 5000 + "x" + "</b>" * 5000
    good = ["10.00", "2024-03-01 10:00:00", "交易成功"]
    path = html_xls(tmp_path, [["1001", *good, deep], ["1002", *good, "ok"]])
    with pytest.raises(UnreadableFileError, match="Excessive depth"):
        taobao.parse(path, tz=SHANGHAI)  # was: order 1001 without its text, 1002 lost


HUGE = 10**30
WOO_HUGE_NUMBERS = [
    woo_order(1, customer_id=HUGE),
    woo_order(2, line_items=[{"id": HUGE, "name": "x", "quantity": 1, "price": 1,
                              "product_id": HUGE, "variation_id": HUGE}]),
    woo_order(3, line_items=[{"id": 1, "name": "x", "quantity": HUGE, "price": 1}]),
    woo_order(4, id=HUGE),
    woo_order(5, refunds=[{"id": HUGE, "total": "-1.00"}]),
    woo_order(6, shipping_total=1e400, discount_total=-(10**40)),
    woo_order(7, total=10**18),
    woo_order(8),
]  # fmt: skip


def test_huge_numbers_in_woocommerce_json_reach_neither_database_as_an_error(
    tmp_path: Path, engine: Engine
) -> None:
    """PostgreSQL failed such a file with 'bigint out of range'; now each number is a text
    id, a rejected order or an amount within range, on both databases."""
    path = write_json(tmp_path, WOO_HUGE_NUMBERS)
    settings = Settings.model_validate(
        {"store": {"name": "woo", "platform": "woocommerce", "currency": "USD"}}
    )
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))
    [report] = import_path(app, path, source=Platform.WOOCOMMERCE)
    assert report.created + report.rejected == len(WOO_HUGE_NUMBERS)
    assert report.created >= 2  # the plain order and the one with a huge integer id at least
    with engine.connect() as conn:
        stored = conn.execute(select(orders_table.c.order_id, orders_table.c.total_amount))
        for order_id, total in stored:
            assert Decimal(total) <= MAX_AMOUNT, order_id
