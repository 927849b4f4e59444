"""A Tmall 订单报表 without 订单状态 (issue 10, points 1 and 3), in its real layout: the
status is inferred from the columns, and the paid column — net of refunds in some exports —
is read so that a partial refund never becomes a full one and the stored refund sums equal
the file's."""

from __future__ import annotations

import csv
import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI
from hostile import LAYOUTS
from sqlalchemy import Engine
from test_taobao_columns import by_columns, by_rows

from winback.ingest import taobao
from winback.ingest.records import OrderRecord
from winback.model import OrderStatus, Platform
from winback.store import repo

FIXTURES = Path(__file__).parent / "fixtures"
NET = ["tmall_orders_no_status_net.csv", "tmall_orders_no_status_net_utf8bom.csv"]
ALL = [*NET, "tmall_orders_no_status_gross.csv"]
HEADERS = "订单编号,总金额,买家实际支付金额,收货地址 ,订单创建时间,订单付款时间 ,退款金额"


def file_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows read independently of winback (csv module, known encoding)."""
    data = path.read_bytes()
    text = data.decode("utf-8-sig") if data.startswith(b"\xef\xbb\xbf") else data.decode("gb18030")
    return list(csv.DictReader(io.StringIO(text)))


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def orders(path: Path) -> list[OrderRecord]:
    parsed = taobao.parse(path, tz=SHANGHAI, platform=Platform.TMALL)
    assert parsed.rejections == []
    return [r for r in parsed.records if isinstance(r, OrderRecord)]


@pytest.mark.parametrize("name", ALL)
def test_the_fixture_has_the_real_headers_and_encoding(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    if "utf8bom" in name:
        assert data.startswith(b"\xef\xbb\xbf")
        assert data.decode("utf-8-sig").splitlines()[0] == HEADERS
    else:
        assert data.decode("gb18030").split("\r\n")[0] == HEADERS


@pytest.mark.parametrize("name", ALL)
def test_statuses_are_inferred_from_the_times_and_the_refund(name: str) -> None:
    path = FIXTURES / name
    records = orders(path)
    rows = {row["订单编号"]: row for row in file_rows(path)}
    assert len(records) == len(rows) == 24
    assert all(record.status_inferred for record in records)
    assert Counter(r.status for r in records) == {
        OrderStatus.PENDING: 5,
        OrderStatus.PAID: 15,
        OrderStatus.REFUNDED: 4,
    }
    for record in records:
        row = rows[record.order_id]
        total, refund = money(row["总金额"]), money(row["退款金额"])
        if not row["订单付款时间 "]:
            assert record.status is OrderStatus.PENDING and record.paid_amount is None
        elif refund == total:
            assert record.status is OrderStatus.REFUNDED
        else:  # paid, or partly refunded: the refund stays an amount
            assert record.status is OrderStatus.PAID
        assert record.refund_amount == refund
        if record.status.was_paid:
            assert record.paid_amount == total  # the gross amount paid, whatever the column


@pytest.mark.parametrize("name", ALL)
def test_the_refund_and_paid_sums_equal_the_files(name: str) -> None:
    path = FIXTURES / name
    records = orders(path)
    rows = file_rows(path)
    refunds = sum(money(row["退款金额"]) for row in rows)
    assert sum(r.refund_amount for r in records) == refunds == Decimal("2293.80")
    net = "net" in name
    paid_column = sum(money(row["买家实际支付金额"]) for row in rows)
    gross = sum(r.paid_amount or 0 for r in records)
    assert gross == (paid_column + refunds if net else paid_column)


@pytest.mark.parametrize("name", ALL)
def test_the_column_reader_infers_the_same_statuses_as_the_row_reader(
    tmp_path: Path, name: str
) -> None:
    rows = file_rows(FIXTURES / name)
    lines = [HEADERS]
    for copy in range(50):  # 1,200 orders: large enough for the column reader
        for row in rows:
            cells = [f"{row['订单编号']}{copy:02d}", *list(row.values())[1:]]
            lines.append(",".join(f'"{cell}"' if "," in cell else cell for cell in cells))
    path = tmp_path / "ExportOrderList.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    records, rejected = by_rows(path)
    assert rejected == 0
    assert by_columns(path) == records
    assert sum(r.status is OrderStatus.REFUNDED for r in records) == 4 * 50


@pytest.mark.parametrize("name", NET)
def test_stored_refund_sums_equal_the_files_on_both_databases(engine: Engine, name: str) -> None:
    path = FIXTURES / name
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="tmall", platform="tmall", timezone="Asia/Shanghai", currency="CNY"
        )
        parsed = taobao.parse(path, tz=SHANGHAI, platform=Platform.TMALL)
        repo.apply_records(conn, store, parsed.records, source_file=str(path))
    with engine.connect() as conn:
        table = repo.orders_table(conn, store).to_pylist()
    rows = file_rows(path)
    assert sum(row["refund_amount"] for row in table) == sum(money(r["退款金额"]) for r in rows)
    refunded = [row for row in table if row["status"] == "refunded"]
    assert len(refunded) == 4
    assert all(row["refund_amount"] == row["total_amount"] for row in refunded)
    partial = [row for row in table if row["status"] == "paid" and row["refund_amount"]]
    assert len(partial) == 6
    assert all(0 < row["refund_amount"] < row["paid_amount"] for row in partial)


@pytest.mark.parametrize("name", ["taobao", "jd", "pdd", "douyin"])
def test_every_chinese_export_records_whether_its_status_was_inferred(
    tmp_path: Path, name: str
) -> None:
    layout = next(layout for layout in LAYOUTS if layout.name == name)
    status = "订单状态"
    with_status = layout.parse(layout.write(tmp_path, [layout.row(1)]))
    position = layout.headers.index(status)
    headers = [h for h in layout.headers if h != status]
    row = [cell for i, cell in enumerate(layout.row(1)) if i != position]
    without = layout.parse(layout.write(tmp_path, [row], headers=headers))
    assert [r.status_inferred for r in with_status.records if isinstance(r, OrderRecord)] == [False]
    assert [r.status_inferred for r in without.records if isinstance(r, OrderRecord)] == [True]
