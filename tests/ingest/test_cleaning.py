"""Properties of the cell-cleaning layer every importer uses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from winback.ingest.cleaning import (
    EMPTY_MARKERS,
    clean_text,
    is_masked,
    map_headers,
    parse_amount,
    parse_attributes,
    parse_contact,
    parse_datetime,
)
from winback.ingest.records import MASKED

SETTINGS = settings(max_examples=50, deadline=None)
GUARDS = st.sampled_from(["{}", '="{}"', "'{}", "\t{}", " {} ", "\t'{}", '="{}" '])
CORE = (
    st.text(min_size=1)
    .map(str.strip)
    .filter(lambda s: s and s not in EMPTY_MARKERS and s[0] not in "'\t=" and not s.endswith('"'))
)


@SETTINGS
@given(cell=st.text())
@example(cell='\' ="x"')
@example(cell='="="a""')
def test_cleaning_a_cleaned_cell_changes_nothing(cell: str) -> None:
    once = clean_text(cell)
    assert once is None or clean_text(once) == once


@SETTINGS
@given(core=CORE, guard=GUARDS)
def test_every_excel_guard_comes_off(core: str, guard: str) -> None:
    assert clean_text(guard.format(core)) == core


@SETTINGS
@given(marker=st.sampled_from(sorted(EMPTY_MARKERS)), guard=GUARDS)
def test_empty_markers_are_no_value_even_when_guarded(marker: str, guard: str) -> None:
    assert clean_text(guard.format(marker)) is None


AMOUNT_FORMS = st.sampled_from(
    ["{:.2f}", "{:,.2f}", "{:.2f}元", "¥{:,.2f}", "￥{:.2f}", '="{:.2f}"', "CNY {:.2f}"]
)


@SETTINGS
@given(
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
    form=AMOUNT_FORMS,
)
def test_a_formatted_amount_parses_back_exactly(value: Decimal, form: str) -> None:
    assert parse_amount(form.format(value), signed=True) == value


ZONES = st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")])
TIME_FORMS = st.sampled_from(
    ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y年%m月%d日 %H:%M:%S"]
)


@SETTINGS
@given(
    moment=st.datetimes(min_value=datetime(2003, 1, 1), max_value=datetime(2090, 1, 1)),
    zone=ZONES,
    form=TIME_FORMS,
)
def test_a_naive_export_time_reads_back_in_the_store_zone(
    moment: datetime, zone: ZoneInfo, form: str
) -> None:
    moment = moment.replace(microsecond=0, tzinfo=zone)
    parsed = parse_datetime(moment.strftime(form), zone)
    assert parsed == moment and parsed is not None and parsed.tzinfo is zone


@SETTINGS
@given(
    moment=st.datetimes(
        min_value=datetime(2003, 1, 2), max_value=datetime(2090, 1, 1), timezones=ZONES
    ),
)
def test_a_time_with_an_offset_keeps_its_instant(moment: datetime) -> None:
    parsed = parse_datetime(moment.replace(microsecond=0).isoformat(), ZoneInfo("Asia/Shanghai"))
    # Compared as instants: PEP 495 makes times in a repeated hour (Shanghai had DST until
    # 1991) unequal to any time in another zone, even the same instant.
    assert parsed is not None
    assert parsed.timestamp() == moment.replace(microsecond=0).timestamp()


HEADER_NAMES = st.lists(
    st.text("订单编号总金额状态abcXYZ", min_size=1, max_size=6), min_size=1, max_size=6, unique=True
)


@SETTINGS
@given(names=HEADER_NAMES, data=st.data())
def test_header_matching_ignores_padding_case_and_a_bom(
    names: list[str], data: st.DataObject
) -> None:
    padded = [
        data.draw(st.sampled_from(["", " ", "\t", "  "]))
        + data.draw(st.sampled_from([name, name.upper(), name.lower()]))
        + data.draw(st.sampled_from(["", " ", "\t"]))
        for name in names
    ]
    padded[0] = "\ufeff" + padded[0]
    aliases = {f"field{i}": [name] for i, name in enumerate(names)}
    found = map_headers(padded, aliases)
    unique_lower = len({name.lower() for name in names}) == len(names)
    if unique_lower:
        assert found.positions == {f"field{i}": i for i in range(len(names))}
        assert found.unmapped == []


VALUES = st.text("白色黑红MLXS123棉", min_size=1, max_size=6)


@SETTINGS
@given(
    colour=VALUES,
    size=VALUES,
    extra=st.dictionaries(st.sampled_from(["材质", "套餐"]), VALUES, max_size=2),
    colon=st.sampled_from([":", "："]),
    separator=st.sampled_from([";", "；"]),
)
def test_variant_attributes_come_out_of_the_property_text(
    colour: str, size: str, extra: dict[str, str], colon: str, separator: str
) -> None:
    pairs = [("颜色分类", colour), ("尺码", size), *extra.items()]
    text = separator.join(f"{key}{colon}{value}" for key, value in pairs)
    assert parse_attributes(text) == {"colour": colour, "size": size, **extra}


@SETTINGS
@given(head=st.text("0123456789", min_size=3, max_size=3), tail=st.text("0123456789", max_size=4))
def test_masked_phones_and_ciphertext_are_masked_contacts(head: str, tail: str) -> None:
    for text in (f"{head}****{tail}", f"##{head}{tail}XYZ", f"$${head}$$"):
        assert is_masked(text)
        assert parse_contact(text) == MASKED
