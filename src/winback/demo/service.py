"""Customer-service conversations (旺旺/千牛) around orders, with the seed's failures.

Seed 002's chat logs from the days with the highest losses show: staff asking a buyer who had
already ordered to close the order and 重拍 to get 满100减10 plus the manually claimed 收藏送5元
coupon, "无法改价" when asked to change the price, slow first replies, and no follow-up the
next day for buyers who had not paid. These scripts reproduce them next to ordinary helpful
conversations and a few good next-day follow-ups, so the chat analysis has both to tell apart.
Stockouts get a staff message that the colour or size has run out (这个颜色/尺码没货了).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from winback.demo.buyers import handle_of
from winback.demo.calendar import DAY, HOUR, MINUTE, NEVER, ShopPlan
from winback.demo.catalogue import Catalogue
from winback.demo.dice import Dice
from winback.demo.draws import OrderDraws
from winback.demo.orders import local_times, order_id_of
from winback.demo.scenarios import Scenario
from winback.demo.status import Resolution
from winback.ingest.records import ChatMessageRecord
from winback.model import ChatSender, Platform

SHOP_NAME: Final = "俏艺旗舰店"
PRE_SALE_STAFF: Final = tuple(
    f"{SHOP_NAME}:{name}" for name in ("小美", "小雅", "阿琳", "晓晓", "安安", "糖糖")
)
AFTER_SALE_STAFF: Final = tuple(
    f"{SHOP_NAME}:{name}" for name in ("售后小周", "售后小吴", "售后阿丽", "售后小郑")
)
B, S = ChatSender.BUYER, ChatSender.STAFF

_QUESTIONS: Final = (
    ("在吗？这款{colour}有{size}码吗", "亲，在的呢，{colour}{size}码有货的哦"),
    ("我身高160体重105斤，穿什么码合适", "亲，建议您拿{size}码哦，这款版型正常"),
    ("这个面料会起球吗", "亲，这款是精梳棉的，正常穿着不会起球哦"),
    ("今天下单今天能发货吗", "亲，16点前付款当天发货哦"),
    ("{colour}的会不会显黑", "亲，{colour}很百搭的，实物和图片一样哦"),
)


@dataclass
class _Line:
    at: int
    sender: ChatSender
    text: str
    staff: str | None


def build_chats(
    *,
    plan: ShopPlan,
    platform: Platform,
    catalogue: Catalogue,
    draws: OrderDraws,
    resolution: Resolution,
    rng: np.random.Generator,
    cutoff: int,
) -> list[ChatMessageRecord]:
    pending: list[tuple[_Line, str, str | None]] = []
    outcomes = draws.outcomes
    children = np.flatnonzero(draws.replaces >= 0)
    replacement_of = dict(zip(draws.replaces[children].tolist(), children.tolist(), strict=True))
    dice = Dice(rng, len(resolution.index))
    for i in resolution.index.tolist():
        scenario = int(draws.scenario[i])
        if scenario in (Scenario.SELF_SERVICE, Scenario.REPLACEMENT) and not (
            outcomes.refunded[i] < NEVER
        ):
            continue
        script = _Script(dice, catalogue, draws, i, replacement_of.get(i))
        lines = script.conversation(scenario)
        order_id = order_id_of(platform, int(draws.order_number[i]))
        created = int(draws.created[i])
        buyer = handle_of(int(draws.customer[i]))
        for line in lines:
            if line.at <= cutoff:
                pending.append((line, buyer, order_id if line.at >= created else None))
    times = local_times(plan, np.asarray([line.at for line, _, _ in pending], dtype=np.int64))
    return [
        ChatMessageRecord(
            platform=platform,
            buyer_id=buyer,
            sent_at=moment,
            sender=line.sender,
            text=line.text,
            staff=line.staff,
            order_id=order_id,
        )
        for (line, buyer, order_id), moment in zip(pending, times, strict=True)
        if moment is not None
    ]


class _Script:
    """One order's conversation; times are shop seconds."""

    def __init__(
        self,
        dice: Dice,
        catalogue: Catalogue,
        draws: OrderDraws,
        order: int,
        replacement: int | None,
    ) -> None:
        self.dice = dice
        self.replacement = replacement
        self.draws = draws
        self.order = order
        self.created = int(draws.created[order])
        sku = int(draws.line_sku[draws.line_start[order]])
        self.colour = catalogue.sku_colour[sku]
        self.size = catalogue.sku_size[sku]
        self.staff = PRE_SALE_STAFF[dice.between(0, len(PRE_SALE_STAFF))]
        self.lines: list[_Line] = []
        self.clock = 0

    def conversation(self, scenario: int) -> list[_Line]:
        o = self.draws.outcomes
        if scenario not in (Scenario.SELF_SERVICE, Scenario.REPLACEMENT, Scenario.STOCKOUT):
            self._opening(slow=scenario == Scenario.SLOW_REPLY)
        if scenario == Scenario.STOCKOUT:
            if self.draws.consulted[self.order]:
                self._opening(slow=False)
            self._stockout()
        elif scenario == Scenario.PRICE_REFUSED:
            self._price_refused()
        elif scenario == Scenario.PAY_LATER:
            self._say(B, "拍了，晚点再付款", at=self.created + self._gap())
            self._say(S, "好的亲，记得付款哦")
        elif scenario == Scenario.REORDER_ASKED:
            self._reorder()
        elif scenario in (Scenario.HELPFUL, Scenario.SLOW_REPLY):
            self._say(B, "好的，那我拍了")
            self._say(S, "好的亲，拍下后尽快付款哦，有问题随时找我~")
        if self.draws.follow_up[self.order]:
            self._follow_up()
        if o.refunded[self.order] < NEVER:
            self._after_sale(int(o.refunded[self.order]))
        return self.lines

    def _gap(self) -> int:
        return self.dice.between(15, 120)

    def _say(self, sender: ChatSender, text: str, *, at: int | None = None) -> None:
        self.clock = at if at is not None else self.clock + self._gap()
        staff = self.staff if sender is S else None
        self.lines.append(
            _Line(self.clock, sender, text.format(colour=self.colour, size=self.size), staff)
        )

    def _opening(self, *, slow: bool) -> None:
        question, answer = _QUESTIONS[self.dice.between(0, len(_QUESTIONS))]
        start = self.created - self.dice.between(4 * MINUTE, 30 * MINUTE)
        self._say(B, question, at=start)
        if slow:
            self._say(B, "在吗？", at=start + self.dice.between(2 * MINUTE, 5 * MINUTE))
            reply = start + self.dice.between(8 * MINUTE, 40 * MINUTE)
            self._say(S, "亲，不好意思久等了，刚才咨询的人比较多", at=reply)
            self._say(S, answer)
        else:
            self._say(S, answer, at=start + self.dice.between(8, 90))

    def _price_refused(self) -> None:
        self._say(B, "能便宜点吗？老客户了")
        self._say(S, "亲，这已经是活动价了哦")
        self._say(B, "拍下了，你改个价少10块吧", at=max(self.clock, self.created) + self._gap())
        self._say(S, "亲，这个价格改不了哦，系统无法改价")
        paid = self.draws.outcomes.paid[self.order] < NEVER
        self._say(B, "好吧" if paid else "那算了")

    def _reorder(self) -> None:
        self._say(B, "满100减10是自动减的吗")
        self._say(S, "是的亲，收藏店铺还送5元券")
        self._say(B, "我拍好了，怎么没减", at=max(self.clock, self.created) + self._gap())
        self._say(S, "亲，要先领收藏送的5元券再下单哦，麻烦您把这个订单关掉重拍一下")
        self._say(B, "这么麻烦，你直接改价不行吗")
        self._say(S, "亲，这个价格改不了哦，无法改价，您重新拍一下就可以了，或者收货以后给您返款")
        if self.replacement is not None:
            self._say(B, "好吧，我重拍")
            at = int(self.draws.created[self.replacement]) + self._gap()
            self._say(B, "重新拍好了", at=max(at, self.clock + 1))
            self._say(S, "好的亲，已经减了，尽快付款哦")
        else:
            self._say(B, "算了，太麻烦了")

    def _stockout(self) -> None:
        o = self.draws.outcomes
        event = int(min(o.closed[self.order], o.cancelled[self.order]))
        at = max(self.created + MINUTE, event - self.dice.between(2 * MINUTE, 20 * MINUTE))
        what = "颜色" if self.dice.uniform() < 0.5 else "尺码"
        self._say(
            S,
            f"亲，非常抱歉，您拍的{{colour}}{{size}}码没货了，这个{what}没货了",
            at=max(at, self.clock + 1),
        )
        self._say(B, "啊，那有别的颜色吗" if self.dice.uniform() < 0.5 else "那算了")
        paid = o.paid[self.order] < NEVER
        self._say(
            S, "亲，给您办理退款了哦" if paid else "亲，这边帮您关闭订单了哦，补货了第一时间通知您"
        )

    def _follow_up(self) -> None:
        """A next-day reminder, sent only if the order is still unpaid and open then."""
        o = self.draws.outcomes
        next_morning = (self.created // DAY + 1) * DAY + 10 * HOUR + self.dice.between(0, 2 * HOUR)
        settled_by = min(o.paid[self.order], o.closed[self.order])
        if settled_by > next_morning:
            self._say(
                S, "亲，您昨天拍的宝贝还没付款哦，今天16点前付款当天就能发出~", at=next_morning
            )

    def _after_sale(self, refunded: int) -> None:
        self.staff = AFTER_SALE_STAFF[self.dice.between(0, len(AFTER_SALE_STAFF))]
        start = refunded - self.dice.between(HOUR, 10 * HOUR)
        self._say(B, "衣服收到了，不太合适，申请退货了", at=max(start, self.clock + 1))
        self._say(S, "亲，已经同意您的退货申请了，寄回时请填写单号哦")
