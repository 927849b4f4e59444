"""Generic mapping files: a valid file loads; every kind of mistake names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from winback.errors import MappingError
from winback.ingest.mapping import KINDS, load_mapping
from winback.model import Platform

VALID = """
kind = "orders"
platform = "taobao"
timezone = "Asia/Shanghai"
currency = "CNY"

[columns]
order_id = "订单号"
created_at = ["下单时间", "Created"]
status = "状态"
total_amount = "金额"

[values.status]
"已付款" = "paid"
" 已关闭 " = "closed"

[formats]
created_at = "%Y/%m/%d %H:%M"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_mapping_loads_with_lists_of_headers_and_value_maps(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, VALID))
    assert mapping.kind == "orders" and mapping.platform is Platform.TAOBAO
    assert mapping.columns["created_at"] == ("下单时间", "Created")
    assert mapping.columns["order_id"] == ("订单号",)
    assert mapping.values["status"] == {"已付款": "paid", "已关闭": "closed"}
    assert mapping.formats == {"created_at": "%Y/%m/%d %H:%M"}
    assert mapping.timezone is not None and mapping.timezone.key == "Asia/Shanghai"


def test_every_kind_loads_with_only_its_required_columns(tmp_path: Path) -> None:
    for kind, fields in KINDS.items():
        required = (*fields.required, "text") if kind == "feedback" else fields.required
        columns = "\n".join(f'{name} = "{name.upper()}"' for name in required)
        mapping = load_mapping(write(tmp_path, f'kind = "{kind}"\n[columns]\n{columns}\n'))
        assert mapping.kind == kind


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("total_amount = ", "totl_amount = "),
            "unknown field 'totl_amount' (did you mean total_amount?)",
        ),
        (('kind = "orders"', 'kind = "order"'), "unknown kind 'order' (did you mean orders?)"),
        (
            ('kind = "orders"', 'kind = "receipts"'),
            "unknown kind 'receipts' (expected one of orders,",
        ),
        (('"已付款" = "paid"', '"已付款" = "payed"'), "bad status value 'payed'"),
        (
            ('platform = "taobao"', 'platform = "shopfy"'),
            "unknown platform 'shopfy' (did you mean shopify?)",
        ),
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'), "unknown time zone 'Mars/Base'"),
        (('currency = "CNY"', 'curency = "CNY"'), "unknown key 'curency' (did you mean currency?)"),
        (("[formats]", "[formats]\nstatus = '%Y'"), "[formats] 'status' is not a time field"),
        (
            ('created_at = "%Y/%m/%d %H:%M"', 'created_at = "YYYY-MM-DD"'),
            "has no strptime directive",
        ),
        (('total_amount = "金额"', "total_amount = 5"), "columns.total_amount"),
        (
            ('order_id = "订单号"\n', ""),
            "the columns table has no 'order_id', which kind 'orders' requires",
        ),
        (("[values.status]", "[values.buyer_id]"), "[values.buyer_id] maps values of a field"),
    ],
)
def test_an_invalid_mapping_names_the_file_the_key_and_what_is_wrong(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_a_mapping_without_a_columns_table_says_what_the_table_is_for(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"the \[columns\] table is missing"):
        load_mapping(write(tmp_path, 'kind = "stock"\n'))


def test_a_mapping_without_a_kind_lists_the_kinds(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"'kind' is missing .*orders, customers, chats"):
        load_mapping(write(tmp_path, "[columns]\nsku = 'SKU'\n"))


def test_bad_toml_syntax_is_reported_with_its_line_number(tmp_path: Path) -> None:
    path = write(tmp_path, 'kind = "stock"\n[columns]\nsku = "SKU\n')
    with pytest.raises(MappingError, match=r"invalid TOML: .*line 3"):
        load_mapping(path)


def test_a_missing_mapping_file_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot open the mapping file"):
        load_mapping(tmp_path / "nowhere.toml")


def test_a_bad_boolean_value_map_target_is_rejected(tmp_path: Path) -> None:
    text = (
        'kind = "customers"\n[columns]\ncustomer_id = "ID"\naccepts_email_marketing = "Opt"\n'
        '[values.accepts_email_marketing]\n"Y" = "maybe"\n'
    )
    with pytest.raises(MappingError, match="bad accepts_email_marketing value 'maybe'"):
        load_mapping(write(tmp_path, text))
