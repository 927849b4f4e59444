"""Cancelled-order saves (PRODUCT R4, A4; docs/offers.md): the reason form's answer, the
offer and coupon it earns, the coupons' list and export, and the labelled reasons.

A buyer opens the signed link of a ``cancel_save`` message (purpose ``reason_form``, about
``<store id>:<playbook>:<order id>``), picks a reason and may write why; :func:`answer`
consumes the link (single use), routes the reason to an offer
(:func:`winback.decide.offers.choose_offer`, within the budgets and limits the store's
earlier answers used up), issues a coupon when the offer is one, and stores the answer: a
labelled loss reason for D3 and a line of the offers' ledger. An agent's answer (heard on
the platform's chat) goes through :func:`answer` too, without a link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from winback.act.coupons import new_code
from winback.act.links import LinkClaims, LinkError
from winback.act.voice import StoreVoice, store_voice
from winback.app import App
from winback.decide.offers import (
    Offer,
    OfferKind,
    OfferLedger,
    SaveReason,
    choose_offer,
    day_start,
)
from winback.errors import WinbackError
from winback.playbook_settings import CancelSaveSettings
from winback.privacy import mask_text
from winback.services.stores import find_store, store_settings
from winback.store import coupons as coupon_store
from winback.store import links, repo
from winback.store.types import Coupon, SaveResponse, StoreInfo

__all__ = [
    "LOSS_REASONS",
    "NOTE_LIMIT",
    "SaveAnswer",
    "answer",
    "answer_link",
    "coupons_of",
    "form_subject",
    "labelled_reasons",
    "read_subject",
]

NOTE_LIMIT: Final = 500
ZERO: Final = Decimal(0)
LOSS_REASONS: Final = {
    SaveReason.CHANGED_MIND: "changed_mind",
    SaveReason.SHIPPING_COST: "extra_costs",
    SaveReason.SLOW_DELIVERY: "slow_delivery",
    SaveReason.RETURNS_POLICY: "return_policy",
    SaveReason.PAYMENT: "payment_method",
    SaveReason.FORCED_ACCOUNT: "forced_registration",
    SaveReason.FOUND_CHEAPER: "found_cheaper",
    SaveReason.OTHER: "unknown",
}
"""A save reason as D3's loss reason (:class:`winback.analyse.reasons.LossReason` codes)."""


def form_subject(store_id: int, playbook: str, order_id: str) -> str:
    """What a reason-form link is about: ids only, never a contact."""
    return f"{store_id}:{playbook}:{order_id}"


def read_subject(subject: str) -> tuple[int, str, str]:
    """(store id, playbook, order id) of a reason-form link's subject."""
    store, _, rest = subject.partition(":")
    playbook, _, order_id = rest.partition(":")
    if not store.isdigit() or not playbook or not order_id:
        raise LinkError()
    return int(store), playbook, order_id


@dataclass(frozen=True, slots=True)
class SaveAnswer:
    """What an answer got: the offer (``first`` False: the link was used before, nothing
    changed), the coupon issued, the store's language and currency for the page."""

    first: bool
    offer: Offer | None
    coupon: Coupon | None
    language: str
    currency: str
    shop: str
    voice: StoreVoice | None = None
    zone: str = "UTC"

    def money(self, amount: Decimal) -> str:
        """``amount`` in the order's currency, as the store's messages write it."""
        if self.voice is None:
            return f"{amount:f} {self.currency}"
        return self.voice.money(amount, self.currency)

    def local(self, moment: datetime) -> str:
        """``moment`` in the store's time zone, to the minute."""
        return moment.astimezone(ZoneInfo(self.zone)).strftime("%Y-%m-%d %H:%M")

    def to_dict(self) -> dict[str, Any]:
        offer = self.offer
        return {
            "first": self.first,
            "offer": None if offer is None else str(offer.kind),
            "reason": None if offer is None else str(offer.reason),
            "cost": None if offer is None else f"{offer.cost:f}",
            "reorder_by": None
            if offer is None or offer.reorder_by is None
            else offer.reorder_by.isoformat(),
            "refused": [] if offer is None else [[str(r.offer), r.why] for r in offer.refused],
            "coupon": None if self.coupon is None else self.coupon.code,
        }


def _store_by_id(app: App, store_id: int) -> StoreInfo:
    with app.engine.connect() as conn:
        for info in repo.list_stores(conn):
            if info.id == store_id:
                return find_store(app, info.name)
    raise LinkError()


