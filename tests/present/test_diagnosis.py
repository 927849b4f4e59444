"""The diagnosis of the demo shop: every analysis ran over the period, and the totals add up."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pyarrow as pa
from demo_shop import FIRST_DAY, NOW
from rich.console import Console

from winback.analyse.chat_flags import FLAGS
from winback.analyse.decomposition import PARTS
from winback.present.diagnosis_tables import cell_text, chat_flag_orders_table
from winback.present.diagnosis_terminal import print_diagnosis
from winback.services.diagnosis import Diagnosis, diagnosis_period


def test_the_period_runs_from_the_first_day_asked_to_today_in_the_store_calendar(
    demo_diagnosis: Diagnosis,
) -> None:
    assert demo_diagnosis.period.start == FIRST_DAY
    assert demo_diagnosis.period.end == date(2026, 11, 23)  # 12:00 in Shanghai at NOW
    days = demo_diagnosis.decomposition["day"].to_pylist()
    assert days[0] == FIRST_DAY and days[-1] == date(2026, 11, 23)


def test_the_decomposition_parts_sum_exactly_to_the_total_every_day_and_overall(
    demo_diagnosis: Diagnosis,
) -> None:
    for day in demo_diagnosis.decomposition.to_pylist():
        assert sum(day[f"{part}_amount"] for part in PARTS) == day["amount"]
    totals = demo_diagnosis.decomposition_totals()
    assert totals["orders"] > 1000
    assert isinstance(totals["amount"], Decimal)
    assert sum(totals[f"{part}_amount"] for part in PARTS) == totals["amount"]


def test_every_analysis_found_something_in_the_demo_shop(demo_diagnosis: Diagnosis) -> None:
    d = demo_diagnosis
    lost = d.lost_ratio_totals()
    assert 0.1 < lost["lost_ratio"] < 0.7
    assert (
        lost["closed_consulted_orders"] + lost["closed_self_service_orders"]
        == lost["closed_orders"]
    )
    assert d.payment.segment("buyer_type", "returning") is not None
    assert d.lost_orders == d.reasons.orders.num_rows > 0
    known = [row for row in d.reasons.reasons.to_pylist() if row["reason"] != "unknown"]
    assert sum(row["orders"] for row in known) > 0
    assert d.chat_flags.num_rows > 0 and d.stockouts.num_rows > 0
    assert d.lost_products.num_rows == d.settings.top_products


def test_returning_buyers_are_found_from_orders_before_the_period(
    demo_diagnosis: Diagnosis,
) -> None:
    """Orders placed before the period are not analysed but make their buyers returning."""
    analysed = demo_diagnosis.payment.orders
    first = min(analysed["created_at"].to_pylist())
    assert first.date() >= date(2026, 11, 4)  # 11-05 00:00 Shanghai is 11-04 16:00 UTC
    returning = demo_diagnosis.payment.segment("buyer_type", "returning")
    assert returning is not None and returning["n_orders"] > 0


def test_the_json_has_every_part_with_decimals_as_strings_and_no_nan(
    demo_diagnosis: Diagnosis,
) -> None:
    text = json.dumps(demo_diagnosis.to_dict(), allow_nan=False, ensure_ascii=False)
    data = json.loads(text)
    assert set(data) >= {
        "decomposition",
        "lost_ratio",
        "payment",
        "reasons",
        "chat_flags",
        "stockouts",
        "restock",
        "lost_products",
    }
    total = data["decomposition"]["total"]
    assert isinstance(total["amount"], str)
    assert Decimal(total["amount"]) == sum(Decimal(total[f"{part}_amount"]) for part in PARTS)
    assert data["as_of"] == NOW.isoformat()


def test_the_terminal_shows_every_table_in_the_store_language(demo_diagnosis: Diagnosis) -> None:
    console = Console(record=True, width=160)
    print_diagnosis(console, demo_diagnosis)
    shown = console.export_text()
    for title in (
        "D1 每日订单金额构成",
        "D2 订单流失比例",
        "D6 付款行为",
        "D3 流失原因",
        "D4 客服聊天问题",
        "D5 缺货流失",
    ):
        assert title in shown
    assert "90%的付款买家在下单后" in shown


def test_english_settings_give_english_tables(demo_diagnosis_en: Diagnosis) -> None:
    console = Console(record=True, width=160)
    print_diagnosis(console, demo_diagnosis_en)
    shown = console.export_text()
    assert "D2 Lost-order ratio" in shown and "90% of paying buyers pay within" in shown
    assert "流失" not in shown.split("D3")[0]


def test_cells_read_like_money_and_percentages() -> None:
    assert cell_text(Decimal("1234.5"), "money", currency="CNY", language="zh") == "¥1,234.50"
    assert (
        cell_text(Decimal("1234.5"), "money", currency="USD", language="en", compact=True)
        == "1,234.50"
    )
    assert cell_text(0.4469, "ratio", currency="CNY", language="zh") == "44.7%"
    assert (
        cell_text((7500.0, 6000.0, float("inf")), "interval", currency="", language="en")
        == "2 h 05 min [1 h 40 min–∞]"
    )


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    import pytest

    from winback.errors import WinbackError

    with pytest.raises(WinbackError, match="starts after it ends"):
        diagnosis_period(
            today=date(2026, 11, 23),
            date_from=date(2026, 11, 20),
            date_to=date(2026, 11, 1),
            days=30,
        )
    assert diagnosis_period(
        today=date(2026, 11, 23), date_from=None, date_to=None, days=30
    ).start == date(2026, 10, 25)


def test_a_period_of_thousands_of_years_is_refused_before_any_table_is_built() -> None:
    """The API fuzz asked for 0059-03-26 → 4132-02-15: a row per day took 7 GB and timed
    out. Ten years is the most one diagnosis covers."""
    import pytest

    from winback.errors import WinbackError

    with pytest.raises(WinbackError, match="at most 3,660 days"):
        diagnosis_period(
            today=date(2026, 11, 23), date_from=date(59, 3, 26), date_to=date(4132, 2, 15), days=30
        )
    ten_years = diagnosis_period(
        today=date(2026, 11, 23), date_from=date(2016, 11, 27), date_to=None, days=30
    )
    assert (ten_years.end - ten_years.start).days + 1 == 3649


def test_phone_numbers_and_emails_in_chats_are_masked_in_tables_and_json(
    demo_diagnosis: Diagnosis,
) -> None:
    flags = demo_diagnosis.chat_flags
    leaky = "11-20 10:00 buyer: 打我电话13812345678 或 mail alice@example.com"
    excerpts = [leaky, *flags["excerpt"].to_pylist()[1:]]
    column = flags.schema.get_field_index("excerpt")
    changed = replace(
        demo_diagnosis, chat_flags=flags.set_column(column, "excerpt", pa.array(excerpts))
    )
    first = changed.chat_flags.to_pylist()[0]
    assert any(first[name] for name in FLAGS), "the first row raises a flag, so it is shown"
    text = json.dumps(changed.to_dict(), ensure_ascii=False)
    shown = " ".join(str(row[-1]) for row in chat_flag_orders_table(changed).rows)
    for output in (text, shown):
        assert "13812345678" not in output and "alice@example.com" not in output
        assert "138****5678" in output and "a***@example.com" in output
