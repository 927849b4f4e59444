"""Read a tabular export into a header and rows of text, whatever it really is.

Platform exports lie about their format: a Taobao "xls" is often an HTML table, a CSV may be
UTF-8 with a BOM, GB18030 or UTF-16, and Excel files carry numbers where the export meant
text. This module sniffs the bytes, not the file name, and hands the parsers one shape:
:class:`Table` — the header cells and an iterator of rows of strings.

Row numbers follow the spreadsheet: the header is row ``header_row`` (1 unless a preamble
precedes it) and data rows count from the next one.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Final

from charset_normalizer import from_bytes

from winback.errors import UnreadableFileError

SAMPLE_BYTES = 256 * 1024
_DELIMITERS = (",", "\t", ";", "|")
CHINESE_TEXT: Final = ("utf-8", "gb18030")
"""The encodings tried, in order, before charset detection: Chinese back offices write
UTF-8 or GB18030/GBK."""
WESTERN_TEXT: Final = ("utf-8", "cp1252")
"""Shopify and WooCommerce write UTF-8; a file re-saved by Excel on a Western Windows is
cp1252 (which GB18030 would also decode, into garbage: ``Ångström`` → ``臮ngstr鰉``)."""
MAX_CELL_CHARS: Final = 131_072
"""The longest cell a row may hold (Python's CSV default limit): no export field is longer,
so a longer one is a broken row (a quote left open, binary data), rejected alone."""
_CSV_FIELD_LIMIT: Final = 2**31 - 1


@dataclass
class Table:
    """A file read as text cells: ``headers`` and an iterator over the data ``rows``."""

    file: str
    format: str
    encoding: str | None
    headers: list[str]
    rows: Iterator[list[str]]
    header_row: int
    estimated_rows: int
    delimiter: str = ","

    def numbered_rows(self) -> Iterator[tuple[int, list[str]]]:
        """The data rows with their spreadsheet row numbers."""
        return enumerate(self.rows, start=self.header_row + 1)


HeaderTest = Callable[[list[str]], bool]


def read_table(
    path: Path,
    *,
    encoding: str = "auto",
    sheet: str | None = None,
    is_header: HeaderTest | None = None,
    text_encodings: tuple[str, ...] = CHINESE_TEXT,
) -> Table:
    """Read ``path`` as a table. ``is_header`` picks the header row when a preamble (a title,
    a date range) precedes it; by default the first non-empty row is the header. A text
    file's ``encoding`` is detected (``auto``: a BOM, then ``text_encodings`` in order, then
    charset detection) or given, and then checked against the file's first bytes."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except OSError as error:
        raise UnreadableFileError(f"cannot open the file: {error.strerror}", file=file) from error
    if not head.strip():
        raise UnreadableFileError("the file is empty", file=file)
    kind = sniff_format(head)
    if kind == "parquet":
        return _read_parquet(path)
    if kind in ("xlsx", "xls"):
        return _read_excel(path, kind, sheet, is_header)
    if encoding == "auto":
        chosen = detect_encoding(head, file, text_encodings)
    else:
        chosen = _checked_encoding(head, encoding, file)
    if kind == "html" or _looks_like_html(head, chosen):
        return _read_html(path, chosen, is_header)
    return _read_delimited(path, chosen, head, is_header)


def sniff_format(head: bytes) -> str:
    """'xlsx', 'xls', 'parquet', 'html' or 'text', from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()[:512].lower()
    if stripped.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<?xml")) and (
        b"<table" in head.lower()
    ):
        return "html"
    return "text"


def detect_encoding(head: bytes, file: str, candidates: tuple[str, ...] = CHINESE_TEXT) -> str:
    """The text encoding of a sample: BOMs first, then the ``candidates`` in order (strict),
    then charset detection. Raises when nothing decodes the sample cleanly."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for candidate in candidates:
        if _decodes(head, candidate):
            return candidate
    best = from_bytes(head).best()
    if best is not None and best.encoding and _decodes(head, best.encoding):
        return str(best.encoding)
    tried = ", ".join(candidates)
    raise UnreadableFileError(
        f"cannot decode the file: it is not UTF-16 or {tried} text, and its encoding could "
        "not be detected (save it as UTF-8, or name its encoding)",
        file=file,
    )


