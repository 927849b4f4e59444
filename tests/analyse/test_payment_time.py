"""Payment behaviour per segment (PRODUCT D6)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from winback.analyse.payment_time import (
    PaymentTimeSettings,
    amount_band_labels,
    amount_bands,
    format_duration,
    payers_sentence,
    payment_time,
)

T0 = datetime(2024, 3, 1, tzinfo=UTC)
CUTOFF = T0 + timedelta(days=10)
STAMP = pa.timestamp("us", "UTC")


def order(
    order_id: str,
    *,
    created: timedelta = timedelta(),
    paid: timedelta | None = None,
    closed: timedelta | None = None,
    customer: str | None = None,
    status: str | None = None,
    amount: str | None = "50.00",
    method: str | None = "alipay",
    platform: str = "taobao",
) -> dict[str, object]:
    return {
        "order_id": order_id,
        "customer_key": customer,
        "status": status or ("paid" if paid is not None else "closed" if closed else "pending"),
        "created_at": T0 + created,
        "paid_at": None if paid is None else T0 + created + paid,
        "closed_at": None if closed is None else T0 + created + closed,
        "total_amount": None if amount is None else Decimal(amount),
        "payment_method": method,
        "platform": platform,
    }


SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("customer_key", pa.string()),
        ("status", pa.string()),
        ("created_at", STAMP),
        ("paid_at", STAMP),
        ("closed_at", STAMP),
        ("total_amount", pa.decimal128(12, 2)),
        ("payment_method", pa.string()),
        ("platform", pa.string()),
    ]
)


def table(*orders: dict[str, object]) -> pa.Table:
    return pa.Table.from_pylist(list(orders), schema=SCHEMA)


def by_id(report) -> dict[str, dict[str, object]]:
    return {row["order_id"]: row for row in report.orders.to_pylist()}


def test_a_paid_order_is_an_event_at_its_payment_time() -> None:
    report = payment_time(table(order("a", paid=timedelta(minutes=7))), CUTOFF)
    row = by_id(report)["a"]
    assert row["paid"] is True
    assert row["duration_s"] == 420.0


def test_an_open_order_is_censored_at_the_cutoff_not_dropped() -> None:
    report = payment_time(table(order("a", created=timedelta(days=9))), CUTOFF)
    row = by_id(report)["a"]
    assert row["paid"] is False
    assert row["duration_s"] == timedelta(days=1).total_seconds()


def test_an_order_closed_unpaid_is_censored_at_its_close() -> None:
    report = payment_time(table(order("a", closed=timedelta(hours=3))), CUTOFF)
    assert by_id(report)["a"]["duration_s"] == 3 * 3600.0


def test_a_closed_order_without_a_close_time_stays_at_risk_until_the_cutoff() -> None:
    """Not censored at a guessed close (the deadline): payments may come after it."""
    settings = PaymentTimeSettings(payment_deadline=timedelta(hours=24))
    report = payment_time(table(order("a", status="closed")), CUTOFF, settings)
    assert by_id(report)["a"]["duration_s"] == timedelta(days=10).total_seconds()


def test_the_never_pay_alternative_keeps_closed_orders_at_risk_until_the_cutoff() -> None:
    settings = PaymentTimeSettings(closed_orders="never_pay")
    report = payment_time(table(order("a", closed=timedelta(hours=3))), CUTOFF, settings)
    assert by_id(report)["a"]["duration_s"] == timedelta(days=10).total_seconds()


def test_a_payment_after_the_cutoff_is_not_yet_known() -> None:
    late = order("a", created=timedelta(days=9), paid=timedelta(days=2))
    row = by_id(payment_time(table(late), CUTOFF))["a"]
    assert row["paid"] is False
    assert row["duration_s"] == timedelta(days=1).total_seconds()


def test_orders_placed_after_the_cutoff_are_left_out_and_counted() -> None:
    report = payment_time(table(order("a"), order("b", created=timedelta(days=11))), CUTOFF)
    assert report.orders["order_id"].to_pylist() == ["a"]
    assert report.excluded_after_cutoff == 1


def test_a_paid_status_without_a_payment_time_is_left_out_and_counted() -> None:
    report = payment_time(table(order("a", status="shipped"), order("b")), CUTOFF)
    assert report.orders["order_id"].to_pylist() == ["b"]
    assert report.excluded_paid_time_unknown == 1


def test_a_payment_stamped_before_its_order_counts_as_immediate() -> None:
    report = payment_time(table(order("a", paid=timedelta(seconds=-5))), CUTOFF)
    assert by_id(report)["a"]["duration_s"] == 0.0


def test_a_buyer_is_returning_only_after_an_earlier_paid_order() -> None:
    report = payment_time(
        table(
            order("first", customer="c1", paid=timedelta(hours=2)),
            order("during", customer="c1", created=timedelta(hours=1)),
            order("after", customer="c1", created=timedelta(hours=3)),
            order("unpaid-earlier", customer="c2", closed=timedelta(hours=1)),
            order("later", customer="c2", created=timedelta(days=1)),
            order("anonymous", customer=None, created=timedelta(days=1)),
        ),
        CUTOFF,
    )
    kinds = {key: row["buyer_type"] for key, row in by_id(report).items()}
    assert kinds == {
        "first": "new",
        "during": "new",
        "after": "returning",
        "unpaid-earlier": "new",
        "later": "new",
        "anonymous": "new",
    }


def test_customers_without_a_key_are_never_linked_to_each_other() -> None:
    report = payment_time(
        table(order("a", paid=timedelta(minutes=1)), order("b", created=timedelta(hours=1))),
        CUTOFF,
    )
    assert by_id(report)["b"]["buyer_type"] == "new"


def test_amount_bands_are_exact_on_decimal_edges() -> None:
    amounts = pa.array(
        [Decimal(v) for v in ("99.99", "100.00", "299.99", "300.00", "1000.00")] + [None],
        pa.decimal128(12, 2),
    )
    labels = amount_bands(amounts, (Decimal(100), Decimal(300), Decimal(1000))).to_pylist()
    assert labels == ["<100", "100–300", "100–300", "300–1000", "≥1000", "unknown"]


def test_amount_band_edges_are_configurable() -> None:
    assert amount_band_labels((Decimal("50"), Decimal("99.5"))) == ["<50", "50–99.5", "≥99.5"]
    with pytest.raises(ValueError, match="increasing"):
        amount_bands(pa.array([1.0]), (Decimal(10), Decimal(5)))


def test_every_band_and_buyer_type_is_reported_even_when_empty() -> None:
    report = payment_time(table(order("a", paid=timedelta(minutes=3))), CUTOFF)
    rows = report.segments.to_pylist()
    assert [(r["dimension"], r["segment"]) for r in rows] == [
        ("all", "all"),
        ("buyer_type", "new"),
        ("buyer_type", "returning"),
        ("amount_band", "<100"),
        ("amount_band", "100–300"),
        ("amount_band", "300–1000"),
        ("amount_band", "≥1000"),
        ("payment_method", "alipay"),
        ("platform", "taobao"),
    ]
    empty = report.segment("amount_band", "≥1000")
    assert empty is not None
    assert (empty["n_orders"], empty["sufficient"]) == (0, False)
    assert math.isnan(empty["payment_rate"]) and math.isnan(empty["payers_p90_s"])


def test_an_empty_orders_table_gives_empty_segments_and_the_default_delay() -> None:
    report = payment_time(table(), CUTOFF)
    assert report.segment("all", "all")["n_orders"] == 0
    assert report.curves.num_rows == 0
    assert report.reminder_delay("buyer_type", "new").source == "default"
    assert report.reminder_delay().delay == timedelta(hours=2)


def test_missing_payment_methods_form_an_unknown_segment() -> None:
    report = payment_time(table(order("a", method=None), order("b")), CUTOFF)
    assert report.segment("payment_method", "unknown")["n_orders"] == 1


def test_mature_payment_rate_counts_only_orders_past_the_deadline() -> None:
    settings = PaymentTimeSettings(payment_deadline=timedelta(days=3))
    report = payment_time(
        table(
            order("old-paid", paid=timedelta(minutes=5)),
            order("old-closed", closed=timedelta(days=3)),
            order("young-open", created=timedelta(days=9)),
        ),
        CUTOFF,
        settings,
    )
    store = report.segment("all", "all")
    assert store["payment_rate"] == pytest.approx(1 / 3)
    assert (store["n_mature"], store["mature_payment_rate"]) == (2, 0.5)


def test_without_a_deadline_the_mature_rate_is_unknown() -> None:
    report = payment_time(table(order("a")), CUTOFF)
    assert math.isnan(report.segment("all", "all")["mature_payment_rate"])


def test_too_few_payers_fall_back_to_the_store_then_to_two_hours() -> None:
    store_payers = [order(f"p{i}", paid=timedelta(minutes=10), method="card") for i in range(30)]
    report = payment_time(table(*store_payers, order("w", paid=timedelta(hours=5))), CUTOFF)
    assert report.segment("payment_method", "alipay")["sufficient"] is False
    fallback = report.reminder_delay("payment_method", "alipay")
    assert fallback.source == "store"
    assert report.reminder_delay("payment_method", "card").source == "segment"
    assert report.reminder_delay("payment_method", "never-seen").source == "store"
    thin = payment_time(table(*store_payers[:5]), CUTOFF)
    assert thin.reminder_delay("payment_method", "card").delay == timedelta(hours=2)


def test_a_segments_row_and_curve_are_read_once_and_handed_out_unchanged() -> None:
    payers = [order(f"p{i}", paid=timedelta(minutes=i + 1)) for i in range(40)]
    report = payment_time(table(*payers, order("open", created=timedelta(days=9))), CUTOFF)
    row = report.segment("all", "all")
    row["sufficient"] = "changed by a caller"
    assert report.segment("all", "all")["sufficient"] is True
    picked = report.curves.filter(
        pc.and_(
            pc.equal(report.curves["dimension"], "all"),
            pc.equal(report.curves["segment"], "all"),
        )
    )
    times, survival = report.curve("all", "all")
    assert times == picked["time_s"].to_pylist()
    assert 60.0 in times and 2400.0 in times
    assert survival == picked["survival"].to_pylist()
    assert report.curve("all", "all") is report.curve("all", "all")
    assert report.curve("payment_method", "never-seen") == ([], [])


def test_naive_times_and_missing_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        payment_time(table(order("a")), datetime(2024, 3, 10))
    with pytest.raises(ValueError, match="lacks the column"):
        payment_time(table(order("a")).drop_columns("platform"), CUTOFF)
    naive = table(order("a")).cast(SCHEMA.set(3, pa.field("created_at", pa.timestamp("us"))))
    with pytest.raises(ValueError, match="time-zone aware"):
        payment_time(naive, CUTOFF)


def test_a_cutoff_in_another_time_zone_is_the_same_instant() -> None:
    shanghai = CUTOFF.astimezone(timezone(timedelta(hours=8)))
    orders = table(order("a", created=timedelta(days=9)))
    assert by_id(payment_time(orders, shanghai)) == by_id(payment_time(orders, CUTOFF))


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (0, "0 s", "0秒"),
        (42.4, "42 s", "42秒"),
        (59.6, "1 min", "1分钟"),
        (12 * 60 + 29, "12 min", "12分钟"),
        (2 * 3600 + 5 * 60, "2 h 05 min", "2小时05分"),
        (3 * 3600, "3 h", "3小时"),
        (23 * 3600 + 59 * 60 + 50, "1 d", "1天"),
        (3 * 86400 + 4 * 3600 + 10, "3 d 4 h", "3天4小时"),
    ],
)
def test_durations_read_the_way_people_say_them(seconds: float, en: str, zh: str) -> None:
    assert format_duration(seconds, "en") == en
    assert format_duration(seconds, "zh") == zh


def test_a_duration_that_is_not_a_finite_time_cannot_be_formatted() -> None:
    with pytest.raises(ValueError):
        format_duration(math.inf)
    with pytest.raises(ValueError):
        format_duration(-1)


def test_the_p90_sentence_reads_in_english_and_chinese() -> None:
    seconds = 2 * 3600 + 5 * 60
    assert payers_sentence(seconds, "en") == "90% of paying buyers pay within 2 h 05 min"
    assert payers_sentence(seconds, "zh") == "90%的付款买家在下单后 2小时05分 内付款"
    assert payers_sentence(math.inf, "en") == "No buyer has paid yet"
    assert payers_sentence(math.nan, "zh") == "该细分暂无订单"
    assert payers_sentence(60, "zh", payers=3, enough=30).endswith("（仅 3 位付款买家，样本不足）")


def synthetic_orders(n: int, rng: np.random.Generator) -> tuple[pa.Table, np.ndarray]:
    """Most payers pay within minutes, some over hours, a few over days; 30% never pay and
    are closed by the platform after 72 h. Returns the orders and the payers' delays."""
    delays = payer_delays(n, rng)
    pays = rng.random(n) < 0.7
    created = CUTOFF - timedelta(days=30) + rng.uniform(0, 30 * 86400, n) * timedelta(seconds=1)
    customers = rng.integers(0, n // 2, n)
    amounts = np.round(rng.lognormal(np.log(150), 1.0, n), 2)
    methods = rng.choice(["alipay", "wechat", "card"], n, p=[0.6, 0.3, 0.1])
    close = timedelta(hours=72)
    rows = [
        order(
            str(i),
            created=created[i] - T0,
            paid=timedelta(seconds=float(delays[i])) if pays[i] else None,
            closed=close if not pays[i] and created[i] + close <= CUTOFF else None,
            customer=f"c{customers[i]}",
            amount=f"{amounts[i]:.2f}",
            method=str(methods[i]),
        )
        for i in range(n)
    ]
    return table(*rows), delays


def payer_delays(n: int, rng: np.random.Generator) -> np.ndarray:
    kind = rng.choice(3, n, p=[0.75, 0.2, 0.05])
    minutes = rng.exponential(5 * 60, n)
    hours = rng.lognormal(np.log(3 * 3600), 0.8, n)
    days = rng.uniform(86400, 2.5 * 86400, n)
    return np.round(np.choose(kind, [minutes, np.minimum(hours, 2.5 * 86400), days]))


def test_on_realistic_orders_the_payers_p90_lands_where_the_generator_puts_it() -> None:
    rng = np.random.default_rng(2024)
    orders, _ = synthetic_orders(8_000, rng)
    truth = float(np.quantile(payer_delays(2_000_000, np.random.default_rng(1)), 0.9))
    settings = PaymentTimeSettings(payment_deadline=timedelta(hours=72))
    store = payment_time(orders, CUTOFF, settings).segment("all", "all")
    assert store["payers_p90_lower_s"] <= truth <= store["payers_p90_upper_s"]
    assert store["payers_p90_s"] == pytest.approx(truth, rel=0.08)
    assert store["mature_payment_rate"] == pytest.approx(0.7, abs=0.02)
    assert store["p90_s"] == math.inf  # 30% never pay: the unconditional P90 is never reached
    assert store["sufficient"] is True
    assert store["sentence_en"].startswith("90% of paying buyers pay within ")


def test_a_payment_at_the_very_instant_of_the_next_order_does_not_make_a_returning_buyer() -> None:
    report = payment_time(
        table(
            order("first", customer="c", paid=timedelta(hours=1)),
            order("same-instant", customer="c", created=timedelta(hours=1)),
        ),
        CUTOFF,
    )
    assert by_id(report)["same-instant"]["buyer_type"] == "new"


def test_every_output_column_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "payment-time.md").read_text(encoding="utf-8")
    report = payment_time(table(order("a")), CUTOFF)
    for name in report.segments.column_names + report.curves.column_names:
        assert f"`{name}`" in docs, name


