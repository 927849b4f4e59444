"""Pinduoduo exports: round trips through the writer, the export's habits, and bad rows."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI, lines, orders, unique_orders, without_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.demo.exports import pdd as writer
from winback.errors import MissingColumnError
from winback.ingest import pdd
from winback.ingest.records import MASKED, OrderRecord
from winback.model import OrderStatus, Platform

PDD_IDS = st.tuples(st.integers(200101, 241231), st.integers(10**14, 10**15 - 1)).map(
    lambda parts: f"{parts[0]}-{parts[1]}"
)
ZERO = Decimal("0")


@st.composite
def pdd_orders(draw: st.DrawFn) -> OrderRecord:
    order = draw(
        orders(
            platform=Platform.PDD,
            order_ids=PDD_IDS,
            with_buyer_id=False,
            line_strategy=lines(ids="digits", max_lines=1, product_ids=True),
        )
    )
    (line,) = order.lines
    goods = line.unit_price * line.quantity
    discount = min(order.discount, goods + order.shipping_fee)
    total = goods + order.shipping_fee - discount
    paid = total if order.status.was_paid else None
    refunded = order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
    refund = paid if refunded and paid is not None else ZERO
    return replace(
        order,
        goods_amount=goods,
        discount=discount,
        total_amount=total,
        paid_amount=paid,
        paid_at=order.created_at if order.status.was_paid else None,
        refund_amount=refund,
        lines=(replace(line, refund_amount=refund),),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=unique_orders(pdd_orders()), quirks=st.booleans())
def test_a_pinduoduo_export_reads_back_as_the_orders_written(
    batch: list[OrderRecord], quirks: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pdd.csv"
        writer.write_orders(batch, path, quirks=quirks)
        result = pdd.parse(path, tz=SHANGHAI)
    assert result.rejections == []
    assert [without_source(r) for r in result.records if isinstance(r, OrderRecord)] == [
        replace(o, raw_status=writer.STATUS_TEXT[o.status]) for o in batch
    ]


HEADER = (
    "订单成交时间,商品,订单号,订单状态,商品总价(元),邮费(元),店铺优惠折扣(元),平台优惠折扣(元),"
    "用户实付金额(元),商品数量(件),商品规格,售后状态,手机,详细地址\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pdd.csv"
    path.write_bytes((HEADER + body).encode("utf-8-sig"))
    return path


def only(tmp_path: Path, body: str) -> OrderRecord:
    result = pdd.parse(write(tmp_path, body), tz=SHANGHAI)
    assert result.rejections == []
    (order,) = result.records
    assert isinstance(order, OrderRecord)
    return order


def test_a_real_looking_row_gives_amounts_spec_and_masked_contacts(tmp_path: Path) -> None:
    order = only(
        tmp_path,
        "2021-07-07 12:00:00,纸巾 10包,210707-339507978993455,已发货，待收货,30.00,0.00,"
        "3.00,2.00,25.00,3,白色 大号,无售后或售后取消,138****1234,浙江省 杭州市 ****\n",
    )
    assert order.order_id == "210707-339507978993455"
    assert order.status is OrderStatus.SHIPPED
    assert (order.total_amount, order.discount, order.paid_amount) == (
        Decimal("25.00"),
        Decimal("5.00"),
        Decimal("25.00"),
    )
    (line,) = order.lines
    assert line.unit_price == Decimal("10.00") and line.quantity == 3
    assert line.attributes == {"规格": "白色 大号"}
    assert order.buyer.phone == MASKED and order.buyer.address == MASKED
    assert order.buyer.region == "浙江省"


@pytest.mark.parametrize(
    ("status", "after_sale", "expected"),
    [
        ("已收货", "退款成功", OrderStatus.REFUNDED),
        ("已收货", "退款中", OrderStatus.SETTLED),
        ("未发货，退款成功", "退款成功", OrderStatus.CANCELLED),
        ("已取消", "", OrderStatus.CLOSED),
        ("待支付", "", OrderStatus.PENDING),
    ],
)
def test_after_sale_state_and_status_text_decide_the_status(
    tmp_path: Path, status: str, after_sale: str, expected: OrderStatus
) -> None:
    body = f"2021-07-07 12:00:00,纸巾,1,{status},10.00,0,0,0,10.00,1,,{after_sale},,\n"
    assert only(tmp_path, body).status is expected


def test_a_unit_price_that_does_not_divide_is_rounded_to_the_cent(tmp_path: Path) -> None:
    order = only(tmp_path, "2021-07-07 12:00:00,纸巾,1,待发货,10.00,0,0,0,10.00,3,,,,\n")
    assert order.lines[0].unit_price == Decimal("3.33")


def test_a_zero_quantity_is_rejected_naming_the_column(tmp_path: Path) -> None:
    body = "2021-07-07 12:00:00,纸巾,1,待发货,10.00,0,0,0,10.00,0,,,,\n"
    (rejection,) = pdd.parse(write(tmp_path, body), tz=SHANGHAI).rejections
    assert rejection.column == "商品数量(件)"


def test_a_pinduoduo_file_without_the_goods_total_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pdd.csv"
    path.write_text("订单号,订单成交时间,商品,商品数量(件)\n1,2021-01-01,纸巾,1\n", "utf-8")
    with pytest.raises(MissingColumnError, match="商品总价"):
        pdd.parse(path, tz=SHANGHAI)
