"""WooCommerce REST JSON and order-export CSV: fixtures checked field by field, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from winback.errors import MissingColumnError, UnreadableFileError
from winback.ingest import woocommerce
from winback.ingest.records import Contact, OrderRecord, ParsedFile
from winback.model import OrderStatus

FIXTURES = Path(__file__).parent / "fixtures"
BERLIN = ZoneInfo("Europe/Berlin")


def parse_fixture(name: str) -> tuple[ParsedFile, dict[str, OrderRecord]]:
    parsed = woocommerce.parse(FIXTURES / name, tz=BERLIN)
    records = {r.order_id: r for r in parsed.records if isinstance(r, OrderRecord)}
    return parsed, records


def test_every_rest_status_maps_to_the_documented_canonical_status() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    assert {order_id: order.status for order_id, order in records.items()} == {
        "101": OrderStatus.PENDING,
        "102": OrderStatus.PENDING,
        "103": OrderStatus.PENDING,
        "104": OrderStatus.CLOSED,
        "105": OrderStatus.PAID,
        "106": OrderStatus.SHIPPED,
        "107": OrderStatus.CLOSED,
        "108": OrderStatus.CANCELLED,
        "109": OrderStatus.REFUNDED,
        "111": OrderStatus.PAID,
        "112": OrderStatus.PENDING,
    }


def test_an_order_in_the_trash_is_rejected_with_a_reason() -> None:
    parsed, _ = parse_fixture("woocommerce_orders.json")
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (10, "status")
    assert "trash" in rejection.reason
    assert parsed.rows_read == 12


def test_gmt_times_are_preferred_over_the_site_local_ones() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    order = records["106"]
    assert order.created_at == datetime(2024, 3, 3, 9, tzinfo=UTC)
    assert order.paid_at == datetime(2024, 3, 3, 9, 2, tzinfo=UTC)
    assert order.shipped_at == datetime(2024, 3, 5, 15, tzinfo=UTC)


def test_without_gmt_fields_the_local_time_is_read_in_the_store_zone() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    assert records["112"].created_at == datetime(2024, 3, 8, 18, tzinfo=BERLIN)


def test_a_processing_order_is_read_field_by_field() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    order = records["105"]
    assert (order.total_amount, order.shipping_fee, order.discount) == (
        Decimal("30.00"),
        Decimal("5.00"),
        Decimal("0.00"),
    )
    assert order.paid_amount == Decimal("30.00") and order.currency == "EUR"
    assert order.buyer.buyer_id == "ann@example.com"
    assert order.buyer.name == "Ann Lee" and order.buyer.region == "BE, DE"
    assert order.buyer.phone == Contact("+49301234")
    assert order.payment_method == "Direct bank transfer"
    assert order.raw_status == "processing"
    mug, spoon = order.lines
    assert (mug.line_id, mug.title, mug.quantity, mug.unit_price) == (
        "1051",
        "Mug",
        3,
        Decimal("6.5"),
    )
    assert (mug.sku, mug.product_id) == (None, "12")
    assert (spoon.unit_price, spoon.sku) == (Decimal("5.5"), "SP-1")


def test_variation_attributes_come_from_the_line_meta_data_without_hidden_keys() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    [line] = records["101"].lines
    assert line.attributes == {"colour": "Blue", "size": "M"}
    assert line.unit_price == Decimal("25")


def test_refunds_are_summed_as_positive_amounts_and_cancel_times_kept() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    assert records["106"].refund_amount == Decimal("5.00")
    assert records["109"].refund_amount == Decimal("30.00")
    assert records["109"].refunded_at == datetime(2024, 3, 9, 9, tzinfo=UTC)
    assert records["107"].closed_at == datetime(2024, 3, 5, 9, tzinfo=UTC)
    assert records["107"].paid_amount is None
    assert records["108"].closed_at == datetime(2024, 3, 4, 18, tzinfo=UTC)


def test_a_guest_without_email_falls_back_to_the_phone_and_then_the_customer_id() -> None:
    _, records = parse_fixture("woocommerce_orders.json")
    assert records["111"].buyer.buyer_id == "+49301234"


def test_the_json_report_lists_keys_nothing_reads() -> None:
    parsed, _ = parse_fixture("woocommerce_orders.json")
    assert "customer_ip_address" in parsed.unmapped_columns
    assert "total" not in parsed.unmapped_columns


def test_an_order_export_csv_is_read_with_one_row_per_item() -> None:
    parsed, records = parse_fixture("woocommerce_orders.csv")
    assert parsed.rejections == [] and parsed.rows_read == 6
    order = records["2001"]
    assert order.status is OrderStatus.PAID
    assert order.created_at == datetime(2024, 3, 2, 10, tzinfo=BERLIN)
    assert order.paid_at == datetime(2024, 3, 2, 10, 1, 30, tzinfo=BERLIN)
    assert order.buyer.buyer_id == "ann.lee@example.com"
    assert order.buyer_message == "ring twice"
    assert [(line.line_id, line.title, line.quantity) for line in order.lines] == [
        ("1", "Mug", 3),
        ("2", "Hoodie", 1),
    ]
    assert order.lines[1].unit_price == Decimal("20.00")
    assert records["2002"].discount == Decimal("3.00")
    assert parsed.unmapped_columns == ["Coupon Code"]


def test_csv_status_labels_map_like_the_rest_slugs() -> None:
    _, records = parse_fixture("woocommerce_orders.csv")
    assert {key: order.status for key, order in records.items()} == {
        "2001": OrderStatus.PAID,
        "2002": OrderStatus.PENDING,
        "2003": OrderStatus.SHIPPED,
        "2004": OrderStatus.CLOSED,
        "2005": OrderStatus.PENDING,
    }
    assert records["2003"].shipped_at == datetime(2024, 3, 6, 15, tzinfo=BERLIN)


def write_json(tmp_path: Path, body: object) -> Path:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def minimal(order_id: int, **changes: object) -> dict[str, object]:
    order: dict[str, object] = {
        "id": order_id,
        "status": "processing",
        "date_created_gmt": "2024-03-01T10:00:00",
        "date_created": "2024-03-01T11:00:00",
        "date_paid_gmt": "2024-03-01T10:05:00",
        "total": "10.00",
        "currency": "EUR",
        "billing": {"email": f"b{order_id}@example.com"},
        "line_items": [],
    }
    order.update(changes)
    return order


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ({"id": 1, "status": "processing"}, "found an object"),
        ([[1, 2]], "no item is an object"),
        ([], "found an empty list"),
    ],
)
def test_json_that_is_not_a_list_of_orders_says_what_was_expected(
    tmp_path: Path, body: object, found: str
) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        woocommerce.parse(write_json(tmp_path, body), tz=BERLIN)
    message = str(caught.value)
    assert "expected a JSON list of WooCommerce order objects" in message and found in message


def test_an_item_that_is_not_an_order_object_is_rejected_alone(tmp_path: Path) -> None:
    parsed = woocommerce.parse(write_json(tmp_path, [minimal(1), 7, [1]]), tz=BERLIN)
    assert [r.order_id for r in parsed.records if isinstance(r, OrderRecord)] == ["1"]
    assert [(r.row, r.reason) for r in parsed.rejections] == [
        (2, "item 2 is a number, not an object"),
        (3, "item 3 is a list, not an object"),
    ]


def test_a_list_of_other_objects_names_the_missing_order_key(tmp_path: Path) -> None:
    path = write_json(tmp_path, [{"id": 5, "name": "Hoodie", "price": "20.00"}])
    with pytest.raises(MissingColumnError, match="'status'") as caught:
        woocommerce.parse(path, tz=BERLIN)
    assert "name, price" in str(caught.value)


def test_truncated_json_is_unreadable_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_text(json.dumps([minimal(1)], indent=2)[:-20], encoding="utf-8")
    with pytest.raises(UnreadableFileError, match=r"line \d+, column \d+.*truncated"):
        woocommerce.parse(path, tz=BERLIN)


def test_json_that_is_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    path.write_bytes('[{"id": 1, "status": "café"}]'.encode("utf-16-le"))
    with pytest.raises(UnreadableFileError):
        woocommerce.parse(path, tz=BERLIN)


def test_bad_amounts_and_dates_are_rejected_naming_the_order_and_key(tmp_path: Path) -> None:
    bad_line = {"id": 9, "name": "Mug", "quantity": 1, "price": "six"}
    body = [
        minimal(1, total="ten"),
        minimal(2, date_created_gmt="yesterday"),
        minimal(3, line_items=[bad_line]),
        minimal(4),
    ]
    parsed = woocommerce.parse(write_json(tmp_path, body), tz=BERLIN)
    assert [r.order_id for r in parsed.records if isinstance(r, OrderRecord)] == ["4"]
    assert [(r.row, r.column) for r in parsed.rejections] == [
        (1, "total"),
        (2, "date_created_gmt"),
        (3, "line_items[0].price"),
    ]


def test_a_repeated_order_id_with_other_data_is_rejected_and_an_identical_one_skipped(
    tmp_path: Path,
) -> None:
    body = [minimal(1), minimal(1), minimal(1, total="99.00")]
    parsed = woocommerce.parse(write_json(tmp_path, body), tz=BERLIN)
    assert len(parsed.records) == 1
    [rejection] = parsed.rejections
    assert rejection.row == 3 and "first on row 1" in rejection.reason


def test_an_unknown_custom_status_is_rejected_listing_the_known_ones(tmp_path: Path) -> None:
    parsed = woocommerce.parse(
        write_json(tmp_path, [minimal(1, status="awaiting-shipment")]), tz=BERLIN
    )
    [rejection] = parsed.rejections
    assert "awaiting-shipment" in rejection.reason and "processing" in rejection.reason


def test_a_csv_without_the_status_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "Order Number,Order Date,Order Total\n1,2024-03-01 10:00,5.00\n", encoding="utf-8"
    )
    with pytest.raises(MissingColumnError) as caught:
        woocommerce.parse(path, tz=BERLIN)
    assert caught.value.column == "Order Status"
    assert "'Order Total'" in str(caught.value)


def test_csv_rows_of_one_order_with_conflicting_totals_reject_the_later_row(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "Order Number,Order Status,Order Date,Order Total,Item Name,Quantity,Item Cost\n"
        "1,processing,2024-03-01 10:00,5.00,Mug,1,5.00\n"
        "1,processing,2024-03-01 10:00,6.00,Cup,1,1.00\n"
        "2,processing,2024-03-01 10:00,oops,Cup,1,1.00\n",
        encoding="utf-8",
    )
    parsed = woocommerce.parse(path, tz=BERLIN)
    [order] = parsed.records
    assert isinstance(order, OrderRecord) and len(order.lines) == 1
    assert [(r.row, r.column) for r in parsed.rejections] == [
        (3, "Order Total"),
        (4, "Order Total"),
    ]
    assert "row 2" in parsed.rejections[0].reason


def test_an_empty_file_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"   \n")
    with pytest.raises(UnreadableFileError, match="empty"):
        woocommerce.parse(path, tz=BERLIN)
