"""Large Taobao/Tmall order reports read column by column: the fast path of big imports.

The row reader (:func:`winback.ingest.taobao.order_from_row`) cleans every cell with Python
calls, about 40 µs a row. Here Arrow's CSV reader splits the file and each column is cleaned
at once: the patterns that cover nearly every cell (``="…"`` ids, text without padding,
``2026-01-01 08:30:00`` times) by Arrow compute, every other cell by the *same* Python
functions the row reader uses (:mod:`winback.ingest.cleaning`), once per distinct value.
Statuses follow :func:`~winback.ingest.taobao_status.order_status`, once per distinct
combination of status text and evidence. The result is an :class:`OrderTable` holding the
orders the row reader would have produced.

All or nothing: a file this reader cannot take with certainty — not a plain CSV with its
header on row 1, rows of another width, an undecodable byte, a NUL byte, a cell longer than
:data:`~winback.ingest.tables.MAX_CELL_CHARS`, a bad or empty required cell, a date outside
the accepted window, an order id Excel turned into a number, an order id twice, an unknown
status, an amount in fractions of a cent — raises :class:`NotColumnar`, and the row reader
reads it, reporting each problem with its row and column. Every such check is one Arrow
compute call over a column (or a byte count over the file), never a Python call per row.

One leniency remains: Arrow reads a stray character after a closing quote (``"x"y``) as
part of the cell, where Python's strict CSV reader calls the file broken.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from winback.ingest.cleaning import (
    EMPTY_MARKERS,
    CellError,
    clean_text,
    parse_amount,
    parse_datetime,
)
from winback.ingest.orders_common import Columns, Evidence, RowRejected, region_of
from winback.ingest.records import ORDER_TABLE_SCHEMA, OrderTable
from winback.ingest.tables import MAX_CELL_CHARS, Table, header_width
from winback.ingest.taobao_status import NOT_CLOSED, order_status
from winback.model import OrderStatus, Platform

MIN_ROWS: Final = 1000
"""Smaller files go through the row reader: the column reader pays off on large ones."""


class NotColumnar(Exception):
    """The file needs the row reader (see the module docstring)."""


_SPACES: Final = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
# A cell clean_text would change starts or ends with one of these (padding, an Excel guard),
# or is an empty marker.
_FIRST_NEEDS_CLEANING: Final = pa.array([*_SPACES, "=", "'"])
_LAST_NEEDS_CLEANING: Final = pa.array(_SPACES)
_EMPTY: Final = pa.array(sorted(EMPTY_MARKERS))
_EXCEL_GUARD: Final = '(?s)^="(.*)"$'
_PLAIN_TIME: Final = r"^\d{4}-[01]\d-[0-3]\d ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$"
_MASKED: Final = r"\*{3,}|^#{2}|^\${2}"
_NUMERIC_ID: Final = r"^[+-]?\d+(\.\d+)?[eE][+-]\d+$|^\d+\.0+$"
_HOUR_US: Final = 3_600_000_000
_EPOCH: Final = datetime(1970, 1, 1)  # noqa: DTZ001 (local wall-clock arithmetic)


def read_order_table(
    table: Table, columns: Columns, platform: Platform, *, min_rows: int = MIN_ROWS
) -> OrderTable:
    """The orders of a Taobao order report (already mapped by ``columns``) as an
    :class:`OrderTable`; raises :class:`NotColumnar` when the row reader must read it."""
    _check_plain(table, min_rows)
    raw = _read_csv(table)
    return _orders(raw, columns, platform)


STREAM_BLOCK: Final = 4 << 20
"""Bytes of the file per chunk of a streamed read (about 15,000 orders of a Taobao report)."""


@dataclass(frozen=True)
class OrderStream:
    """A large Taobao order report to be read in chunks (:meth:`chunks`), e.g. by a helper
    process while the store writes the chunks already read. Picklable: it holds where the
    file is and how its columns map, not the file."""

    file: str
    encoding: str
    delimiter: str
    width: int
    columns: Columns
    platform: Platform
    most_rows: int
    """No more orders than this: the file's lines but the header's."""
    block_size: int = STREAM_BLOCK

    def chunks(self) -> Iterator[OrderTable]:
        """The orders, chunk after chunk, exactly as :func:`read_order_table` reads them.
        Raises :class:`NotColumnar` at the first chunk the column reader cannot take (the
        chunks already returned must then be discarded and the file read row by row)."""
        seen: set[str] = set()
        for raw in _read_csv_blocks(self):
            chunk = _orders(raw, self.columns, self.platform)
            ids = chunk.table.column("order_id").to_pylist()
            before = len(seen)
            seen.update(ids)
            if len(seen) - before != len(ids):
                raise NotColumnar("an order id occurs twice")
            yield chunk


def order_stream(
    table: Table, columns: Columns, platform: Platform, *, min_rows: int
) -> OrderStream:
    """An :class:`OrderStream` of ``table``, when it has at least ``min_rows`` rows and the
    column reader may try it; raises :class:`NotColumnar` otherwise. Nothing is read yet but
    the quote count (a truncated file is refused before any chunk)."""
    lines = _check_plain(table, min_rows)
    encoding = table.encoding or "utf-8"  # never None here: _check_plain refused that
    return OrderStream(
        table.file,
        encoding,
        table.delimiter,
        len(table.headers),
        columns,
        platform,
        max(lines - 1, 0),
    )


def _check_plain(table: Table, min_rows: int) -> int:
    """Refuse what the column reader must not try; returns the file's line count."""
    if table.format != "csv" or table.header_row != 1 or table.encoding is None:
        raise NotColumnar("not a plain CSV with its header on row 1")
    if table.estimated_rows < min_rows:
        raise NotColumnar("a small file")
    quotes, lines, nuls = _count_quotes_lines_and_nuls(table.file)
    if quotes % 2 == 1:
        # A quoted cell never closed: Arrow would read it as a cell running to the end of
        # the file where Python's strict CSV reader reports a truncated file.
        raise NotColumnar("a quoted cell runs to the end of the file (a truncated file)")
    if nuls:
        raise NotColumnar("a NUL byte: the row reader names its row")
    return lines


