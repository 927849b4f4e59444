"""Joining the files of a multi-file export by key, as a generic mapping declares it.

Real exports split an order over several files: Olist's orders, payments (several rows per
order), items and customers are four CSVs. ``[files.NAME]`` in the mapping names each file
joined to the mapped one, and :func:`join_files` turns the mapped file's rows into rows that
carry the joined columns too, headed ``NAME.column``:

* a file with an ``aggregate`` table gives each key one value per listed column (``sum`` of
  the payments, the ``first`` customer id, the payment types ``join``-ed with ``+``);
* a file without one gives each of its rows as a line of the order: the mapped row is
  repeated once per matching row (a left join: a row without a match keeps empty cells).

Files are joined in the mapping's order, and ``on`` may name a column an earlier file brought
(``orders.customer_id``), so a chain of files can be followed. A joined file's paths are
relative to the mapped file's folder.

A joined row that cannot be read (a bad amount to sum, a NUL byte) is rejected with its own
file, row and column, and so is every mapped row of its key: a total summed without one of
its payments would be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from winback.errors import MappingError, MissingColumnError, unknown_name
from winback.ingest.cleaning import CellError, clean_text, normalise_header, parse_amount
from winback.ingest.records import Rejection
from winback.ingest.rows import rows_closed
from winback.ingest.tables import header_at, header_width, read_table, row_problem

AGGREGATES = ("sum", "count", "first", "last", "join")
"""How a joined file's rows of one key become one value: ``sum`` of amounts, ``count`` of
rows, the ``first`` or ``last`` row's cell, or the distinct cells ``join``-ed with ``+``."""


@dataclass(frozen=True)
class FileJoin:
    """Another file joined to the mapped one (``[files.NAME]``): its rows whose ``key``
    column equals the ``on`` column of the table so far. With ``aggregate`` (column → one
    of :data:`AGGREGATES`) each key's rows become one value per column, read as
    ``NAME.column``; without it every row is a line of the order (at most one such file)."""

    name: str
    path: str
    key: str
    on: str
    aggregate: dict[str, str] | None = None


def load_files(
    tables: dict[str, dict[str, str | dict[str, str]]], has_lines: bool, file: str
) -> tuple[FileJoin, ...]:
    """The ``[files.NAME]`` tables of a mapping whose kind has lines (``has_lines``) or not,
    checked: :class:`MappingError` names what is wrong."""
    joins = tuple(_file(name, table, file) for name, table in tables.items())
    lines = [join.name for join in joins if join.aggregate is None]
    if len(lines) > 1:
        reason = (
            f"files: {', '.join(lines)} all give lines (no aggregate); only one joined file may, "
            "give the others an aggregate table"
        )
        raise MappingError(reason, file=file)
    if lines and not has_lines:
        reason = f"files.{lines[0]}: this kind of record has no lines; give it an aggregate table"
        raise MappingError(reason, file=file)
    return joins


def _file(name: str, table: dict[str, str | dict[str, str]], file: str) -> FileJoin:
    where = f"files.{name}"
    unknown = set(table) - {"path", "key", "on", "aggregate"}
    if unknown:
        choices = ("path", "key", "on", "aggregate")
        raise MappingError(
            f"{where}: {unknown_name('key', sorted(unknown)[0], choices)}", file=file
        )
    path, key = table.get("path"), table.get("key")
    if not isinstance(path, str) or not path.strip():
        raise MappingError(f"{where}: 'path' names the file to join", file=file)
    if not isinstance(key, str) or not key.strip():
        raise MappingError(f"{where}: 'key' names that file's column to join on", file=file)
    matched = table.get("on", key)
    if not isinstance(matched, str) or not matched.strip():
        raise MappingError(f"{where}: 'on' names this table's column the key matches", file=file)
    aggregate = table.get("aggregate")
    if aggregate is not None:
        if not isinstance(aggregate, dict) or not aggregate:
            raise MappingError(f"{where}.aggregate: a table of column = how", file=file)
        for column, how in aggregate.items():
            if how not in AGGREGATES:
                reason = (
                    f"{where}.aggregate.{column}: {unknown_name('aggregate', str(how), AGGREGATES)}"
                )
                raise MappingError(reason, file=file)
    return FileJoin(name, path, key, matched, None if aggregate is None else dict(aggregate))


class JoinedCells(list[str]):
    """The cells of a row after the joins; ``origins`` says, per joined file, which of its
    rows (file, row number) a line's cells came from, for rejections."""

    origins: dict[str, tuple[str, int]]

    def __init__(self, cells: Iterable[str], origins: dict[str, tuple[str, int]]) -> None:
        super().__init__(cells)
        self.origins = origins


