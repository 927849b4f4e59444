"""The demo shop's other exports: chats, carts, favourites, feedback, stock and CRM members.

Taobao's order report carries none of these, so shops export them from 千牛 and their CRM
tools. Each file is UTF-8 with a BOM (what Excel on Chinese Windows expects) with Chinese
headers, times in the shop's wall clock, and is read through the generic importer with the
mapping file of the same name in :mod:`winback.demo.mappings` (format: docs/mapping.md).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import Final

from winback.demo.simulator import DemoShop
from winback.ingest.records import Contact
from winback.model import ChatSender

MAPPINGS: Final = Path(__file__).resolve().parent.parent / "mappings"
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"
MASKED_TEXT: Final = "****"
SENDER_NAMES: Final = {ChatSender.BUYER: "买家", ChatSender.STAFF: "客服"}

CHAT_HEADER: Final = ("买家", "客服", "发送方", "时间", "内容", "关联订单")
CART_HEADER: Final = (
    "购物车编号", "买家", "加购时间", "更新时间", "订单编号",
    "商品标题", "数量", "单价", "商家编码", "商品ID", "颜色", "尺码",
)  # fmt: skip
WISHLIST_HEADER: Final = ("买家", "商品ID", "商品标题", "价格", "收藏时间")
FEEDBACK_HEADER: Final = ("编号", "时间", "类型", "内容", "买家", "订单编号", "评分")
STOCK_HEADER: Final = ("商家编码", "商品ID", "商品标题", "颜色", "尺码", "库存", "时间")
CUSTOMER_HEADER: Final = (
    "买家", "昵称", "手机", "邮箱", "短信营销", "邮件营销", "入会时间", "地区", "标签",
)  # fmt: skip


def write_extras(shop: DemoShop, folder: Path) -> list[tuple[Path, Path]]:
    """Write the six files into ``folder``; return (data file, mapping file) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    local = _WallClock(shop.cutoff.tzinfo)
    files = {
        "chats": (CHAT_HEADER, _chat_rows(shop, local)),
        "carts": (CART_HEADER, _cart_rows(shop, local)),
        "wishlists": (WISHLIST_HEADER, _wishlist_rows(shop, local)),
        "feedback": (FEEDBACK_HEADER, _feedback_rows(shop, local)),
        "stock": (STOCK_HEADER, _stock_rows(shop, local)),
        "customers": (CUSTOMER_HEADER, _customer_rows(shop, local)),
    }
    written: list[tuple[Path, Path]] = []
    for name, (header, rows) in files.items():
        path = folder / f"{name}.csv"
        _write_csv(path, header, rows)
        written.append((path, MAPPINGS / f"{name}.toml"))
    return written


def mapping_path(kind: str) -> Path:
    """The packaged mapping file for one of the extra files (``chats``, ``carts`` …)."""
    return MAPPINGS / f"{kind}.toml"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


class _WallClock:
    """Aware datetimes as the shop's wall-clock text."""

    def __init__(self, zone: tzinfo | None) -> None:
        self._zone = zone

    def __call__(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(self._zone).strftime(TIME_FORMAT)


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _chat_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    # 千牛 exports one conversation after another: group by buyer, then by time.
    for chat in sorted(shop.chats, key=lambda c: (c.buyer_id, c.sent_at)):
        yield (
            chat.buyer_id,
            chat.staff or "",
            SENDER_NAMES[chat.sender],
            local(chat.sent_at),
            chat.text,
            chat.order_id or "",
        )


def _cart_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    for cart in shop.carts:
        for item in cart.items:
            yield (
                cart.cart_id,
                cart.buyer_id or "",
                local(cart.created_at),
                local(cart.updated_at),
                cart.order_id or "",
                item.title,
                str(item.quantity),
                _money(item.unit_price),
                item.sku or "",
                item.product_id or "",
                item.attributes.get("colour", ""),
                item.attributes.get("size", ""),
            )


def _wishlist_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    for wish in shop.wishlists:
        yield (
            wish.buyer_id,
            wish.product_id,
            wish.title or "",
            _money(wish.price),
            local(wish.added_at),
        )


def _feedback_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    for entry in shop.feedback:
        rating = "" if entry.rating is None else str(entry.rating)
        yield (
            entry.feedback_id,
            local(entry.at),
            entry.kind,
            entry.text,
            entry.buyer_id or "",
            entry.order_id or "",
            rating,
        )


def _stock_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    for level in shop.stock:
        yield (
            level.sku,
            level.product_id or "",
            level.title or "",
            level.attributes.get("colour", ""),
            level.attributes.get("size", ""),
            str(level.quantity),
            local(level.at),
        )


def _customer_rows(shop: DemoShop, local: _WallClock) -> Iterable[Sequence[str]]:
    for customer in shop.customers:
        yield (
            customer.customer_id,
            customer.name or "",
            _contact(customer.phone),
            _contact(customer.email),
            _consent(customer.accepts_sms_marketing),
            _consent(customer.accepts_email_marketing),
            local(customer.created_at),
            customer.region or "",
            ";".join(customer.tags),
        )


def _contact(contact: Contact) -> str:
    if contact.masked:
        return MASKED_TEXT
    return contact.value or ""


def _consent(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")