def _count_quotes_lines_and_nuls(file: str) -> tuple[int, int, int]:
    """Quote marks, lines and NUL bytes of a file. (GB18030 and UTF-8 never use the bytes
    ``"``, ``\\n`` or NUL inside a multibyte character, so counting bytes counts characters.)"""
    quotes = newlines = nuls = 0
    last = b""
    with Path(file).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 24), b""):
            quotes += chunk.count(b'"')
            newlines += chunk.count(b"\n")
            nuls += chunk.count(b"\x00")
            last = chunk
    return quotes, newlines + (1 if last and not last.endswith(b"\n") else 0), nuls


def _read_csv(table: Table) -> pa.Table:
    options = _csv_options(table.encoding, table.delimiter, len(table.headers))
    try:
        return pcsv.read_csv(table.file, *options)
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as error:
        raise NotColumnar(str(error)) from None


def _read_csv_blocks(stream: OrderStream) -> Iterator[pa.Table]:
    read, parse, convert = _csv_options(stream.encoding, stream.delimiter, stream.width)
    read.block_size = stream.block_size
    try:
        with pcsv.open_csv(stream.file, read, parse, convert) as reader:
            for batch in reader:
                yield pa.Table.from_batches([batch])
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError) as error:
        raise NotColumnar(str(error)) from None


