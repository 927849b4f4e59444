"""Shopify orders and customers exports: hand-written fixtures checked field by field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from winback.errors import MissingColumnError, UnreadableFileError
from winback.ingest import shopify
from winback.ingest.records import Contact, CustomerRecord, OrderRecord
from winback.model import OrderStatus

FIXTURES = Path(__file__).parent / "fixtures"
TZ = ZoneInfo("America/New_York")
PLUS8 = timezone(timedelta(hours=8))


def orders() -> dict[str, OrderRecord]:
    parsed = shopify.parse(FIXTURES / "shopify_orders.csv", tz=TZ)
    assert parsed.rejections == []
    return {record.order_id: record for record in parsed.records if isinstance(record, OrderRecord)}


def test_a_paid_fulfilled_order_with_two_line_items_is_read_field_by_field() -> None:
    order = orders()["5012345678901"]
    assert order.status is OrderStatus.SHIPPED
    assert order.created_at == datetime(2024, 1, 31, 13, 45, 7, tzinfo=PLUS8)
    assert order.created_at.utcoffset() == timedelta(hours=8)
    assert order.paid_at == datetime(2024, 1, 31, 13, 50, 12, tzinfo=PLUS8)
    assert order.shipped_at == datetime(2024, 2, 1, 9, tzinfo=PLUS8)
    assert (order.total_amount, order.goods_amount) == (Decimal("45.00"), Decimal("45.00"))
    assert (order.shipping_fee, order.discount) == (Decimal("5.00"), Decimal("5.00"))
    assert order.paid_amount == Decimal("45.00")
    assert order.currency == "USD"
    assert order.buyer.buyer_id == "ann.lee@example.com"
    assert order.buyer.email == Contact("Ann.Lee@Example.com")
    assert order.buyer.phone == Contact("+1 555 0100")
    assert order.buyer.name == "Ann Lee"
    assert order.buyer.region == "CA, US"
    assert order.buyer_message == "leave at door"
    assert order.payment_method == "Shopify Payments"
    assert order.source is not None and order.source.row == 2
    first, second = order.lines
    assert (first.line_id, first.title, first.quantity) == ("1", "T-Shirt", 2)
    assert first.attributes == {"colour": "Blue", "size": "M"}
    assert (first.unit_price, first.sku) == (Decimal("15.00"), "TS-BLU-M")
    assert (second.line_id, second.title, second.attributes) == ("2", "Mug, large", {})


def test_each_financial_and_fulfillment_combination_maps_to_the_documented_status() -> None:
    statuses = {order_id[-1]: order.status for order_id, order in orders().items()}
    assert statuses == {
        "1": OrderStatus.SHIPPED,
        "2": OrderStatus.PENDING,
        "3": OrderStatus.CLOSED,
        "4": OrderStatus.CANCELLED,
        "5": OrderStatus.REFUNDED,
        "6": OrderStatus.SHIPPED,
        "7": OrderStatus.PAID,
    }


def test_cancelled_and_refunded_orders_keep_the_cancel_time_and_refund_amount() -> None:
    records = orders()
    closed, cancelled = records["5012345678903"], records["5012345678904"]
    assert closed.closed_at == datetime(2024, 2, 3, 11, 30, tzinfo=PLUS8)
    assert closed.paid_amount is None
    assert cancelled.closed_at == datetime(2024, 2, 4, 12, tzinfo=PLUS8)
    assert cancelled.refund_amount == Decimal("30.00")
    assert cancelled.lines[0].attributes == {"colour": "Red", "size": "One Size"}


def test_a_partial_refund_keeps_the_fulfilment_status_and_records_the_amount() -> None:
    order = orders()["5012345678906"]
    assert order.status is OrderStatus.SHIPPED
    assert order.refund_amount == Decimal("5.00")
    assert order.lines[0].quantity == 2


def test_a_pending_order_has_no_paid_amount_and_keeps_a_dashed_product_title() -> None:
    order = orders()["5012345678902"]
    assert order.paid_amount is None and order.paid_at is None
    assert order.lines[0].title == "Vans - Old Skool"
    assert order.lines[0].attributes == {}


def test_an_order_without_email_uses_the_phone_as_buyer_id() -> None:
    order = orders()["5012345678907"]
    assert order.buyer.buyer_id == "+49 30 1234"
    assert order.currency == "EUR"
    assert order.buyer.region == "DE"


def test_the_report_lists_the_columns_nothing_reads() -> None:
    parsed = shopify.parse(FIXTURES / "shopify_orders.csv", tz=TZ)
    assert parsed.rows_read == 8
    assert "Taxes" in parsed.unmapped_columns
    assert "Lineitem compare at price" in parsed.unmapped_columns
    assert "Total" not in parsed.unmapped_columns


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("T-Shirt - Blue / M", ("T-Shirt", {"colour": "Blue", "size": "M"})),
        ("Shoe - 42 / Light Grey", ("Shoe", {"size": "42", "colour": "Light Grey"})),
        ("Bag - Canvas / Large", ("Bag", {"option1": "Canvas", "size": "Large"})),
        ("Vans - Old Skool - Black / 9", ("Vans - Old Skool", {"colour": "Black", "size": "9"})),
        ("Gift Card - Birthday", ("Gift Card - Birthday", {})),
        ("Socks - XL", ("Socks", {"size": "XL"})),
        ("卫裤 - 灰色 / L", ("卫裤", {"colour": "灰色", "size": "L"})),
        ("Poster", ("Poster", {})),
    ],
)
def test_variant_titles_become_attributes_only_where_the_rule_is_sure(
    name: str, expected: tuple[str, dict[str, str]]
) -> None:
    assert shopify.split_variant(name) == expected


def customers(name: str) -> dict[str, CustomerRecord]:
    parsed = shopify.parse(FIXTURES / name, tz=TZ)
    assert parsed.kind == "customers" and parsed.rejections == []
    return {c.customer_id: c for c in parsed.records if isinstance(c, CustomerRecord)}


def test_customers_consent_is_yes_no_or_unknown_for_a_blank_cell() -> None:
    records = customers("shopify_customers.csv")
    ann, bob, cat = (
        records["ann.lee@example.com"],
        records["bob@example.com"],
        records["cat@example.com"],
    )
    assert (ann.accepts_email_marketing, ann.accepts_sms_marketing) == (True, False)
    assert (bob.accepts_email_marketing, bob.accepts_sms_marketing) == (False, True)
    assert (cat.accepts_email_marketing, cat.accepts_sms_marketing) == (None, None)
    assert ann.name == "Ann Lee" and cat.name == "Cat"
    assert ann.tags == ("vip", "newsletter")
    assert ann.region == "CA, US"
    assert ann.phone == Contact("+15550100")


def test_older_customer_exports_read_accepts_marketing_and_leave_sms_unknown() -> None:
    records = customers("shopify_customers_old.csv")
    ann, bob = records["ann.lee@example.com"], records["bob@example.com"]
    assert (ann.accepts_email_marketing, ann.accepts_sms_marketing) == (True, None)
    assert (bob.accepts_email_marketing, bob.accepts_sms_marketing) == (False, None)
    assert ann.region == "CA, US"


def write(tmp_path: Path, text: str, name: str = "orders_export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = (
    "Name,Email,Financial Status,Currency,Total,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price\n"
)


def test_an_unparseable_amount_rejects_the_order_naming_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "#1,a@x.com,paid,USD,12.x0,2024-01-31 13:45:07 +0800,1,Mug,12.00\n"
        + "#2,b@x.com,paid,USD,9.00,2024-01-31 13:45:07 +0800,1,Mug,9.00\n",
    )
    parsed = shopify.parse(path, tz=TZ)
    assert [r.order_id for r in parsed.records if isinstance(r, OrderRecord)] == ["#2"]
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (2, "Total")
    assert "12.x0" in rejection.reason


def test_an_unparseable_date_or_line_price_is_rejected_on_its_own_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "#1,a@x.com,paid,USD,12.00,31st of January,1,Mug,12.00\n"
        + "#2,b@x.com,paid,USD,9.00,2024-01-31 13:45:07 +0800,1,Mug,9.00\n"
        + "#2,,,,,,1,Cup,abc\n",
    )
    parsed = shopify.parse(path, tz=TZ)
    assert parsed.records == []
    assert [(r.row, r.column) for r in parsed.rejections] == [
        (2, "Created at"),
        (4, "Lineitem price"),
    ]


def test_a_repeated_order_with_conflicting_data_is_rejected_naming_the_first_row(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "#1,a@x.com,paid,USD,12.00,2024-01-31 13:45:07 +0800,1,Mug,12.00\n"
        + "#2,b@x.com,paid,USD,9.00,2024-01-31 13:45:07 +0800,1,Mug,9.00\n"
        + "#1,a@x.com,paid,USD,15.00,2024-01-31 13:45:07 +0800,1,Mug,15.00\n"
        + "#1,,,,,,1,Cup,3.00\n",
    )
    parsed = shopify.parse(path, tz=TZ)
    first = next(r for r in parsed.records if isinstance(r, OrderRecord) and r.order_id == "#1")
    assert first.total_amount == Decimal("12.00") and len(first.lines) == 1
    conflict, rest = parsed.rejections
    assert (conflict.row, conflict.column) == (4, "Total")
    assert "row 2" in conflict.reason and "'15.00'" in conflict.reason
    assert rest.row == 5 and "row 4" in rest.reason


def test_an_identical_repeat_of_an_order_is_skipped_without_a_rejection(tmp_path: Path) -> None:
    block = "#1,a@x.com,paid,USD,12.00,2024-01-31 13:45:07 +0800,1,Mug,12.00\n#1,,,,,,1,Cup,3.00\n"
    parsed = shopify.parse(write(tmp_path, HEADER + block + block), tz=TZ)
    assert parsed.rejections == []
    [order] = parsed.records
    assert isinstance(order, OrderRecord) and len(order.lines) == 2


def test_a_missing_required_column_is_named_with_the_headers_found(tmp_path: Path) -> None:
    path = write(tmp_path, "Name,Email,Financial Status,Currency,Created at\n#1,a,paid,USD,x\n")
    with pytest.raises(MissingColumnError) as caught:
        shopify.parse(path, tz=TZ)
    assert caught.value.column == "Total"
    assert "'Total'" in str(caught.value) and "'Financial Status'" in str(caught.value)
    assert str(path) in str(caught.value)


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="empty"):
        shopify.parse(write(tmp_path, ""), tz=TZ)


def test_a_file_that_stops_being_utf8_is_unreadable_naming_the_row(tmp_path: Path) -> None:
    row = "#{n},a@x.com,paid,USD,1.00,2024-01-31 13:45:07 +0800,1,Mug,1.00\n"
    good = "".join(row.format(n=n) for n in range(5000)).encode()
    path = tmp_path / "orders.csv"
    path.write_bytes(
        HEADER.encode() + good + "#x,b@x.com,paid,USD,1.00,,1,Café,1.00\n".encode("latin-1")
    )
    with pytest.raises(UnreadableFileError, match="encoding") as caught:
        shopify.parse(path, tz=TZ)
    assert caught.value.row is not None and caught.value.row > 4000


def test_a_truncated_csv_with_an_open_quote_is_unreadable_naming_the_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + '#1,a@x.com,paid,USD,12.00,2024-01-31 13:45:07 +0800,1,"Mug, lar',
    )
    with pytest.raises(UnreadableFileError) as caught:
        shopify.parse(path, tz=TZ)
    assert caught.value.row == 2


def test_progress_is_reported_for_every_row_read(tmp_path: Path) -> None:
    rows = "".join(
        f"#{n},a@x.com,paid,USD,1.00,2024-01-31 13:45:07 +0800,1,Mug,1.00\n" for n in range(2500)
    )
    calls: list[int] = []
    parsed = shopify.parse(write(tmp_path, HEADER + rows), tz=TZ, progress=calls.append)
    assert calls == [1000, 1000, 500]
    assert len(parsed.records) == 2500


def test_the_discount_code_is_the_orders_coupon_code_csv_and_json() -> None:
    from winback.ingest import shopify_json
    from winback.ingest.records import SourceRef

    assert orders()["5012345678901"].coupon_code == "WELCOME5"
    payload = {
        "id": 7, "financial_status": "paid", "created_at": "2026-12-02T10:00:00Z",
        "total_price": "70.00", "currency": "USD", "total_discounts": "10.00",
        "discount_codes": [{"code": "SAVEK7M2P9", "amount": "10.00", "type": "fixed_amount"}],
    }  # fmt: skip
    record = shopify_json.order_record(payload, paid_at=None, source=SourceRef("hook", 1))
    assert record.coupon_code == "SAVEK7M2P9" and record.discount == Decimal("10.00")
    without = shopify_json.order_record(
        {**payload, "discount_codes": []}, paid_at=None, source=SourceRef("hook", 1)
    )
    assert without.coupon_code is None