def _checked_encoding(head: bytes, encoding: str, file: str) -> str:
    """``encoding`` when it is known and decodes the file's first bytes; else a clear error
    (a UTF-16 codec on a file without a BOM, a UTF-8 file said to be UTF-16)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UnreadableFileError(f"unknown encoding {encoding!r}", file=file) from None
    if not _decodes(head, encoding):
        raise UnreadableFileError(
            f"the file is not {encoding} text, the encoding it was said to be in (check the "
            "mapping's encoding, or leave it out to detect it)",
            file=file,
        )
    return "utf-8-sig" if name == "utf-8" and head.startswith(codecs.BOM_UTF8) else encoding


def _decodes(head: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        decoder.decode(head, final=False)  # a sample may end inside a multibyte character
    except (UnicodeError, LookupError):
        return False
    return True


def _looks_like_html(head: bytes, encoding: str) -> bool:
    text = head[:4096].decode(encoding, errors="ignore").lstrip("\ufeff \r\n\t").lower()
    return text.startswith(("<html", "<!doctype", "<table", "<meta")) and "<table" in text


def _read_delimited(path: Path, encoding: str, head: bytes, is_header: HeaderTest | None) -> Table:
    file = str(path)
    sample = head.decode(encoding, errors="ignore")
    delimiter = _sniff_delimiter(sample)
    size = path.stat().st_size
    # Cells longer than csv's default limit are read, then rejected with their row and
    # column (see row_problem), instead of failing the whole file as "truncated".
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    handle = path.open("r", encoding=encoding, errors="strict", newline="")
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    lines = _guarded(reader, file, handle, delimiter)
    headers, header_row = _find_header(lines, is_header, file)
    sample_rows = max(sample.count("\n"), 1)
    estimated = max(int(size / (len(head) / sample_rows)) - header_row, 0)
    return Table(file, "csv", encoding, headers, lines, header_row, estimated, delimiter)


def _sniff_delimiter(sample: str) -> str:
    first = next((line for line in sample.splitlines() if line.strip()), "")
    return max(_DELIMITERS, key=first.count) if first else ","


def _guarded(
    reader: Iterator[list[str]], file: str, handle: io.TextIOBase, delimiter: str = ","
) -> Iterator[list[str]]:
    """Rows from ``reader``, turning decode and CSV errors into errors that name the row."""
    row = 0
    try:
        for cells in reader:
            row += 1
            yield cells
    except UnicodeDecodeError as error:
        bad_row = row_of_bad_bytes(Path(file), error.encoding, delimiter) or row + 1
        raise UnreadableFileError(
            f"the file is not valid {error.encoding} text in this row (wrong encoding?)",
            file=file,
            row=bad_row,
        ) from error
    except UnicodeError as error:  # a codec that refuses the stream itself (UTF-16, no BOM)
        raise UnreadableFileError(
            f"the file cannot be decoded: {error}", file=file, row=row + 1
        ) from error
    except csv.Error as error:
        raise UnreadableFileError(
            f"broken CSV ({error}); the file may be truncated", file=file, row=row + 1
        ) from error
    finally:
        handle.close()


def row_of_bad_bytes(path: Path, encoding: str, delimiter: str) -> int | None:
    """The row (as a spreadsheet counts them) holding the first bytes ``encoding`` cannot
    decode. The decoder reads ahead by a chunk, so the row being read when it fails can be
    hundreds of rows before the bad one; this counts the CSV rows before the bad bytes."""
    data = path.read_bytes()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode(encoding, errors="replace")
    else:
        return None
    rows = sum(1 for _ in csv.reader(io.StringIO(prefix, newline=""), delimiter=delimiter))
    at_row_start = not prefix or prefix.endswith(("\n", "\r"))
    return rows + 1 if at_row_start else rows


def header_width(headers: list[str]) -> int:
    """The number of columns the header names: up to its last non-blank cell (a trailing
    delimiter is no column)."""
    filled = [position for position, header in enumerate(headers) if header.strip()]
    return filled[-1] + 1 if filled else 0


def row_problem(cells: list[str], width: int) -> tuple[int | None, str] | None:
    """Why a data row cannot be read, with the position of the bad cell (None for the row as
    a whole), or None when it can: a cell longer than :data:`MAX_CELL_CHARS`, a NUL
    character (no database stores one in text), cells beyond the header's ``width``."""
    joined = "".join(cells)
    if len(joined) > MAX_CELL_CHARS or "\x00" in joined:
        for position, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                return position, (
                    f"the cell holds {len(cell):,} characters, more than any export field "
                    f"({MAX_CELL_CHARS:,}): a quote left open or data that is not text"
                )
            if "\x00" in cell:
                return position, (
                    "the cell holds a NUL character (\\x00), which no database stores in "
                    "text: the file is damaged or holds binary data"
                )
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        return None, (
            f"the row has {len(cells)} cells but the header has {width}: a cell holds an "
            "unquoted delimiter, or the columns are shifted"
        )
    return None


def header_at(headers: list[str], position: int | None) -> str | None:
    """The header of a cell's column, None for the row as a whole or a cell past the header."""
    if position is None or position >= len(headers):
        return None
    return headers[position].strip() or None


