"""What the demo says about each of its stores, in that store's language (``zh`` or
``en``, as its ``[stores.NAME] language`` says): the simulated shop, the store's next day,
what the local gateways received for it, its customer lifecycle. Lines about the demo as a
whole (the exports written, the clock, the simulation's assumptions, the next commands)
stay in English in :mod:`winback.demo.pipeline`.

One table of words, :data:`WORDS`, keyed by a stable id, like the diagnosis's
(:mod:`winback.present.labels`); order statuses and channels use the labels the reports use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from email.message import EmailMessage
from typing import Final

from rich.console import Console
from rich.markup import escape

from winback.demo.gateways import CapturedEmail, CapturedSms, LocalGateways
from winback.demo.next_day import DemoStore, NextDay
from winback.demo.simulator import DemoShop
from winback.model import OrderStatus
from winback.present.dispatch_terminal import OUTCOME_WORDS
from winback.present.labels import status_label
from winback.present.recovery_terminal import channel_label
from winback.privacy import mask_contact, mask_text
from winback.services.dispatch import StoreOutcomes

__all__ = ["WORDS", "print_gateways", "print_simulated", "print_store_day", "said"]

WORDS: Final[dict[str, tuple[str, str]]] = {
    "simulated": (
        "已模拟 [bold]{store}[/]：{orders} 笔订单（{start} 至 {end}），{chats} 条聊天，"
        "{carts} 个购物车。",
        "Simulated [bold]{store}[/]: {orders} orders from {start} to {end}, {chats} chat "
        "lines, {carts} carts.",
    ),
    "day": (
        "{store}：派发结果：{outcomes}；已发送：{sent}。首批导出中 {unpaid} 笔未付款订单，"
        "{paid} 笔已付款（其中 {reminded} 笔因提醒而付款，此为模拟所知），{closed} 笔到期关闭。"
        "导入了 {imports} 份更新的订单导出；订单状态变化：{moves}。",
        "{store}: dispatched: {outcomes}; sent: {sent}. Of the {unpaid} orders unpaid in the "
        "first export, {paid} were paid ({reminded} because of a reminder, as the simulation "
        "knows) and {closed} closed at the deadline. Newer order exports imported: {imports}; "
        "the store's statuses moved: {moves}.",
    ),
    "nothing_due": ("没有到期的动作", "nothing fell due"),
    "none": ("无", "none"),
    "joiner": ("，", ", "),
    "channel_count": ("{channel} {n}", "{n} {channel}"),
    "move": ("{before} → {after} {n} 笔", "{n} {before} → {after}"),
    "gateways": (
        "{store}：本地网关收到 {sms} 条短信、{emails} 封邮件{sample}",
        "{store}: the local gateways received {sms} SMS and {emails} e-mails{sample}",
    ),
    "sms_sample": ("；例如发给 {to} 的短信：{text}", "; e.g. SMS to {to}: {text}"),
    "email_sample": (
        "；例如发给 {to} 的邮件，主题 {subject}：{text}",
        "; e.g. e-mail to {to}, subject {subject}: {text}",
    ),
    "failed": ("{store}：{n} 个动作失败，{problem}", "{store}: {n} failed, {problem}"),
    "lifecycle": (
        "\n[bold]{store} 的客户生命周期[/]（{days} 天的交易）",
        "\n[bold]Customer lifecycle[/] of {store} ({days} days of trading)",
    ),
    "scores_error": ("评分：{error}", "Scores: {error}"),
    "no_targets": (
        "没有值得挽回的有潜力的流失客户（流失期 {days} 天）。"
        "可试试 [bold]winback customers top --all[/] 查看最有价值的买家。",
        "No promising lost customers to win back (churn cutoff {days} days). Try "
        "[bold]winback customers top --all[/] for the most valuable buyers.",
    ),
    "html_report": (
        "{store} 的 HTML 报告在 [bold]{path}[/]；可用任意浏览器打开（离线可用）。",
        "The HTML report of {store} is in [bold]{path}[/]; open it in any browser (works offline).",
    ),
}


def said(key: str, language: str, **values: object) -> str:
    """``key`` in ``language`` (``zh`` or ``en``), with ``{names}`` filled in."""
    zh, en = WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def print_simulated(
    out: Console, shop: DemoShop, *, start: date, cutoff: datetime, language: str
) -> None:
    """What was simulated of ``shop``: its orders, chats and carts."""
    out.print(
        said("simulated", language, store=shop.name, orders=f"{len(shop.orders):,}",
             start=f"{start:%Y-%m-%d}", end=f"{cutoff:%Y-%m-%d %H:%M}",
             chats=f"{len(shop.chats):,}", carts=f"{len(shop.carts):,}"),
    )  # fmt: skip


def print_store_day(
    out: Console, day: NextDay, store: DemoStore, outcomes: StoreOutcomes | None
) -> None:
    """One store's next day: what the dispatcher did with its actions, what was sent, what
    its buyers did (simulated), and how its statuses moved."""
    lang = outcomes.language if outcomes is not None else "en"
    joiner = said("joiner", lang)
    done = outcomes.outcomes if outcomes is not None else {}
    dispatched = joiner.join(_outcome(name, n, lang) for name, n in sorted(done.items())) or said(
        "nothing_due", lang
    )
    sent = joiner.join(
        said("channel_count", lang, channel=channel_label(channel, lang), n=n)
        for (name, channel), n in sorted(day.sent_by_channel.items())
        if name == store.name
    ) or said("none", lang)
    responses = day.responses_of(store.shop)
    out.print(
        said("day", lang, store=store.name, outcomes=dispatched, sent=sent,
             unpaid=len(responses),
             paid=sum(1 for r in responses if r.paid_at is not None),
             reminded=sum(1 for r in responses if r.reminded),
             closed=sum(1 for r in responses if r.closed_at is not None),
             imports=sum(1 for report in day.imports if report.store == store.name),
             moves=_moves(day.moves_of(store.name), lang)),
        highlight=False,
    )  # fmt: skip


def _outcome(name: str, n: int, lang: str) -> str:
    if name not in OUTCOME_WORDS:
        return f"{name} {n:,}"
    zh, en = OUTCOME_WORDS[name]
    return (zh if lang == "zh" else en).format(n=f"{n:,}")


def _moves(moves: Counter[tuple[OrderStatus, OrderStatus]], lang: str) -> str:
    def name(status: OrderStatus) -> str:
        return status_label(status.value, lang) if lang == "zh" else status.value

    shown = said("joiner", lang).join(
        said("move", lang, before=name(before), after=name(after), n=n)
        for (before, after), n in sorted(moves.items())
    )
    return shown or said("none", lang)


def print_gateways(
    out: Console,
    gateways: LocalGateways,
    day: NextDay,
    stores: Sequence[DemoStore],
    languages: dict[str, str],
) -> None:
    """What the local gateways received for each store, with one message of it, contacts
    masked (an action's key, which the SMS and the e-mail carry, names its store)."""
    for store in stores:
        lang = languages.get(store.name, "en")
        sms = [m for m in gateways.sms if day.action_stores.get(m.key) == store.name]
        emails = [
            m for m in gateways.emails
            if day.action_stores.get(str(m.message["X-Winback-Key"])) == store.name
        ]  # fmt: skip
        out.print(
            said("gateways", lang, store=store.name, sms=len(sms), emails=len(emails),
                 sample=_sample(sms, emails, lang) if sms or emails else ""),
            highlight=False,
        )  # fmt: skip


def _sample(sms: list[CapturedSms], emails: list[CapturedEmail], lang: str) -> str:
    if sms:
        text = escape(_short(mask_text(sms[0].text)))
        return said("sms_sample", lang, to=mask_contact(sms[0].to), text=text)
    mail = emails[0]
    body = mail.message.get_body(preferencelist=("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    to = ", ".join(mask_contact(r) for r in mail.recipients)
    subject = escape(str(mail.message["Subject"]))
    text = escape(_short(mask_text(text)))
    return said("email_sample", lang, to=escape(to), subject=subject, text=text)


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
