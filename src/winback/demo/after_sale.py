"""The demo after the sale: cancelled-order saves and the NPS survey on the simulated shops.

The demo's ``winback.toml`` turns on the ``cancel_save`` and ``nps`` playbooks for both
stores (:func:`after_sale_playbooks`), so ``winback plan`` plans them with the others and
the dispatcher sends them during the demo's next day: an e-mail with the signed link where
the buyer's address is known (Qiaoyi Global), a task on the platform's chat where the
platform masks contacts (俏艺旗舰店). :class:`AfterSaleBuyers` then plays the buyers, step by
step, through the same doors a real buyer or agent uses — nothing is written to the store
directly:

* a buyer who answers a save e-mail posts the reason form ``POST /r/{token}`` (the link taken
  from the e-mail the local SMTP server received) to the real ASGI app, in process through
  httpx's ``ASGITransport``; an answer heard on the platform's chat is recorded as an agent
  records it (``winback saves answer``: :func:`winback.services.saves.answer`);
* the offer and coupon are what that path made; some buyers come back and pay a new order,
  with the coupon's code where they have one, and the demo writes that order into a newer
  export of the store and imports it with the public importer, which redeems the coupon;
* a buyer who answers a survey posts ``POST /s/{token}`` with a score and a why, the link
  taken from the e-mail or SMS the local gateways received, or from the chat script the
  agent pasted into the platform's chat.

Whether and how buyers answer are the assumptions of :mod:`winback.demo.after_sale_responses`.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console

from winback import services
from winback.act.channels.base import Channel, Message, SendResult
from winback.app import App
from winback.decide.offers import SaveReason
from winback.demo.after_sale_responses import (
    SaveDraw,
    after_sale_assumptions,
    save_draw,
    survey_draw,
)
from winback.demo.exports import shopify as shopify_export
from winback.demo.exports import taobao as taobao_export
from winback.demo.gateways import LocalGateways
from winback.demo.next_day import TAOBAO_REPORT, DemoStore
from winback.ingest.records import OrderRecord
from winback.model import ActionChannel, OrderStatus, Platform
from winback.services import saves
from winback.services.dispatch import ChannelFactory, ChannelSet
from winback.services.nps_report import nps_report

__all__ = [
    "SAVE_PLAYBOOK",
    "SURVEY_PLAYBOOK",
    "AfterSaleBuyers",
    "after_sale_playbooks",
    "print_after_sale",
]

SAVE_PLAYBOOK: Final = "cancel_save"
SURVEY_PLAYBOOK: Final = "nps"
CENT: Final = Decimal("0.01")


def after_sale_playbooks() -> dict[str, Any]:
    """The ``[playbooks]`` the demo adds for both stores: the cancelled-order save, with a
    10% coupon for the buyers who changed their mind, found it cheaper or gave another
    reason (the shipped routes offer product information, let go and a thank-you), and the
    NPS survey 3 days after delivery.

    ``valid_for = "14d"``: the demo asks every buyer who cancelled in the last two weeks
    (the shipped two days would leave the small Shopify store with none to ask)."""
    return {
        SAVE_PLAYBOOK: {
            "kind": "cancel_save",
            "valid_for": "14d",
            "offers": {
                "routes": {
                    "changed_mind": ["coupon"],
                    "found_cheaper": ["coupon", "let_go"],
                    "other": ["coupon"],
                },
                "coupon": {"value": "10", "percent": True, "min_spend": "30", "valid_for": "30d"},
            },
        },
        SURVEY_PLAYBOOK: {"kind": "nps"},
    }


@dataclass(frozen=True)
class _Reached:
    """An after-sale message that reached a buyer: its action key, store and link (None: an
    agent's chat script without one)."""

    key: str
    store: str
    playbook: str
    order_id: str
    link: str | None
    at: datetime


class _TaskRecorder:
    """The agents' worklist, keeping the script of each task it is given: an agent pastes
    a survey's script, link included, into the platform's chat."""

    def __init__(self, inner: Channel, scripts: list[Message]) -> None:
        self.inner, self.scripts = inner, scripts

    def send(self, message: Message) -> SendResult:
        self.scripts.append(message)
        return self.inner.send(message)

    def lookup(self, key: str) -> SendResult | None:
        lookup = getattr(self.inner, "lookup", None)
        return None if lookup is None else lookup(key)


@dataclass
class StoreAfterSale:
    """What happened after the sale in one store during the demo's next day."""

    reached: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    reorders: list[OrderRecord] = field(default_factory=list)


@dataclass
class AfterSaleBuyers:
    """The simulated buyers of both stores after the sale (see the module docstring); call
    :meth:`step` after each dispatch of the demo's next day, which ends at ``until``."""

    stores: Sequence[DemoStore]
    gateways: LocalGateways
    folder: Path
    seed: int
    until: datetime
    scripts: list[Message] = field(default_factory=list)
    done: dict[str, StoreAfterSale] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    _waiting: list[tuple[_Reached, Any]] = field(default_factory=list)
    _comebacks: list[tuple[datetime, str, OrderRecord]] = field(default_factory=list)
    _scanned: tuple[int, int, int] = (0, 0, 0)
    _orders: dict[str, tuple[str, OrderRecord]] = field(default_factory=dict)
    _link: re.Pattern[str] = field(default=re.compile("$^"))

    def __post_init__(self) -> None:
        base = re.escape(self.gateways.public_url.rstrip("/"))
        self._link = re.compile(base + r"(?P<path>/(?P<kind>[rs])/[A-Za-z0-9_.~-]+)")
        self._orders = {o.order_id: (s.name, o) for s in self.stores for o in s.shop.orders}

    def channels(self, factory: ChannelFactory) -> ChannelFactory:
        """``factory`` with its chat tasks recorded (the scripts agents paste)."""

        def make(app: App) -> ChannelSet:
            found = factory(app)
            inner = found.channels[ActionChannel.CHAT_TASK]
            found.channels[ActionChannel.CHAT_TASK] = _TaskRecorder(inner, self.scripts)
            return found

        return make

    def step(self, app: App, now: datetime) -> None:
        """Buyers reached since the last step draw their answers; the answers and re-orders
        due by ``now`` are given."""
        for reached in self._newly_reached(now):
            book = self.done.setdefault(reached.store, StoreAfterSale())
            book.reached[reached.playbook] += 1
            if reached.playbook == SAVE_PLAYBOOK:
                self._waiting.append((reached, save_draw(self.seed, reached.key, reached.at)))
            else:
                self._waiting.append((reached, survey_draw(self.seed, reached.key, reached.at)))
        if now >= self.until:  # the reports as of the day's end count what came before it
            return
        due = [(r, d) for r, d in self._waiting if d.answer_at is not None and d.answer_at <= now]
        self._waiting = [
            (r, d) for r, d in self._waiting if d.answer_at is not None and d.answer_at > now
        ]
        if due:
            asyncio.run(self._answer_all(app, due, now))
        self._come_back(app, now)

    def _newly_reached(self, now: datetime) -> list[_Reached]:
        mails, texts, scripts = self._scanned
        found = [
            _reached(str(mail.message["X-Winback-Key"]), _plain(mail.message), now, self._link)
            for mail in self.gateways.emails[mails:]
        ]
        found += [_reached(sms.key, sms.text, now, self._link) for sms in self.gateways.sms[texts:]]
        found += [
            _reached(script.key, script.body, now, self._link) for script in self.scripts[scripts:]
        ]
        self._scanned = (len(self.gateways.emails), len(self.gateways.sms), len(self.scripts))
        kept = []
        for item in found:
            store = None if item is None else self._store_of(item.order_id)
            if item is not None and store is not None and item.key not in self._seen:
                self._seen.add(item.key)
                kept.append(replace(item, store=store))
        return kept

    def _store_of(self, order_id: str) -> str | None:
        found = self._orders.get(order_id)
        return None if found is None else found[0]

    async def _answer_all(self, app: App, due: list[tuple[_Reached, Any]], now: datetime) -> None:
        from winback.web.app import create_app

        web = create_app(app, env=self.gateways.env)
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            for reached, draw in due:
                language = _language(app, reached.store)
                if reached.playbook == SAVE_PLAYBOOK:
                    await self._answer_save(app, client, reached, draw, language, now)
                else:
                    await self._answer_survey(client, reached, draw, language)

    async def _answer_save(
        self,
        app: App,
        client: httpx.AsyncClient,
        reached: _Reached,
        draw: SaveDraw,
        language: str,
        now: datetime,
    ) -> None:
        note = draw.note(language)
        if reached.link is not None:
            form = {"reason": str(draw.reason), "note": note}
            answer = await client.post(reached.link, data=form)
            if answer.status_code != 200:
                return
        else:  # heard on the platform's chat: the agent records it (winback saves answer)
            await asyncio.to_thread(
                saves.answer,
                app,
                reached.store,
                reached.order_id,
                SaveReason(draw.reason),
                note,
                playbook=SAVE_PLAYBOOK,
            )
        self.done[reached.store].answers[SAVE_PLAYBOOK] += 1
        coupon = next(
            (
                c
                for c in saves.coupons_of(app, reached.store).coupons
                if c.order_id == reached.order_id
            ),
            None,
        )
        if not draw.reorders(coupon=coupon is not None):
            return
        order = self._order(reached.store, reached.order_id)
        if order is None:
            return
        at = now + draw.reorder_after
        again = _reorder(order, f"{order.order_id}", at)
        if coupon is not None and draw.redeems:
            again = _with_coupon(again, coupon.code, coupon.value, percent=coupon.percent)
        self._comebacks.append((at, reached.store, again))

    async def _answer_survey(
        self, client: httpx.AsyncClient, reached: _Reached, draw: Any, language: str
    ) -> None:
        if reached.link is None:
            return
        form = {"score": str(draw.score), "why": draw.why(language)}
        answer = await client.post(reached.link, data=form)
        if answer.status_code == 200:
            self.done[reached.store].answers[SURVEY_PLAYBOOK] += 1

    def _order(self, store: str, order_id: str) -> OrderRecord | None:
        found = self._orders.get(order_id)
        return found[1] if found is not None and found[0] == store else None

    def _come_back(self, app: App, now: datetime) -> None:
        """The re-orders placed by ``now``, in a newer export of their store, imported."""
        due = [item for item in self._comebacks if item[0] <= now]
        if not due:
            return
        self._comebacks = [item for item in self._comebacks if item[0] > now]
        for demo in self.stores:
            mine = [order for _, store, order in due if store == demo.name]
            if not mine:
                continue
            book = self.done[demo.name]
            book.reorders += [
                _numbered(order, demo, len(book.reorders) + n) for n, order in enumerate(mine)
            ]
            target = self.folder / f"{demo.platform.value}-reorders"
            target.mkdir(parents=True, exist_ok=True)
            if demo.platform is Platform.SHOPIFY:
                shopify_export.write_orders_csv(book.reorders, target / "orders_export.csv")
            else:
                for write, name in (
                    (taobao_export.write_order_report, "ExportOrderList.csv"),
                    (taobao_export.write_item_report, "ExportOrderDetailList.csv"),
                ):
                    write(book.reorders, target / name, variant=TAOBAO_REPORT)
            services.import_path(app, target, source=demo.platform, store=demo.name)


def _plain(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if isinstance(body, EmailMessage) else ""


def _reached(key: str, text: str, at: datetime, links: re.Pattern[str]) -> _Reached | None:
    """The after-sale message of action ``key`` (``order:<id>:<playbook>:<step>``), with the
    path of its link to ``winback serve`` (``links``) if it has one."""
    parts = key.split(":")
    if len(parts) != 4 or parts[0] != "order" or parts[2] not in (SAVE_PLAYBOOK, SURVEY_PLAYBOOK):
        return None
    found = links.search(text)
    expected = "r" if parts[2] == SAVE_PLAYBOOK else "s"
    link = found.group("path") if found and found.group("kind") == expected else None
    return _Reached(key, "", parts[2], parts[1], link, at)


def _language(app: App, store: str) -> str:
    return app.settings.for_store(store).store.language


def _reorder(order: OrderRecord, order_id: str, at: datetime) -> OrderRecord:
    """``order`` placed again at ``at`` and paid at once (no reminder, no coupon yet)."""
    return replace(
        order,
        order_id=order_id,
        status=OrderStatus.PAID,
        created_at=at.astimezone(order.created_at.tzinfo).replace(microsecond=0),
        paid_at=at.astimezone(order.created_at.tzinfo).replace(microsecond=0),
        paid_amount=order.total_amount,
        shipped_at=None,
        delivered_at=None,
        settled_at=None,
        closed_at=None,
        refunded_at=None,
        refund_amount=Decimal(0),
        close_reason=None,
        cancel_reason=None,
        raw_status=None,
        seller_remark=None,
        source=None,
    )


def _with_coupon(order: OrderRecord, code: str, value: Decimal, *, percent: bool) -> OrderRecord:
    goods = order.goods_amount if order.goods_amount is not None else order.total_amount
    off = (goods * value / 100).quantize(CENT, ROUND_HALF_UP) if percent else min(value, goods)
    total = order.total_amount - off
    return replace(
        order,
        coupon_code=code,
        discount=order.discount + off,
        total_amount=total,
        paid_amount=total,
    )


def _numbered(order: OrderRecord, demo: DemoStore, n: int) -> OrderRecord:
    """The re-order's id: after the shop's last order id, as the platform numbers them."""
    ids = [o.order_id.removeprefix("#") for o in demo.shop.orders]
    last = max(int(i) for i in ids if i.isdigit())
    prefix = "#" if demo.platform is Platform.SHOPIFY else ""
    return replace(order, order_id=f"{prefix}{last + 1 + n}")


_WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": (
        "{store} 的售后：挽回取消订单与满意度调查",
        "After the sale at {store}: saves and NPS",
    ),
    "day": (
        "挽回消息送达 {saves} 位买家，{answered} 位回答了原因，{reorders} 笔重新下单"
        "（{coded} 笔用了优惠码）；满意度调查送达 {surveys} 位买家，{scored} 位打了分。",
        "Save messages reached {saves} buyers, {answered} gave a reason, {reorders} re-ordered "
        "({coded} with the coupon's code); surveys reached {surveys} buyers, {scored} scored "
        "the shop.",
    ),
    "coupons": (
        "优惠券：发出 {issued} 张，其中已使用 {redeemed} 张（winback coupons list）。",
        "Coupons: {issued} issued, {redeemed} of them redeemed (winback coupons list).",
    ),
    "nps": (
        "净推荐值（NPS）：{score}，95% 区间 {low} 至 {high}，{n} 份回答{few}"
        "（winback report nps）。",
        "NPS: {score}, 95% interval {low} to {high}, {n} answers{few} (winback report nps).",
    ),
    "few": ("，回答太少", ", few answers"),
    "no_nps": (
        "净推荐值（NPS）：还没有回答（winback report nps）。",
        "NPS: no answers yet (winback report nps).",
    ),
}