def refuse_garbled_headers(table: Table) -> None:
    """Raise :class:`UnreadableFileError` naming the likely encoding when ``table`` was read
    as GB18030 but its headers are not Chinese text: Latin-1, Shift-JIS or Big5 bytes decode
    as GB18030 without error, into garbage that would otherwise be reported as a missing
    column. Garbage shows as characters outside GB2312's common set (or private-use ones)
    and as a Chinese character between two Latin letters (``Cr殚e`` for ``Créée``)."""
    if table.encoding != "gb18030" or not any(_garbled(header) for header in table.headers):
        return
    with Path(table.file).open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    best = from_bytes(head).best()
    guess = best.encoding if best is not None and best.encoding != "gb18030" else None
    looks = f"it looks like {guess} text" if guess else "its encoding could not be detected"
    shown = ", ".join(h.strip() for h in table.headers if h.strip())[:120]
    raise UnreadableFileError(
        f"the file is not GB18030 or UTF-8 text: {looks} (read as GB18030 its headers are "
        f"garbled: {shown}). Export it again, or save it as UTF-8",
        file=table.file,
    )


def _garbled(header: str) -> bool:
    for position, char in enumerate(header):
        if char.isascii():
            continue
        if "\ue000" <= char <= "\uf8ff":
            return True
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
                return True
        between = header[position - 1 : position + 2] if position else ""
        if len(between) == 3 and all(c.isascii() and c.isalpha() for c in between[::2]):
            return True
    return False


def _find_header(
    lines: Iterator[list[str]], is_header: HeaderTest | None, file: str
) -> tuple[list[str], int]:
    for number, cells in enumerate(lines, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if is_header is None or is_header(cells):
            return cells, number
        if number >= 20:
            break
    raise UnreadableFileError("no header row found (is this the right kind of export?)", file=file)


_XML_DECLARATION: Final = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _read_html(path: Path, encoding: str, is_header: HeaderTest | None) -> Table:
    from lxml import etree, html

    file = str(path)
    try:
        text = path.read_bytes().decode(encoding, errors="strict")
    except UnicodeDecodeError as error:
        reason = f"the file is not valid {encoding} text (wrong encoding?)"
        raise UnreadableFileError(reason, file=file) from error
    # The text is decoded already: an XML declaration naming an encoding (gb2312) would
    # make lxml refuse a str, so it goes; a <meta charset> is ignored on a str anyway.
    text = _XML_DECLARATION.sub("", text.lstrip("\ufeff"), count=1)
    # huge_tree: without it libxml2 silently drops a text node over 10 MB and every row
    # after it; with it, such a cell reaches row_problem and rejects its row alone.
    parser = html.HTMLParser(huge_tree=True)
    try:
        tables = html.fromstring(text, parser=parser).xpath("//table")
    except (etree.ParserError, ValueError) as error:
        raise UnreadableFileError(f"cannot read the HTML table: {error}", file=file) from error
    # libxml2 recovers from most broken HTML, but a fatal error (nesting deeper than 2,048
    # tags) ends the document there: the rows after it would be lost without a word.
    fatal = [entry for entry in parser.error_log if entry.level_name == "FATAL"]
    if fatal:
        message = fatal[0].message.split(", use XML_PARSE_HUGE")[0].strip()
        reason = f"cannot read the HTML table past line {fatal[0].line}: {message}"
        raise UnreadableFileError(reason, file=file)
    if not tables:
        raise UnreadableFileError("the file looks like HTML but holds no table", file=file)
    rows = [
        [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
        for tr in tables[0].xpath(".//tr")
    ]
    return _from_rows(file, "html", encoding, rows, is_header)


def _read_excel(path: Path, kind: str, sheet: str | None, is_header: HeaderTest | None) -> Table:
    from python_calamine import CalamineWorkbook

    file = str(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        name = sheet if sheet is not None else book.sheet_names[0]
        values = book.get_sheet_by_name(name).to_python()
    except Exception as error:  # calamine raises its own error types per failure
        raise UnreadableFileError(f"cannot read the {kind} workbook: {error}", file=file) from error
    rows = [[excel_cell_text(value) for value in row] for row in values]
    return _from_rows(file, kind, None, rows, is_header)


def excel_cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would have shown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _read_parquet(path: Path) -> Table:
    import pyarrow.parquet as pq

    file = str(path)
    try:
        data = pq.read_table(path)
    except Exception as error:  # pyarrow raises ArrowInvalid and friends
        raise UnreadableFileError(f"cannot read the Parquet file: {error}", file=file) from error
    headers = list(data.column_names)
    columns = [data.column(name).to_pylist() for name in headers]
    rows = [[_parquet_cell_text(value) for value in row] for row in zip(*columns, strict=True)]
    return Table(file, "parquet", None, headers, iter(rows), 1, len(rows))


def _parquet_cell_text(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return excel_cell_text(value)


def _from_rows(
    file: str, kind: str, encoding: str | None, rows: list[list[str]], is_header: HeaderTest | None
) -> Table:
    lines = iter(rows)
    headers, header_row = _find_header(lines, is_header, file)
    remaining = len(rows) - header_row
    return Table(file, kind, encoding, headers, lines, header_row, max(remaining, 0))
