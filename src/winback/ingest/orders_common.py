"""What the Chinese platform importers (Taobao/Tmall, JD, Pinduoduo, Douyin) share.

* :func:`columns_for` maps an export's headers through an alias table and refuses a file
  that lacks a required column, naming it and listing the headers it found.
* :class:`RowStream` walks the data rows, skips blank lines, rejects rows shorter than the
  header, reports progress, and hands out :class:`Row` objects whose typed getters raise
  :class:`RowRejected` naming the file's own header.
* :class:`OrderGatherer` turns rows into orders: rows of the same order merge (one row per
  SKU), identical duplicates are dropped, and a later row that contradicts the first one is
  rejected, naming the first row.
* :func:`infer_status` is the documented rule for an export without a status column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from winback.errors import MissingColumnError
from winback.ingest.cleaning import (
    PLAUSIBLE_DATES,
    CellError,
    DateWindow,
    clean_text,
    is_masked,
    map_headers,
    parse_amount,
    parse_attributes,
    parse_contact,
    parse_datetime,
    parse_id,
    parse_int,
)
from winback.ingest.records import (
    NO_CONTACT,
    Contact,
    Rejection,
    RowProgress,
    SourceRef,
)
from winback.ingest.tables import (
    Table,
    header_at,
    header_width,
    read_table,
    refuse_garbled_headers,
    row_problem,
)
from winback.model import OrderStatus

PROGRESS_EVERY = 1000
CENT = Decimal("0.01")
Aliases = Mapping[str, Sequence[str]]


class RowRejected(Exception):
    """One row cannot be imported; ``column`` is the file's header of the bad cell."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class Columns:
    """Where each canonical field sits in one file, the store's time zone and the dates the
    import accepts."""

    file: str
    headers: list[str]
    positions: dict[str, int]
    unmapped: list[str]
    tz: ZoneInfo
    dates: DateWindow = PLAUSIBLE_DATES

    def has(self, field: str) -> bool:
        return field in self.positions

    def header(self, field: str) -> str:
        return self.headers[self.positions[field]].strip()


@contextmanager
def reading(path: Path) -> Iterator[Table]:
    """:func:`~winback.ingest.tables.read_table`, closing the file even when parsing stops
    early (a missing column, a broken row)."""
    table = read_table(path)
    try:
        yield table
    finally:
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()