def test_hundreds_of_band_edges_still_give_each_amount_its_own_band() -> None:
    edges = tuple(Decimal(edge) for edge in range(1, 301))
    amounts = pa.array([Decimal("0.50"), Decimal("150.00"), Decimal("300.00"), None])
    labels = amount_bands(amounts, edges).to_pylist()
    assert labels == ["<1", "150–151", "≥300", "unknown"]


def bank_slip_store() -> pa.Table:
    """One payment method whose payers mostly pay within the hour, some after about 20 h and
    some days after the 24 h deadline (bank slips clear late); 40 never pay, and the data
    gives no close time for them (the close is inferred at the deadline)."""
    rows = [
        *(
            order(f"quick{i}", paid=timedelta(minutes=10 + i % 30), method="slip")
            for i in range(40)
        ),
        *(order(f"day{i}", paid=timedelta(hours=19 + i % 3), method="slip") for i in range(8)),
        *(order(f"late{i}", paid=timedelta(days=2 + i % 4), method="slip") for i in range(12)),
    ]
    never = [
        {
            **order(f"never{i}", status="closed", method="slip"),
            "closed_at": T0 + timedelta(hours=24),
        }
        for i in range(40)
    ]
    inferred = pa.array([False] * len(rows) + [True] * len(never))
    return table(*rows, *never).append_column("close_inferred", inferred)