def _csv_options(
    encoding: str | None, delimiter: str, width: int
) -> tuple[pcsv.ReadOptions, pcsv.ParseOptions, pcsv.ConvertOptions]:
    names = [f"c{i}" for i in range(width)]
    arrow_encoding = "utf8" if encoding in (None, "utf-8", "utf-8-sig") else encoding
    return (
        pcsv.ReadOptions(column_names=names, skip_rows=1, encoding=arrow_encoding),
        pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        pcsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


class _Cells:
    """The mapped columns of a raw table, cleaned on demand."""

    def __init__(self, raw: pa.Table, columns: Columns) -> None:
        self.raw = raw
        self.columns = columns
        self.rows = raw.num_rows
        self._texts: dict[str, pa.Array] = {}

    def text(self, field: str) -> pa.Array:
        """``clean_text`` of every cell of ``field`` (null for empty), all null if unmapped."""
        found = self._texts.get(field)
        if found is None:
            position = self.columns.positions.get(field)
            if position is None:
                found = pa.nulls(self.rows, pa.string())
            else:
                found = clean_texts(self.raw.column(position).combine_chunks())
            self._texts[field] = found
        return found

    def required_text(self, field: str) -> pa.Array:
        values = self.text(field)
        if values.null_count:
            raise NotColumnar(f"an empty {field}")
        return values

    def amount(self, field: str) -> pa.Array:
        """Hundredths (int64) of every amount cell; null when empty."""
        return _by_value(self.text(field), _hundredths, pa.int64())

    def time(self, field: str) -> pa.Array:
        """The instants of ``field``; a time outside the accepted window declines the file."""
        values = instants(self.text(field), self.columns.tz)
        if values.null_count < len(values):
            earliest, latest = self.columns.dates.instants(self.columns.tz)
            bounds = pc.min_max(values)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if low < earliest or high >= latest:
                raise NotColumnar(f"a {field} outside the accepted dates")
        return values

    def refuse_huge_cells(self) -> None:
        """Decline a chunk holding a cell the row reader would reject as too long."""
        for column in self.raw.columns:
            # Bytes come from the offsets for free; characters only when the bytes exceed.
            longest = pc.max(pc.binary_length(column)).as_py()
            if longest is not None and longest > MAX_CELL_CHARS:
                characters = pc.max(pc.utf8_length(column)).as_py()
                if characters is not None and characters > MAX_CELL_CHARS:
                    raise NotColumnar("a cell longer than any export field")

    def refuse_unheaded_cells(self) -> None:
        """Decline a chunk with a filled cell under a blank header past the last named column
        (a trailing delimiter in the header): the row reader rejects such a row."""
        width = header_width(self.columns.headers)
        for column in self.raw.columns[width:]:
            if pc.any(pc.not_equal(pc.utf8_trim_whitespace(column), "")).as_py():
                raise NotColumnar("a row longer than the header")

    def refuse_numeric_ids(self, ids: pa.Array) -> None:
        """Decline ids Excel turned into numbers (``2.1E+18``, ``1234.0``): Taobao ids are
        digits, so only the ids that are not are matched against the pattern."""
        if pc.all(pc.utf8_is_digit(ids)).as_py():
            return
        others = pc.filter(ids, pc.invert(pc.utf8_is_digit(ids)))
        if pc.any(pc.match_substring_regex(others, _NUMERIC_ID)).as_py():
            raise NotColumnar("an order id Excel turned into a number")


def clean_texts(cells: pa.Array) -> pa.Array:
    """:func:`~winback.ingest.cleaning.clean_text` over a column of cells."""
    unguarded = _unguarded(cells)
    needs = _any(
        pc.is_in(pc.utf8_slice_codeunits(unguarded, 0, 1), value_set=_FIRST_NEEDS_CLEANING),
        pc.is_in(pc.utf8_slice_codeunits(unguarded, -1, _END), value_set=_LAST_NEEDS_CLEANING),
        pc.is_in(unguarded, value_set=_EMPTY),
    )
    if not pc.any(needs).as_py():
        return unguarded
    odd = pc.filter(unguarded, needs)
    cleaned = _by_value(odd, clean_text, pa.string())
    return pc.replace_with_mask(unguarded, needs, cleaned)


_END: Final = 2**31 - 1


def _unguarded(cells: pa.Array) -> pa.Array:
    """Cells without their Excel guard (``="…"``), the regular expression run only where a
    cell starts like one (in most columns none does)."""
    guarded = pc.starts_with(cells, '="')
    if not pc.any(guarded).as_py():
        return cells
    if pc.all(guarded).as_py():
        return pc.replace_substring_regex(cells, _EXCEL_GUARD, "\\1")
    stripped = pc.replace_substring_regex(pc.filter(cells, guarded), _EXCEL_GUARD, "\\1")
    return pc.replace_with_mask(cells, guarded, stripped)


def _by_value(values: pa.Array, clean: Callable[[Any], Any], kind: pa.DataType) -> pa.Array:
    """``clean`` of each distinct non-null value, spread over ``values`` (null stays null).
    A :class:`CellError` means the row reader must name the cell."""
    encoded = pc.dictionary_encode(values)
    try:
        distinct = [clean(value) for value in encoded.dictionary.to_pylist()]
    except (CellError, RowRejected) as error:
        raise NotColumnar(str(error)) from None
    try:
        cleaned = pa.array(distinct, kind)
    except (pa.ArrowInvalid, OverflowError) as error:
        raise NotColumnar(str(error)) from None
    return cleaned.take(encoded.indices)


def _hundredths(text: str) -> int | None:
    amount = parse_amount(text)
    if amount is None:
        return None
    scaled = amount * 100
    if scaled != scaled.to_integral_value():
        raise CellError(f"amount {amount} has more than 2 decimal places")
    return int(scaled)


def instants(texts: pa.Array, tz: ZoneInfo) -> pa.Array:
    """:func:`~winback.ingest.cleaning.parse_datetime` over a column of cleaned texts, as
    UTC timestamps. Plain ``YYYY-MM-DD HH:MM:SS`` times are read by Arrow and placed in
    ``tz`` hour by hour (an hour in which the zone's offset changes goes through Python)."""
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_TIME), False)
    plain_texts = pc.if_else(plain, texts, pa.scalar(None, pa.string()))
    local = pc.strptime(
        plain_texts,
        format="%Y-%m-%d %H:%M:%S",
        unit="us",
        error_is_null=True,
    )
    # Arrow rolls impossible dates over (2026-02-30 → 2026-03-02): a time counts only when
    # its day of the month is the one written (the pattern has fixed the other fields).
    written_day = pc.cast(pc.utf8_slice_codeunits(plain_texts, 8, 10), pa.int64())
    same = pc.equal(pc.day(local), written_day)
    local = pc.if_else(pc.fill_null(same, False), local, pa.scalar(None, local.type))
    local_us = pc.cast(local, pa.int64()).to_numpy(zero_copy_only=False)
    valid = ~pc.is_null(local).to_numpy(zero_copy_only=False)
    utc = np.zeros(len(texts), dtype=np.int64)
    slow = (~valid) & ~pc.is_null(texts).to_numpy(zero_copy_only=False)
    if valid.any():
        hours = np.floor_divide(np.where(valid, local_us, 0), _HOUR_US)
        unique, index = np.unique(hours[valid], return_inverse=True)
        offsets = np.array([_hour_offset(int(h), tz) for h in unique], dtype=np.int64)
        cell_offsets = offsets[index]
        changing = cell_offsets == _CHANGING
        steady = np.flatnonzero(valid)[~changing]
        utc[steady] = local_us[steady] - cell_offsets[~changing]
        slow[np.flatnonzero(valid)[changing]] = True
    if slow.any():
        for position in np.flatnonzero(slow):
            utc[position] = _python_instant(texts[int(position)].as_py(), tz)
    return pa.array(utc, pa.int64(), mask=pc.is_null(texts).to_numpy(zero_copy_only=False)).cast(
        pa.timestamp("us", tz="UTC")
    )


