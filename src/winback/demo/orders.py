"""Order records from the draws: lines with colour and size, buyers, messages and remarks.

Buyer contacts are masked as in Taobao's exports since 2022 (phone, address); the buyer's
handle stays unmasked so orders, chats and carts join on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from winback.demo.buyers import buyer_handles, masked_receiver, provinces
from winback.demo.calendar import NEVER, ShopPlan
from winback.demo.catalogue import Catalogue
from winback.demo.draws import OrderDraws
from winback.demo.outcomes import CANCEL_REASONS, CLOSE_REASONS, PAYMENT_METHODS
from winback.demo.scenarios import Scenario
from winback.demo.status import STATUS_CODES, Resolution
from winback.ingest.records import MASKED, Buyer, Contact, OrderLineRecord, OrderRecord
from winback.model import OrderStatus, Platform

CHINESE_PLATFORMS: Final = frozenset(
    {Platform.TAOBAO, Platform.TMALL, Platform.JD, Platform.PDD, Platform.DOUYIN}
)
BUYER_MESSAGES: Final = (
    "请尽快发货，谢谢",
    "发中通快递",
    "不要放快递柜，放门卫",
    "送人的，不要放价格单",
    "麻烦帮忙检查一下有没有线头",
    "亲，可以送个小礼物吗",
)
_BUYER_MESSAGE_SHARE: Final = 0.08


def local_times(plan: ShopPlan, seconds: npt.NDArray[np.int64]) -> list[datetime | None]:
    """Aware local datetimes for shop seconds (None for NEVER), converted in bulk."""
    reached = seconds < NEVER
    offsets = np.where(reached, seconds, 0).astype("timedelta64[s]")
    naive: list[datetime] = (
        (np.datetime64(plan.start, "s") + offsets).astype("datetime64[us]").tolist()
    )
    zone = plan.zone
    return [
        moment.replace(tzinfo=zone) if ok else None
        for moment, ok in zip(naive, reached.tolist(), strict=True)
    ]


class Money:
    """Decimal yuan from integer cents, cached (prices repeat across orders)."""

    def __init__(self) -> None:
        self._cache: dict[int, Decimal] = {}

    def __call__(self, cents: int) -> Decimal:
        value = self._cache.get(cents)
        if value is None:
            value = self._cache[cents] = Decimal(cents).scaleb(-2)
        return value


def order_id_of(platform: Platform, number: int) -> str:
    """Platform-style order id: 19 digits on Taobao/Tmall/Douyin, 12 on JD, PDD's dated form."""
    return order_id_format(platform)(number)


def order_id_format(platform: Platform) -> Callable[[int], str]:
    if platform is Platform.JD:
        return lambda number: str(300_000_000_000 + number % 10**11)
    if platform is Platform.PDD:
        return lambda number: f"240{number % 1000:03d}-{number % 10**15:015d}"
    if platform in CHINESE_PLATFORMS:
        return str
    return lambda number: str(5_000_000_000_000 + number % 10**12)


def build_orders(
    *,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    draws: OrderDraws,
    resolution: Resolution,
    rng: np.random.Generator,
) -> list[OrderRecord]:
    r, o, idx = resolution, draws.outcomes, resolution.index
    moments = (draws.created[idx], r.paid, r.shipped, r.delivered, r.settled, r.closed, r.refunded)
    created, paid, shipped, delivered, settled, closed, refunded = (
        local_times(plan, values) for values in moments
    )
    money = Money()
    buyer_of = buyers_by_customer(platform, draws.customer[idx])
    messages = _buyer_messages(rng, len(idx))
    lines_of = _LineBuilder(catalogue, draws, money)
    statuses = [STATUS_CODES[code] for code in r.status.tolist()]
    numbers = draws.order_number[idx].tolist()
    total, goods = draws.total_cents[idx].tolist(), draws.goods_cents[idx].tolist()
    shipping, discount = draws.shipping_cents[idx].tolist(), draws.discount_cents[idx].tolist()
    paid_cents, refund_cents = r.paid_cents.tolist(), r.refund_cents.tolist()
    customers, scenarios = draws.customer[idx].tolist(), draws.scenario[idx].tolist()
    returning, methods = draws.returning[idx].tolist(), o.payment_method[idx].tolist()
    close_reasons, cancel_reasons = o.close_reason[idx].tolist(), o.cancel_reason[idx].tolist()
    currency = "CNY" if platform in CHINESE_PLATFORMS else "USD"
    format_id = order_id_format(platform)
    records: list[OrderRecord] = []
    for k, i in enumerate(idx.tolist()):
        status = statuses[k]
        order_id = format_id(numbers[k])
        was_paid = status.was_paid
        records.append(
            OrderRecord(
                platform=platform,
                order_id=order_id,
                status=status,
                created_at=_aware(created[k]),
                total_amount=money(total[k]),
                buyer=buyer_of[customers[k]],
                currency=currency,
                goods_amount=money(goods[k]),
                shipping_fee=money(shipping[k]),
                discount=money(discount[k]),
                paid_amount=money(paid_cents[k]) if was_paid else None,
                refund_amount=money(refund_cents[k]),
                paid_at=paid[k],
                shipped_at=shipped[k],
                delivered_at=delivered[k],
                settled_at=settled[k],
                closed_at=closed[k],
                refunded_at=refunded[k],
                payment_method=PAYMENT_METHODS[methods[k]] if was_paid else None,
                buyer_message=messages[k],
                seller_remark=_seller_remark(scenarios[k], returning[k], i),
                close_reason=CLOSE_REASONS[close_reasons[k]]
                if status is OrderStatus.CLOSED
                else None,
                cancel_reason=(
                    CANCEL_REASONS[cancel_reasons[k]] if status is OrderStatus.CANCELLED else None
                ),
                lines=lines_of(i, order_id, numbers[k], refund_cents[k], paid_cents[k]),
            )
        )
    return records


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        raise ValueError("an order's creation time is always reached")
    return moment


