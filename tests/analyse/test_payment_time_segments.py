"""Every D6 segment's curve, computed from one grouped pass, against a curve fitted on that
segment's own orders and against lifelines (PRODUCT D6, issue 3)."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from test_payment_time import CUTOFF, order, table

from winback.analyse.payment_time import PaymentTimeReport, PaymentTimeSettings, payment_time
from winback.analyse.survival import kaplan_meier, susceptible_curve

TOLERANCE = 1e-9
HOURS = st.integers(0, 6).map(lambda h: timedelta(hours=h))


@st.composite
def orders(draw: st.DrawFn) -> dict[str, object]:
    """An order with coarse times (so that times tie), maybe paid, closed or still open,
    sometimes placed after the cut-off or paid without a payment time."""
    created = timedelta(days=draw(st.integers(0, 11)), hours=draw(st.integers(0, 2)))
    outcome = draw(st.sampled_from(["paid", "closed", "open", "paid_time_unknown"]))
    return order(
        f"o{draw(st.integers(0, 10**9))}",
        created=created,
        paid=draw(HOURS) if outcome == "paid" else None,
        closed=draw(HOURS) if outcome == "closed" else None,
        status="shipped" if outcome == "paid_time_unknown" else None,
        customer=draw(st.sampled_from([None, "c1", "c2", "c3"])),
        amount=draw(st.sampled_from([None, "20.00", "100.00", "299.99", "1000.00"])),
        method=draw(st.sampled_from([None, "alipay", "card"])),
        platform=draw(st.sampled_from(["taobao", "jd"])),
    )


def segment_masks(report: PaymentTimeReport) -> dict[tuple[str, str], np.ndarray]:
    frame = report.orders
    masks = {("all", "all"): np.ones(frame.num_rows, dtype=bool)}
    for dimension in ("buyer_type", "amount_band", "payment_method", "platform"):
        values = pc.fill_null(frame[dimension], "unknown").to_numpy(zero_copy_only=False)
        for segment in report.segments.filter(pc.equal(report.segments["dimension"], dimension))[
            "segment"
        ].to_pylist():
            masks[(dimension, segment)] = values == segment
    return masks


def curve_rows(report: PaymentTimeReport, dimension: str, segment: str) -> pa.Table:
    curves = report.curves
    keep = pc.and_(pc.equal(curves["dimension"], dimension), pc.equal(curves["segment"], segment))
    return curves.filter(keep)


@settings(max_examples=60, deadline=None)
@given(st.lists(orders(), max_size=40), st.booleans())
def test_every_segment_equals_a_curve_fitted_on_its_own_orders_and_lifelines(
    drawn: list[dict[str, object]], never_pay: bool
) -> None:
    chosen = PaymentTimeSettings(
        payment_deadline=timedelta(days=3),
        closed_orders="never_pay" if never_pay else "censor_at_close",
    )
    report = payment_time(table(*drawn), CUTOFF, chosen)
    durations = report.orders["duration_s"].to_numpy()
    paid = report.orders["paid"].to_numpy(zero_copy_only=False)
    mature = report.orders["mature"].to_numpy(zero_copy_only=False)
    for (dimension, segment), mask in segment_masks(report).items():
        row = report.segment(dimension, segment)
        assert row is not None
        own = kaplan_meier(durations[mask], paid[mask])
        steps = curve_rows(report, dimension, segment)
        np.testing.assert_array_equal(steps["time_s"].to_numpy(), own.timeline)
        for name in ("at_risk", "events", "censored", "survival", "lower", "upper"):
            np.testing.assert_allclose(
                steps[name].to_numpy(), getattr(own, name), rtol=0, atol=TOLERANCE, err_msg=name
            )
        payers = susceptible_curve(own)
        np.testing.assert_allclose(
            steps["payers_paid_share"].to_numpy(), 1 - payers.survival, rtol=0, atol=TOLERANCE
        )
        assert row["n_orders"] == int(mask.sum())
        assert row["n_paid"] == int(paid[mask].sum())
        assert row["n_mature"] == int(mature[mask].sum())
        for name, q in (("p50", 0.5), ("p90", 0.9)):
            for prefix, curve in (("", own), ("payers_", payers)):
                expected = curve.quantile(q)
                got = (row[f"{prefix}{name}_s"], row[f"{prefix}{name}_lower_s"],
                       row[f"{prefix}{name}_upper_s"])  # fmt: skip
                want = (expected.time, expected.lower, expected.upper)
                assert all(
                    a == b or (math.isnan(a) and math.isnan(b))
                    for a, b in zip(got, want, strict=True)
                )
        if mask.any():
            fitter = KaplanMeierFitter().fit(durations[mask], paid[mask])
            np.testing.assert_allclose(
                steps["survival"].to_numpy(),
                fitter.survival_function_.iloc[:, 0].to_numpy(),
                rtol=0,
                atol=TOLERANCE,
            )
            assert row["p50_s"] == fitter.median_survival_time_


@settings(max_examples=60, deadline=None)
@given(st.lists(orders(), max_size=40))
def test_a_buyer_is_returning_exactly_when_an_earlier_order_of_theirs_was_paid_before(
    drawn: list[dict[str, object]],
) -> None:
    report = payment_time(table(*drawn), CUTOFF)
    placed = [o for o in drawn if o["created_at"] <= CUTOFF]  # type: ignore[operator]
    paid_at = {
        o["order_id"]: o["paid_at"] for o in placed if o["paid_at"] and o["paid_at"] <= CUTOFF
    }
    expected = []
    for o in placed:
        if o["status"] == "shipped":
            continue
        earlier = [
            max(paid_at[p["order_id"]], p["created_at"])
            for p in placed
            if p["customer_key"] is not None
            and p["customer_key"] == o["customer_key"]
            and p["order_id"] in paid_at
        ]
        expected.append((o["order_id"], any(t < o["created_at"] for t in earlier)))
    got = zip(
        report.orders["order_id"].to_pylist(), report.orders["returning"].to_pylist(), strict=True
    )
    assert list(got) == expected


def test_the_analysed_orders_keep_the_input_order_and_columns() -> None:
    drawn = [
        order("late", created=timedelta(days=30)),
        order("b", paid=timedelta(minutes=5), customer="c"),
        order("unknown", status="settled"),
        order("a", created=timedelta(hours=1), customer="c"),
    ]
    report = payment_time(table(*drawn), CUTOFF)
    assert report.orders["order_id"].to_pylist() == ["b", "a"]
    assert report.orders.column_names[-6:] == [
        "duration_s", "paid", "returning", "mature", "buyer_type", "amount_band",
    ]  # fmt: skip
    assert report.orders["buyer_type"].type == pa.string()
    assert report.orders["buyer_type"].to_pylist() == ["new", "returning"]
    assert (report.excluded_after_cutoff, report.excluded_paid_time_unknown) == (1, 1)