_CHANGING: Final = np.iinfo(np.int64).min


@lru_cache(maxsize=1 << 17)
def _hour_offset(hour: int, tz: ZoneInfo) -> int:
    """The zone's UTC offset (µs) through one local hour, or :data:`_CHANGING`."""
    try:
        start = _EPOCH + timedelta(hours=hour)
    except OverflowError:
        return _CHANGING
    end = start + timedelta(minutes=59, seconds=59, microseconds=999_999)
    if start.year < 2 or end.year > 9998:
        return _CHANGING
    first = start.replace(tzinfo=tz).utcoffset()
    last = end.replace(tzinfo=tz).utcoffset()
    if first is None or first != last:
        return _CHANGING
    return first // timedelta(microseconds=1)


def _python_instant(text: str, tz: ZoneInfo) -> int:
    try:
        value = parse_datetime(text, tz)
    except CellError as error:
        raise NotColumnar(str(error)) from None
    if value is None:  # pragma: no cover - texts are cleaned, so never empty here
        raise NotColumnar("an empty time")
    return (value - _UTC_EPOCH) // timedelta(microseconds=1)


_UTC_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _orders(raw: pa.Table, columns: Columns, platform: Platform) -> OrderTable:
    cells = _Cells(raw, columns)
    cells.refuse_huge_cells()
    cells.refuse_unheaded_cells()
    order_id = cells.required_text("order_id")
    cells.refuse_numeric_ids(order_id)
    if pc.count_distinct(order_id).as_py() != len(order_id):
        raise NotColumnar("an order id occurs twice")
    created = cells.time("created_at")
    total = cells.amount("total_amount")
    if created.null_count or total.null_count:
        raise NotColumnar("an empty creation time or total")
    paid_raw = cells.amount("paid_amount")
    refund = pc.fill_null(cells.amount("refund_amount"), 0)
    # taobao.gross_paid: a paid column net of a refund (paid + refund = total) is read back
    # to the gross amount, the total.
    net = pc.fill_null(
        pc.and_(pc.greater(refund, 0), pc.equal(pc.add(paid_raw, refund), total)), False
    )
    paid_gross = pc.if_else(net, total, paid_raw)
    paid_at, shipped_at, settled_at = (
        cells.time(f) for f in ("paid_at", "shipped_at", "settled_at")
    )
    close_text = cells.text("close_reason")
    not_closed = pc.fill_null(pc.is_in(close_text, value_set=pa.array(sorted(NOT_CLOSED))), False)
    close_reason = pc.if_else(not_closed, pa.scalar(None, pa.string()), close_text)
    refunds = pc.fill_null(pc.match_substring(close_reason, "退款"), False)
    evidence = {
        "paid": _any(
            pc.is_valid(paid_at),
            pc.fill_null(pc.not_equal(paid_raw, 0), False),
            pc.greater(refund, 0),
            refunds,
        ),
        "shipped": _any(pc.is_valid(shipped_at), pc.is_valid(cells.text("tracking_no"))),
        "settled": pc.is_valid(settled_at),
        "closed": pc.is_valid(close_reason),
        "refunded_in_full": pc.and_(
            pc.greater(refund, 0), pc.greater_equal(refund, pc.coalesce(paid_gross, total))
        ),
    }
    raw_status = cells.text("status")
    status = _statuses(raw_status, evidence, columns)
    was_paid = pc.is_in(status, value_set=pa.array([s.value for s in OrderStatus if s.was_paid]))
    goods = cells.amount("goods_amount")
    shipping = pc.fill_null(cells.amount("shipping_fee"), 0)
    surplus = pc.subtract(pc.add(goods, shipping), total)
    discount = pc.fill_null(pc.max_element_wise(surplus, 0), 0)
    address = cells.text("address")
    mobile = cells.text("mobile")
    phone = pc.if_else(pc.is_valid(mobile), mobile, cells.text("phone"))
    name = cells.text("name")
    nothing = pa.nulls(len(order_id), pa.string())
    no_time = pa.nulls(len(order_id), pa.timestamp("us", tz="UTC"))
    data = {
        "order_id": order_id,
        "status": status,
        "currency": pa.repeat("CNY", len(order_id)) if len(order_id) else nothing,
        "payment_method": nothing,
        "buyer_message": cells.text("buyer_message"),
        "seller_remark": cells.text("seller_remark"),
        "close_reason": close_reason,
        "cancel_reason": nothing,
        "raw_status": raw_status,
        "buyer_id": cells.text("buyer_id"),
        "buyer_name": pc.if_else(_masked(name), pa.scalar(None, pa.string()), name),
        "buyer_region": _by_value(address, region_of, pa.string()),
        "created_at": created,
        "paid_at": paid_at,
        "shipped_at": shipped_at,
        "delivered_at": no_time,
        "settled_at": settled_at,
        "closed_at": no_time,
        "refunded_at": no_time,
        "total_amount": total,
        "goods_amount": goods,
        "shipping_fee": shipping,
        "discount": discount,
        "paid_amount": pc.if_else(was_paid, paid_gross, pa.scalar(None, pa.int64())),
        "refund_amount": refund,
        **_contact("phone", phone),
        **_contact("email", nothing),
        **_contact("address", address),
        "status_inferred": pc.is_null(raw_status),
    }
    arrays = [pa.array(data[f.name]).cast(f.type) for f in ORDER_TABLE_SCHEMA]
    return OrderTable(platform, pa.Table.from_arrays(arrays, schema=ORDER_TABLE_SCHEMA))


