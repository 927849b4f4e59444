"""The column reader of large Taobao order reports gives exactly the row reader's orders,
or declines the file (the row reader then reads it and names each bad cell)."""

from __future__ import annotations

import tempfile
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from cn_orders import SHANGHAI, unique_orders, without_source
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_taobao_roundtrip import taobao_orders

from winback.demo.exports import taobao as writer
from winback.ingest import taobao, taobao_columns
from winback.ingest.cleaning import DateWindow, parse_datetime
from winback.ingest.orders_common import columns_for, reading
from winback.ingest.records import OrderRecord, OrderTable
from winback.ingest.taobao_columns import NotColumnar, instants, read_order_table
from winback.model import Platform

ANY_DATE = DateWindow(date(1, 1, 2), date(9999, 12, 30))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = (
    "订单编号,买家会员名,总金额,买家实际支付金额,订单状态,收货人姓名,收货地址 ,联系手机,"
    "订单创建时间,订单付款时间 ,订单关闭原因"
)


def in_utc(record: OrderRecord) -> OrderRecord:
    """Times as UTC: Python never finds a time in a DST fold equal to one in another zone
    (PEP 495), and Shanghai had DST in 1986-91."""
    times = {
        f.name: value.astimezone(UTC)
        for f in fields(record)
        if isinstance(value := getattr(record, f.name), datetime)
    }
    return replace(record, **times)


def by_rows(path: Path) -> tuple[list[OrderRecord], int]:
    parsed = taobao.parse(path, tz=SHANGHAI)
    records = [in_utc(without_source(r)) for r in parsed.records if isinstance(r, OrderRecord)]
    return records, len(parsed.rejections)


def by_columns(path: Path) -> list[OrderRecord]:
    with reading(path) as table:
        columns = columns_for(table, taobao.ORDER_ALIASES, taobao.ORDER_REQUIRED, SHANGHAI)
        orders = read_order_table(table, columns, Platform.TAOBAO, min_rows=0)
    return [in_utc(record) for record in orders.records()]


