"""The rules every importer applies to a cell before it becomes a value (issue 12, points 2
and 3): dates inside a plausible window, amounts that cannot be misread, ids Excel has not
changed. Each bad cell raises :class:`CellError` with a reason a merchant can act on."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from winback.ingest.cleaning import (
    MAX_AMOUNT,
    PLAUSIBLE_DATES,
    CellError,
    DateWindow,
    parse_amount,
    parse_datetime,
    parse_id,
    parse_int,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize(
    "cell",
    ["0001-01-01 00:00:00", "1970-01-01 08:00:00", "2002-12-31 23:59:59", "2100-01-01 00:00:00",
     "9999-12-31 23:59:59", "0001-01-01T00:00:00+14:00"],
)  # fmt: skip
def test_a_date_outside_the_plausible_window_is_refused_naming_the_window(cell: str) -> None:
    with pytest.raises(CellError, match="outside the accepted dates 2003-01-01 to 2099-12-31"):
        parse_datetime(cell, SHANGHAI)


def test_the_window_is_a_parameter() -> None:
    old = DateWindow(date(1995, 1, 1), date(2030, 1, 1))
    assert parse_datetime("1997-03-01 10:00:00", SHANGHAI, window=old) is not None
    with pytest.raises(CellError, match="1995-01-01 to 2029-12-31"):
        parse_datetime("2031-01-01", SHANGHAI, window=old)


def test_the_window_edges_are_read_in_the_store_zone() -> None:
    assert parse_datetime("2003-01-01 00:00:00", SHANGHAI) is not None
    assert parse_datetime("2099-12-31 23:59:59", SHANGHAI) is not None
    with pytest.raises(CellError):  # 2002-12-31 23:00 in Shanghai, an instant before the window
        parse_datetime("2002-12-31T15:00:00+00:00", SHANGHAI)


@SETTINGS
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_any_date_is_a_value_inside_the_window_or_a_cell_error_never_an_overflow(
    moment: datetime,
) -> None:
    text = moment.strftime("%Y-%m-%d %H:%M:%S").rjust(19, "0")
    try:
        value = parse_datetime(text, SHANGHAI)
    except CellError:
        assert not PLAUSIBLE_DATES.earliest <= moment.date() < PLAUSIBLE_DATES.latest
        return
    assert value is not None and value.year in range(2003, 2100)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1 299,00", "decimal comma"),
        ("12,50", "decimal comma"),
        ("1,2,3", "wrong places"),
        ("1.299,00", "decimal comma"),
        ("1,29", "decimal comma"),
        ("1e3", "scientific notation"),
        ("1.5E+2", "scientific notation"),
        ("-238.90", "negative"),
        ("12.345", "more than 2 decimal places"),
        ("1E+400", "scientific notation"),
        ("1" + "0" * 13, "too large"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("12.5.0", "wrong places"),
        ("1,,000", "wrong places"),
        (",5", "wrong places"),
    ],
)
def test_an_ambiguous_or_impossible_amount_is_refused_with_the_reason(
    cell: str, reason: str
) -> None:
    with pytest.raises(CellError, match=reason):
        parse_amount(cell)


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1,299.00", "1299.00"), ("￥1,299.00", "1299.00"), ("12,345,678.90", "12345678.90"),
        ("128.00元", "128.00"), ("$12.50", "12.50"), ("1 299.00", "1299.00"),
        ("1\u00a0299.00", "1299.00"), ("12.500", "12.50"), ("0", "0"), (".5", "0.5"),
        ("CNY 99", "99"), ("99 USD", "99"), ("1,299", "1299"), ("€ 7", "7"),
    ],
)  # fmt: skip
def test_an_unambiguous_amount_is_read_exactly(cell: str, value: str) -> None:
    assert parse_amount(cell) == Decimal(value)


@pytest.mark.parametrize(
    ("cell", "value"),
    [("1 299,00", "1299.00"), ("12,50", "12.50"), ("1.299,00", "1299.00"), ("1299", "1299"),
     ("7,5", "7.5"), ("1'299,00", "1299.00")],
)  # fmt: skip
def test_a_declared_decimal_comma_reads_european_amounts(cell: str, value: str) -> None:
    assert parse_amount(cell, decimal=",") == Decimal(value)


def test_with_a_decimal_comma_a_dot_grouped_amount_is_still_checked() -> None:
    with pytest.raises(CellError, match="wrong places"):
        parse_amount("1.2.3", decimal=",")


def test_a_negative_amount_is_read_only_where_the_format_defines_one() -> None:
    assert parse_amount("-5.00", signed=True) == Decimal("-5.00")
    assert parse_amount("-￥5.00", signed=True) == Decimal("-5.00")
    with pytest.raises(CellError, match="negative"):
        parse_amount("-5.00")


def test_the_largest_amount_the_store_holds_with_room_for_sums_is_accepted() -> None:
    assert parse_amount(str(MAX_AMOUNT)) == MAX_AMOUNT
    with pytest.raises(CellError, match="too large"):
        parse_amount(str(MAX_AMOUNT + Decimal("0.01")))


@SETTINGS
@given(
    value=st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2, allow_nan=False),
    form=st.sampled_from(["{:.2f}", "{:,.2f}", "¥{:,.2f}", "{:.2f}元", '="{:.2f}"']),
)
def test_every_formatted_amount_within_range_reads_back(value: Decimal, form: str) -> None:
    assert parse_amount(form.format(value)) == value


@SETTINGS
@given(cell=st.text(max_size=30))
@example(cell="£")
def test_any_text_is_an_amount_or_a_cell_error(cell: str) -> None:
    try:
        value = parse_amount(cell)
    except CellError:
        return
    assert value is None or (value.is_finite() and 0 <= value <= MAX_AMOUNT)
    assert value is None or value == value.quantize(Decimal("0.01"))


@pytest.mark.parametrize("cell", ["1e3", "-2", "2.5", "1" + "0" * 400])
def test_a_quantity_in_scientific_notation_negative_fractional_or_huge_is_refused(
    cell: str,
) -> None:
    with pytest.raises(CellError):
        parse_int(cell)


@pytest.mark.parametrize(
    ("cell", "says"),
    [
        ("2.10000001215793E+18", "Excel"),
        ("5.0093999636E+12", "Excel"),
        ("2.1000000012157932e+18", "Excel"),
        ("4234567890123.0", "decimal number"),
        ("1234.00", "decimal number"),
    ],
)
def test_an_id_excel_turned_into_a_number_is_refused_saying_how_to_export_it(
    cell: str, says: str
) -> None:
    with pytest.raises(CellError, match=says) as caught:
        parse_id(cell)
    assert "as text" in str(caught.value)


@pytest.mark.parametrize(
    "cell",
    [
        "2100000012157930123",
        '="2100000012157930123"',
        "#1001",
        "wc-12",
        "E12",
        "1E3-A",
        "12.34.5",
        "31415e9265358979323846264338327950",
    ],
)
def test_an_id_that_is_text_stays_text(cell: str) -> None:
    assert parse_id(cell) == cell.removeprefix('="').removesuffix('"')
