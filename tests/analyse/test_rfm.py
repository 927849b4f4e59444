"""The RFM summary: purchase days, repeat-only monetary value, lost statuses, holdout."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from winback.analyse.rfm import (
    TransactionTableError,
    calibration_and_holdout,
    cdnow_transactions,
    rfm_summary,
)

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CDNOW_SAMPLE = DATA / "CDNOW_sample.txt.gz"


def orders(rows: list[tuple[str, object, float, str | None]]) -> pa.Table:
    keys, moments, amounts, statuses = zip(*rows, strict=True)
    return pa.table(
        {
            "customer_key": list(keys),
            "ordered_at": list(moments),
            "amount": pa.array([Decimal(str(a)) for a in amounts], pa.decimal128(12, 2)),
            "status": list(statuses),
        }
    )


def by_customer(table: pa.Table) -> dict[str, dict[str, object]]:
    return {row["customer_key"]: row for row in table.to_pylist()}


def test_several_orders_on_one_day_are_one_purchase_with_their_amounts_added() -> None:
    table = orders(
        [
            ("a", datetime(2024, 1, 1, 9), 10.0, "paid"),
            ("a", datetime(2024, 1, 8, 9), 5.0, "paid"),
            ("a", datetime(2024, 1, 8, 18), 7.0, "settled"),
        ]
    )
    row = by_customer(rfm_summary(table, calibration_end=date(2024, 1, 15)))["a"]
    assert row["frequency"] == 1
    assert row["recency"] == pytest.approx(1.0)
    assert row["T"] == pytest.approx(2.0)
    assert row["monetary_value"] == pytest.approx(12.0)


def test_monetary_value_leaves_out_the_first_purchase_and_is_zero_without_repeats() -> None:
    table = orders(
        [
            ("a", date(2024, 1, 1), 100.0, None),
            ("a", date(2024, 1, 3), 10.0, None),
            ("a", date(2024, 1, 5), 20.0, None),
            ("b", date(2024, 1, 2), 50.0, None),
        ]
    )
    rows = by_customer(rfm_summary(table, calibration_end=date(2024, 1, 8), time_unit_days=1))
    assert rows["a"]["monetary_value"] == pytest.approx(15.0)
    assert (rows["a"]["frequency"], rows["a"]["recency"], rows["a"]["T"]) == (2, 4.0, 7.0)
    assert (rows["b"]["frequency"], rows["b"]["monetary_value"], rows["b"]["T"]) == (0, 0.0, 6.0)


def test_closed_cancelled_and_refunded_orders_are_no_purchase() -> None:
    table = orders(
        [
            ("a", date(2024, 1, 1), 10.0, "settled"),
            ("a", date(2024, 1, 2), 10.0, "closed"),
            ("a", date(2024, 1, 3), 10.0, "cancelled"),
            ("a", date(2024, 1, 4), 10.0, "refunded"),
            ("a", date(2024, 1, 5), 30.0, "pending"),
            ("c", date(2024, 1, 5), 30.0, "closed"),
        ]
    )
    rows = by_customer(rfm_summary(table, calibration_end=date(2024, 1, 8), time_unit_days=1))
    assert set(rows) == {"a"}
    assert (rows["a"]["frequency"], rows["a"]["recency"]) == (1, 4.0)
    assert rows["a"]["monetary_value"] == pytest.approx(30.0)


def test_purchases_outside_the_observation_window_are_ignored() -> None:
    table = orders(
        [
            ("a", date(2023, 12, 1), 10.0, None),
            ("a", date(2024, 1, 1), 10.0, None),
            ("a", date(2024, 1, 10), 10.0, None),
            ("a", date(2024, 2, 1), 10.0, None),
        ]
    )
    summary = rfm_summary(
        table,
        calibration_end=datetime(2024, 1, 15, 23, 0),
        observation_start=date(2024, 1, 1),
        time_unit_days=1,
    )
    row = by_customer(summary)["a"]
    assert (row["frequency"], row["recency"], row["T"]) == (1, 9.0, 14.0)
    assert row["first_purchase"] == date(2024, 1, 1)


def test_aware_timestamps_count_days_in_the_given_time_zone() -> None:
    stamps = pa.array(
        [datetime(2024, 1, 1, 15, tzinfo=UTC), datetime(2024, 1, 1, 17, tzinfo=UTC)],
        pa.timestamp("us", tz="UTC"),
    )
    table = pa.table({"customer_key": ["a", "a"], "ordered_at": stamps, "amount": [1.0, 2.0]})
    end = date(2024, 1, 5)
    utc = by_customer(rfm_summary(table, calibration_end=end, time_unit_days=1))["a"]
    shanghai = rfm_summary(table, calibration_end=end, time_unit_days=1, time_zone="Asia/Shanghai")
    assert utc["frequency"] == 0
    assert by_customer(shanghai)["a"]["frequency"] == 1


def test_a_table_without_an_amount_column_is_refused_with_the_column_named() -> None:
    table = pa.table({"customer_key": ["a"], "ordered_at": [date(2024, 1, 1)]})
    with pytest.raises(TransactionTableError, match="amount"):
        rfm_summary(table, calibration_end=date(2024, 1, 2))


def test_the_holdout_counts_purchase_days_after_the_calibration_end() -> None:
    table = orders(
        [
            ("a", date(2024, 1, 1), 10.0, None),
            ("a", date(2024, 1, 20), 4.0, None),
            ("a", date(2024, 1, 20), 4.0, None),
            ("a", date(2024, 1, 25), 2.0, None),
            ("a", date(2024, 3, 1), 99.0, None),
            ("b", date(2024, 1, 2), 10.0, None),
            ("late", date(2024, 1, 20), 10.0, None),
        ]
    )
    held = calibration_and_holdout(
        table,
        calibration_end=date(2024, 1, 14),
        holdout_end=date(2024, 1, 28),
        time_unit_days=7,
    )
    rows = by_customer(held)
    assert set(rows) == {"a", "b"}
    assert rows["a"]["frequency_holdout"] == 2
    assert rows["a"]["monetary_value_holdout"] == pytest.approx(5.0)
    assert rows["a"]["duration_holdout"] == pytest.approx(2.0)
    assert rows["b"]["frequency_holdout"] == 0


def test_a_holdout_ending_before_the_calibration_end_is_refused() -> None:
    table = orders([("a", date(2024, 1, 1), 1.0, None)])
    with pytest.raises(ValueError, match="holdout_end"):
        calibration_and_holdout(
            table, calibration_end=date(2024, 2, 1), holdout_end=date(2024, 1, 1)
        )


days = st.integers(min_value=0, max_value=60)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), days, st.floats(0, 1e4)), min_size=1))
def test_every_summary_row_keeps_recency_within_t_and_counts_distinct_days(
    rows: list[tuple[str, int, float]],
) -> None:
    start = date(2024, 1, 1).toordinal()
    table = pa.table(
        {
            "customer_key": [key for key, _, _ in rows],
            "ordered_at": [date.fromordinal(start + day) for _, day, _ in rows],
            "amount": [amount for _, _, amount in rows],
        }
    )
    summary = by_customer(
        rfm_summary(table, calibration_end=date.fromordinal(start + 60), time_unit_days=1)
    )
    for key, row in summary.items():
        own_days = {day for k, day, _ in rows if k == key}
        assert row["frequency"] == len(own_days) - 1
        assert 0 <= row["recency"] <= row["T"]
        assert row["recency"] == max(own_days) - min(own_days)
        assert row["monetary_value"] >= 0


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 99_999),
            st.dates(date(1990, 1, 1), date(2030, 12, 31)),
            st.integers(0, 50),
            st.decimals(0, 9999, places=2, allow_nan=False),
        ),
        min_size=1,
        max_size=20,
    ),
    st.booleans(),
)
def test_cdnow_files_are_read_back_exactly_in_both_layouts(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[int, date, int, Decimal]],
    sample_layout: bool,
) -> None:
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.txt.gz"
    with gzip.open(path, "wt") as out:
        for key, day, cds, value in rows:
            sample = f" {key % 100:04d}" if sample_layout else ""
            out.write(f" {key:05d}{sample} {day:%Y%m%d}  {cds}  {value:>8}\n")
    table = cdnow_transactions(path)
    assert table.column("customer_key").to_pylist() == [f"{key:05d}" for key, *_ in rows]
    assert table.column("ordered_at").to_pylist() == [day for _, day, _, _ in rows]
    assert table.column("quantity").to_pylist() == [cds for _, _, cds, _ in rows]
    assert table.column("amount").to_pylist() == [float(value) for *_, value in rows]


@pytest.mark.skipif(not CDNOW_SAMPLE.exists(), reason=f"CDNOW sample not found at {DATA}")
def test_the_cdnow_calibration_summary_has_the_papers_2357_customers_and_946_repeaters() -> None:
    summary = rfm_summary(
        cdnow_transactions(CDNOW_SAMPLE), calibration_end=date(1997, 9, 30), time_unit_days=7
    )
    frequency = summary.column("frequency").to_pylist()
    assert summary.num_rows == 2357
    assert sum(f > 0 for f in frequency) == 946
    assert sum(frequency) == 2457  # as lifetimes counts them (repeat purchase days)
