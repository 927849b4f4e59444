"""Tables never cut a number (issue 11.8): on a narrow terminal, in a file, on any width."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from winback.present.fitting import print_table
from winback.present.terminal import summary_table
from winback.store.types import StatusTotals, StoreInfo, StoreSummary

AMOUNTS = ["1,610,234.50", "22,862.10", "-3.00", "0.00", "98%", "13.2×"]


def shop_summary() -> StoreSummary:
    info = StoreInfo(
        1, "俏艺旗舰店", "taobao", "Asia/Shanghai", "CNY", datetime(2026, 1, 1, tzinfo=UTC)
    )
    rows = (
        StatusTotals("closed", 2441, Decimal("1613778.00"), Decimal(0), Decimal(0)),
        StatusTotals("settled", 7555, Decimal("22862.10"), Decimal("22862.10"), Decimal("54.00")),
    )
    when = datetime(2026, 12, 1, tzinfo=UTC)
    return StoreSummary(info, rows, 8975, when, when, 1, 2, 3, 4, 5, 6, ())


def rendered(table: Table, width: int) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    print_table(console, table)
    return console.export_text()


def test_the_status_table_shows_every_amount_whole_on_a_narrow_terminal() -> None:
    for width in (30, 45, 60, 80, 120):
        text = rendered(summary_table(shop_summary()), width)
        assert "…" not in text
        for amount in ("1,613,778.00", "22,862.10", "1,636,640.10", "7,555", "2,441"):
            assert amount in text, (width, text)


def test_a_long_product_name_wraps_by_words_not_one_character_per_line() -> None:
    table = Table("product", "lost", "amount")
    table.add_row("法式碎花连衣裙 白色 XL 夏季新款 宽松显瘦", "103", "21,695.00")
    text = rendered(table, 40)
    assert "21,695.00" in text and "103" in text
    assert not re.search(r"^\W*\w\W*$", text, re.M), text  # no line holding one character


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(20, 160),
    rows=st.lists(
        st.tuples(st.text(min_size=0, max_size=40), st.sampled_from(AMOUNTS)),
        min_size=1,
        max_size=6,
    ),
    columns=st.integers(1, 6),
)
def test_no_width_cuts_a_number(width: int, rows: list[tuple[str, str]], columns: int) -> None:
    table = Table("name", *(f"figure {n}" for n in range(columns)))
    for name, amount in rows:
        table.add_row(name.replace("[", "("), *([amount] * columns))
    text = rendered(table, width)
    for _, amount in rows:
        assert amount in text
