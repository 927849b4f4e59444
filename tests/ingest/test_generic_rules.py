"""The declarative parts of a generic mapping (issue 10, point 4): status rules over several
columns, constants, joined-column ids, totals from lines, sign and merge rules, a file's
decimal comma — each read as documented, each mistake refused when the mapping loads."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from winback.errors import MappingError, MissingColumnError
from winback.ingest import generic
from winback.ingest.records import OrderRecord, ParsedFile
from winback.model import OrderStatus

TZ = ZoneInfo("Europe/London")
HEAD = """
kind = "orders"
[columns]
order_id = "no"
created_at = "at"
"""


def run(tmp_path: Path, mapping: str, data: str) -> ParsedFile:
    (tmp_path / "m.toml").write_text(mapping, encoding="utf-8")
    (tmp_path / "d.csv").write_text(data, encoding="utf-8")
    loaded = generic.load_mapping(tmp_path / "m.toml")
    return generic.parse(tmp_path / "d.csv", mapping=loaded, tz=TZ)


def orders(parsed: ParsedFile) -> dict[str, OrderRecord]:
    return {r.order_id: r for r in parsed.records if isinstance(r, OrderRecord)}


RULES = (
    HEAD
    + """
total_amount = "sum"
status = "state"
[[status_rules]]
when = { no = { starts_with = "c" } }
status = "cancelled"
[[status_rules]]
when = { state = ["open", "new"], paid = { empty = true } }
status = "pending"
[[status_rules]]
when = { state = { one_of = ["open", "new"] }, paid = { not = "" } }
status = "paid"
[[status_rules]]
when = { state = { equals = "GONE" } }
status = "closed"
[values.status]
done = "settled"
"""
)
RULE_ROWS = """no,at,state,paid,sum
C1,2024-01-01,done,,1.00
A2,2024-01-01,Open,,2.00
A3,2024-01-01,new,2024-01-02,3.00
A4,2024-01-01,gone,,4.00
A5,2024-01-01,done,,5.00
A6,2024-01-01,lost,,6.00
"""


def test_status_rules_are_tried_in_order_before_the_status_column(tmp_path: Path) -> None:
    parsed = run(tmp_path, RULES, RULE_ROWS)
    got = {key: record.status for key, record in orders(parsed).items()}
    assert got == {
        "C1": OrderStatus.CANCELLED,  # starts_with ignores case; the rule beats [values]
        "A2": OrderStatus.PENDING,
        "A3": OrderStatus.PAID,
        "A4": OrderStatus.CLOSED,
        "A5": OrderStatus.SETTLED,  # no rule holds: the status column, through [values]
    }
    [rejection] = parsed.rejections
    assert (rejection.row, rejection.column) == (7, "state")
    assert "unknown status 'lost'" in rejection.reason


def test_without_a_status_column_a_row_no_rule_decides_is_rejected(tmp_path: Path) -> None:
    mapping = RULES.replace('status = "state"\n', "").replace(
        '[values.status]\ndone = "settled"\n', ""
    )
    parsed = run(tmp_path, mapping, RULE_ROWS)
    assert set(orders(parsed)) == {"C1", "A2", "A3", "A4"}
    assert [r.row for r in parsed.rejections] == [6, 7]
    assert all("no status rule holds" in r.reason for r in parsed.rejections)


def test_a_rule_on_a_column_the_file_lacks_is_fatal(tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError, match="status rule 2 of mapping") as caught:
        run(tmp_path, RULES, RULE_ROWS.replace("paid", "payd"))
    assert caught.value.column == "paid"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('[[status_rules]]\nstatus = "shipd"', "bad status 'shipd'"),
        ('[[status_rules]]\nwhen = { a = 1 }\nstatus = "paid"', "the condition on 'a'"),
        ('[[status_rules]]\nwhen = { a = { like = "x" } }\nstatus = "paid"', "one test"),
        ('[[status_rules]]\nwhen = "x"\nstatus = "paid"', "'when' is a table"),
        ('[[status_rules]]\nstatus = "paid"\nelse = "x"', "give 'when' .optional. and 'status'"),
        ('status_rules = "paid"', "status_rules: Input should be a valid list"),
    ],
)
def test_a_malformed_rule_is_refused_when_the_mapping_loads(
    tmp_path: Path, rules: str, message: str
) -> None:
    path = tmp_path / "m.toml"
    top, columns = (rules, "") if rules.startswith("status_rules =") else ("", rules)
    path.write_text(top + HEAD + 'total_amount = "sum"\n' + columns, encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        generic.load_mapping(path)


def test_constants_joined_ids_and_totals_from_lines(tmp_path: Path) -> None:
    mapping = (
        HEAD.replace('order_id = "no"', 'order_id = { concat = ["shop", "no"], separator = "-" }')
        + """
