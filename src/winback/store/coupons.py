"""Save coupons and the answers that earned them (docs/offers.md): named queries.

``coupons`` holds one row per code issued; :func:`redeem` marks the codes the store's orders
carry (an import or a webhook, through :func:`winback.store.repo.apply_records`): a code is
redeemed once, by an order placed while it was valid and whose amount before the discount
reaches its minimum spend. ``save_responses`` holds what buyers and agents said about a
cancelled order and the offer it got; :func:`ledger` sums what the offers cost (the budgets)
and when a buyer got one (the per-buyer limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Connection, and_, func, select, type_coerce, update

from winback.ingest.records import OrderRecord
from winback.store.schema import coupons, customers, orders, save_responses
from winback.store.types import Coupon, SaveResponse

__all__ = [
    "CouponUse",
    "Ledger",
    "OrderFacts",
    "coupon",
    "issue",
    "ledger",
    "list_coupons",
    "list_responses",
    "order_facts",
    "record_response",
    "redeem",
    "uses_of",
]


@dataclass(frozen=True, slots=True)
class CouponUse:
    """An order that carried a discount code: its id, when it was placed, its amount before
    the discount and the discount it got."""

    order_id: str
    code: str
    placed_at: datetime
    amount_before: Decimal
    discount: Decimal


@dataclass(frozen=True, slots=True)
class Ledger:
    """What the save offers cost since a moment and in all, and when the buyer got offers
    that cost money."""

    since: Decimal
    in_all: Decimal
    buyer_offers: tuple[datetime, ...]


def normal_code(code: str) -> str:
    """Codes compare without case or surrounding spaces (Shopify's codes are not
    case-sensitive)."""
    return code.strip().upper()


def _customer_id(conn: Connection, store_id: int, customer_key: str | None) -> int | None:
    if customer_key is None:
        return None
    found = conn.execute(
        select(customers.c.id).where(
            customers.c.store_id == store_id, customers.c.customer_key == customer_key
        )
    ).scalar()
    return None if found is None else int(found)


def issue(conn: Connection, store_id: int, coupon_: Coupon) -> Coupon:
    """Store ``coupon_`` (its code normalised); an error if the store has the code already."""
    conn.execute(
        coupons.insert().values(
            store_id=store_id,
            code=normal_code(coupon_.code),
            customer_id=_customer_id(conn, store_id, coupon_.customer_key),
            order_id=coupon_.order_id,
            playbook=coupon_.playbook,
            reason=coupon_.reason,
            percent=coupon_.percent,
            value=coupon_.value,
            min_spend=coupon_.min_spend,
            currency=coupon_.currency,
            cost=coupon_.cost,
            issued_at=coupon_.issued_at,
            expires_at=coupon_.expires_at,
        )
    )
    found = coupon(conn, store_id, coupon_.code)
    assert found is not None
    return found


def _select() -> object:
    return select(coupons, customers.c.customer_key.label("customer_key")).select_from(
        coupons.outerjoin(customers, customers.c.id == coupons.c.customer_id)
    )


def _coupon(row: object) -> Coupon:
    values = row._mapping  # type: ignore[attr-defined]
    return Coupon(
        code=values["code"],
        customer_key=values["customer_key"],
        order_id=values["order_id"],
        playbook=values["playbook"],
        reason=values["reason"],
        percent=bool(values["percent"]),
        value=values["value"],
        min_spend=values["min_spend"],
        currency=values["currency"],
        cost=values["cost"],
        issued_at=values["issued_at"],
        expires_at=values["expires_at"],
        redeemed_at=values["redeemed_at"],
        redeemed_order_id=values["redeemed_order_id"],
        redeemed_cost=values["redeemed_cost"],
    )


def coupon(conn: Connection, store_id: int, code: str) -> Coupon | None:
    """The store's coupon ``code`` (any case), if there is one."""
    query = _select().where(  # type: ignore[attr-defined]
        coupons.c.store_id == store_id, coupons.c.code == normal_code(code)
    )
    row = conn.execute(query).first()
    return None if row is None else _coupon(row)


def list_coupons(conn: Connection, store_id: int) -> list[Coupon]:
    """The store's coupons, oldest issued first."""
    query = _select().where(coupons.c.store_id == store_id)  # type: ignore[attr-defined]
    rows = conn.execute(query.order_by(coupons.c.issued_at, coupons.c.id))
    return [_coupon(row) for row in rows]


