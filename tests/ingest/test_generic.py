"""Generic files with a mapping: every kind, Excel and Parquet input, value maps, formats,
multi-row grouping, and the errors a merchant meets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from winback.errors import MissingColumnError, UnreadableFileError
from winback.ingest import generic
from winback.ingest.records import (
    CartRecord,
    ChatMessageRecord,
    Contact,
    CustomerRecord,
    FeedbackRecord,
    OrderRecord,
    ParsedFile,
    StockRecord,
    WishlistRecord,
)
from winback.model import ChatSender, OrderStatus, Platform

TZ = ZoneInfo("Asia/Shanghai")


def run(tmp_path: Path, mapping: str, data: str, name: str = "data.csv") -> ParsedFile:
    mapping_path = tmp_path / "mapping.toml"
    mapping_path.write_text(mapping, encoding="utf-8")
    data_path = tmp_path / name
    data_path.write_text(data, encoding="utf-8")
    return generic.parse(data_path, mapping=generic.load_mapping(mapping_path), tz=TZ)


ORDERS_MAPPING = """
kind = "orders"
platform = "taobao"
[columns]
order_id = "订单号"
created_at = "下单时间"
status = "状态"
total_amount = "金额"
paid_at = "付款时间"
buyer_id = "买家"
phone = "手机"
line_title = "商品"
line_quantity = "数量"
line_unit_price = "单价"
line_colour = "颜色"
line_size = "尺码"
[values.status]
"已付款" = "paid"
"交易关闭" = "closed"
"WAIT_BUYER_PAY" = "pending"
[formats]
created_at = "%Y/%m/%d %H:%M"
"""
ORDERS_DATA = (
    "订单号,下单时间,状态,金额,付款时间,买家,手机,商品,数量,单价,颜色,尺码,备注\n"
    '="1001",2024/01/31 13:45,已付款,¥128.00,2024-01-31 13:50:00,'
    "tb_ann,138****5678,T恤,2,50.00,白色,M,x\n"
    "1002,2024/02/01 09:00,wait_buyer_pay,30.00,,tb_bob,13800001111,袜子,1,30.00,,,\n"
    "1001,,,,,,,帽子,1,28.00,黑色,,\n"
    "1003,2024/02/02 10:00,交易关闭,12.50,,tb_cat,,,,,,,\n"
)


def orders_by_id(parsed: ParsedFile) -> dict[str, OrderRecord]:
    return {r.order_id: r for r in parsed.records if isinstance(r, OrderRecord)}


def test_multi_row_orders_are_grouped_by_id_even_when_their_rows_are_apart(tmp_path: Path) -> None:
    parsed = run(tmp_path, ORDERS_MAPPING, ORDERS_DATA)
    assert parsed.rejections == [] and parsed.rows_read == 4
    order = orders_by_id(parsed)["1001"]
    assert order.platform is Platform.TAOBAO
    assert (
        order.status is OrderStatus.PAID and order.raw_status == "已付款"
    )  # the source's own text
    assert order.created_at == datetime(2024, 1, 31, 13, 45, tzinfo=TZ)
    assert order.paid_at == datetime(2024, 1, 31, 13, 50, tzinfo=TZ)
    assert order.total_amount == Decimal("128.00")
    assert order.buyer.buyer_id == "tb_ann" and order.buyer.phone == Contact(None, masked=True)
    assert [(line.line_id, line.title, line.quantity) for line in order.lines] == [
        ("1", "T恤", 2),
        ("2", "帽子", 1),
    ]
    assert order.lines[0].attributes == {"colour": "白色", "size": "M"}
    assert order.lines[1].attributes == {"colour": "黑色"}
    assert order.currency == "CNY"


def test_value_maps_match_exactly_then_ignoring_case(tmp_path: Path) -> None:
    records = orders_by_id(run(tmp_path, ORDERS_MAPPING, ORDERS_DATA))
    assert records["1002"].status is OrderStatus.PENDING
    assert records["1003"].status is OrderStatus.CLOSED
    assert records["1003"].lines == ()


def test_unmapped_headers_are_reported(tmp_path: Path) -> None:
    assert run(tmp_path, ORDERS_MAPPING, ORDERS_DATA).unmapped_columns == ["备注"]


def test_an_unknown_status_value_is_rejected_with_a_hint(tmp_path: Path) -> None:
    data = "订单号,下单时间,状态,金额\n1,2024/01/31 13:45,退款中,5.00\n"
    mapping = ORDERS_MAPPING.split("paid_at =")[0] + "[formats]\ncreated_at = '%Y/%m/%d %H:%M'\n"
    [rejection] = run(tmp_path, mapping, data).rejections
    assert (rejection.row, rejection.column) == (2, "状态")
    assert "退款中" in rejection.reason and "[values.status]" in rejection.reason


def test_a_time_that_does_not_fit_the_custom_format_is_rejected(tmp_path: Path) -> None:
    data = "订单号,下单时间,状态,金额,付款时间,买家,手机,商品,数量,单价,颜色,尺码\n"
    data += "1,31.01.2024,paid,5,,,,,,,,\n"
    [rejection] = run(tmp_path, ORDERS_MAPPING, data).rejections
    assert rejection.column == "下单时间" and "%Y/%m/%d %H:%M" in rejection.reason


def test_conflicting_rows_of_one_order_reject_the_later_row(tmp_path: Path) -> None:
    data = (
        "订单号,下单时间,状态,金额,付款时间,买家,手机,商品,数量,单价,颜色,尺码\n"
        "1,2024/01/31 13:45,paid,5.00,,,,A,1,5.00,,\n"
        "2,2024/01/31 13:45,paid,6.00,,,,B,1,6.00,,\n"
        "1,2024/01/31 13:45,paid,7.00,,,,C,1,7.00,,\n"
    )
    parsed = run(tmp_path, ORDERS_MAPPING, data)
    assert orders_by_id(parsed)["1"].total_amount == Decimal("5.00")
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (4, "金额") and "row 2" in rejection.reason


def test_a_mapped_header_that_is_not_in_the_file_is_fatal_and_named(tmp_path: Path) -> None:
    data = "订单号,下单时间,状态,Amount\n1,2024/01/31 13:45,paid,5\n"
    with pytest.raises(MissingColumnError) as caught:
        run(tmp_path, ORDERS_MAPPING, data)
    assert caught.value.column == "金额"
    assert "total_amount" in str(caught.value) and "'Amount'" in str(caught.value)


def test_an_empty_data_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="empty"):
        run(tmp_path, ORDERS_MAPPING, "")


def test_customers_read_booleans_tags_and_reject_a_conflicting_duplicate(tmp_path: Path) -> None:
    mapping = """