def answer_link(app: App, claims: LinkClaims, reason: SaveReason, note: str | None) -> SaveAnswer:
    """The reason form's answer for a verified link: the link is consumed in the answer's
    transaction (a second answer changes nothing and says so; an answer that fails leaves
    the link unused)."""
    store_id, playbook, order_id = read_subject(claims.subject)
    info = _store_by_id(app, store_id)
    return answer(
        app, info.name, order_id, reason, note, playbook=playbook, source="form", link=claims
    )


def answer(
    app: App,
    store: str | None,
    order_id: str,
    reason: SaveReason,
    note: str | None,
    *,
    playbook: str,
    source: str = "agent",
    link: LinkClaims | None = None,
) -> SaveAnswer:
    """Record why ``order_id`` was cancelled and make the offer it routes to (a coupon is
    issued when the offer is one). ``source``: ``form`` (the buyer, through ``link``, which
    is used up here) or ``agent``."""
    info = find_store(app, store)
    settings = store_settings(app, info)
    book = settings.playbooks.get(playbook)
    if not isinstance(book, CancelSaveSettings):
        raise WinbackError(f"{playbook!r} is not a cancel_save playbook of store {info.name!r}")
    now = app.clock.now()
    zone = ZoneInfo(info.timezone)
    text = mask_text(" ".join(note.split()))[:NOTE_LIMIT] if note and note.strip() else None
    voice = store_voice(
        settings,
        name=info.name,
        platform=info.platform,
        currency=info.currency,
        timezone=info.timezone,
    )
    language = settings.store.language
    with app.engine.begin() as conn:
        if link is not None and not links.consume(
            conn, link.token_id, now, expires_at=link.expires_at
        ):
            return SaveAnswer(False, None, None, language, info.currency, info.name, voice)
        order = coupon_store.order_facts(conn, info.id, order_id)
        if order is None:
            raise WinbackError(f"no order {order_id!r} in store {info.name!r}")
        spent = coupon_store.ledger(
            conn,
            info.id,
            since=day_start(now, zone),
            now=now,
            customer_key=order.customer_key,
        )
        offer = choose_offer(
            reason,
            order.amount,
            book.offers,
            OfferLedger(spent.since, spent.in_all, spent.buyer_offers),
            now=now,
            zone=zone,
        )
        issued = None
        if offer.kind is OfferKind.COUPON and offer.coupon is not None:
            terms = offer.coupon
            issued = _issue(
                conn,
                info.id,
                Coupon(
                    code=new_code(),
                    customer_key=order.customer_key,
                    order_id=order_id,
                    playbook=playbook,
                    reason=str(reason),
                    percent=terms.percent,
                    value=terms.value,
                    min_spend=terms.min_spend,
                    currency=order.currency,
                    cost=offer.cost,
                    issued_at=now,
                    expires_at=now + terms.valid_for,
                ),
            )
        coupon_store.record_response(
            conn,
            info.id,
            SaveResponse(
                order_id=order_id,
                customer_key=order.customer_key,
                playbook=playbook,
                source=source,
                reason=str(reason),
                note=text,
                offer=str(offer.kind),
                offer_cost=offer.cost,
                coupon_code=issued.code if issued else None,
                answered_at=now,
            ),
        )
    return SaveAnswer(
        True,
        offer,
        issued,
        language,
        order.currency,
        info.name,
        voice,
        info.timezone,
    )


def _issue(conn: Any, store_id: int, coupon: Coupon, attempts: int = 5) -> Coupon:
    """Store ``coupon``; a code the store already has (one chance in 2^49) gets a new one."""
    for _ in range(attempts):
        if coupon_store.coupon(conn, store_id, coupon.code) is None:
            return coupon_store.issue(conn, store_id, coupon)
        coupon = Coupon(**{**_fields(coupon), "code": new_code()})
    raise WinbackError("could not find an unused coupon code")


def _fields(coupon: Coupon) -> dict[str, Any]:
    return {name: getattr(coupon, name) for name in coupon.__slots__}