def _said(key: str, language: str, **values: object) -> str:
    zh, en = _WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def print_after_sale(out: Console, app: App, buyers: AfterSaleBuyers, store: str) -> None:
    """One store's after-sale part of the day, in its language: what the buyers did, the
    assumptions, the coupons and the NPS (the saves table is the recovery report's)."""
    language = _language(app, store)
    book = buyers.done.get(store, StoreAfterSale())
    coded = sum(1 for order in book.reorders if order.coupon_code)
    out.print(f"\n[bold]{_said('title', language, store=store)}[/]")
    out.print(
        _said(
            "day",
            language,
            saves=book.reached[SAVE_PLAYBOOK],
            answered=book.answers[SAVE_PLAYBOOK],
            reorders=len(book.reorders),
            coded=coded,
            surveys=book.reached[SURVEY_PLAYBOOK],
            scored=book.answers[SURVEY_PLAYBOOK],
        ),
        highlight=False,
    )
    out.print(after_sale_assumptions(language), highlight=False)
    counts = saves.coupons_of(app, store).counts()
    issued = sum(counts.values())  # every state counts: issued, redeemed, expired
    out.print(
        _said("coupons", language, issued=issued, redeemed=counts["redeemed"]), highlight=False
    )
    report = nps_report(app, store)
    score = report.overall
    if score.answers == 0 or score.score is None:
        out.print(_said("no_nps", language), highlight=False)
    else:
        out.print(
            _said(
                "nps",
                language,
                score=f"{score.score:+.0f}",
                low=f"{score.low:+.0f}",
                high=f"{score.high:+.0f}",
                n=score.answers,
                few=_said("few", language) if score.few else "",
            ),
            highlight=False,
        )
