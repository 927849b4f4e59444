"""Save offers: the reason routes to an offer within budgets, the per-buyer limit and the
order's expected margin; the settings refuse what makes no sense, saying why."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from winback.decide.offers import (
    COSTLY,
    OfferKind,
    OfferLedger,
    SaveReason,
    choose_offer,
    day_start,
    latest_reorder,
    offer_cost,
)
from winback.playbook_settings.cancel_save import CancelSaveSettings
from winback.playbook_settings.offers import OfferSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def offers(**given: Any) -> OfferSettings:
    base: dict[str, Any] = {"coupon": {"value": "10", "percent": True, "min_spend": "100"}}
    return OfferSettings.model_validate(base | given)


def choose(
    reason: SaveReason,
    amount: str = "200",
    settings: OfferSettings | None = None,
    ledger: OfferLedger | None = None,
) -> Any:
    return choose_offer(
        reason,
        Decimal(amount),
        settings or offers(),
        ledger or OfferLedger(),
        now=NOW,
        zone=SHANGHAI,
    )


@pytest.mark.parametrize(
    ("reason", "offer"),
    [
        (SaveReason.CHANGED_MIND, OfferKind.PRODUCT_INFO),
        (SaveReason.SHIPPING_COST, OfferKind.FREE_SHIPPING),
        (SaveReason.SLOW_DELIVERY, OfferKind.PRIORITY_SHIPPING),
        (SaveReason.RETURNS_POLICY, OfferKind.POLICY_EXPLAINED),
        (SaveReason.PAYMENT, OfferKind.OTHER_PAYMENT),
        (SaveReason.FORCED_ACCOUNT, OfferKind.GUEST_CHECKOUT),
        (SaveReason.FOUND_CHEAPER, OfferKind.LET_GO),
        (SaveReason.OTHER, OfferKind.THANK_YOU),
    ],
)
def test_each_reason_routes_to_the_seeds_offer_by_default(
    reason: SaveReason, offer: OfferKind
) -> None:
    assert choose(reason).kind is offer


def test_a_store_routes_changed_minds_to_a_coupon_and_the_coupon_costs_its_share() -> None:
    made = choose(SaveReason.CHANGED_MIND, "250", offers(routes={"changed_mind": ["coupon"]}))
    assert made.kind is OfferKind.COUPON
    assert made.cost == Decimal("25.00")
    assert made.coupon is not None and made.coupon.min_spend == Decimal(100)


def test_an_offer_costing_more_than_the_expected_margin_is_not_made() -> None:
    # 30% of 20 is 6; free shipping costs 10
    made = choose(SaveReason.SHIPPING_COST, "20")
    assert made.kind is OfferKind.THANK_YOU
    assert [(r.offer, r.why) for r in made.refused] == [(OfferKind.FREE_SHIPPING, "margin")]
    assert choose(SaveReason.SHIPPING_COST, "34").kind is OfferKind.FREE_SHIPPING


def test_one_costly_offer_per_buyer_per_ninety_days() -> None:
    recent = OfferLedger(buyer_offers=(NOW - timedelta(days=89),))
    old = OfferLedger(buyer_offers=(NOW - timedelta(days=91),))
    assert choose(SaveReason.SHIPPING_COST, ledger=recent).refused[0].why == "per_buyer"
    assert choose(SaveReason.SHIPPING_COST, ledger=old).kind is OfferKind.FREE_SHIPPING
    # free offers are not limited
    assert choose(SaveReason.PAYMENT, ledger=recent).kind is OfferKind.OTHER_PAYMENT


def test_the_daily_and_campaign_budgets_stop_costly_offers() -> None:
    book = offers(daily_budget="100", campaign_budget="1000")
    fits = choose(SaveReason.SHIPPING_COST, settings=book, ledger=OfferLedger(today=Decimal(90)))
    assert fits.kind is OfferKind.FREE_SHIPPING
    day = choose(SaveReason.SHIPPING_COST, settings=book, ledger=OfferLedger(today=Decimal(91)))
    assert day.refused[0].why == "daily_budget"
    spent = OfferLedger(today=Decimal(0), in_all=Decimal(995))
    assert choose(SaveReason.SHIPPING_COST, settings=book, ledger=spent).refused[0].why == (
        "campaign_budget"
    )


def test_the_next_route_is_tried_when_the_first_is_refused() -> None:
    book = offers(routes={"found_cheaper": ["price_match", "coupon", "let_go"]})
    # a price match costs up to 20 > 30% of 50; the 10% coupon (5) fits
    made = choose(SaveReason.FOUND_CHEAPER, "50", book)
    assert made.kind is OfferKind.COUPON
    assert [r.offer for r in made.refused] == [OfferKind.PRICE_MATCH]


def test_a_thank_you_comes_with_a_next_order_coupon_where_the_store_enables_it() -> None:
    assert choose(SaveReason.OTHER, settings=offers(next_order_coupon=True)).kind is (
        OfferKind.COUPON
    )
    limited = OfferLedger(buyer_offers=(NOW - timedelta(days=1),))
    made = choose(SaveReason.OTHER, settings=offers(next_order_coupon=True), ledger=limited)
    assert made.kind is OfferKind.THANK_YOU and made.refused[0].why == "per_buyer"


def test_priority_shipping_tells_the_latest_reorder_time_today_or_tomorrow() -> None:
    book = offers(priority_cutoff="16:00")
    made = choose(SaveReason.SLOW_DELIVERY, settings=book)
    assert made.reorder_by == datetime(2026, 11, 30, 16, 0, tzinfo=SHANGHAI)
    evening = NOW + timedelta(hours=7)  # 17:00 in Shanghai
    assert latest_reorder(book, evening, SHANGHAI) == datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI)


def test_the_daily_budget_day_is_the_stores_day() -> None:
    late = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 Dec in Shanghai
    assert day_start(late, SHANGHAI) == datetime(2026, 12, 1, tzinfo=SHANGHAI)


def test_settings_refuse_an_unknown_reason_or_offer_naming_the_choices() -> None:
    with pytest.raises(ValidationError, match="'bored' is not a reason"):
        offers(routes={"bored": ["coupon"]})
    with pytest.raises(ValidationError, match=r"routes.payment: 'crypto' is not an offer"):
        offers(routes={"payment": ["crypto"]})


def test_settings_refuse_a_coupon_route_without_coupon_terms() -> None:
    with pytest.raises(ValidationError, match=r"routes\.changed_mind offers a coupon but no"):
        OfferSettings.model_validate({"routes": {"changed_mind": ["coupon"]}})
    with pytest.raises(ValidationError, match="less than 100%"):
        offers(coupon={"value": "100", "percent": True})
    with pytest.raises(ValidationError, match="not floats"):
        offers(shipping_cost=9.99)


def test_a_cancel_save_playbook_needs_only_its_kind() -> None:
    book = CancelSaveSettings.model_validate({"kind": "cancel_save"})
    assert book.steps[0].templates.new == "cancel_save"
    assert book.offers.per_buyer == 1
    assert book.offers.per_buyer_window == timedelta(days=90)
    with pytest.raises(ValidationError, match=r"Extra inputs"):
        CancelSaveSettings.model_validate({"kind": "cancel_save", "budget": "1"})


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
amounts = st.decimals(min_value=0, max_value=10_000, places=2)


@given(
    reason=st.sampled_from(SaveReason),
    amount=amounts,
    today=amounts,
    in_all=amounts,
    earlier=st.lists(moments, max_size=3),
    now=moments,
    margin=st.decimals(min_value=0, max_value=1, places=2),
    cutoff=st.times(),
)
def test_an_offer_made_never_breaks_a_rule(
    reason: SaveReason,
    amount: Decimal,
    today: Decimal,
    in_all: Decimal,
    earlier: list[datetime],
    now: datetime,
    margin: Decimal,
    cutoff: time,
) -> None:
    book = offers(
        routes={r.value: ["price_match", "coupon", "free_shipping"] for r in SaveReason},
        margin_rate=margin,
        daily_budget="50",
        campaign_budget="500",
        next_order_coupon=True,
        priority_cutoff=cutoff,
    )
    ledger = OfferLedger(today, in_all, tuple(earlier))
    made = choose_offer(reason, amount, book, ledger, now=now, zone=SHANGHAI)
    assert made.cost == (offer_cost(made.kind, amount, book) if made.kind in COSTLY else 0)
    if made.kind in COSTLY and made.cost > 0:
        assert made.cost <= amount * margin
        assert today + made.cost <= 50 and in_all + made.cost <= 500
        assert not any(now - timedelta(days=90) < at <= now for at in earlier)
    else:
        assert made.kind is OfferKind.THANK_YOU or made.cost == 0


def test_the_documented_offers_example_loads_and_means_what_the_doc_says(tmp_path: Any) -> None:
    import re
    from pathlib import Path

    from winback.config import load_settings

    doc = Path(__file__).resolve().parents[2] / "docs" / "offers.md"
    (example,) = re.findall(r"```toml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    path = tmp_path / "winback.toml"
    path.write_text(example, encoding="utf-8")
    book = load_settings(path, env={}).playbooks["cancel_save"]
    assert isinstance(book, CancelSaveSettings)
    assert book.offers.routes[SaveReason.FOUND_CHEAPER] == (OfferKind.PRICE_MATCH, OfferKind.LET_GO)
    assert book.offers.routes[SaveReason.SHIPPING_COST] == (OfferKind.FREE_SHIPPING,)
    assert book.offers.coupon is not None and book.offers.coupon.percent
    assert book.offers.daily_budget == Decimal(200)
