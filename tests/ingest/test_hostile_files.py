"""Hostile files, not cells (issue 12, points 2, 5 and 9): an "xls" HTML page declaring its
encoding, Excel cells that turned ids into numbers, a cp1252 Shopify export, a mapping's wrong
encoding, buyer text that looks like a formula, and an impossible date on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from winback.errors import UnreadableFileError
from winback.ingest import generic, shopify, taobao, woocommerce
from winback.ingest.records import OrderRecord
from winback.store import repo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HTML_ORDERS = """<?xml version="1.0" encoding="gb2312"?>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>
<body><table>
<tr><td>订单编号</td><td>总金额</td><td>订单创建时间</td><td>订单状态</td><td>买家留言</td></tr>
<tr><td>1001</td><td>128.00</td><td>2024-03-01 10:00:00</td><td>交易成功</td><td>尽快</td></tr>
<tr><td>1002</td><td>59.00</td><td>0001-01-01 00:00:00</td><td>交易成功</td><td></td></tr>
</table></body></html>
"""


def orders(records: list[object]) -> list[OrderRecord]:
    return [r for r in records if isinstance(r, OrderRecord)]


def test_an_html_xls_declaring_gb2312_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ExportOrderList.xls"
    path.write_bytes(HTML_ORDERS.encode("gb2312"))
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [(r.order_id, r.buyer_message) for r in orders(parsed.records)] == [("1001", "尽快")]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "订单创建时间")


def test_an_html_xls_that_is_not_html_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "ExportOrderList.xls"
    path.write_bytes(b"<table" + b"\x00" * 10)
    with pytest.raises(UnreadableFileError):
        taobao.parse(path, tz=SHANGHAI)


def test_numeric_xlsx_ids_that_lost_digits_are_rejected_saying_so(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["订单编号", "总金额", "订单创建时间", "订单状态"])
    sheet.append(["2100000012157930123", 10, "2024-03-01 10:00:00", "交易成功"])  # text
    sheet.append([2100000012157930123, 10, "2024-03-01 10:00:00", "交易成功"])  # a number
    sheet.append([1234567, 10.5, "2024-03-01 10:00:00", "交易成功"])  # a short id: exact
    path = tmp_path / "orders.xlsx"
    book.save(path)
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed.records)] == ["2100000012157930123", "1234567"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "订单编号")
    assert "Excel changed it" in rejection.reason and "as text" in rejection.reason


def test_a_shopify_id_in_scientific_notation_makes_no_phantom_order(tmp_path: Path) -> None:
    path = tmp_path / "orders_export.csv"
    path.write_text(
        "Name,Email,Financial Status,Total,Currency,Created at,Id\n"
        "#1001,a@example.com,paid,10.00,USD,2024-03-01 10:00:00 +0000,5009399963600\n"
        "#1002,b@example.com,paid,10.00,USD,2024-03-01 10:00:00 +0000,5.0093999636E+12\n",
        encoding="utf-8",
    )
    parsed = shopify.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed.records)] == ["5009399963600"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "Id")


@pytest.mark.parametrize("reader", [shopify.parse, woocommerce.parse])
def test_a_cp1252_western_export_keeps_its_accents(tmp_path: Path, reader: object) -> None:
    if reader is shopify.parse:
        text = (
            "Name,Email,Financial Status,Total,Currency,Created at,Billing Name\n"
            "#1001,a@example.com,paid,10.00,EUR,2024-03-01 10:00:00 +0100,Åsa Ångström\n"
        )
    else:
        text = (
            "Order Number,Order Status,Order Date,Order Total,Billing First Name\n"
            "70,processing,2024-03-01 10:00:00,30.00,Åsa Ångström\n"
        )
    path = tmp_path / "orders.csv"
    path.write_bytes(text.encode("cp1252"))
    parsed = reader(path, tz=SHANGHAI)  # type: ignore[operator]
    [order] = orders(parsed.records)
    assert order.buyer.name == "Åsa Ångström"


def test_an_encoding_can_be_named_instead_of_detected(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(
        "Name,Email,Financial Status,Total,Currency,Created at,Billing Name\n"
        "#1001,a@example.com,paid,10.00,EUR,2024-03-01 10:00:00 +0100,Øyvind\n".encode("latin-1")
    )
    [order] = orders(shopify.parse(path, tz=SHANGHAI, encoding="latin-1").records)
    assert order.buyer.name == "Øyvind"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "ascii", "gb18030"])
def test_a_mappings_wrong_encoding_is_a_clear_error(tmp_path: Path, encoding: str) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        f'kind = "orders"\nencoding = "{encoding}"\n[columns]\norder_id = "a"\n'
        'created_at = "b"\nstatus = "c"\ntotal_amount = "d"\n',
        encoding="utf-8",
    )
    data = tmp_path / "d.csv"
    data.write_bytes("a,b,c,d\n1,2024-01-01,paid,3\n2,2024-01-01,paid,ü€\n".encode())
    with pytest.raises(UnreadableFileError, match=f"not {encoding} text"):
        generic.parse(data, mapping=generic.load_mapping(mapping), tz=SHANGHAI)


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+86 138", "-5 stars", "@seller", "=1+2"])
def test_buyer_text_that_looks_like_a_formula_is_kept_as_text(tmp_path: Path, text: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["订单编号", "总金额", "订单创建时间", "订单状态", "买家留言"])
    sheet.append(["1001", "10.00", "2024-03-01 10:00:00", "交易成功", text])
    sheet["E2"].data_type = "s"  # a text cell, as an export writes buyer text
    path = tmp_path / "orders.xlsx"
    book.save(path)
    [order] = orders(taobao.parse(path, tz=SHANGHAI).records)
    assert order.buyer_message == text


def test_woocommerce_json_with_a_nul_in_a_value_rejects_that_order(tmp_path: Path) -> None:
    body = [
        {"id": 1, "status": "processing", "date_created": "2024-03-01T10:00:00", "total": "5.00"},
        {"id": 2, "status": "processing", "date_created": "2024-03-01T10:00:00", "total": "5.00",
         "customer_note": "bad\u0000note"},
    ]  # fmt: skip
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    parsed = woocommerce.parse(path, tz=SHANGHAI)
    assert [r.order_id for r in orders(parsed.records)] == ["1"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (2, "customer_note")


BAD_ROWS = (
    "订单编号,总金额,订单创建时间,订单状态,买家留言\n"
    "1001,10.00,2024-03-01 10:00:00,交易成功,ok\n"
    "1002,10.00,0001-01-01 00:00:00,交易成功,ok\n"
    "1003,10.00,2024-03-01 10:00:00,交易成功,nul\x00here\n"
    "1004,10.00,9999-12-31 23:59:59,交易成功,ok\n"
)


def test_impossible_dates_and_nul_bytes_never_reach_either_database(
    tmp_path: Path, engine: Engine
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(BAD_ROWS.encode("gb18030"))
    parsed = taobao.parse(path, tz=SHANGHAI)
    assert [(r.row, r.column) for r in parsed.rejections] == [
        (3, "订单创建时间"),
        (4, "买家留言"),
        (5, "订单创建时间"),
    ]
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="s", platform="taobao", timezone="Asia/Shanghai", currency="CNY"
        )
        repo.apply_records(conn, store, parsed.records, source_file=str(path))
    with engine.connect() as conn:
        stored = repo.orders_table(conn, store).to_pylist()  # read back: no OverflowError
        summary = repo.store_summary(
            conn, store, as_of=datetime.now(UTC), close_after=timedelta(hours=24)
        )
    assert [row["order_id"] for row in stored] == ["1001"]
    assert summary is not None
