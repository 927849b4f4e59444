"""Properties of the shared table reader: what the csv module writes, read_table reads back."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.errors import UnreadableFileError
from winback.ingest.tables import detect_encoding, read_table, sniff_format
from winback.ingest.taobao import ORDER_ALIASES

SETTINGS = settings(max_examples=50, deadline=None)
HEADER_NAMES = st.sampled_from(
    [name for names in ORDER_ALIASES.values() for name in names if not name.isascii()]
)
CELLS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    """A header of real export header names (GB18030 bytes that are not UTF-8, as in every
    real export: a few short GB18030 strings, e.g. 态, are also valid UTF-8 and cannot be
    told apart), then rows of any text."""
    width = draw(st.integers(1, 6))
    header = draw(st.lists(HEADER_NAMES, min_size=width, max_size=width))
    body = draw(st.lists(st.lists(CELLS, min_size=width, max_size=width), max_size=8))
    return [header, *body]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue()


def read_back(data: bytes) -> tuple[list[str], list[list[str]], str | None]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        table = read_table(path)
        return table.headers, list(table.rows), table.encoding


@SETTINGS
@given(rows=tables(), encoding=st.sampled_from(["utf-8-sig", "gb18030"]))
def test_any_csv_the_csv_module_writes_reads_back_identically(
    rows: list[list[str]], encoding: str
) -> None:
    headers, body, used = read_back(csv_text(rows).encode(encoding))
    assert [headers, *body] == rows
    assert used == encoding


@SETTINGS
@given(rows=tables())
def test_a_tab_separated_export_is_recognised_by_its_header(rows: list[list[str]]) -> None:
    rows = [[*rows[0], "第二列"], *([*row, "x"] for row in rows[1:])]
    headers, body, _ = read_back(csv_text(rows, "\t").encode("utf-8-sig"))
    assert [headers, *body] == rows


def test_a_utf16_export_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(csv_text([["订单编号", "总金额"], ["1", "2.00"]], "\t").encode("utf-16"))
    table = read_table(path)
    assert (table.headers, list(table.rows)) == (["订单编号", "总金额"], [["1", "2.00"]])


def test_file_kinds_are_told_by_their_bytes_not_their_names() -> None:
    assert sniff_format(b"PK\x03\x04rest") == "xlsx"
    assert sniff_format(b"\xd0\xcf\x11\xe0rest") == "xls"
    assert sniff_format(b"PAR1rest") == "parquet"
    assert sniff_format(b"\xef\xbb\xbf<html><table>") == "html"
    assert sniff_format("订单编号,总金额".encode()) == "text"


def test_an_undecodable_sample_is_refused() -> None:
    with pytest.raises(UnreadableFileError, match="cannot decode"):
        detect_encoding(b"\x81\x00\xfe" * 3 + b"\x00\x00\xff\x81", "x.csv")