def columns_for(
    table: Table,
    aliases: Aliases,
    required: Sequence[str],
    tz: ZoneInfo,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> Columns:
    """Map ``table``'s headers; raise :class:`MissingColumnError` for a missing required one
    (and :class:`~winback.errors.DuplicateColumnError` for a header given twice)."""
    found = map_headers(table.headers, aliases, file=table.file)
    if not found.positions and found.missing(required):
        refuse_garbled_headers(table)
    for field in found.missing(required):
        names = list(aliases[field])
        also = f" (also accepted: {', '.join(names[1:])})" if len(names) > 1 else ""
        headers = ", ".join(h.strip() for h in table.headers if h.strip())
        hint = "" if found.positions else _nothing_known(table)
        raise MissingColumnError(
            f"the required column {names[0]!r} is missing{also}; "
            f"the file's headers are: {headers}{hint}",
            file=table.file,
            column=names[0],
        )
    return Columns(table.file, table.headers, found.positions, found.unmapped, tz, dates)


def _nothing_known(table: Table) -> str:
    read_as = f" (read as {table.encoding})" if table.encoding else ""
    return (
        f". No header is one this export should have{read_as}: the file may be in another "
        "encoding, or be another platform's export"
    )


class Row:
    """One data row; the getters clean a cell and raise :class:`RowRejected` when it is bad."""

    __slots__ = ("cells", "columns", "number")

    def __init__(self, cells: list[str], columns: Columns, number: int) -> None:
        self.cells = cells
        self.columns = columns
        self.number = number

    def source(self) -> SourceRef:
        return SourceRef(self.columns.file, self.number)

    def raw(self, field: str) -> str:
        position = self.columns.positions.get(field)
        return "" if position is None else self.cells[position]

    def text(self, field: str) -> str | None:
        return clean_text(self.raw(field))

    def required_text(self, field: str) -> str:
        value = self.text(field)
        if value is None:
            raise RowRejected(self.columns.header(field), "the cell is empty")
        return value

    def id(self, field: str) -> str | None:
        """An id cell (order, sub-order, product), refused when Excel made it a number."""
        try:
            return parse_id(self.raw(field))
        except CellError as error:
            raise RowRejected(self.columns.header(field), str(error)) from None

    def required_id(self, field: str) -> str:
        value = self.id(field)
        if value is None:
            raise RowRejected(self.columns.header(field), "the cell is empty")
        return value

    def amount(self, field: str) -> Decimal | None:
        try:
            return parse_amount(self.raw(field))
        except CellError as error:
            raise RowRejected(self.columns.header(field), str(error)) from None

    def required_amount(self, field: str) -> Decimal:
        value = self.amount(field)
        if value is None:
            raise RowRejected(self.columns.header(field), "the amount is empty")
        return value

    def count(self, field: str) -> int | None:
        try:
            return parse_int(self.raw(field))
        except CellError as error:
            raise RowRejected(self.columns.header(field), str(error)) from None

    def required_count(self, field: str) -> int:
        value = self.count(field)
        if value is None:
            raise RowRejected(self.columns.header(field), "the quantity is empty")
        return value

    def time(self, field: str) -> datetime | None:
        try:
            return parse_datetime(self.raw(field), self.columns.tz, window=self.columns.dates)
        except CellError as error:
            raise RowRejected(self.columns.header(field), str(error)) from None

    def required_time(self, field: str) -> datetime:
        value = self.time(field)
        if value is None:
            raise RowRejected(self.columns.header(field), "the date is empty")
        return value

    def contact(self, field: str) -> Contact:
        return parse_contact(self.raw(field))

    def first_contact(self, *names: str) -> Contact:
        """The first of several contact columns that holds something (mobile before phone)."""
        for name in names:
            found = self.contact(name)
            if found != NO_CONTACT:
                return found
        return NO_CONTACT

    def spec(self, field: str) -> dict[str, str]:
        """Variant attributes; a spec without ``key:value`` pairs is kept whole as ``规格``."""
        attributes = parse_attributes(self.raw(field))
        if attributes:
            return attributes
        text = self.text(field)
        return {"规格": text} if text else {}

    def name(self, field: str) -> str | None:
        """A person's name; an encrypted one (``##…``) is unknown, not a name."""
        text = self.text(field)
        return None if text is None or is_masked(text) else text


class RowStream:
    """The data rows of a table as :class:`Row` objects, counting and rejecting as it goes."""

    def __init__(self, table: Table, columns: Columns, progress: RowProgress | None) -> None:
        self.table = table
        self.columns = columns
        self.progress = progress
        self.rows_read = 0
        self.rejections: list[Rejection] = []
        self.width = header_width(columns.headers)

    def __iter__(self) -> Iterator[Row]:
        pending = 0
        for number, cells in self.table.numbered_rows():
            if not "".join(cells).strip():
                continue
            self.rows_read += 1
            pending += 1
            if pending == PROGRESS_EVERY and self.progress is not None:
                self.progress(pending)
                pending = 0
            if len(cells) < self.width:
                reason = f"the row has {len(cells)} cells but the header has {self.width}"
                self.rejections.append(Rejection(self.table.file, number, None, reason))
                continue
            problem = row_problem(cells, self.width)
            if problem is not None:
                position, reason = problem
                headers = self.columns.headers
                column = header_at(headers, position)
                self.rejections.append(Rejection(self.table.file, number, column, reason))
                continue
            yield Row(cells, self.columns, number)
        if pending and self.progress is not None:
            self.progress(pending)

    def reject(self, row: Row, problem: RowRejected) -> None:
        self.rejections.append(
            Rejection(self.table.file, row.number, problem.column, problem.reason)
        )


@dataclass(frozen=True)
class Evidence:
    """What the other columns of a row say about an order's progress."""

    paid: bool = False
    shipped: bool = False
    settled: bool = False
    closed: bool = False
    refunded_in_full: bool = False


def infer_status(evidence: Evidence) -> OrderStatus:
    """The status of an order whose export has no (or an empty) status cell.

    In order of precedence: a close reason or a full refund → ``refunded`` if it was paid,
    else ``closed``; a confirmation (收货) time → ``settled``; a tracking number or shipping
    time → ``shipped``; a payment time or amount → ``paid``; otherwise ``pending``.
    """
    if evidence.closed or evidence.refunded_in_full:
        return OrderStatus.REFUNDED if evidence.paid else OrderStatus.CLOSED
    if evidence.settled:
        return OrderStatus.SETTLED
    if evidence.shipped:
        return OrderStatus.SHIPPED
    return OrderStatus.PAID if evidence.paid else OrderStatus.PENDING


def closed_status(evidence: Evidence) -> OrderStatus:
    """A "closed"/"cancelled" label: refunded after shipment, cancelled after payment,
    closed before payment."""
    if not evidence.paid:
        return OrderStatus.CLOSED
    return OrderStatus.REFUNDED if evidence.shipped else OrderStatus.CANCELLED


_PROVINCE = re.compile(r"^(.{2,8}?(?:省|自治区|特别行政区|市))")


def region_of(address: str | None) -> str | None:
    """The province (or municipality) an address starts with, even when the rest is masked:
    ``浙江省 杭州市 西湖区 ****`` → ``浙江省``."""
    if not address:
        return None
    first = address.split(None, 1)[0]
    if is_masked(first):
        return None
    if first != address.strip():
        return first
    found = _PROVINCE.match(first)
    return found.group(1) if found else None


def unit_price(amount: Decimal, quantity: int, column: str) -> Decimal:
    """A line amount divided by its quantity, to the cent."""
    if quantity <= 0:
        raise RowRejected(column, f"cannot take a unit price of a quantity of {quantity}")
    return (amount / quantity).quantize(CENT, rounding=ROUND_HALF_UP)