status = { value = "settled" }
currency = { value = "GBP" }
shipping_fee = "ship"
line_sku = "sku"
line_quantity = "qty"
line_unit_price = "price"
"""
    )
    data = (
        "shop,no,at,ship,sku,qty,price\n"
        "S,1,2024-01-01,3.00,a,2,1.50\nS,1,2024-01-01,3.00,b,1,0.25\nS,,2024-01-01,0,c,1,1\n"
    )
    parsed = run(tmp_path, mapping, data)
    [order] = orders(parsed).values()
    assert (order.order_id, order.status, order.currency) == ("S-1", OrderStatus.SETTLED, "GBP")
    assert order.total_amount == Decimal("6.25")  # 2 × 1.50 + 0.25 + 3.00 shipping
    [rejection] = parsed.rejections  # the third row's joined id is empty
    assert (rejection.row, rejection.column) == (4, "shop-no")


def test_a_declared_decimal_comma_and_absolute_quantities(tmp_path: Path) -> None:
    mapping = (
        'decimal = ","\n'
        + HEAD
        + """
status = { value = "cancelled" }
line_sku = "sku"
line_quantity = "qty"
line_unit_price = "price"
[signs]
line_quantity = "absolute"
"""
    )
    data = "no;at;sku;qty;price\nC9;2024-01-01;a;-2;1 299,50\nC9;2024-01-01;b;-1;0,50\n"
    [order] = orders(run(tmp_path, mapping, data)).values()
    assert [(line.quantity, line.unit_price) for line in order.lines] == [
        (2, Decimal("1299.50")),
        (1, Decimal("0.50")),
    ]
    assert order.total_amount == Decimal("2599.50")


def test_without_a_sign_rule_a_negative_quantity_rejects_the_order(tmp_path: Path) -> None:
    mapping = (
        HEAD
        + 'status = { value = "paid" }\nline_sku = "sku"\n'
        + 'line_quantity = "qty"\nline_unit_price = "p"\n'
    )
    parsed = run(tmp_path, mapping, "no,at,sku,qty,p\n1,2024-01-01,a,-2,1.00\n")
    [rejection] = parsed.rejections
    assert (rejection.column, rejection.row) == ("qty", 2) and "negative" in rejection.reason


def test_merge_reads_the_earliest_time_instead_of_refusing_the_later_rows(tmp_path: Path) -> None:
    mapping = HEAD + 'status = { value = "paid" }\nline_sku = "sku"\nline_unit_price = "p"\n'
    data = "no,at,sku,p\n1,2024-01-01 10:01,a,1.00\n1,2024-01-01 10:00,b,2.00\n"
    refused = run(tmp_path, mapping, data)
    assert [r.row for r in refused.rejections] == [3]
    merged = run(tmp_path, mapping + '[merge]\ncreated_at = "earliest"\n', data)
    [order] = orders(merged).values()
    assert merged.rejections == [] and len(order.lines) == 2
    assert order.created_at.isoformat() == "2024-01-01T10:00:00+00:00"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[signs]\ntotal_amount = "positive"', 'the only choice is "absolute"'),
        ('[signs]\nbuyer_id = "absolute"', "not an amount or quantity field"),
        ('[merge]\ncreated_at = "first"', "unknown choice 'first'"),
        ('[merge]\npaid_at = "earliest"', "not a time field listed"),
        ('decimal = ";"', "is not"),
        ("currency = { value = 3 }", "columns.currency"),
        ('currency = { concat = ["a"] }', "a table must be"),
        (
            '[files.x]\npath = "p.csv"\nkey = "k"\n[files.y]\npath = "q.csv"\nkey = "k"',
            "only one joined file may",
        ),
    ],
)
def test_a_mistake_in_the_new_tables_is_refused_naming_it(
    tmp_path: Path, extra: str, message: str
) -> None:
    text = HEAD + 'status = "s"\ntotal_amount = "t"\n'
    if extra.startswith("decimal"):
        text = extra + "\n" + text
    elif extra.startswith("currency"):
        text = text + extra + "\n"
    else:
        text = text + extra + "\n"
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        generic.load_mapping(path)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "mapping.md"


def test_the_mapping_files_in_the_docs_load(tmp_path: Path) -> None:
    blocks = DOCS.read_text(encoding="utf-8").split("```toml\n")[1:]
    first, *fragments = (block.split("```", 1)[0] for block in blocks)
    path = tmp_path / "m.toml"
    path.write_text(first, encoding="utf-8")
    assert generic.load_mapping(path).constants == {"seller_remark": "wholesale"}
    base = HEAD + 'status = "s"\ntotal_amount = "payments.payment_value"\n'
    for fragment in fragments:
        path.write_text(base + fragment, encoding="utf-8")
        assert generic.load_mapping(path).kind == "orders"
