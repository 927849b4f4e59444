"""The Taobao exports' habits, each from hand-written bytes (not through our writer)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI

from winback.ingest import taobao
from winback.ingest.records import MASKED, Contact, OrderLinesRecord, OrderRecord
from winback.model import OrderStatus, Platform

HEADER_2016 = (
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,"
    "买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址 ,运送方式,联系电话 ,"
    "联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,宝贝种类 ,物流单号 ,物流公司,订单备注,"
    "宝贝总数量,店铺Id,店铺名称,订单关闭原因"
)
ROW_2016 = (
    '="2016073012345678901",tb_小白,***@163.com,120.00,8.00,0,128.00,0,128.00,0,'
    "卖家已发货，等待买家确认,null,张三,浙江省 杭州市 西湖区 文三路 ****,快递,-,'13812345678,"
    "2016-07-30 12:34:56,2016-07-30 12:40:01,纯棉T恤 ,1,No:YT123456789,圆通速递,null,2,"
    "123,小店,订单未关闭"
)


def write(tmp_path: Path, text: str, encoding: str = "gb18030", name: str = "o.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def only_order(path: Path, **kwargs: object) -> OrderRecord:
    result = taobao.parse(path, tz=SHANGHAI, **kwargs)  # type: ignore[arg-type]
    assert result.rejections == []
    (record,) = result.records
    assert isinstance(record, OrderRecord)
    return record


def test_a_classic_gb18030_order_report_with_every_quirk_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, f"{HEADER_2016}\r\n{ROW_2016}\r\n")
    order = only_order(path)
    assert order.order_id == "2016073012345678901"
    assert order.status is OrderStatus.SHIPPED
    assert order.raw_status == "卖家已发货，等待买家确认"
    assert order.total_amount == Decimal("128.00")
    assert order.goods_amount == Decimal("120.00")
    assert order.shipping_fee == Decimal("8.00")
    assert order.paid_amount == Decimal("128.00")
    assert order.created_at == datetime(2016, 7, 30, 12, 34, 56, tzinfo=SHANGHAI)
    assert order.paid_at == datetime(2016, 7, 30, 12, 40, 1, tzinfo=SHANGHAI)
    assert order.buyer.buyer_id == "tb_小白"
    assert order.buyer.phone == Contact(value="13812345678")
    assert order.buyer.address == MASKED
    assert order.buyer.region == "浙江省"
    assert order.buyer_message is None
    assert order.seller_remark is None
    assert order.close_reason is None
    assert order.created_at.tzinfo is SHANGHAI


def test_trailing_spaces_in_headers_are_ignored_and_unknown_headers_reported(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"{HEADER_2016}\r\n{ROW_2016}\r\n")
    result = taobao.parse(path, tz=SHANGHAI)
    assert "订单付款时间" not in result.unmapped_columns
    assert "买家支付宝账号" in result.unmapped_columns
    assert "店铺名称" in result.unmapped_columns


def test_a_utf8_bom_export_reads_like_the_gb18030_one(tmp_path: Path) -> None:
    gbk = only_order(write(tmp_path, f"{HEADER_2016}\n{ROW_2016}\n"))
    bom = only_order(write(tmp_path, f"{HEADER_2016}\n{ROW_2016}\n", "utf-8-sig", "bom.csv"))
    assert bom.order_id == gbk.order_id
    assert bom.buyer == gbk.buyer


def test_amounts_written_with_yuan_signs_and_thousands_commas_are_exact(tmp_path: Path) -> None:
    text = "订单编号,总金额,买家实付金额,订单创建时间,订单付款时间\n" + (
        '1001,"1,299.00元",￥1299.5,2023-01-02 03:04:05,2023/01/02 03:05\n'
    )
    order = only_order(write(tmp_path, text))
    assert order.total_amount == Decimal("1299.00")
    assert order.paid_amount == Decimal("1299.5")
    assert order.paid_at == datetime(2023, 1, 2, 3, 5, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("phone", "address"),
    [("138****5678", "##Gx8sQ2rT"), ("$$9Fq2$$", "广东省 ****"), ("'1380000****", "****")],
)
def test_masked_and_encrypted_contacts_are_flagged_masked_not_kept(
    tmp_path: Path, phone: str, address: str
) -> None:
    text = f"订单编号,总金额,订单创建时间,联系手机,收货地址\n1,1.00,2023-01-01,{phone},{address}\n"
    buyer = only_order(write(tmp_path, text)).buyer
    assert buyer.phone == MASKED
    assert buyer.address == MASKED
    assert not buyer.phone.usable


def test_tab_and_apostrophe_guards_are_stripped_from_ids(tmp_path: Path) -> None:
    text = "订单编号,总金额,订单创建时间\n\t'3001,\t5.00,\t2023-01-01 00:00:00\n"
    order = only_order(write(tmp_path, text, "utf-8"))
    assert order.order_id == "3001"
    assert order.total_amount == Decimal("5.00")


def test_newer_header_names_are_accepted(tmp_path: Path) -> None:
    text = (
        "主订单编号,总金额,买家实付金额,买家下单时间,买家付款时间,确认收货时间,商家备注,订单状态\n"
        "9001,10.00,9.50,2023-05-01 10:00:00,2023-05-01 10:01:00,2023-05-09 10:00:00,"
        "加急,交易成功\n"
    )
    order = only_order(write(tmp_path, text))
    assert order.order_id == "9001"
    assert order.paid_amount == Decimal("9.50")
    assert order.settled_at == datetime(2023, 5, 9, 10, tzinfo=SHANGHAI)
    assert order.seller_remark == "加急"
    assert order.status is OrderStatus.SETTLED


@pytest.mark.parametrize(
    ("cells", "status"),
    [
        (",,,,,", OrderStatus.PENDING),
        ("2023-01-01 10:05:00,,,,10.00,", OrderStatus.PAID),
        ("2023-01-01 10:05:00,YT1,,,10.00,", OrderStatus.SHIPPED),
        ("2023-01-01 10:05:00,YT1,2023-01-05 00:00:00,,10.00,", OrderStatus.SETTLED),
        (",,,买家未付款,,", OrderStatus.CLOSED),
        ("2023-01-01 10:05:00,,,退款,10.00,10.00", OrderStatus.REFUNDED),
        ("2023-01-01 10:05:00,,,,10.00,10.00", OrderStatus.REFUNDED),
        ("2023-01-01 10:05:00,,,,10.00,3.00", OrderStatus.PAID),
    ],
)
def test_without_a_status_column_the_status_follows_the_documented_rule(
    tmp_path: Path, cells: str, status: OrderStatus
) -> None:
    text = (
        "订单编号,总金额,订单创建时间,订单付款时间,物流单号,确认收货时间,订单关闭原因,买家实付金额,退款金额\n"
        f"1,10.00,2023-01-01 10:00:00,{cells}\n"
    )
    order = only_order(write(tmp_path, text))
    assert order.status is status
    assert order.raw_status is None


@pytest.mark.parametrize(
    ("paid_at", "paid", "reason", "status"),
    [
        ("", "0.00", "买家未付款", OrderStatus.CLOSED),
        ("2023-01-01 10:05:00", "10.00", "", OrderStatus.REFUNDED),
        ("", "0.00", "退款", OrderStatus.REFUNDED),
        ("", "10.00", "", OrderStatus.REFUNDED),
    ],
)
def test_a_closed_trade_is_refunded_only_when_it_was_paid(
    tmp_path: Path, paid_at: str, paid: str, reason: str, status: OrderStatus
) -> None:
    text = (
        "订单编号,总金额,订单创建时间,订单付款时间,买家实际支付金额,订单关闭原因,订单状态\n"
        f"1,10.00,2023-01-01 10:00:00,{paid_at},{paid},{reason},交易关闭\n"
    )
    order = only_order(write(tmp_path, text))
    assert order.status is status
    assert order.paid_amount == (None if status is OrderStatus.CLOSED else Decimal(paid))


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("WAIT_BUYER_PAY", OrderStatus.PENDING),
        ("TRADE_BUYER_SIGNED", OrderStatus.DELIVERED),
        ("TRADE_CLOSED_BY_TAOBAO", OrderStatus.CLOSED),
        ("买家已签收，回款至卖家", OrderStatus.SETTLED),
        ("等待买家确认货到付款订单信息", OrderStatus.PENDING),
    ],
)
def test_api_values_and_rare_status_texts_are_understood(
    tmp_path: Path, text: str, status: OrderStatus
) -> None:
    csv = f"订单编号,总金额,订单创建时间,订单状态\n1,10.00,2023-01-01 10:00:00,{text}\n"
    assert only_order(write(tmp_path, csv)).status is status


def test_an_item_report_parses_variant_attributes_and_numbers_lines(tmp_path: Path) -> None:
    text = (
        "订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码\n"
        '="5001",连衣裙,199.00,1,DRESS-01,颜色分类：白色;尺码：M,null,null,交易成功,DR-W-M\n'
        '="5001",袜子,9.90,3,SOCK,颜色分类：黑色；尺码：均码;材质：棉,,,交易成功,\n'
        '="5002",帽子,29.00,1,HAT,,,,等待买家付款,HAT-1\n'
    )
    result = taobao.parse(write(tmp_path, text), tz=SHANGHAI, platform=Platform.TMALL)
    assert result.kind == "item_report"
    first, second = result.records
    assert isinstance(first, OrderLinesRecord) and isinstance(second, OrderLinesRecord)
    assert first.platform is Platform.TMALL
    assert first.status is OrderStatus.SETTLED
    dress, socks = first.lines
    assert (dress.line_id, dress.sku, dress.attributes) == (
        "1",
        "DR-W-M",
        {"colour": "白色", "size": "M"},
    )
    assert socks.line_id == "2"
    assert socks.attributes == {"colour": "黑色", "size": "均码", "材质": "棉"}
    assert socks.quantity == 3 and socks.unit_price == Decimal("9.90")
    assert second.status is OrderStatus.PENDING


def test_newer_item_reports_key_lines_by_sub_order_id(tmp_path: Path) -> None:
    text = (
        "主订单编号,子订单编号,标题,价格,购买数量,商品属性,订单状态,退款状态,退款金额\n"
        '="7001",="7001-1",衬衫,99.00,1,颜色分类：蓝色,交易成功,退款成功,99.00\n'
        '="7001",="7001-2",领带,59.00,1,,交易成功,没有申请退款,0\n'
    )
    (record,) = taobao.parse(write(tmp_path, text), tz=SHANGHAI).records
    assert isinstance(record, OrderLinesRecord)
    assert [line.line_id for line in record.lines] == ["7001-1", "7001-2"]
    assert record.lines[0].refund_amount == Decimal("99.00")


def test_an_html_table_served_as_xls_is_read(tmp_path: Path) -> None:
    html = (
        '<html><head><meta charset="gbk"></head><body><table>'
        "<tr><td>订单编号 </td><td>总金额</td><td>订单创建时间</td><td>订单状态</td></tr>"
        "<tr><td>2016073012345678901</td><td>88.00</td><td>2016-07-30 12:00:00</td>"
        "<td>等待买家付款</td></tr></table></body></html>"
    )
    order = only_order(write(tmp_path, html, "gb18030", "ExportOrderList.xls"))
    assert order.order_id == "2016073012345678901"
    assert order.status is OrderStatus.PENDING


def test_a_real_xlsx_with_numeric_cells_is_read(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["订单编号", "总金额", "订单创建时间", "订单状态", "联系手机"])
    sheet.append(
        ["2016073012345678901", 88.5, datetime(2016, 7, 30, 12), "交易成功", "138****0000"]
    )
    path = tmp_path / "orders.xlsx"
    book.save(path)
    order = only_order(path)
    assert order.order_id == "2016073012345678901"
    assert order.total_amount == Decimal("88.5")
    assert order.created_at == datetime(2016, 7, 30, 12, tzinfo=SHANGHAI)
    assert order.buyer.phone == MASKED


def test_progress_is_reported_every_thousand_rows_and_adds_up(tmp_path: Path) -> None:
    rows = "".join(f"{n},1.00,2023-01-01 00:00:00\n" for n in range(1, 2501))
    path = write(tmp_path, "订单编号,总金额,订单创建时间\n" + rows)
    calls: list[int] = []
    result = taobao.parse(path, tz=SHANGHAI, progress=calls.append)
    assert calls == [1000, 1000, 500]
    assert result.rows_read == 2500
    assert len(result.records) == 2500