@SETTINGS
@given(
    variant=st.sampled_from(["2016", "2023"]),
    encoding=st.sampled_from(["gb18030", "utf-8-sig", "utf-8"]),
    quirks=st.booleans(),
    data=st.data(),
)
def test_a_clean_report_reads_the_same_by_columns_as_by_rows(
    variant: str, encoding: str, quirks: bool, data: st.DataObject
) -> None:
    batch = data.draw(unique_orders(taobao_orders(variant)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ExportOrderList.csv"
        writer.write_order_report(batch, path, variant=variant, encoding=encoding, quirks=quirks)
        rows, rejected = by_rows(path)
        assert rejected == 0
        assert by_columns(path) == [replace(r, lines=()) for r in rows]


ids = st.sampled_from(['="{}"', "{}", " {} ", "'{}", '="{} "', "\t{}", '="="{}""'])
amounts = st.sampled_from(
    [
        "128.00",
        "128.5元",
        " 99 ",
        "￥1,299.00",
        "-",
        "null",
        "",
        "0",
        "0.00",
        "12.345",
        "abc",
        "1e3",
    ]
)
times = st.sampled_from(
    [
        "2026-01-01 08:30:00", "2026/01/01 08:30", "2026-01-01", " 2026-03-05 23:59:59 ",
        "1988-04-10 02:30:00", "1988-09-11 01:30:00", "2026-02-30 10:00:00", "2026-01-01 24:00:00",
        "2026-01-01 12:00:00 +0800", "-", "", "yesterday", "0000-01-01 00:00:00",
    ]
)  # fmt: skip
statuses = st.sampled_from(
    ["交易成功", "交易关闭", "等待买家付款", "TRADE_FINISHED", " 交易成功 ", "", "-", "未知状态"]
)
contacts = st.sampled_from(["138****1234", "##abc", "$$x$$", "13800001234", "", "null", "张*"])
words = st.sampled_from(
    ["tb_a", "张三", " 李四 ", "'王五", "", "None", "退款", "订单未关闭", "\u3000x"]
)
addresses = st.sampled_from(["浙江省 杭州市 ****", "上海 ****", "****", "北京市", "", "广东省"])


@st.composite
def odd_rows(draw: st.DrawFn) -> list[str]:
    count = draw(st.integers(min_value=1, max_value=12))
    numbers = draw(st.lists(st.integers(10**11, 10**12), min_size=count, max_size=count))
    rows = []
    for number in numbers:
        cells = [
            draw(ids).format(number), draw(words), draw(amounts), draw(amounts),
            draw(statuses), draw(words), draw(addresses), draw(contacts), draw(times),
            draw(times), draw(words),
        ]  # fmt: skip
        rows.append(",".join(_quoted(cell) for cell in cells))
    return rows


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if "," in cell or '"' in cell else cell


@SETTINGS
@given(rows=odd_rows())
def test_odd_cells_read_the_same_by_columns_as_by_rows_or_send_the_file_to_the_row_reader(
    rows: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
        expected, rejected = by_rows(path)
        try:
            got = by_columns(path)
        except NotColumnar:
            return
        assert rejected == 0
        assert got == expected


def test_a_large_clean_report_is_one_order_table_and_a_bad_cell_sends_it_to_the_row_reader(
    tmp_path: Path,
) -> None:
    good = [
        f"{10**11 + n},tb_{n},10.00,10.00,交易成功,-,-,-,2026-01-01 08:00:00,-,-"
        for n in range(1200)
    ]
    path = tmp_path / "orders.csv"
    path.write_bytes(("\n".join([HEADER, *good]) + "\n").encode("gb18030"))
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True)
    (table,) = parsed.records
    assert isinstance(table, OrderTable) and len(table) == 1200 and parsed.rows_read == 1200
    bad = [*good[:500], good[500].replace("10.00,10.00", "1o.00,10.00"), *good[501:]]
    path.write_bytes(("\n".join([HEADER, *bad]) + "\n").encode("gb18030"))
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True)
    assert len(parsed.records) == 1199
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (502, "总金额")


def test_a_quote_left_open_sends_the_file_to_the_row_reader(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    rows = [
        f"{10**11 + n},tb_{n},10.00,10.00,交易成功,-,-,-,2026-01-01 08:00:00,-,-" for n in range(3)
    ]
    path.write_bytes(("\n".join([HEADER, *rows]) + ',"x\n').encode("gb18030"))
    with pytest.raises(NotColumnar, match="truncated"):
        by_columns(path)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8"])
def test_a_small_file_goes_to_the_row_reader(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "orders.csv"
    row = "100000000001,tb_a,10.00,10.00,交易成功,-,-,-,2026-01-01 08:00:00,-,-"
    path.write_bytes(f"{HEADER}\n{row}\n".encode(encoding))
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True)
    assert [type(r) for r in parsed.records] == [OrderRecord]


def test_an_impossible_date_is_not_rolled_over_but_sends_the_file_to_the_row_reader() -> None:
    texts = pa.array(["2026-01-01 08:30:00", "2026-02-30 10:00:00"])
    with pytest.raises(NotColumnar, match="2026-02-30"):
        instants(texts, SHANGHAI)


def test_plain_times_are_placed_in_the_zone_hour_by_hour_as_python_does() -> None:
    texts = ["2026-01-01 08:30:00", "1988-09-11 01:30:00", "1988-04-10 02:30:00", None]
    got = instants(pa.array(texts), SHANGHAI).to_pylist()
    for text, value in zip(texts, got, strict=True):
        expected = parse_datetime(text or "", SHANGHAI, window=ANY_DATE)
        assert value == (None if expected is None else expected.astimezone(UTC))


def test_plain_times_are_read_by_arrow_not_one_by_one_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path must really be taken: a regression once sent every time through
    Python because Arrow's ``strftime`` prints microseconds that the check did not expect."""
    slow: list[str] = []

    def spy(text: str, tz: ZoneInfo) -> int:
        slow.append(text)
        return real(text, tz)

    real = taobao_columns._python_instant
    monkeypatch.setattr(taobao_columns, "_python_instant", spy)
    texts = ["2026-01-01 08:30:00", "2024-02-29 23:59:59", None, "2026/1/3 9:05"]
    got = instants(pa.array(texts), SHANGHAI).to_pylist()
    assert slow == ["2026/1/3 9:05"]
    for text, value in zip(texts, got, strict=True):
        expected = parse_datetime(text or "", SHANGHAI)
        assert value == (None if expected is None else expected.astimezone(UTC))