@dataclass(frozen=True, slots=True)
class CouponList:
    """The store's coupons as of ``now``."""

    store: str
    now: datetime
    coupons: Sequence[Coupon]

    def counts(self) -> dict[str, int]:
        found = {"issued": 0, "redeemed": 0, "expired": 0}
        for item in self.coupons:
            found[item.state(self.now)] += 1
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "now": self.now.isoformat(),
            "counts": self.counts(),
            "coupons": [
                {
                    "code": c.code,
                    "state": c.state(self.now),
                    "playbook": c.playbook,
                    "reason": c.reason,
                    "order_id": c.order_id,
                    "percent": c.percent,
                    "value": f"{c.value:f}",
                    "min_spend": f"{c.min_spend:f}",
                    "currency": c.currency,
                    "cost": f"{c.cost:f}",
                    "issued_at": c.issued_at.isoformat(),
                    "expires_at": c.expires_at.isoformat(),
                    "redeemed_order_id": c.redeemed_order_id,
                    "redeemed_at": c.redeemed_at.isoformat() if c.redeemed_at else None,
                    "redeemed_cost": None if c.redeemed_cost is None else f"{c.redeemed_cost:f}",
                }
                for c in self.coupons
            ],
        }


def coupons_of(app: App, store: str | None = None) -> CouponList:
    """The store's save coupons, their states as of the app's clock."""
    info = find_store(app, store)
    with app.engine.connect() as conn:
        found = coupon_store.list_coupons(conn, info.id)
    return CouponList(info.name, app.clock.now(), found)


def responses_of(app: App, info: StoreInfo) -> list[SaveResponse]:
    """The store's save answers, oldest first."""
    with app.engine.connect() as conn:
        return coupon_store.list_responses(conn, info.id)


def labelled_reasons(app: App, store_id: int) -> list[tuple[str, str]]:
    """(note, D3 loss reason) of every save answer with words and a reason other than
    "other": labelled data for the store's own classifier, as agents' refusals are."""
    with app.engine.connect() as conn:
        found = coupon_store.list_responses(conn, store_id)
    return [
        (item.note, LOSS_REASONS[SaveReason(item.reason)])
        for item in found
        if item.note and item.reason != SaveReason.OTHER
    ]


def save_report(
    app: App,
    info: StoreInfo,
    playbooks: Mapping[str, timedelta],
    orders: Any,
    actions: Any,
) -> list[dict[str, Any]]:
    """Per ``cancel_save`` playbook (name → its ``back_within``): its incremental recovery
    against the holdout (a save converts when the buyer pays a new order within
    ``back_within`` of the cancellation), the
    reasons given, the offers made, the coupons and what the offers cost (a redeemed coupon:
    the discount it gave; other offers: their recorded cost), netted against the
    incremental amount (docs/offers.md)."""
    import pyarrow.compute as pc

    from winback.measure.experiments import holdout_lift
    from winback.measure.saves import save_outcomes

    now = app.clock.now()
    with app.engine.connect() as conn:
        answers = coupon_store.list_responses(conn, info.id, playbooks=list(playbooks))
        issued = coupon_store.list_coupons(conn, info.id)
    rows = []
    for name, window in sorted(playbooks.items()):
        mine = actions.filter(pc.equal(actions["playbook"], name))
        ids = {o for row in mine["order_ids"].to_pylist() for o in row or ()}
        outcomes = save_outcomes(orders, ids, window)
        lift = holdout_lift(mine, outcomes, window, now=now).to_pylist()
        said = [a for a in answers if a.playbook == name]
        coupons = [c for c in issued if c.playbook == name]
        redeemed = [c for c in coupons if c.state(now) == "redeemed"]
        coupon_cost = sum((c.redeemed_cost or ZERO for c in redeemed), ZERO)
        other_cost = sum((a.offer_cost for a in said if a.offer != OfferKind.COUPON), ZERO)
        cost = coupon_cost + other_cost
        row = lift[0] if lift else {}
        incremental = row.get("incremental_amount")
        net = None if incremental is None else Decimal(incremental) - cost
        rows.append(
            {
                "playbook": name,
                "treated_orders": row.get("treated_orders", 0),
                "held_out_orders": row.get("held_out_orders", 0),
                "treated_rate": row.get("treated_rate"),
                "held_out_rate": row.get("held_out_rate"),
                "lift": row.get("lift"),
                "lift_lower": row.get("lift_lower"),
                "lift_upper": row.get("lift_upper"),
                "incremental_amount": None if incremental is None else f"{incremental:f}",
                "answers": len(said),
                "reasons": _count(a.reason for a in said),
                "offers": _count(a.offer for a in said),
                "coupons_issued": len(coupons),
                "coupons_redeemed": len(redeemed),
                "coupons_expired": sum(1 for c in coupons if c.state(now) == "expired"),
                "coupon_cost": f"{coupon_cost:f}",
                "offer_cost": f"{cost:f}",
                "net_incremental_amount": None if net is None else f"{net:f}",
                "roi": None if net is None or cost == 0 else float(net / cost),
            }
        )
    return rows


def _count(values: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return dict(sorted(found.items()))
