"""The column reader of large Taobao reports meets the same hostile cells as the row reader
(issue 12): it never accepts what the row reader rejects; it sends the file to the row
reader, which names the row and column. Checked on a whole file and on a streamed one."""

from __future__ import annotations

from pathlib import Path

import pytest
from cn_orders import SHANGHAI
from test_taobao_columns import HEADER, by_columns

from winback.ingest import taobao
from winback.ingest.orders_common import columns_for, reading
from winback.ingest.records import OrderRecord, OrderTable
from winback.ingest.taobao_columns import NotColumnar, order_stream
from winback.model import Platform

ROWS = 1200
GOOD = "{id},tb_{n},10.00,10.00,交易成功,张*,浙江省 ****,138****0000,2026-01-01 08:00:00,-,-"
# The cells of GOOD by header position: 0 id, 2 total, 8 creation time, 5 name.
HOSTILE = {
    "impossible date": (8, "0001-01-01 00:00:00", "订单创建时间", "outside the accepted dates"),
    "far future": (8, "2206-01-01 08:00:00", "订单创建时间", "outside the accepted dates"),
    "before 2003": (8, "1999-12-31 23:59:59", "订单创建时间", "outside the accepted dates"),
    "negative total": (2, "-238.90", "总金额", "negative"),
    "decimal comma": (2, '"12,50"', "总金额", "decimal comma"),
    "scientific total": (2, "1e3", "总金额", "scientific notation"),
    "huge total": (2, "9" * 20, "总金额", "too large"),
    "Excel id": (0, "2.10000001215793E+18", "订单编号", "Excel changed it"),
    "float id": (0, "100000000007.0", "订单编号", "decimal number"),
    "NUL": (5, "张\x00三", "收货人姓名", "NUL"),
    "huge cell": (5, "x" * 200_000, "收货人姓名", "characters"),
}


def report(folder: Path, spoil: tuple[int, str] | None = None, at: int = 700) -> Path:
    rows = [GOOD.format(id=10**11 + n, n=n).split(",") for n in range(ROWS)]
    if spoil is not None:
        position, value = spoil
        rows[at][position] = value
    path = folder / "orders.csv"
    text = "\n".join([HEADER, *(",".join(cells) for cells in rows)]) + "\n"
    path.write_bytes(text.encode("gb18030"))
    return path


@pytest.mark.parametrize("case", HOSTILE, ids=str)
def test_a_hostile_cell_sends_a_large_report_to_the_row_reader_which_names_it(
    tmp_path: Path, case: str
) -> None:
    position, value, column, reason = HOSTILE[case]
    path = report(tmp_path, (position, value))
    with pytest.raises(NotColumnar):
        by_columns(path)
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True)
    assert all(isinstance(record, OrderRecord) for record in parsed.records)
    assert len(parsed.records) == ROWS - 1
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (702, column)
    assert reason in rejection.reason


@pytest.mark.parametrize("case", ["impossible date", "Excel id", "huge cell", "negative total"])
def test_a_hostile_cell_in_a_later_chunk_of_a_stream_stops_the_stream(
    tmp_path: Path, case: str
) -> None:
    position, value, _, _ = HOSTILE[case]
    path = report(tmp_path, (position, value), at=1100)
    with reading(path) as table:
        columns = columns_for(table, taobao.ORDER_ALIASES, taobao.ORDER_REQUIRED, SHANGHAI)
        stream = order_stream(table, columns, Platform.TAOBAO, min_rows=0)
    stream = type(stream)(**{**stream.__dict__, "block_size": 16 << 10})
    chunks = stream.chunks()
    assert isinstance(next(chunks), OrderTable)
    with pytest.raises(NotColumnar):
        list(chunks)


def test_a_nul_byte_anywhere_stops_a_stream_before_its_first_chunk(tmp_path: Path) -> None:
    path = report(tmp_path, HOSTILE["NUL"][:2], at=1100)
    with reading(path) as table, pytest.raises(NotColumnar, match="NUL"):
        columns = columns_for(table, taobao.ORDER_ALIASES, taobao.ORDER_REQUIRED, SHANGHAI)
        order_stream(table, columns, Platform.TAOBAO, min_rows=0)


def test_a_clean_large_report_is_still_read_by_columns(tmp_path: Path) -> None:
    parsed = taobao.parse(report(tmp_path), tz=SHANGHAI, columnar=True)
    [table] = parsed.records
    assert isinstance(table, OrderTable) and len(table) == ROWS
