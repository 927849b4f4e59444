"""JD exports: round trips through the writer, the export's habits, and bad rows."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI, after, lines, orders, unique_orders, without_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.demo.exports import jd as writer
from winback.errors import MissingColumnError
from winback.ingest import jd
from winback.ingest.records import MASKED, OrderRecord
from winback.model import OrderStatus, Platform

JD_STATUSES = tuple(s for s in OrderStatus if s is not OrderStatus.DELIVERED)


@st.composite
def jd_orders(draw: st.DrawFn) -> OrderRecord:
    order = draw(
        orders(
            platform=Platform.JD,
            statuses=JD_STATUSES,
            with_times=False,
            line_strategy=lines(ids="digits", product_ids=True),
        )
    )
    settled = after(order.created_at, 9000) if order.status is OrderStatus.SETTLED else None
    return replace(
        order,
        goods_amount=None,
        discount=Decimal("0"),
        payment_method="在线支付",
        settled_at=settled,
        lines=tuple(replace(line, attributes={}) for line in order.lines),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=unique_orders(jd_orders()), quirks=st.booleans())
def test_a_jd_export_reads_back_as_the_orders_written(
    batch: list[OrderRecord], quirks: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "jd.csv"
        writer.write_orders(batch, path, quirks=quirks)
        result = jd.parse(path, tz=SHANGHAI)
    assert result.rejections == []
    assert [without_source(r) for r in result.records if isinstance(r, OrderRecord)] == [
        replace(o, raw_status=writer.STATUS_TEXT[o.status]) for o in batch
    ]


HEADER = (
    "订单号,商品ID,商品名称,订购数量,下单时间,京东价,订单金额,应付金额,余额支付,订单状态,"
    "付款确认时间,联系电话,客户地址\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "jd.csv"
    path.write_bytes((HEADER + body).encode("gb18030"))
    return path


def test_one_order_on_several_sku_rows_becomes_one_order_with_lines(tmp_path: Path) -> None:
    body = (
        "88001,100001,手机壳,2,2023-03-01 09:00:00,19.90,59.70,50.00,9.70,等待出库,"
        "2023-03-01 09:01:00,138****0000,北京市 朝阳区 ****\n"
        "88001,100002,贴膜,1,2023-03-01 09:00:00,19.90,59.70,50.00,9.70,等待出库,"
        "2023-03-01 09:01:00,138****0000,北京市 朝阳区 ****\n"
    )
    (order,) = jd.parse(write(tmp_path, body), tz=SHANGHAI).records
    assert isinstance(order, OrderRecord)
    assert [line.line_id for line in order.lines] == ["100001", "100002"]
    assert order.status is OrderStatus.PAID
    assert order.paid_amount == Decimal("59.70")  # 应付 + 余额支付
    assert order.buyer.phone == MASKED and order.buyer.region == "北京市"


@pytest.mark.parametrize(
    ("status", "paid_at", "expected"),
    [
        ("已取消", "", OrderStatus.CLOSED),
        ("已取消", "2023-03-01 09:01:00", OrderStatus.CANCELLED),
        ("锁定", "2023-03-01 09:01:00", OrderStatus.PAID),
        ("锁定", "", OrderStatus.PENDING),
        ("完成", "2023-03-01 09:01:00", OrderStatus.SETTLED),
        ("等待确认收货", "2023-03-01 09:01:00", OrderStatus.SHIPPED),
    ],
)
def test_jd_statuses_follow_the_documented_mapping(
    tmp_path: Path, status: str, paid_at: str, expected: OrderStatus
) -> None:
    body = f"1,2,壳,1,2023-03-01 09:00:00,1.00,1.00,1.00,0,{status},{paid_at},,\n"
    (order,) = jd.parse(write(tmp_path, body), tz=SHANGHAI).records
    assert isinstance(order, OrderRecord)
    assert order.status is expected


def test_sku_rows_that_disagree_about_the_order_are_rejected_naming_the_first(
    tmp_path: Path,
) -> None:
    body = (
        "1,2,壳,1,2023-03-01 09:00:00,1.00,1.00,1.00,0,完成,,,\n"
        "1,3,膜,1,2023-03-01 09:00:00,1.00,9.00,1.00,0,完成,,,\n"
        "1,2,壳,1,2023-03-01 09:00:00,1.00,1.00,1.00,0,完成,,,\n"
    )
    result = jd.parse(write(tmp_path, body), tz=SHANGHAI)
    (rejection,) = result.rejections
    assert rejection.row == 3 and "row 2" in rejection.reason
    (order,) = result.records
    assert isinstance(order, OrderRecord) and len(order.lines) == 1


def test_a_bad_quantity_rejects_its_row_naming_the_column(tmp_path: Path) -> None:
    body = "1,2,壳,两个,2023-03-01 09:00:00,1.00,1.00,1.00,0,完成,,,\n"
    (rejection,) = jd.parse(write(tmp_path, body), tz=SHANGHAI).rejections
    assert (rejection.row, rejection.column) == (2, "订购数量")


def test_a_jd_file_without_the_order_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jd.csv"
    path.write_text("商品名称,订购数量\n壳,1\n", encoding="utf-8")
    with pytest.raises(MissingColumnError) as caught:
        jd.parse(path, tz=SHANGHAI)
    assert caught.value.column == "订单号"