def test_payments_after_the_deadline_keep_the_payers_quantiles_right_and_are_counted() -> None:
    """Issue 10, point 5: closed orders without a close time were censored at the deadline,
    so after it only the late payers were at risk and one method's payers' median moved from
    about 0.4 h to days, silently."""
    settings = PaymentTimeSettings(payment_deadline=timedelta(hours=24))
    slip = payment_time(bank_slip_store(), CUTOFF, settings).segment("payment_method", "slip")
    assert slip is not None
    payers = sorted(
        [10 + i % 30 for i in range(40)] + [60 * (19 + i % 3) for i in range(8)]
        + [1440 * (2 + i % 4) for i in range(12)]
    )  # fmt: skip

    # the payers' own quantiles (an exact tie at 50% or 90% may land on the next payer)
    def between(value: float, share: float) -> bool:
        low, high = (
            60 * np.quantile(payers, q, method="inverted_cdf") for q in (share, share + 0.02)
        )
        return bool(low <= value <= high)

    assert between(slip["payers_p50_s"], 0.5) and slip["payers_p50_s"] < 3600
    assert between(slip["payers_p90_s"], 0.9)
    assert (slip["n_paid_after_deadline"], slip["longest_payment_s"]) == (12, 5 * 86400.0)


def test_an_inferred_close_is_not_a_time_to_censor_at() -> None:
    settings = PaymentTimeSettings(payment_deadline=timedelta(hours=24))
    report = payment_time(bank_slip_store(), CUTOFF, settings)
    assert by_id(report)["never0"]["duration_s"] == timedelta(days=10).total_seconds()
    known = table(order("a", closed=timedelta(hours=3)))
    assert by_id(payment_time(known, CUTOFF, settings))["a"]["duration_s"] == 3 * 3600.0


