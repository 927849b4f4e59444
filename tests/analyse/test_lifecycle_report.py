"""The numbers of the report's lifecycle section: P(alive) bands and CLV deciles."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from winback.analyse.lifecycle_report import clv_deciles, p_alive_histogram

MONEY = pa.decimal128(18, 2)


def scores(p_alive: list[float], clv: list[str]) -> pa.Table:
    return pa.table(
        {
            "customer_key": [f"c{i:03d}" for i in range(len(clv))],
            "p_alive": p_alive,
            "clv": pa.array([Decimal(v) for v in clv], MONEY),
        }
    )


def test_p_alive_bands_count_every_buyer_once_and_one_falls_in_the_last_band() -> None:
    table = p_alive_histogram(scores([0.0, 0.05, 0.1, 0.55, 0.99, 1.0], ["1"] * 6))
    assert table.num_rows == 10
    counts = table.column("customers").to_pylist()
    assert counts == [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]
    assert table.column("low").to_pylist()[9] == pytest.approx(0.9)


def test_clv_deciles_rank_the_most_valuable_tenth_first_and_shares_add_up() -> None:
    values = [str(v) for v in range(1, 101)]  # 1 … 100
    table = clv_deciles(scores([0.5] * 100, values))
    rows = table.to_pylist()
    assert [row["decile"] for row in rows] == list(range(1, 11))
    assert all(row["customers"] == 10 for row in rows)
    assert rows[0]["clv"] == Decimal(sum(range(91, 101)))
    assert (rows[0]["lowest"], rows[0]["highest"]) == (Decimal(91), Decimal(100))
    assert rows[0]["clv_share"] == pytest.approx(955 / 5050)
    assert sum(row["clv_share"] for row in rows) == pytest.approx(1.0)


def test_fewer_buyers_than_deciles_fill_the_first_ones() -> None:
    table = clv_deciles(scores([0.5] * 3, ["3.00", "2.00", "0.00"]))
    assert table.column("decile").to_pylist() == [1, 2, 3]
    assert table.column("clv_share").to_pylist() == pytest.approx([0.6, 0.4, 0.0])