def _buyer_messages(rng: np.random.Generator, count: int) -> list[str | None]:
    has = rng.random(count) < _BUYER_MESSAGE_SHARE
    pick = rng.integers(0, len(BUYER_MESSAGES), count)
    return [
        BUYER_MESSAGES[p] if h else None for h, p in zip(has.tolist(), pick.tolist(), strict=True)
    ]


def _seller_remark(scenario: int, returning: bool, index: int) -> str | None:
    if scenario == Scenario.STOCKOUT:
        return "缺货，已联系买家"
    if scenario == Scenario.REORDER_ASKED:
        return "满100减10未减，让买家重拍"
    if scenario == Scenario.REPLACEMENT:
        return "重拍单，已领收藏送5元券"
    if returning and index % 10 == 0:
        return "老客户，送小礼品"
    return None


def buyers_by_customer(platform: Platform, customers: npt.NDArray[np.int64]) -> dict[int, Buyer]:
    """The buyer block of each distinct customer, as the platform's export shows it."""
    numbers = np.unique(customers)
    handles = [f"tb_{n}" for n in buyer_handles(numbers).tolist()]
    masked = platform in CHINESE_PLATFORMS
    return {
        number: Buyer(
            buyer_id=handle,
            name=masked_receiver(number),
            phone=MASKED,
            email=Contact() if masked else Contact(value=f"{handle}@example.com"),
            address=MASKED,
            region=region,
        )
        for number, handle, region in zip(
            numbers.tolist(), handles, provinces(numbers), strict=True
        )
    }


class _LineBuilder:
    """Order lines from the flat line arrays, with the SKU's fixed facts looked up once."""

    def __init__(self, catalogue: Catalogue, draws: OrderDraws, money: Money) -> None:
        products = catalogue.sku_product.tolist()
        self._titles = [catalogue.titles[p] for p in products]
        self._product_ids = [catalogue.product_ids[p] for p in products]
        self._codes = catalogue.sku_codes
        self._variants = list(zip(catalogue.sku_colour, catalogue.sku_size, strict=True))
        self._prices: Sequence[int] = catalogue.sku_price_cents.tolist()
        self._starts = draws.line_start.tolist()
        self._counts = draws.line_count.tolist()
        self._skus = draws.line_sku.tolist()
        self._quantities = draws.line_quantity.tolist()
        self._money = money

    def __call__(
        self, order: int, order_id: str, number: int, refund_cents: int, paid_cents: int
    ) -> tuple[OrderLineRecord, ...]:
        start, count = self._starts[order], self._counts[order]
        skus = self._skus[start : start + count]
        quantities = self._quantities[start : start + count]
        prices = self._prices
        if refund_cents:
            full = refund_cents == paid_cents
            refunds = _line_refunds(
                [prices[s] * q for s, q in zip(skus, quantities, strict=True)],
                refund_cents,
                full=full,
            )
        else:
            refunds = [0] * count
        lines = []
        for n in range(count):
            sku = skus[n]
            colour, size = self._variants[sku]
            lines.append(
                OrderLineRecord(
                    line_id=order_id if count == 1 else str(number + n + 1),
                    title=self._titles[sku],
                    quantity=quantities[n],
                    unit_price=self._money(prices[sku]),
                    sku=self._codes[sku],
                    product_id=self._product_ids[sku],
                    attributes={"colour": colour, "size": size},
                    refund_amount=self._money(refunds[n]),
                )
            )
        return tuple(lines)


def _line_refunds(line_cents: list[int], refund_cents: int, *, full: bool) -> list[int]:
    """A full refund spread over the lines by value; a partial one on the first line."""
    if not full:
        return [refund_cents] + [0] * (len(line_cents) - 1)
    goods = sum(line_cents)
    shares = [refund_cents * cents // goods for cents in line_cents[:-1]]
    return [*shares, refund_cents - sum(shares)]