@dataclass
class JoinedRows:
    """The joined table: headers, rows (with the mapped file's row numbers), and the rows
    rejected on the way."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    rejections: list[Rejection] = field(default_factory=list)


@dataclass
class _Side:
    """One joined file, read: its headers and its rows by key."""

    join: FileJoin
    file: str
    headers: list[str]
    by_key: dict[str, list[tuple[int, list[str]]]]
    broken: dict[str, Rejection]  # key → the rejection of one of its rows
    aggregated: list[tuple[int, str]] = field(default_factory=list)  # (position, how)


def join_files(
    file: str,
    headers: list[str],
    rows: list[tuple[int, list[str]]],
    joins: Iterable[FileJoin],
    *,
    decimal: str = ".",
) -> JoinedRows:
    """``rows`` of ``file`` (headed ``headers``) with every join applied in order."""
    joined = JoinedRows(list(headers), list(rows))
    for join in joins:
        side = _read_side(Path(file).parent, join, decimal)
        joined.rejections.extend(side.broken.values())
        on = _position(joined.headers, join.on, file, f"files.{join.name}.on")
        _apply(joined, side, on, decimal, file)
    return joined


def _read_side(folder: Path, join: FileJoin, decimal: str) -> _Side:
    path = Path(join.path) if Path(join.path).is_absolute() else folder / join.path
    with rows_closed(read_table(path)) as table:
        key = _position(table.headers, join.key, table.file, f"files.{join.name}.key")
        aggregated = [
            (_position(table.headers, column, table.file, f"files.{join.name}.aggregate"), how)
            for column, how in (join.aggregate or {}).items()
        ]
        side = _Side(join, table.file, [h.strip() for h in table.headers], {}, {}, aggregated)
        width = header_width(table.headers)
        for number, cells in table.numbered_rows():
            if not any(cell.strip() for cell in cells):
                continue
            row_key = clean_text(cells[key]) if key < len(cells) else None
            problem = row_problem(cells, width)
            if problem is not None:
                position, reason = problem
                where = header_at(table.headers, position)
                if row_key is not None:
                    side.broken.setdefault(row_key, Rejection(table.file, number, where, reason))
                continue
            if row_key is not None:
                side.by_key.setdefault(row_key, []).append((number, cells))
    if join.aggregate is not None:
        _check_sums(side, decimal)
    return side


def _check_sums(side: _Side, decimal: str) -> None:
    """Reject the keys whose amounts to sum cannot be read, naming the joined row."""
    sums = [position for position, how in side.aggregated if how == "sum"]
    for row_key, matches in side.by_key.items():
        for number, cells in matches:
            for position in sums:
                try:
                    parse_amount(_cell(cells, position), decimal=decimal)
                except CellError as error:
                    rejection = Rejection(side.file, number, side.headers[position], str(error))
                    side.broken.setdefault(row_key, rejection)


def _apply(joined: JoinedRows, side: _Side, on: int, decimal: str, file: str) -> None:
    name = side.join.name
    if side.join.aggregate is None:
        new_headers = [f"{name}.{header}" for header in side.headers]
    else:
        new_headers = [f"{name}.{column}" for column in side.join.aggregate]
    rows: list[tuple[int, list[str]]] = []
    for number, cells in joined.rows:
        row_key = clean_text(cells[on]) if on < len(cells) else None
        if row_key is not None and row_key in side.broken:
            bad = side.broken[row_key]
            reason = (
                f"its {name} row {bad.row} ({Path(bad.file).name}) could not be read; "
                "the order was not imported"
            )
            joined.rejections.append(Rejection(file, number, joined.headers[on].strip(), reason))
            continue
        matches = side.by_key.get(row_key, []) if row_key is not None else []
        rows.extend(_joined_rows(number, cells, side, matches, decimal))
    joined.headers.extend(new_headers)
    joined.rows = rows


def _joined_rows(
    number: int,
    cells: list[str],
    side: _Side,
    matches: list[tuple[int, list[str]]],
    decimal: str,
) -> Iterator[tuple[int, list[str]]]:
    origins = dict(getattr(cells, "origins", {}))
    width = len(side.headers)
    if side.join.aggregate is not None:
        values = [
            _aggregate(how, [_cell(m, position) for _, m in matches], decimal)
            for position, how in side.aggregated
        ]
        yield number, JoinedCells([*cells, *values], origins)
        return
    if not matches:
        yield number, JoinedCells([*cells, *[""] * width], origins)
        return
    for line_number, line in matches:
        padded = [*line[:width], *[""] * (width - len(line))]
        here = {**origins, side.join.name: (side.file, line_number)}
        yield number, JoinedCells([*cells, *padded], here)


def _aggregate(how: str, cells: list[str], decimal: str) -> str:
    """One value from the cells of one key's rows (empty cells count for nothing)."""
    texts = [text for text in map(clean_text, cells) if text is not None]
    if how == "count":
        return str(len(cells))
    if not texts:
        return ""
    if how == "sum":
        amounts = (parse_amount(text, decimal=decimal) or Decimal(0) for text in texts)
        total = format(sum(amounts, Decimal(0)), "f")
        return total.replace(".", ",") if decimal == "," else total
    if how == "first":
        return texts[0]
    if how == "last":
        return texts[-1]
    return "+".join(dict.fromkeys(texts))  # join: the distinct values, in order


def _cell(cells: list[str], position: int) -> str:
    return cells[position] if position < len(cells) else ""


def _position(headers: list[str], header: str, file: str, where: str) -> int:
    wanted = normalise_header(header)
    for position, candidate in enumerate(headers):
        if normalise_header(candidate) == wanted:
            return position
    found = ", ".join(repr(h.strip()) for h in headers if h.strip())
    reason = f"column {header!r} ({where} in the mapping) is missing; the headers are: {found}"
    raise MissingColumnError(reason, file=file, column=header)
