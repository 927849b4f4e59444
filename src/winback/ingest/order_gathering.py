"""Gathering export rows into orders, for the Chinese platform importers.

One order can span several rows (JD and Douyin write one row per SKU); a file can repeat a
row (an export run twice and concatenated) or contradict itself (an order exported at two
moments). :class:`OrderGatherer` merges the first case, drops the second and rejects the
third, naming the row it contradicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow
from winback.ingest.orders_common import (
    Aliases,
    Columns,
    Row,
    RowRejected,
    RowStream,
    columns_for,
    reading,
)
from winback.ingest.records import (
    OrderLineRecord,
    OrderRecord,
    ParsedFile,
    Rejection,
    RowProgress,
)
from winback.ingest.tables import Table
from winback.model import Platform

Merge = Callable[[Any, Any], Any]


def add_amounts(first: Decimal | None, second: Decimal | None) -> Decimal | None:
    """Sum two optional amounts; None only when both are None."""
    if first is None:
        return second
    return first if second is None else first + second


@dataclass(frozen=True)
class _Line:
    line: OrderLineRecord
    row: int
    share: tuple[Any, ...]  # the row's own values of the merged order fields


@dataclass
class _Gathered:
    first: OrderRecord  # the first row's order fields, as parsed
    head: OrderRecord  # merged over the rows so far
    lines: dict[str, _Line]


class OrderGatherer:
    """Rows → orders, in the order of their first row.

    ``merge`` names the order fields that legitimately differ between rows of one order
    (Douyin's per-sub-order amounts) and how to combine them; every other field must agree,
    or the later row is rejected naming the first. A line repeated identically is dropped.
    Heads carry their :class:`SourceRef`; it is not compared.
    """

    def __init__(self, file: str, merge: Mapping[str, Merge] | None = None) -> None:
        self.file = file
        self.merge = dict(merge or {})
        self._blank: dict[str, Any] = {"source": None, **dict.fromkeys(self.merge)}
        self._orders: dict[str, _Gathered] = {}

    def add(self, head: OrderRecord, line: OrderLineRecord | None, row: int) -> Rejection | None:
        """Take one row's order fields and line; a :class:`Rejection` when it conflicts."""
        share = tuple(getattr(head, name) for name in self.merge)
        known = self._orders.get(head.order_id)
        if known is None:
            lines = {} if line is None else {line.line_id: _Line(line, row, share)}
            self._orders[head.order_id] = _Gathered(head, head, lines)
            return None
        first, key = self._key(known.first), self._key(head)
        if key != first:
            fields_ = ", ".join(_differences(first, key))
            first_row = known.first.source.row if known.first.source else "?"
            reason = f"order {head.order_id} is on row {first_row} with different {fields_}"
            return Rejection(self.file, row, None, reason)
        if line is None:
            return None
        seen = known.lines.get(line.line_id)
        if seen is not None:
            return self._repeated(head, _Line(line, row, share), seen)
        known.lines[line.line_id] = _Line(line, row, share)
        changes = {
            name: combine(getattr(known.head, name), getattr(head, name))
            for name, combine in self.merge.items()
        }
        known.head = replace(known.head, **changes)
        return None

    def _key(self, head: OrderRecord) -> OrderRecord:
        return replace(head, **self._blank)

    def _repeated(self, head: OrderRecord, again: _Line, seen: _Line) -> Rejection | None:
        """A line seen before: dropped when identical, else rejected naming its first row."""
        if again.line == seen.line and again.share == seen.share:
            return None
        names = [
            name
            for name, first, second in zip(self.merge, seen.share, again.share, strict=True)
            if first != second
        ]
        different = ", ".join(_differences(seen.line, again.line) + names)
        reason = (
            f"line {again.line.line_id} of order {head.order_id} is on row {seen.row} "
            f"with different {different}"
        )
        return Rejection(self.file, again.row, None, reason)

    def orders(self) -> list[OrderRecord]:
        """The gathered orders with their lines and the row each starts on."""
        return [
            replace(gathered.head, lines=tuple(e.line for e in gathered.lines.values()))
            if gathered.lines
            else gathered.head
            for gathered in self._orders.values()
        ]


def _differences(first: Any, second: Any) -> list[str]:
    return [
        item.name
        for item in fields(first)
        if getattr(first, item.name) != getattr(second, item.name)
    ]


RowParser = Callable[[Row], tuple[OrderRecord, OrderLineRecord | None]]


def read_orders(
    table: Table,
    columns: Columns,
    *,
    platform: Platform,
    kind: str,
    parse_row: RowParser,
    progress: RowProgress | None,
    merge: Mapping[str, Merge] | None = None,
) -> ParsedFile:
    """Run ``parse_row`` over every data row and gather the orders (see :class:`OrderGatherer`)."""
    stream = RowStream(table, columns, progress)
    gatherer = OrderGatherer(table.file, merge)
    for row in stream:
        try:
            head, line = parse_row(row)
        except RowRejected as problem:
            stream.reject(row, problem)
            continue
        rejection = gatherer.add(head, line, row.number)
        if rejection is not None:
            stream.rejections.append(rejection)
    return ParsedFile(
        file=table.file,
        source=platform,
        kind=kind,
        records=list(gatherer.orders()),
        rejections=stream.rejections,
        rows_read=stream.rows_read,
        unmapped_columns=columns.unmapped,
    )


def parse_order_export(
    path: Path,
    *,
    aliases: Aliases,
    required: Sequence[str],
    tz: ZoneInfo,
    platform: Platform,
    parse_row: RowParser,
    progress: RowProgress | None,
    merge: Mapping[str, Merge] | None = None,
    dates: DateWindow = PLAUSIBLE_DATES,
) -> ParsedFile:
    """Read an order export with one row per SKU (JD, Pinduoduo, Douyin): map its columns by
    ``aliases``, run ``parse_row`` over every row and gather the rows into orders."""
    with reading(path) as table:
        columns = columns_for(table, aliases, required, tz, dates)
        return read_orders(
            table,
            columns,
            platform=platform,
            kind="orders",
            parse_row=parse_row,
            progress=progress,
            merge=merge,
        )
