"""Hostile cells in every reader (issue 12, points 2, 3, 5, 8 and 9): each bad cell rejects
its row alone, naming the file, the row and the column; the good rows are still read."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from hostile import LAYOUTS, SHANGHAI, Layout

from winback.errors import DuplicateColumnError
from winback.ingest import douyin, pdd, shopify
from winback.ingest.records import OrderRecord, ParsedFile, Rejection

BAD_CELLS = {
    "impossible date": ("created", "0001-01-01 00:00:00", "outside the accepted dates"),
    "far future date": ("created", "2206-03-01 10:00:00", "outside the accepted dates"),
    "decimal comma": ("amount", "1 299,00", "decimal comma"),
    "short decimal comma": ("amount", "12,50", "decimal comma"),
    "broken grouping": ("amount", "1,2,3", "wrong places"),
    "scientific amount": ("amount", "1e3", "scientific notation"),
    "negative total": ("amount", "-238.90", "negative"),
    "too large": ("amount", "1" + "0" * 16, "too large"),
    "Excel id": ("id", "2.10000001215793E+18", "Excel changed it"),
    "float id": ("id", "5009399963600.0", "decimal number"),
    "NUL byte": ("text", "bad\x00byte", "NUL"),
    "10 MB cell": ("text", "x" * (10 << 20), "characters"),
}


def orders(parsed: ParsedFile) -> list[OrderRecord]:
    return [r for r in parsed.records if isinstance(r, OrderRecord)]


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
@pytest.mark.parametrize("case", BAD_CELLS, ids=str)
def test_a_bad_cell_rejects_its_row_naming_file_row_and_column(
    tmp_path: Path, layout: Layout, case: str
) -> None:
    role, value, reason = BAD_CELLS[case]
    path = layout.write(tmp_path, [layout.row(1), layout.row(2, **{role: value}), layout.row(3)])
    parsed = layout.parse(path)
    assert len(orders(parsed)) == 2
    [rejection] = parsed.rejections
    assert (rejection.file, rejection.row, rejection.column) == (
        str(path),
        3,
        getattr(layout, role),
    )
    assert reason in rejection.reason
    assert len(str(rejection)) < 600  # the 10 MB cell is not quoted back


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_a_row_longer_than_the_header_is_rejected(tmp_path: Path, layout: Layout) -> None:
    long_row = [*layout.row(2), "stray"]
    path = layout.write(tmp_path, [layout.row(1), long_row, [*layout.row(3), ""]])
    parsed = layout.parse(path)
    assert len(orders(parsed)) == 2  # a trailing empty cell is no extra data
    [rejection] = parsed.rejections
    assert rejection.row == 3
    assert f"has {len(long_row)} cells but the header has {len(layout.headers)}" in rejection.reason


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_a_header_twice_is_refused_naming_both_columns(tmp_path: Path, layout: Layout) -> None:
    headers = [*layout.headers, f" {layout.amount} "]
    path = layout.write(tmp_path, [[*layout.row(1), "1.00"]], headers=headers)
    with pytest.raises(DuplicateColumnError) as caught:
        layout.parse(path)
    position = layout.headers.index(layout.amount) + 1
    assert caught.value.column == layout.amount
    assert f"columns {position} and {len(headers)}" in str(caught.value)


def test_a_rejection_masks_the_contacts_it_quotes() -> None:
    rejection = Rejection("f.csv", 3, "Email", "'alice@example.com' here, '13812345678' there")
    assert "alice@" not in str(rejection) and "13812345678" not in rejection.reason
    assert "a***@example.com" in rejection.reason and "138****5678" in rejection.reason


def test_amounts_computed_from_cells_stay_within_what_an_order_holds(tmp_path: Path) -> None:
    path = tmp_path / "pdd.csv"
    path.write_bytes(
        "订单号,订单成交时间,商品,商品总价(元),邮费(元),店铺优惠折扣(元),商品数量(件),订单状态\n"
        "240301-1,2024-03-01 10:00:00,袜子,19.90,0,5.00,1,待发货\n"
        "240301-2,2024-03-01 10:00:00,袜子,19.90,0,25.00,1,待发货\n".encode("gb18030")
    )
    parsed = pdd.parse(path, tz=SHANGHAI)
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (3, "店铺优惠折扣(元)")
    assert "exceed the goods and shipping" in rejection.reason
    path = tmp_path / "douyin.csv"
    path.write_bytes(
        "主订单编号,选购商品,商品数量,商品金额,订单应付金额,订单提交时间\n"
        "6001,帽子,999999999,99999.00,59.00,2024-03-01 10:00:00\n".encode("utf-8-sig")
    )
    [rejection] = douyin.parse(path, tz=SHANGHAI).rejections
    assert (rejection.row, rejection.column) == (2, "商品数量")


def test_a_shopify_order_repeated_with_other_contacts_is_rejected_with_them_masked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders_export.csv"
    path.write_text(
        "Name,Email,Phone,Financial Status,Total,Currency,Created at\n"
        "#1001,alice@example.com,+14155550123,paid,10.00,USD,2024-03-01 10:00:00 +0000\n"
        "#1002,carol@example.com,+14155550199,paid,10.00,USD,2024-03-01 10:00:00 +0000\n"
        "#1001,bob@example.com,+14155550124,paid,10.00,USD,2024-03-01 10:00:00 +0000\n",
        encoding="utf-8",
    )
    [rejection] = shopify.parse(path, tz=SHANGHAI).rejections
    text = f"{rejection} {asdict(rejection)}"
    for secret in ("alice@", "bob@", "4155550123", "4155550124"):
        assert secret not in text
    assert "'b***@example.com' here, 'a***@example.com' on row 2" in rejection.reason