kind = "customers"
platform = "jd"
[columns]
customer_id = "ID"
name = "Name"
email = "Mail"
accepts_email_marketing = "Newsletter"
accepts_sms_marketing = "SMS"
tags = "Tags"
created_at = "Since"
[values.accepts_sms_marketing]
"opted in" = "yes"
"""
    data = (
        "ID\tName\tMail\tNewsletter\tSMS\tTags\tSince\n"
        "c1\tAnn\tann@example.com\t是\topted in\tvip;  loyal\t2023-05-01\n"
        "c2\tBob\t\tno\t\t\t\n"
        "c1\tAnn\tann@example.com\t是\topted in\tvip;  loyal\t2023-05-01\n"
        "c2\tBobby\t\tno\t\t\t\n"
        "c3\tCat\t\tmaybe\t\t\t\n"
    )
    parsed = run(tmp_path, mapping, data, "customers.tsv")
    records = {r.customer_id: r for r in parsed.records if isinstance(r, CustomerRecord)}
    ann, bob = records["c1"], records["c2"]
    assert (ann.accepts_email_marketing, ann.accepts_sms_marketing) == (True, True)
    assert (bob.accepts_email_marketing, bob.accepts_sms_marketing) == (False, None)
    assert ann.tags == ("vip", "loyal") and ann.created_at == datetime(2023, 5, 1, tzinfo=TZ)
    assert ann.platform is Platform.JD
    assert [(r.row, r.column) for r in parsed.rejections] == [(5, "ID"), (6, "Newsletter")]
    assert "first on row 3" in parsed.rejections[0].reason


def test_chats_map_sender_values_and_keep_each_line(tmp_path: Path) -> None:
    mapping = """
