"""Douyin exports: round trips through the writer, the export's habits, and bad rows."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI, after, lines, orders, unique_orders, without_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.demo.exports import douyin as writer
from winback.errors import MissingColumnError
from winback.ingest import douyin
from winback.ingest.records import MASKED, OrderRecord
from winback.model import OrderStatus, Platform

ZERO = Decimal("0")


@st.composite
def douyin_orders(draw: st.DrawFn) -> OrderRecord:
    order = draw(
        orders(
            platform=Platform.DOUYIN,
            with_buyer_id=False,
            line_strategy=lines(ids="digits", product_ids=True),
        )
    )
    first = order.lines[0]
    goods = sum((line.unit_price * line.quantity for line in order.lines), ZERO)
    discount = min(order.discount, first.unit_price * first.quantity + order.shipping_fee)
    total = goods + order.shipping_fee - discount
    order = replace(
        order,
        goods_amount=goods,
        discount=discount,
        total_amount=total,
        paid_amount=total if order.status.was_paid else None,
        shipped_at=after(order.created_at, 5000)
        if order.status is OrderStatus.REFUNDED
        else order.shipped_at,
    )
    if order.status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return order
    refunds = writer.line_payables(order)
    return replace(
        order,
        refund_amount=sum(refunds, ZERO),
        lines=tuple(
            replace(line, refund_amount=refund)
            for line, refund in zip(order.lines, refunds, strict=True)
        ),
    )


def expected(order: OrderRecord, quirks: bool) -> OrderRecord:
    buyer = replace(order.buyer, name=None) if quirks else order.buyer
    return replace(order, buyer=buyer, raw_status=writer.STATUS_TEXT[order.status])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=unique_orders(douyin_orders()), quirks=st.booleans())
def test_a_douyin_export_reads_back_as_the_orders_written(
    batch: list[OrderRecord], quirks: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "douyin.csv"
        writer.write_orders(batch, path, quirks=quirks)
        result = douyin.parse(path, tz=SHANGHAI)
    assert result.rejections == []
    assert [without_source(r) for r in result.records if isinstance(r, OrderRecord)] == [
        expected(o, quirks) for o in batch
    ]


HEADER = (
    "主订单编号,子订单编号,选购商品,商品规格,商品数量,商品金额,订单应付金额,运费,收件人,收件人手机号,"
    "详细地址,订单提交时间,支付完成时间,订单状态,售后状态,取消原因\n"
)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "douyin.csv"
    path.write_bytes((HEADER + body).encode("utf-8-sig"))
    return path


def row(sub: str, status: str, after_sale: str = "", payable: str = "10.00") -> str:
    cells = [
        "69001", sub, "面膜", "颜色:白色;尺码:M", "1", "10.00", payable, "0.00", "##A1B2C3",
        "##D4E5F6", "##G7H8I9", "2023-06-18 20:00:00", "2023-06-18 20:01:00", status,
        after_sale, "",
    ]  # fmt: skip
    return ",".join(f"\t{cell}" for cell in cells) + "\n"


def orders_in(tmp_path: Path, body: str) -> list[OrderRecord]:
    result = douyin.parse(write(tmp_path, body), tz=SHANGHAI)
    assert result.rejections == []
    return [r for r in result.records if isinstance(r, OrderRecord)]


def test_tab_prefixed_cells_and_ciphertext_contacts_are_read(tmp_path: Path) -> None:
    (order,) = orders_in(tmp_path, row("69001-1", "已完成"))
    assert order.order_id == "69001"
    assert order.status is OrderStatus.SETTLED
    assert order.buyer.name is None
    assert order.buyer.phone == MASKED and order.buyer.address == MASKED
    assert order.lines[0].attributes == {"colour": "白色", "size": "M"}


def test_sub_orders_add_up_into_one_order(tmp_path: Path) -> None:
    body = row("69001-1", "待发货", payable="10.00") + row("69001-2", "待发货", payable="15.00")
    (order,) = orders_in(tmp_path, body)
    assert order.total_amount == Decimal("25.00")
    assert order.paid_amount == Decimal("25.00")
    assert [line.line_id for line in order.lines] == ["69001-1", "69001-2"]


def test_one_refunded_sub_order_is_a_partial_refund_that_keeps_the_status(
    tmp_path: Path,
) -> None:
    body = row("69001-1", "已完成") + row("69001-2", "已关闭", "退款成功")
    (order,) = orders_in(tmp_path, body)
    assert order.status is OrderStatus.SETTLED
    assert order.refund_amount == Decimal("10.00")
    assert order.raw_status == "已完成/已关闭"


def test_every_sub_order_refunded_makes_the_order_refunded(tmp_path: Path) -> None:
    body = row("69001-1", "已发货", "退款成功") + row("69001-2", "已发货", "退款成功")
    (order,) = orders_in(tmp_path, body)
    assert order.status is OrderStatus.REFUNDED


def test_a_repeated_sub_order_is_dropped_and_a_changed_one_rejected(tmp_path: Path) -> None:
    body = row("69001-1", "待发货") + row("69001-1", "待发货") + row("69001-1", "待发货", "", "9")
    result = douyin.parse(write(tmp_path, body), tz=SHANGHAI)
    (rejection,) = result.rejections
    assert rejection.row == 4 and "row 2" in rejection.reason
    (order,) = result.records
    assert isinstance(order, OrderRecord) and order.total_amount == Decimal("10.00")


def test_an_unparseable_payable_amount_rejects_the_row(tmp_path: Path) -> None:
    result = douyin.parse(write(tmp_path, row("69001-1", "待发货", payable="十块")), tz=SHANGHAI)
    assert [(r.row, r.column) for r in result.rejections] == [(2, "订单应付金额")]


def test_a_douyin_file_without_the_main_order_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "douyin.csv"
    path.write_text("\ufeff子订单编号,选购商品\n1,面膜\n", "utf-8")
    with pytest.raises(MissingColumnError, match="主订单编号"):
        douyin.parse(path, tz=SHANGHAI)
