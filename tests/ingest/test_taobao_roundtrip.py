"""Round trips: orders → the Taobao writers' bytes → the Taobao parser → the same orders."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from cn_orders import SHANGHAI, lines, orders, texts, unique_orders, without_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from winback.demo.exports import taobao as writer
from winback.ingest import taobao
from winback.ingest.records import OrderLinesRecord, OrderRecord
from winback.model import OrderStatus, Platform

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TAOBAO_STATUSES = tuple(s for s in OrderStatus if s is not OrderStatus.CANCELLED)
ZERO = Decimal("0")


@st.composite
def taobao_orders(
    draw: st.DrawFn, variant: str, statuses: tuple[OrderStatus, ...] = TAOBAO_STATUSES
) -> OrderRecord:
    newer = variant == "2023"
    order = draw(
        orders(
            statuses=statuses,
            with_times=newer,
            line_strategy=lines(ids="digits" if newer else "position", refunds=newer),
        )
    )
    refunded = order.status is OrderStatus.REFUNDED
    closed = order.status in (OrderStatus.CLOSED, OrderStatus.REFUNDED)
    return replace(
        order,
        close_reason=draw(st.none() | texts) if closed else None,
        refund_amount=draw(st.decimals(min_value=1, max_value=500, places=2))
        if refunded and newer
        else ZERO,
        lines=tuple(
            line if refunded else replace(line, refund_amount=ZERO) for line in order.lines
        ),
    )


def expected(order: OrderRecord, *, with_lines: bool = True) -> OrderRecord:
    return replace(
        order,
        raw_status=writer.STATUS_TEXT[order.status],
        lines=order.lines if with_lines else (),
    )


def parsed_orders(path: Path, platform: Platform = Platform.TAOBAO) -> list[OrderRecord]:
    result = taobao.parse(path, tz=SHANGHAI, platform=platform)
    assert result.rejections == []
    assert result.kind == "order_report"
    return [without_source(r) for r in result.records if isinstance(r, OrderRecord)]


@SETTINGS
@given(
    batch=unique_orders(taobao_orders("2016")),
    encoding=st.sampled_from(["gb18030", "utf-8-sig", "utf-8"]),
    quirks=st.booleans(),
)
def test_a_2016_order_report_reads_back_as_the_orders_written(
    batch: list[OrderRecord], encoding: str, quirks: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ExportOrderList.csv"
        writer.write_order_report(batch, path, variant="2016", encoding=encoding, quirks=quirks)
        assert parsed_orders(path) == [expected(o, with_lines=False) for o in batch]


@SETTINGS
@given(batch=unique_orders(taobao_orders("2023")), quirks=st.booleans())
def test_a_2023_order_report_carries_shipping_settlement_and_refunds(
    batch: list[OrderRecord], quirks: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        writer.write_order_report(batch, path, variant="2023", quirks=quirks)
        assert parsed_orders(path) == [expected(o, with_lines=False) for o in batch]


@SETTINGS
@given(variant=st.sampled_from(["2016", "2023"]), data=st.data())
def test_an_order_report_and_its_item_report_join_into_orders_with_lines(
    variant: str, data: st.DataObject
) -> None:
    batch = data.draw(unique_orders(taobao_orders(variant)))
    with tempfile.TemporaryDirectory() as folder:
        order_path, item_path = Path(folder) / "orders.csv", Path(folder) / "items.csv"
        writer.write_order_report(batch, order_path, variant=variant)
        writer.write_item_report(batch, item_path, variant=variant)
        result = taobao.parse_pair(order_path, item_path, tz=SHANGHAI, platform=Platform.TMALL)
    assert result.rejections == []
    assert result.kind == "order_and_item_reports"
    records = [without_source(r) for r in result.records if isinstance(r, OrderRecord)]
    assert records == [expected(replace(o, platform=Platform.TMALL)) for o in batch]


@SETTINGS
@given(batch=unique_orders(taobao_orders("2023")))
def test_an_item_report_alone_gives_the_lines_of_each_order(batch: list[OrderRecord]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.csv"
        writer.write_item_report(batch, path, variant="2023")
        result = taobao.parse(path, tz=SHANGHAI)
    assert result.kind == "item_report"
    assert result.rejections == []
    records = [r for r in result.records if isinstance(r, OrderLinesRecord)]
    assert [(r.order_id, r.lines, r.status) for r in records] == [
        (o.order_id, o.lines, o.status) for o in batch
    ]


@SETTINGS
@given(batch=unique_orders(taobao_orders("2016")))
def test_an_html_table_saved_as_xls_reads_back_as_the_orders_written(
    batch: list[OrderRecord],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ExportOrderList.xls"
        writer.write_order_report_html_xls(batch, path)
        assert parsed_orders(path) == [expected(o, with_lines=False) for o in batch]


@settings(max_examples=15, deadline=None)
@given(batch=unique_orders(taobao_orders("2023")))
def test_a_real_xlsx_workbook_reads_back_as_the_orders_written(batch: list[OrderRecord]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.xlsx"
        writer.write_order_report_xlsx(batch, path, variant="2023")
        assert parsed_orders(path) == [expected(o, with_lines=False) for o in batch]


INFERABLE = (
    OrderStatus.PENDING,
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.SETTLED,
    OrderStatus.CLOSED,
    OrderStatus.REFUNDED,
)


@SETTINGS
@given(batch=unique_orders(taobao_orders("2023", INFERABLE)))
def test_without_a_status_column_the_status_is_inferred_from_the_other_columns(
    batch: list[OrderRecord],
) -> None:
    batch = [
        replace(o, close_reason=o.close_reason or "买家未付款")
        if o.status is OrderStatus.CLOSED
        else replace(o, close_reason="退款")
        if o.status is OrderStatus.REFUNDED
        else o
        for o in batch
    ]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        writer.write_order_report(batch, path, variant="2023", omit_columns=["订单状态"])
        assert parsed_orders(path) == [replace(o, lines=(), status_inferred=True) for o in batch]
