"""A real marketplace's multi-file export through one generic mapping (issue 10, point 4):
the Olist data set's orders, payments, items, customers and reviews, rebuilt in their real
layout in ``fixtures/olist``. What winback reads is checked against an independent reading
of the same files with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from winback.errors import MappingError, MissingColumnError
from winback.ingest import generic
from winback.ingest.records import FeedbackRecord, OrderRecord, ParsedFile
from winback.model import OrderStatus

OLIST = Path(__file__).parent / "fixtures" / "olist"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NO_PAYMENT = "bfbd0f9bdef84302105ad712db648a6c"


def table(name: str) -> list[dict[str, str]]:
    with (OLIST / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parse(data: str, mapping: str, folder: Path = OLIST) -> ParsedFile:
    loaded = generic.load_mapping(folder / mapping)
    return generic.parse(folder / data, mapping=loaded, tz=ZoneInfo("Asia/Shanghai"))


def orders() -> tuple[dict[str, OrderRecord], ParsedFile]:
    parsed = parse("olist_orders_dataset.csv", "olist_orders.toml")
    return {r.order_id: r for r in parsed.records if isinstance(r, OrderRecord)}, parsed


def test_each_order_total_is_the_sum_of_its_payments() -> None:
    records, _ = orders()
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for row in table("olist_order_payments_dataset.csv"):
        paid[row["order_id"]] += Decimal(row["payment_value"])
    assert {key: r.total_amount for key, r in records.items()} == dict(paid)
    assert records["e481f51cbdc54678b7cc49136f2d6af7"].payment_method == "credit_card+voucher"


def test_an_order_without_payments_is_rejected_naming_the_payments_it_lacks() -> None:
    records, parsed = orders()
    assert NO_PAYMENT not in records
    [rejection] = parsed.rejections
    assert rejection.file.endswith("olist_orders_dataset.csv") and rejection.row == 12
    assert rejection.column == "payments.payment_value"
    assert "empty" in rejection.reason


def test_items_become_the_lines_of_their_order() -> None:
    records, _ = orders()
    items: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in table("olist_order_items_dataset.csv"):
        items[row["order_id"]].append((row["order_item_id"], row["price"]))
    for order_id, record in records.items():
        got = [(line.line_id, str(line.unit_price)) for line in record.lines]
        assert got == items.get(order_id, [])
        assert all(line.product_id and line.quantity == 1 for line in record.lines)


def test_canceled_means_closed_before_approval_and_cancelled_after_it() -> None:
    records, _ = orders()
    expected = {
        "created": OrderStatus.PENDING,
        "approved": OrderStatus.PAID,
        "invoiced": OrderStatus.PAID,
        "processing": OrderStatus.PAID,
        "shipped": OrderStatus.SHIPPED,
        "delivered": OrderStatus.DELIVERED,
    }
    for row in table("olist_orders_dataset.csv"):
        record = records.get(row["order_id"])
        if record is None:
            continue
        raw = row["order_status"]
        if raw in ("canceled", "unavailable"):
            want = OrderStatus.CANCELLED if row["order_approved_at"] else OrderStatus.CLOSED
        else:
            want = expected[raw]
        assert (record.status, record.raw_status) == (want, raw)


def test_the_buyer_is_the_person_not_the_per_order_customer_id() -> None:
    records, _ = orders()
    customers = {r["customer_id"]: r for r in table("olist_customers_dataset.csv")}
    for row in table("olist_orders_dataset.csv"):
        record = records.get(row["order_id"])
        if record is not None:
            customer = customers[row["customer_id"]]
            assert record.buyer.buyer_id == customer["customer_unique_id"]
            assert record.buyer.region == customer["customer_state"]
            assert record.currency == "BRL"
    same = [r for r in records.values() if r.buyer.buyer_id == "7c396fd4830fd04220f754e42b4e5bff"]
    assert len(same) == 2  # two orders, two customer ids, one person


def test_times_are_read_in_the_mappings_zone() -> None:
    records, _ = orders()
    first = records["e481f51cbdc54678b7cc49136f2d6af7"]
    assert first.created_at.tzinfo == SAO_PAULO
    assert first.created_at.isoformat() == "2017-10-02T10:56:33-03:00"


def test_every_review_is_read_rating_only_ones_and_reused_ids_included() -> None:
    parsed = parse("olist_order_reviews_dataset.csv", "olist_reviews.toml")
    reviews = [r for r in parsed.records if isinstance(r, FeedbackRecord)]
    rows = table("olist_order_reviews_dataset.csv")
    assert parsed.rejections == []
    assert len(reviews) == len(rows) == 8
    by_key = {(r.feedback_id, r.order_id): r for r in reviews}
    for row in rows:
        review = by_key[(f"{row['review_id']}:{row['order_id']}", row["order_id"])]
        assert review.rating == int(row["review_score"]) and review.kind == "review"
        title, message = row["review_comment_title"], row["review_comment_message"]
        assert review.text == "\n".join(part for part in (title, message) if part)
    assert sum(1 for r in reviews if r.text == "") == 3  # a score and nothing else
    customers = {
        r["customer_id"]: r["customer_unique_id"] for r in table("olist_customers_dataset.csv")
    }
    orders_file = {r["order_id"]: r["customer_id"] for r in table("olist_orders_dataset.csv")}
    for review in reviews:
        assert review.buyer_id == customers[orders_file[review.order_id or ""]]


def test_a_review_id_reused_for_another_order_says_how_to_key_it(tmp_path: Path) -> None:
    mapping = (OLIST / "olist_reviews.toml").read_text(encoding="utf-8")
    mapping = mapping.replace(
        'feedback_id = { concat = ["review_id", "order_id"] }', 'feedback_id = "review_id"'
    )
    (tmp_path / "reviews.toml").write_text(mapping, encoding="utf-8")
    for name in ("olist_order_reviews_dataset.csv", "olist_orders_dataset.csv",
                 "olist_customers_dataset.csv"):  # fmt: skip
        (tmp_path / name).write_bytes((OLIST / name).read_bytes())
    parsed = parse("olist_order_reviews_dataset.csv", "reviews.toml", tmp_path)
    [rejection] = parsed.rejections
    assert rejection.row == 7 and rejection.column == "review_id"  # row 4 spans two lines
    assert 'feedback_id = { concat = ["<review id header>", "<order id header>"] }' in (
        rejection.reason
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


ORDERS = "id,status,paid_at,created\nA1,x,,2024-01-01 10:00\nA2,x,2024-01-02,2024-01-01 11:00\n"
PAYMENTS = "order,value,kind\nA1,10.00,card\nA2,5.50,card\nA2,4.50,voucher\nA1,bad,card\n"


def test_an_unreadable_payment_rejects_its_order_naming_the_payments_file_and_row(
    tmp_path: Path,
) -> None:
    write(tmp_path, "orders.csv", ORDERS)
    write(tmp_path, "payments.csv", PAYMENTS)
    write(tmp_path, "m.toml", """
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
total_amount = "pay.value"
[files.pay]
path = "payments.csv"
key = "order"
on = "id"
aggregate = { value = "sum", kind = "join" }
[[status_rules]]
when = { paid_at = { empty = false } }
status = "paid"
[[status_rules]]
status = "pending"
""")  # fmt: skip
    parsed = parse("orders.csv", "m.toml", tmp_path)
    [a2] = [r for r in parsed.records if isinstance(r, OrderRecord)]
    assert (a2.order_id, a2.total_amount, a2.status) == ("A2", Decimal("10.00"), OrderStatus.PAID)
    bad, order = parsed.rejections
    assert (Path(bad.file).name, bad.row, bad.column) == ("orders.csv", 2, "id")
    assert "its pay row 5 (payments.csv) could not be read" in bad.reason
    assert (Path(order.file).name, order.row, order.column) == ("payments.csv", 5, "value")
    assert "not an amount: 'bad'" in order.reason


def test_a_bad_cell_of_a_joined_line_names_the_lines_file_and_row(tmp_path: Path) -> None:
    write(tmp_path, "orders.csv", "id,created,total\nA1,2024-01-01 10:00,3.00\n")
    write(tmp_path, "items.csv", "order,sku,price\nA1,S1,1.00\nA1,S2,two\n")
    write(tmp_path, "m.toml", """
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
total_amount = "total"
status = { value = "paid" }
line_sku = "items.sku"
line_unit_price = "items.price"
[files.items]
path = "items.csv"
key = "order"
on = "id"
""")  # fmt: skip
    parsed = parse("orders.csv", "m.toml", tmp_path)
    [rejection] = parsed.rejections
    assert (Path(rejection.file).name, rejection.row, rejection.column) == ("items.csv", 3, "price")
    assert "order 'A1' was not imported" in rejection.reason


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('aggregate = { value = "sum" }', None),
        ('aggregate = { value = "total" }', "unknown aggregate 'total'"),
        ('sep = "x"', "unknown key 'sep'"),
        ("aggregate = {}", "a table of column = how"),
    ],
)
def test_a_files_table_is_checked_when_the_mapping_loads(
    tmp_path: Path, change: str, message: str | None
) -> None:
    text = f"""
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
status = "status"
total_amount = "pay.value"
[files.pay]
path = "payments.csv"
key = "order"
{change}
"""
    path = write(tmp_path, "m.toml", text)
    if message is None:
        assert generic.load_mapping(path).files[0].aggregate == {"value": "sum"}
        return
    with pytest.raises(MappingError, match=message):
        generic.load_mapping(path)


def test_a_join_on_a_missing_column_names_the_file_and_the_mapping_key(tmp_path: Path) -> None:
    write(tmp_path, "orders.csv", ORDERS)
    write(tmp_path, "payments.csv", PAYMENTS)
    write(tmp_path, "m.toml", """
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
status = "status"
total_amount = "pay.value"
[files.pay]
path = "payments.csv"
key = "order_id"
on = "id"
aggregate = { value = "sum" }
""")  # fmt: skip
    with pytest.raises(MissingColumnError, match=r"files\.pay\.key") as caught:
        parse("orders.csv", "m.toml", tmp_path)
    assert caught.value.file is not None and caught.value.file.endswith("payments.csv")
