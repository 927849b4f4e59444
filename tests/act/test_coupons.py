"""Coupon codes and their exports: readable random codes; a CSV for coupon tools; Shopify's
price rules with batches of at most 100 codes, issued codes only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from winback.act.coupons import coupons_csv, new_code, shopify_batches
from winback.act.coupons.codes import ALPHABET
from winback.act.coupons.export import CSV_COLUMNS
from winback.store.types import Coupon

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def coupon(code: str, *, percent: bool = False, redeemed: bool = False,
           expires: timedelta = timedelta(days=30)) -> Coupon:  # fmt: skip
    return Coupon(
        code=code, customer_key="ann", order_id="5001", playbook="save", reason="changed_mind",
        percent=percent, value=Decimal("10"), min_spend=Decimal("50"), currency="USD",
        cost=Decimal("10"), issued_at=NOW - timedelta(days=1), expires_at=NOW + expires,
        redeemed_at=NOW if redeemed else None, redeemed_order_id="5002" if redeemed else None,
    )  # fmt: skip


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=12),
       st.integers(min_value=6, max_value=32))  # fmt: skip
def test_a_code_is_the_prefix_and_readable_random_characters(prefix: str, length: int) -> None:
    code = new_code(prefix, length)
    assert code.startswith(prefix) and len(code) == len(prefix) + length
    assert set(code[len(prefix) :]) <= set(ALPHABET)
    assert not {"0", "O", "1", "I", "L"} & set(code[len(prefix) :])


def test_codes_do_not_repeat_and_bad_prefixes_are_refused() -> None:
    assert len({new_code() for _ in range(2000)}) == 2000
    with pytest.raises(ValueError, match="prefix"):
        new_code("save-")


def test_the_csv_has_one_row_per_code_with_its_state_and_names_no_buyer() -> None:
    text = coupons_csv(
        [coupon("SAVEA"), coupon("SAVEB", redeemed=True), coupon("SAVEC", expires=-timedelta(1))],
        NOW,
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["code"], r["state"]) for r in rows] == [
        ("SAVEA", "issued"), ("SAVEB", "redeemed"), ("SAVEC", "expired")
    ]  # fmt: skip
    assert rows[0]["discount_type"] == "fixed_amount" and rows[0]["value"] == "10"
    assert "ann" not in text


def test_shopify_batches_group_codes_by_terms_at_most_100_each() -> None:
    many = [coupon(f"SAVE{n:04d}") for n in range(150)] + [coupon("SAVEP", percent=True)]
    batches = shopify_batches([*many, coupon("SAVEUSED", redeemed=True)], NOW)
    sizes = [len(b["batch"]["discount_codes"]) for b in batches]
    assert sizes == [100, 50, 1]
    rule = batches[0]["price_rule"]
    assert rule["value_type"] == "fixed_amount" and rule["value"] == "-10"
    assert rule["prerequisite_subtotal_range"] == {"greater_than_or_equal_to": "50"}
    assert rule["once_per_customer"] is True
    assert batches[2]["price_rule"]["value_type"] == "percentage"
    codes = {c["code"] for b in batches for c in b["batch"]["discount_codes"]}
    assert "SAVEUSED" not in codes