def test_payers_quantiles_p95_and_p99_are_reported() -> None:
    rows = [order(f"p{i}", paid=timedelta(minutes=i + 1)) for i in range(100)]
    store = payment_time(table(*rows), CUTOFF).segment("all", "all")
    assert store is not None
    assert (store["payers_p95_s"], store["payers_p99_s"]) == (95 * 60.0, 99 * 60.0)


def test_without_the_per_order_table_the_segments_and_curves_are_the_same() -> None:
    """Planning asks for the segments and curves only (``per_order=False``): the same
    figures, and an empty per-order table of the same shape (no copy of every order)."""
    orders = table(
        order("a", paid=timedelta(minutes=3), customer="x"),
        order("b", created=timedelta(days=1), paid=timedelta(hours=5), customer="x"),
        order("c", created=timedelta(days=2), closed=timedelta(hours=72), method=None),
        order("d", created=timedelta(days=3), status="paid"),  # paid time unknown
        order("e", created=timedelta(days=20), paid=timedelta(minutes=1)),  # after the cutoff
    )
    settings = PaymentTimeSettings(payment_deadline=timedelta(hours=72), min_payers=1)
    full = payment_time(orders, CUTOFF, settings)
    light = payment_time(orders, CUTOFF, settings, per_order=False)
    assert _same(light.segments, full.segments) and _same(light.curves, full.curves)
    assert light.reminder_delay() == full.reminder_delay()
    assert (light.excluded_after_cutoff, light.excluded_paid_time_unknown) == (1, 1)
    assert full.orders.num_rows == 3 and light.orders.num_rows == 0
    assert light.orders.schema == full.orders.schema


def _same(left: pa.Table, right: pa.Table) -> bool:
    """Equal tables, NaN equal to NaN (``Table.equals`` says NaN differs from itself)."""

    def plain(value: object) -> object:
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    rows = [[{k: plain(v) for k, v in row.items()} for row in t.to_pylist()] for t in (left, right)]
    return left.schema == right.schema and rows[0] == rows[1]