def _any(*flags: pa.Array) -> pa.Array:
    result = flags[0]
    for flag in flags[1:]:
        result = pc.or_(result, flag)
    return result


def _masked(texts: pa.Array) -> pa.Array:
    return pc.fill_null(pc.match_substring_regex(texts, _MASKED), False)


def _contact(name: str, texts: pa.Array) -> dict[str, pa.Array]:
    """A contact column as :func:`~winback.ingest.cleaning.parse_contact` reads it."""
    masked = _masked(texts)
    return {name: pc.if_else(masked, pa.scalar(None, pa.string()), texts), f"{name}_masked": masked}


def _statuses(raw: pa.Array, evidence: dict[str, pa.Array], columns: Columns) -> pa.Array:
    """:func:`order_status` once per distinct (status text, evidence) combination."""
    texts = pc.dictionary_encode(raw)
    code = pc.fill_null(pc.cast(texts.indices, pa.int64()), -1).to_numpy(zero_copy_only=False) + 1
    for flag in evidence.values():
        code = code * 2 + pc.cast(flag, pa.int64()).to_numpy(zero_copy_only=False)
    unique, index = np.unique(code, return_inverse=True)
    labels = texts.dictionary.to_pylist()
    decided = []
    for combined in unique.tolist():
        bits = [bool(combined >> shift & 1) for shift in range(len(evidence) - 1, -1, -1)]
        position = (combined >> len(evidence)) - 1
        text = None if position < 0 else labels[position]
        try:
            decided.append(order_status(text, Evidence(*bits), columns).value)
        except RowRejected as error:
            raise NotColumnar(error.reason) from None
    return pa.array(decided, pa.string()).take(pa.array(index))
