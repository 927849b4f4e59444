"""Order lines from a file of lines alone (a Taobao item report imported on its own).

The lines join orders already in the store, found by (store, order id). An order's lines
are replaced when the file's lines differ from the stored ones and left alone when they are
the same, so re-importing the file changes nothing. Lines of an order the store does not
hold are rejected, naming the file, the row the order starts on and the order id column:
import the order report first (or both files together). The item report's status column
is not applied: the order report carries each order's status with its times.
"""

from __future__ import annotations

from collections.abc import Sequence

from winback.ingest.records import OrderLinesRecord, Rejection
from winback.store._bulk import Bulk
from winback.store._orders import LINE_COLUMNS, Converter, Row, bad_field, problem, rejection
from winback.store.schema import order_lines
from winback.store.types import KindCounts


def attach_lines(
    bulk: Bulk, store_id: int, records: Sequence[OrderLinesRecord], *, source_file: str
) -> tuple[KindCounts, list[Rejection]]:
    """Attach each record's lines to its stored order; what happened, and the refusals."""
    rejections: list[Rejection] = []
    convert = Converter(source_file)
    wanted: dict[str, tuple[OrderLinesRecord, tuple[Row, ...]]] = {}
    for record in records:
        field = bad_field(record)
        if field is not None:
            rejections.append(rejection(record, source_file, problem(record, field), field))
            continue
        wanted[record.order_id] = (record, tuple(convert.line(line) for line in record.lines))
    row_ids = _order_rows(bulk, store_id, list(wanted))
    stored = _stored_lines(bulk, list(row_ids.values()))
    created = updated = unchanged = 0
    replaced: list[int] = []
    new_rows: list[Row] = []
    for order_id, (record, lines) in wanted.items():
        row_id = row_ids.get(order_id)
        if row_id is None:
            rejections.append(_unknown_order(record, source_file))
            continue
        before = stored.get(row_id, ())
        if before == lines:
            unchanged += 1
            continue
        if before:
            replaced.append(row_id)
            updated += 1
        else:
            created += 1
        new_rows.extend((row_id, *line) for line in lines)
    bulk.delete_where_in(order_lines, "order_row_id", replaced)
    bulk.insert(order_lines, ("order_row_id", *LINE_COLUMNS), new_rows)
    return KindCounts(created, updated, unchanged), rejections


def _unknown_order(record: OrderLinesRecord, source_file: str) -> Rejection:
    source = record.source
    return Rejection(
        source.file if source is not None else source_file,
        source.row if source is not None else 0,
        record.order_column,
        f"order {record.order_id} is not in the store: import its order report first "
        "(or both reports together, in one folder)",
    )


def _order_rows(bulk: Bulk, store_id: int, order_ids: list[str]) -> dict[str, int]:
    sql = f"SELECT order_id, id FROM orders WHERE store_id = :store AND {bulk.in_keys('order_id')}"
    return {
        order_id: row_id for order_id, row_id in bulk.rows_by_keys(sql, order_ids, store=store_id)
    }


def _stored_lines(bulk: Bulk, row_ids: list[int]) -> dict[int, tuple[Row, ...]]:
    if not row_ids:
        return {}
    sql = (
        f"SELECT order_row_id, {', '.join(LINE_COLUMNS)} FROM order_lines "
        f"WHERE {bulk.in_keys('order_row_id')} ORDER BY order_row_id, id"
    )
    lines: dict[int, list[Row]] = {}
    for row in bulk.rows_by_keys(sql, row_ids):
        lines.setdefault(row[0], []).append(row[1:])
    return {row_id: tuple(found) for row_id, found in lines.items()}
