"""Bad Taobao files: fatal problems raise and return nothing; bad rows are rejected alone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from cn_orders import SHANGHAI

from winback.errors import ImportFileError, MissingColumnError, UnreadableFileError
from winback.ingest import taobao
from winback.ingest.records import OrderRecord, Rejection

HEADER = "订单编号,买家会员名,总金额,订单创建时间,订单状态\n"


def rows(count: int, start: int = 1) -> str:
    return "".join(
        f"{n},买家{n},{n}.00,2023-01-01 10:00:00,交易成功\n" for n in range(start, start + count)
    )


def write(tmp_path: Path, data: str | bytes, encoding: str = "gb18030") -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def parse(path: Path) -> tuple[list[OrderRecord], list[Rejection]]:
    result = taobao.parse(path, tz=SHANGHAI)
    return [r for r in result.records if isinstance(r, OrderRecord)], result.rejections


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="empty"):
        taobao.parse(write(tmp_path, b""), tz=SHANGHAI)


def test_a_header_only_file_imports_nothing_without_complaint(tmp_path: Path) -> None:
    result = taobao.parse(write(tmp_path, HEADER), tz=SHANGHAI)
    assert (result.records, result.rejections, result.rows_read) == ([], [], 0)


def test_a_missing_required_column_is_named_with_the_headers_found(tmp_path: Path) -> None:
    path = write(tmp_path, "订单编号,买家会员名,订单创建时间\n1,a,2023-01-01\n")
    with pytest.raises(MissingColumnError) as caught:
        taobao.parse(path, tz=SHANGHAI)
    assert caught.value.column == "总金额"
    assert "买家会员名" in str(caught.value)
    assert "订单金额" in str(caught.value)  # an accepted alias is suggested


def test_latin1_bytes_are_refused_naming_the_detected_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "Commande,Montant,Créée le\n1,2,3\n", "latin-1")
    with pytest.raises(UnreadableFileError, match="not GB18030 or UTF-8 text: it looks like"):
        taobao.parse(path, tz=SHANGHAI)


def test_a_shift_jis_file_is_refused_naming_the_detected_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "注文番号,金額,注文日時\n1,100,2023-01-01\n", "shift_jis")
    with pytest.raises(UnreadableFileError, match="looks like cp932 text"):
        taobao.parse(path, tz=SHANGHAI)


def test_chinese_headers_of_another_export_are_a_missing_column_not_an_encoding_error(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "商品ID,订单号码,金额\n1,2,3\n")
    with pytest.raises(MissingColumnError, match="another encoding"):
        taobao.parse(path, tz=SHANGHAI)


def test_bytes_that_no_text_encoding_decodes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError):
        taobao.parse(write(tmp_path, b"\x81\x00\xfe" * 3 + b"\x00\x00\xff\x81"), tz=SHANGHAI)


def test_a_wrong_encoding_after_the_sample_names_the_row(tmp_path: Path) -> None:
    good = (HEADER + rows(12000)).encode("utf-8")
    assert len(good) > 256 * 1024
    data = good + "99999,顾客,1.00,2023-01-01 10:00:00,交易成功\n".encode("gb18030")
    with pytest.raises(UnreadableFileError, match="wrong encoding") as caught:
        taobao.parse(write(tmp_path, data), tz=SHANGHAI)
    assert caught.value.row == 12002  # header + 12000 rows, then the bad one


def test_a_bad_byte_inside_a_row_names_that_row(tmp_path: Path) -> None:
    lines = (HEADER + rows(9000)).encode("gb18030").split(b"\n")
    lines[7000] = lines[7000].replace(b",2023", b",\x812023", 1)
    with pytest.raises(UnreadableFileError, match="wrong encoding") as caught:
        taobao.parse(write(tmp_path, b"\n".join(lines)), tz=SHANGHAI)
    assert caught.value.row == 7001


def test_a_file_cut_inside_a_quoted_field_is_refused_naming_the_row(tmp_path: Path) -> None:
    data = HEADER + rows(3) + '4,"买家\n四,4.00'
    with pytest.raises(UnreadableFileError, match="truncated") as caught:
        taobao.parse(write(tmp_path, data), tz=SHANGHAI)
    assert caught.value.row == 5


def test_a_file_cut_at_a_row_boundary_imports_the_rows_it_holds(tmp_path: Path) -> None:
    records, rejections = parse(write(tmp_path, HEADER + rows(3)))
    assert [r.order_id for r in records] == ["1", "2", "3"]
    assert rejections == []


def test_an_unparseable_amount_rejects_that_row_only(tmp_path: Path) -> None:
    data = HEADER + rows(1) + "2,买家2,十元,2023-01-01 10:00:00,交易成功\n" + rows(1, 3)
    records, rejections = parse(write(tmp_path, data))
    assert [r.order_id for r in records] == ["1", "3"]
    (rejection,) = rejections
    assert (rejection.row, rejection.column) == (3, "总金额")
    assert "十元" in rejection.reason


def test_an_unparseable_date_rejects_that_row_only(tmp_path: Path) -> None:
    data = HEADER + "1,a,1.00,昨天,交易成功\n" + rows(1, 2)
    records, rejections = parse(write(tmp_path, data))
    assert [r.order_id for r in records] == ["2"]
    assert [(r.row, r.column) for r in rejections] == [(2, "订单创建时间")]


def test_an_unknown_status_rejects_the_row_naming_the_text(tmp_path: Path) -> None:
    data = HEADER + "1,a,1.00,2023-01-01,外星人已签收\n" + rows(1, 2)
    records, rejections = parse(write(tmp_path, data))
    assert [r.order_id for r in records] == ["2"]
    assert rejections[0].column == "订单状态" and "外星人已签收" in rejections[0].reason


def test_a_row_shorter_than_the_header_is_rejected(tmp_path: Path) -> None:
    records, rejections = parse(write(tmp_path, HEADER + "1,a,1.00\n" + rows(1, 2)))
    assert [r.order_id for r in records] == ["2"]
    assert rejections[0].row == 2 and "cells" in rejections[0].reason


def test_an_identical_duplicate_row_is_not_a_rejection(tmp_path: Path) -> None:
    records, rejections = parse(write(tmp_path, HEADER + rows(2) + rows(1)))
    assert [r.order_id for r in records] == ["1", "2"]
    assert rejections == []


def test_a_conflicting_duplicate_is_rejected_naming_the_first_row(tmp_path: Path) -> None:
    data = HEADER + rows(2) + "1,买家1,999.00,2023-01-01 10:00:00,交易成功\n"
    records, rejections = parse(write(tmp_path, data))
    assert records[0].total_amount == Decimal("1.00")
    (rejection,) = rejections
    assert rejection.row == 4
    assert "row 2" in rejection.reason and "total_amount" in rejection.reason


def test_blank_lines_are_skipped_not_counted(tmp_path: Path) -> None:
    result = taobao.parse(write(tmp_path, HEADER + "\n" + rows(1) + ",,,,\n"), tz=SHANGHAI)
    assert result.rows_read == 1 and result.rejections == []


def test_a_pair_given_in_the_wrong_order_is_refused(tmp_path: Path) -> None:
    orders = write(tmp_path, HEADER + rows(1))
    items = tmp_path / "items.csv"
    items.write_text("订单编号,标题,价格,购买数量\n1,帽子,1.00,1\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="other kind"):
        taobao.parse_pair(items, orders, tz=SHANGHAI)