kind = "chats"
timezone = "Europe/Paris"
[columns]
buyer_id = "buyer"
sent_at = "time"
sender = "from"
text = "message"
staff = "agent"
[values.sender]
"客服" = "staff"
"买家" = "buyer"
"""
    data = (
        "buyer,time,from,message,agent\n"
        "tb_ann,2024-01-31 13:40:00,买家,有白色M码吗？,\n"
        "tb_ann,2024-01-31 13:41:10,客服,亲，有的,小王\n"
        "tb_ann,2024-01-31 13:42:00,robot,hello,\n"
    )
    parsed = run(tmp_path, mapping, data)
    first, second = (r for r in parsed.records if isinstance(r, ChatMessageRecord))
    assert first.sender is ChatSender.BUYER and second.sender is ChatSender.STAFF
    assert second.staff == "小王" and first.text == "有白色M码吗？"
    assert first.sent_at == datetime(2024, 1, 31, 13, 40, tzinfo=ZoneInfo("Europe/Paris"))
    [rejection] = parsed.rejections
    assert rejection.column == "from" and "[values.sender]" in rejection.reason


def test_carts_group_their_items_from_an_excel_workbook(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Carts"
    sheet.append(["Cart", "Buyer", "Created", "Updated", "Product", "Qty", "Price", "Colour"])
    sheet.append(
        ["k1", "ann", datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 11), "Mug", 2, 6.5, "白色"]
    )
    sheet.append(["k1", None, None, None, "Cup", 1, 3, None])
    sheet.append(["k2", "bob", datetime(2024, 3, 2, 10), None, None, None, None, None])
    path = tmp_path / "carts.xlsx"
    book.save(path)
    mapping_path = tmp_path / "carts.toml"
    mapping_path.write_text(
        'kind = "carts"\nsheet = "Carts"\ncurrency = "EUR"\n[columns]\ncart_id = "Cart"\n'
        'buyer_id = "Buyer"\ncreated_at = "Created"\nupdated_at = "Updated"\n'
        'item_title = "Product"\nitem_quantity = "Qty"\nitem_unit_price = "Price"\n'
        'item_colour = "Colour"\n',
        encoding="utf-8",
    )
    parsed = generic.parse(path, mapping=generic.load_mapping(mapping_path), tz=TZ)
    assert parsed.rejections == []
    k1, k2 = (r for r in parsed.records if isinstance(r, CartRecord))
    assert k1.buyer_id == "ann" and k1.currency == "EUR"
    assert k1.updated_at == datetime(2024, 3, 1, 11, tzinfo=TZ)
    assert [(i.title, i.quantity, i.unit_price) for i in k1.items] == [
        ("Mug", 2, Decimal("6.5")),
        ("Cup", 1, Decimal("3")),
    ]
    assert k1.items[0].attributes == {"colour": "白色"}
    assert k2.items == () and k2.updated_at == k2.created_at


def test_wishlists_and_stock_are_read_from_parquet(tmp_path: Path) -> None:
    path = tmp_path / "stock.parquet"
    table = pa.table(
        {
            "sku": ["TS-W-M", "TS-W-L"],
            "on_hand": [3, 0],
            "at": ["2024-03-01T08:00:00+08:00", "2024-03-01T08:00:00+08:00"],
            "colour": ["白色", "白色"],
            "size": ["M", "L"],
        }
    )
    pq.write_table(table, path)
    mapping_path = tmp_path / "stock.toml"
    mapping_path.write_text(
        'kind = "stock"\n[columns]\nsku = "sku"\nquantity = "on_hand"\nat = "at"\n'
        'colour = "colour"\nsize = "size"\n',
        encoding="utf-8",
    )
    parsed = generic.parse(path, mapping=generic.load_mapping(mapping_path), tz=TZ)
    first, second = (r for r in parsed.records if isinstance(r, StockRecord))
    assert (first.sku, first.quantity, second.quantity) == ("TS-W-M", 3, 0)
    assert first.attributes == {"colour": "白色", "size": "M"}
    assert first.at == datetime(2024, 3, 1, tzinfo=ZoneInfo("UTC"))

    wish_path = tmp_path / "wishlist.parquet"
    pq.write_table(
        pa.table(
            {
                "buyer": ["ann"],
                "item": ["p9"],
                "added": [datetime(2024, 2, 1, 9, 30)],
                "price": [pa.scalar(Decimal("19.90"), pa.decimal128(10, 2)).as_py()],
            }
        ),
        wish_path,
    )
    (tmp_path / "wish.toml").write_text(
        'kind = "wishlists"\n[columns]\nbuyer_id = "buyer"\nproduct_id = "item"\n'
        'added_at = "added"\nprice = "price"\n',
        encoding="utf-8",
    )
    wish = generic.parse(wish_path, mapping=generic.load_mapping(tmp_path / "wish.toml"), tz=TZ)
    [record] = wish.records
    assert isinstance(record, WishlistRecord)
    assert (record.buyer_id, record.product_id, record.price) == ("ann", "p9", Decimal("19.90"))
    assert record.added_at == datetime(2024, 2, 1, 9, 30, tzinfo=TZ)


def test_feedback_reads_ratings_and_rejects_a_bad_one(tmp_path: Path) -> None:
    mapping = """
kind = "feedback"
[columns]
feedback_id = "id"
at = "date"
kind = "type"
text = "comment"
rating = "stars"
order_id = "order"
[formats]
at = "%d.%m.%Y"
"""
    data = (
        "id,date,type,comment,stars,order\n"
        "f1,31.01.2024,review,Too slow,2,1001\n"
        "f2,01.02.2024,review,Great,five,\n"
    )
    parsed = run(tmp_path, mapping, data)
    [record] = parsed.records
    assert isinstance(record, FeedbackRecord)
    assert (record.kind, record.rating, record.order_id) == ("review", 2, "1001")
    assert record.at == datetime(2024, 1, 31, tzinfo=TZ)
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "stars")