def redeem(conn: Connection, store_id: int, uses: Iterable[CouponUse]) -> int:
    """Mark the store's coupons that ``uses`` carry as redeemed: once, by an order placed
    between the coupon's issue and its expiry whose amount before the discount reaches the
    minimum spend. The number redeemed now (a replayed order redeems nothing more)."""
    done = 0
    for use in uses:
        code = normal_code(use.code)
        if not code:
            continue
        result = conn.execute(
            update(coupons)
            .where(
                coupons.c.store_id == store_id,
                coupons.c.code == code,
                coupons.c.redeemed_at.is_(None),
                coupons.c.issued_at <= use.placed_at,
                coupons.c.expires_at > use.placed_at,
                coupons.c.min_spend <= use.amount_before,
            )
            .values(
                redeemed_at=use.placed_at,
                redeemed_order_id=use.order_id,
                redeemed_cost=use.discount,
            )
        )
        done += max(int(result.rowcount), 0)
    return done


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What a save offer needs of the cancelled order."""

    order_id: str
    amount: Decimal
    currency: str
    customer_key: str | None
    status: str


def order_facts(conn: Connection, store_id: int, order_id: str) -> OrderFacts | None:
    """The amount, currency, buyer and status of the store's order ``order_id``."""
    row = conn.execute(
        select(
            orders.c.total_amount,
            orders.c.currency,
            orders.c.status,
            customers.c.customer_key,
        )
        .select_from(orders.outerjoin(customers, customers.c.id == orders.c.customer_id))
        .where(orders.c.store_id == store_id, orders.c.order_id == order_id)
    ).first()
    if row is None:
        return None
    return OrderFacts(order_id, row.total_amount, row.currency, row.customer_key, row.status)


def uses_of(records: Iterable[OrderRecord]) -> list[CouponUse]:
    """The coupon uses of imported or webhooked orders: those with a code and a payment (an
    unpaid or closed order redeems nothing), placed when they were created."""
    return [
        CouponUse(
            order_id=record.order_id,
            code=record.coupon_code,
            placed_at=record.created_at,
            amount_before=record.total_amount + record.discount,
            discount=record.discount,
        )
        for record in records
        if record.coupon_code and record.status.was_paid
    ]


def record_response(conn: Connection, store_id: int, response: SaveResponse) -> None:
    """Store what was said about a cancelled order and the offer it got."""
    conn.execute(
        save_responses.insert().values(
            store_id=store_id,
            customer_id=_customer_id(conn, store_id, response.customer_key),
            order_id=response.order_id,
            playbook=response.playbook,
            source=response.source,
            reason=response.reason,
            note=response.note,
            offer=response.offer,
            offer_cost=response.offer_cost,
            coupon_code=response.coupon_code,
            answered_at=response.answered_at,
        )
    )


def list_responses(
    conn: Connection, store_id: int, *, playbooks: Sequence[str] | None = None
) -> list[SaveResponse]:
    """The store's save answers, oldest first (of ``playbooks`` when given)."""
    query = (
        select(save_responses, customers.c.customer_key.label("customer_key"))
        .select_from(
            save_responses.outerjoin(customers, customers.c.id == save_responses.c.customer_id)
        )
        .where(save_responses.c.store_id == store_id)
    )
    if playbooks is not None:
        query = query.where(save_responses.c.playbook.in_(list(playbooks)))
    rows = conn.execute(query.order_by(save_responses.c.answered_at, save_responses.c.id))
    return [
        SaveResponse(
            order_id=row.order_id,
            customer_key=row.customer_key,
            playbook=row.playbook,
            source=row.source,
            reason=row.reason,
            note=row.note,
            offer=row.offer,
            offer_cost=row.offer_cost,
            coupon_code=row.coupon_code,
            answered_at=row.answered_at,
        )
        for row in rows
    ]


def ledger(
    conn: Connection,
    store_id: int,
    *,
    since: datetime,
    now: datetime,
    customer_key: str | None,
    playbooks: Sequence[str] | None = None,
) -> Ledger:
    """What the store's save offers (of ``playbooks``, when given) cost from ``since`` to
    ``now`` and up to ``now`` in all, and when ``customer_key`` got offers that cost money."""
    costly = and_(save_responses.c.store_id == store_id, save_responses.c.answered_at <= now)
    if playbooks is not None:
        costly = and_(costly, save_responses.c.playbook.in_(list(playbooks)))
    total = func.coalesce(func.sum(type_coerce(save_responses.c.offer_cost, BigInteger)), 0)
    in_all = conn.execute(select(total).where(costly)).scalar()
    today = conn.execute(
        select(total).where(costly, save_responses.c.answered_at >= since)
    ).scalar()
    buyer: tuple[datetime, ...] = ()
    customer = _customer_id(conn, store_id, customer_key)
    if customer is not None:
        buyer = tuple(
            conn.execute(
                select(save_responses.c.answered_at).where(
                    costly,
                    save_responses.c.customer_id == customer,
                    save_responses.c.offer_cost > 0,
                )
            ).scalars()
        )
    return Ledger(_money(today), _money(in_all), buyer)


def _money(value: object) -> Decimal:
    """A sum of a Money column: minor units (SUM bypasses the column type) → Decimal."""
    return Decimal(int(str(value or 0))).scaleb(-2)
