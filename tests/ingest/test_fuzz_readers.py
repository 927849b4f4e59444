"""Fuzzing every reader (issue 12): whatever a file holds, an importer either refuses it with
one of winback's own errors (the :class:`ImportFileError` tree) or returns what it read, and
every row it rejects names the file, a spreadsheet row and (where there is one) a column of
the file. Tables are written as CSV in several encodings, xlsx, an HTML "xls" and Parquet;
WooCommerce also as JSON; plus raw bytes."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hostile import LAYOUTS, SHANGHAI, Layout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from winback.errors import ImportFileError
from winback.ingest import generic, shopify, taobao, woocommerce
from winback.ingest.cleaning import MAX_AMOUNT, PLAUSIBLE_DATES
from winback.ingest.orders_common import columns_for, reading
from winback.ingest.records import OrderRecord, ParsedFile
from winback.ingest.taobao_columns import NotColumnar, read_order_table
from winback.model import Platform

FUZZ = settings(
    max_examples=int(__import__("os").environ.get("WINBACK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEEDBACK_MAPPING = """
kind = "feedback"
[columns]
feedback_id = { concat = ["rid", "oid"] }
order_id = "oid"
at = "at"
kind = { value = "review" }
rating = "score"
title = "title"
text = "message"
"""
JOINED_MAPPING = """
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
total_amount = "pay.value"
payment_method = "pay.kind"
line_sku = "items.sku"
line_unit_price = "items.price"
line_quantity = "items.qty"
[signs]
line_quantity = "absolute"
[files.pay]
path = "pay.csv"
key = "order"
on = "id"
aggregate = { value = "sum", kind = "join" }
[files.items]
path = "items.csv"
key = "order"
on = "id"
[[status_rules]]
when = { state = { starts_with = "C" } }
status = "cancelled"
[[status_rules]]
when = { paid = "" }
status = "pending"
[[status_rules]]
status = "paid"
"""


def _mapped(mapping_text: str) -> Callable[[Path], ParsedFile]:
    def parse(path: Path) -> ParsedFile:
        mapping = path.parent / "mapping.toml"
        mapping.write_text(mapping_text, encoding="utf-8")
        return generic.parse(path, mapping=generic.load_mapping(mapping), tz=SHANGHAI)

    return parse


EXTRA_LAYOUTS = [
    Layout(
        "taobao_items",
        {"订单编号": "1000{n}", "标题": "连衣裙", "价格": "99.00", "购买数量": "1",
         "商品属性": "颜色分类：白色;尺码：M", "子订单编号": "2000{n}"},
        "订单编号", "标题", "价格", "商品属性",
        lambda path: taobao.parse(path, tz=SHANGHAI),
    ),
    Layout(
        "shopify_customers",
        {"Customer ID": "9{n}", "First Name": "Åsa", "Last Name": "Berg",
         "Email": "c{n}@example.com", "Accepts Email Marketing": "yes", "Phone": "+4670000000{n}"},
        "Customer ID", "First Name", "Accepts Email Marketing", "Last Name",
        lambda path: shopify.parse(path, tz=SHANGHAI),
    ),
    Layout(
        "generic_feedback",
        {"rid": "r{n}", "oid": "o{n}", "at": "2024-03-01 10:00:00", "score": "4", "title": "",
         "message": "bom"},
        "rid", "at", "score", "message",
        _mapped(FEEDBACK_MAPPING),
    ),
]  # fmt: skip
ALL_LAYOUTS = [*LAYOUTS, *EXTRA_LAYOUTS]

HOSTILE_TEXT = st.sampled_from(
    ["", " ", "-", "null", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2024-02-30 10:00:00",
     "1 299,00", "12,50", "1,2,3", "1e3", "1E+400", "-238.90", "NaN", "Infinity", "12.345",
     "2.10000001215793E+18", "5009399963600.0", '="123"', "'0012", "\t42", "=cmd|'/C calc'!A0",
     "+86 138 0000 0000", "@x", "a\x00b", "\x00", "￥1,299.00", "99999999999999999999",
     "交易关闭", "TRADE_CLOSED", "paid", "refunded", "processing", "已完成", "###", "****",
     '"', '""', "a,b", "line\nbreak", "\r", "\u2028", "\ufeff", "\ud7ff", "😀", "x" * 300]
)  # fmt: skip
CELLS = HOSTILE_TEXT | st.text(max_size=12)


@st.composite
def tables(draw: st.DrawFn, layout: Layout) -> tuple[list[str], list[list[str]]]:
    """A header (the layout's, perhaps with a column dropped, repeated or added) and rows
    mixing good cells with hostile ones, of any length."""
    headers = list(layout.headers)
    change = draw(st.sampled_from(["none", "none", "drop", "repeat", "extra", "shuffle"]))
    if change == "drop":
        headers.pop(draw(st.integers(0, len(headers) - 1)))
    elif change == "repeat":
        headers.append(draw(st.sampled_from(headers)))
    elif change == "extra":
        headers.append(draw(st.text(max_size=6)))
    elif change == "shuffle":
        headers = draw(st.permutations(headers))
    rows = []
    for number in range(draw(st.integers(0, 5))):
        good = dict(zip(layout.headers, layout.row(number), strict=True))
        cells = [good.get(h, "") if draw(st.booleans()) else draw(CELLS) for h in headers]
        if draw(st.integers(0, 6)) == 0:
            cells = cells[: draw(st.integers(0, len(cells)))]
        elif draw(st.integers(0, 6)) == 0:
            cells = [*cells, draw(CELLS)]
        rows.append(cells)
    if draw(st.integers(0, 30)) == 0 and rows and rows[0]:
        rows[0][0] = "y" * 140_000  # longer than any export field
    return headers, rows


def write(folder: Path, form: str, headers: list[str], rows: list[list[str]]) -> Path:
    if form.startswith("csv:"):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows([headers, *rows])
        path = folder / "export.csv"
        path.write_bytes(buffer.getvalue().encode(form[4:], errors="replace"))
    elif form == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for cells in [headers, *rows]:
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in cells])
        path = folder / "export.xlsx"
        book.save(path)
    elif form == "html":
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in cells) + "</tr>"
            for cells in [headers, *rows]
        )
        path = folder / "export.xls"
        text = f'<?xml version="1.0" encoding="gb2312"?><html><body><table>{body}</table>'
        path.write_bytes(text.encode("gb18030", errors="replace"))
    else:  # parquet: one string column per header (repeated headers get a suffix)
        names = [f"{h}{'_' * i}" if headers.index(h) != i else h for i, h in enumerate(headers)]
        width = len(names)
        padded = [[*cells[:width], *[""] * (width - len(cells))] for cells in rows]
        columns = {n: pa.array([r[i] for r in padded], pa.string()) for i, n in enumerate(names)}
        path = folder / "export.parquet"
        pq.write_table(pa.table(columns), path)
    return path


def check(parsed: ParsedFile, path: Path, headers: list[str]) -> None:
    """What every successful read must satisfy."""
    known = {h.strip() for h in headers} | {h.split(".", 1)[-1] for h in headers}
    for rejection in parsed.rejections:
        assert rejection.row >= 1 and rejection.reason.strip()
        assert rejection.file == str(path) or Path(rejection.file).parent == path.parent
        if rejection.column is not None and rejection.file == str(path):
            json_key = path.suffix == ".json"
            derived = "=" in rejection.column or ":" in rejection.column
            column = rejection.column.rstrip("_")  # a Parquet name made unique (see write)
            assert json_key or derived or column in known, rejection
    earliest, latest = PLAUSIBLE_DATES.instants(SHANGHAI)
    for record in parsed.records:
        if isinstance(record, OrderRecord):
            assert 0 <= record.total_amount <= MAX_AMOUNT * 1000
            assert earliest <= record.created_at < latest
            assert "\x00" not in (record.buyer_message or "")


FORMS = st.sampled_from(
    ["csv:utf-8", "csv:utf-8-sig", "csv:gb18030", "csv:utf-16", "csv:cp1252", "xlsx", "html",
     "parquet"]
)  # fmt: skip


@FUZZ
@given(data=st.data(), layout=st.sampled_from(ALL_LAYOUTS), form=FORMS)
def test_any_table_is_read_or_refused_with_winbacks_own_error(
    data: st.DataObject, layout: Layout, form: str
) -> None:
    headers, rows = data.draw(tables(layout))
    with TemporaryDirectory() as folder:
        path = write(Path(folder), form, headers, rows)
        try:
            parsed = layout.parse(path)
        except ImportFileError:
            return
        check(parsed, path, headers)


@FUZZ
@given(data=st.data())
def test_a_joined_multi_file_export_is_read_or_refused_with_winbacks_own_error(
    data: st.DataObject,
) -> None:
    orders = Layout(
        "orders", {"id": "A{n}", "created": "2024-03-01 10:00", "state": "ok", "paid": "x"},
        "id", "created", "paid", "state", _mapped(JOINED_MAPPING),
    )  # fmt: skip
    payments = Layout(
        "pay", {"order": "A{n}", "value": "5.00", "kind": "card"},
        "order", "kind", "value", "kind", _mapped(JOINED_MAPPING),
    )  # fmt: skip
    items = Layout(
        "items", {"order": "A{n}", "sku": "S{n}", "price": "2.50", "qty": "-2"},
        "order", "sku", "price", "sku", _mapped(JOINED_MAPPING),
    )  # fmt: skip
    with TemporaryDirectory() as folder:
        for layout in (payments, items):
            headers, rows = data.draw(tables(layout))
            write(Path(folder), "csv:utf-8", headers, rows).rename(
                Path(folder) / f"{layout.name}.csv"
            )
        headers, rows = data.draw(tables(orders))
        path = write(Path(folder), data.draw(FORMS), headers, rows)
        try:
            parsed = orders.parse(path)
        except ImportFileError:
            return
        joined = [*headers, "pay.value", "pay.kind", "items.order", "items.sku", "items.price"]
        check(parsed, path, [*joined, "order", "sku", "price", "qty", "value", "kind"])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | CELLS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "total", "billing", "meta_data", "x"]), children)
    ),
    max_leaves=8,
)
ORDER_KEYS = st.sampled_from(
    ["id", "status", "date_created", "date_created_gmt", "date_paid", "total", "currency",
     "billing", "line_items", "refunds", "customer_note", "shipping_total", "date_modified"]
)  # fmt: skip


@st.composite
def woo_bodies(draw: st.DrawFn) -> object:
    good = {
        "id": 1, "status": "processing", "date_created": "2024-03-01T10:00:00",
        "total": "10.00",
        "line_items": [{"id": 1, "name": "x", "quantity": 1, "price": 10.0, "meta_data": []}],
    }  # fmt: skip
    orders = []
    for number in range(draw(st.integers(0, 4))):
        order: dict[str, Any] = {**good, "id": number + 1}
        for key in draw(st.lists(ORDER_KEYS, max_size=4)):
            order[key] = draw(JSON_VALUES)
        orders.append(order if draw(st.integers(0, 8)) else draw(JSON_VALUES))
    return draw(st.sampled_from([orders, {"orders": orders}])) if orders else draw(JSON_VALUES)


@FUZZ
@given(body=woo_bodies())
def test_any_woocommerce_json_is_read_or_refused_with_winbacks_own_error(body: object) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "orders.json"
        path.write_text(json.dumps(body, allow_nan=True), encoding="utf-8")
        try:
            parsed = woocommerce.parse(path, tz=SHANGHAI)
        except ImportFileError:
            return
        check(parsed, path, [])


@FUZZ
@given(
    data=st.binary(max_size=400),
    prefix=st.sampled_from([b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1", b"[", b"<table"]),
    layout=st.sampled_from(ALL_LAYOUTS),
)
def test_random_bytes_are_refused_or_read_never_a_traceback(
    data: bytes, prefix: bytes, layout: Layout
) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(prefix + data)
        try:
            parsed = layout.parse(path)
        except ImportFileError:
            return
        check(parsed, path, [])


@FUZZ
@given(data=st.data(), form=st.sampled_from(["csv:utf-8", "csv:gb18030", "csv:utf-8-sig"]))
def test_the_column_reader_declines_or_agrees_with_the_row_reader(
    data: st.DataObject, form: str
) -> None:
    layout = LAYOUTS[0]  # taobao
    headers, rows = data.draw(tables(layout))
    with TemporaryDirectory() as folder:
        path = write(Path(folder), form, headers, rows)
        try:
            by_rows = taobao.parse(path, tz=SHANGHAI)
        except ImportFileError:
            return
        try:
            with reading(path) as table:
                columns = columns_for(table, taobao.ORDER_ALIASES, taobao.ORDER_REQUIRED, SHANGHAI)
                by_columns = read_order_table(table, columns, Platform.TAOBAO, min_rows=0)
        except NotColumnar:
            return
        assert by_rows.rejections == []
        expected = [r for r in by_rows.records if isinstance(r, OrderRecord)]
        got = by_columns.records()
        assert [(r.order_id, r.status, r.total_amount) for r in got] == [
            (r.order_id, r.status, r.total_amount) for r in expected
        ]
        assert [r.created_at.timestamp() for r in got] == [
            r.created_at.timestamp() for r in expected
        ]
