"""Terminal output of the recovery engine: the plan summary, the agents' worklist and the
recovery report, in the store's language (``zh`` or ``en``) and money in the store's currency.
Contacts arrive masked from the service; nothing here unmasks them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from winback.present.fitting import print_table
from winback.present.numbers import money
from winback.services.recovery import PlanResult, RecoveryReport, TaskCard, timing_sentence

CHANNEL_LABELS: Final = {
    "sms": ("短信", "SMS"),
    "email": ("邮件", "e-mail"),
    "phone_task": ("电话任务", "phone task"),
    "chat_task": ("聊天任务", "chat task"),
    "im_robot": ("群机器人", "team robot"),
}
PLAYBOOK_LABELS: Final = {
    "unpaid": ("未付款提醒", "unpaid"),
    "closed_followup": ("关闭订单回访", "closed_followup"),
    "cancel_save": ("取消订单挽留", "cancel_save"),
}
WORDS: Final[dict[str, tuple[str, str]]] = {
    "plan_title": ("{store} 的挽回计划", "Recovery plan for {store}"),
    "playbook": ("策略", "playbook"),
    "step": ("步骤", "step"),
    "channel": ("渠道", "channel"),
    "actions": ("动作数", "actions"),
    "held_out": ("对照组", "held out"),
    "plan_orders": (
        "{unpaid} 笔未付款订单待跟进，{closed} 笔昨天关闭；首次提醒时间：{timing}",
        "{unpaid} open unpaid orders, {closed} closed yesterday; first reminder timing: {timing}",
    ),
    "unreachable": (
        "{playbook}：{n} 笔订单无法触达（没有能联系到买家的渠道：不做动作）",
        "{playbook}: {n} orders unreachable (no channel reaches the buyer: no action)",
    ),
    "reordered": (
        "其中 {n} 笔买家已重新下单（{paid} 笔已付款）：不提醒、不回访",
        "{n} of them placed again by their buyer ({paid} paid): no reminder or follow-up",
    ),
    "planned": (
        "计划 {planned} 个动作：新增 {created} 个（其中对照组 {held} 个），{existing} 个已在发件箱",
        "{planned} actions planned: {created} new ({held} held out), {existing} already in "
        "the outbox",
    ),
    "no_tasks": ("没有待办任务。", "No open tasks."),
    "card_title": (
        "#{id}  {kind}  {due} 到期  （{playbook}，第 {step} 步）",
        "#{id}  {kind}  due {due}  ({playbook}, step {step})",
    ),
    "orders_amount": ("订单：{orders}   金额：{amount}", "orders: {orders}   amount: {amount}"),
    "buyer": ("买家：{who}", "buyer: {who}"),
    "phone": ("   电话：{phone}", "   phone: {phone}"),
    "unknown_buyer": ("未知买家", "unknown buyer"),
    "history": (
        "历史：{orders} 笔订单，{paid} 笔已付款，累计付款 {amount}",
        "history: {orders} orders, {paid} paid, {amount} paid in total",
    ),
    "closed_inferred": (
        "关闭：最晚 {at}（推断：导出文件没有关闭时间）",
        "closed: by {at} at the latest (inferred: the export gives no close time)",
    ),
    "closed_at": ("关闭：{at}", "closed: {at}"),
    "reason_guess": (
        "原因推测：{label}（{code}，置信度 {confidence}），依据原话：{words}",
        "reason guess: {label} ({code}, confidence {confidence}), from the words: {words}",
    ),
    "reason_unknown": (
        "原因：未知（没有文字说明原因；请先看聊天记录）",
        "reason: unknown (no text says why; read the chat)",
    ),
    "chat": ("最近聊天：", "last chat lines:"),
    "script": ("话术：", "script:"),
    "script_missing": ("话术：{problem}", "script: {problem}"),
    "outcome": ("结果：{outcome}（{agent}）", "outcome: {outcome} ({agent})"),
    "unknown_agent": ("未知客服", "unknown agent"),
    "recovered_title": (
        "{store} 的挽回结果：动作后 {hours:g} 小时内付款，记在最后一个动作上"
        "（docs/measurement.md）",
        "Recovered for {store}: payment within {hours:g} h of an action, credited to the last "
        "one (docs/measurement.md)",
    ),
    "nothing_reached": ("还没有动作触达买家。", "No action has reached a buyer yet."),
    "by_buyer": (
        "买家自行挽回（重新下单并付款；不记在任何动作上）：{orders} 笔，付款 {amount}",
        "Recovered by the buyer (placed again and paid; credited to no action): {orders} "
        "orders, {amount} paid",
    ),
    "by_buyer_reached": ("；其中 {n} 笔之前已被提醒过", "; {n} of them had been reminded first"),
    "channel_template": ("渠道 / 模板", "channel / template"),
    "agent": ("客服", "agent"),
    "sent": ("已发送", "sent"),
    "reached": ("触达", "reached"),
    "paid": ("已付款", "paid"),
    "amount": ("金额", "amount"),
    "rate": ("挽回率", "rate"),
    "cost": ("成本", "cost"),
    "roi": ("ROI", "ROI"),
    "recovered_by_buyer": ("买家自行", "by buyer"),
    "nothing_planned": ("还没有策略做过计划。", "No playbook has planned anything yet."),
    "lift_title": ("与对照组相比（增量挽回）", "Against the holdout (incremental recovery)"),
    "treated_held": ("处理组 / 对照组订单", "orders treated / held out"),
    "lift": ("提升，95% 区间", "lift, 95% CI"),
    "extra_orders": ("增量订单", "extra orders"),
    "extra_amount": ("增量金额，95% 区间", "extra amount, 95% CI"),
    "to": ("至", "to"),
    "saves_title": (
        "取消订单挽留（买家重新下单并付款；docs/offers.md）",
        "Cancelled-order saves (the buyer paid a new order; docs/offers.md)",
    ),
    "back": ("回来并付款", "back"),
    "extra_amount_plain": ("增量金额", "extra amount"),
    "answers": ("填写原因", "answers"),
    "coupons": ("优惠券 发放 / 核销", "coupons issued / redeemed"),
    "offer_cost": ("优惠成本", "offer cost"),
    "net": ("净增量", "net"),
    "reasons_given": ("{playbook}：买家给出的原因：{said}", "{playbook}: reasons given: {said}"),
}


def words(key: str, language: str, **values: object) -> str:
    """``key`` in the store's language, with ``{names}`` filled in."""
    zh, en = WORDS[key]
    chosen = zh if language == "zh" else en
    return chosen.format(**values) if values else chosen


def channel_label(channel: str, language: str = "en") -> str:
    zh, en = CHANNEL_LABELS.get(channel, (channel, channel))
    return zh if language == "zh" else en


def playbook_label(playbook: str, language: str) -> str:
    zh, en = PLAYBOOK_LABELS.get(playbook, (playbook, playbook))
    return zh if language == "zh" else en


def print_plan(console: Console, result: PlanResult) -> None:
    """Counts per playbook, step and channel, then what was new to the outbox."""
    lang = result.language
    table = Table(title=words("plan_title", lang, store=result.store), title_justify="left")
    for key in ("playbook", "step", "channel", "actions", "held_out"):
        table.add_column(
            words(key, lang), justify="left" if key in ("playbook", "channel") else "right"
        )
    merged: dict[tuple[str, int, str], list[int]] = {}
    for (playbook, step, channel, held), count in result.groups.items():
        merged.setdefault((playbook, step, channel), [0, 0])[1 if held else 0] += count
    for (playbook, step, channel), (treated, controls) in sorted(merged.items()):
        table.add_row(
            playbook_label(playbook, lang),
            str(step),
            channel_label(channel, lang),
            str(treated + controls),
            str(controls),
        )
    print_table(console, table)
    console.print(
        words("plan_orders", lang, unpaid=result.unpaid_orders, closed=result.closed_orders,
              timing=timing_sentence(result.timing, result.timing_seconds, lang)),
        highlight=False,
    )  # fmt: skip
    for playbook, count in sorted((result.unreachable or {}).items()):
        console.print(
            words("unreachable", lang, playbook=playbook_label(playbook, lang), n=count),
            highlight=False,
        )
    if result.reordered:
        console.print(
            words("reordered", lang, n=result.reordered, paid=result.recovered_by_buyer),
            highlight=False,
        )
    console.print(
        words("planned", lang, planned=result.planned, created=result.created,
              held=result.held_out, existing=result.existing),
        highlight=False,
    )  # fmt: skip


def print_worklist(console: Console, cards: Sequence[TaskCard], language: str = "en") -> None:
    """One panel per task, earliest due first."""
    if not cards:
        console.print(words("no_tasks", language))
        return
    for card in cards:
        console.print(
            Panel(
                _card_body(card, language),
                title=_card_title(card, language),
                title_align="left",
            )
        )


def _card_title(card: TaskCard, lang: str) -> str:
    return words(
        "card_title",
        lang,
        id=card.action_id,
        kind=channel_label(card.channel, lang),
        due=card.due_local,
        playbook=playbook_label(card.playbook, lang),
        step=card.step,
    )


def _card_body(card: TaskCard, lang: str) -> str:
    amount = money(Decimal(card.amount), card.currency)
    lines = [words("orders_amount", lang, orders=", ".join(card.order_ids), amount=amount)]
    who = card.buyer or words("unknown_buyer", lang)
    if card.phone:
        who += words("phone", lang, phone=card.phone)
    lines.append(words("buyer", lang, who=who))
    if card.history is not None:
        history = card.history
        paid = money(history.paid_amount, card.currency)
        lines.append(
            words("history", lang, orders=history.orders, paid=history.paid_orders, amount=paid)
        )
    params = card.params
    if params.get("closed_at_inferred") == "yes":
        lines.append(words("closed_inferred", lang, at=params.get("closed_by", "?")))
    elif params.get("closed_at"):
        lines.append(words("closed_at", lang, at=params["closed_at"]))
    if params.get("reason_evidence"):
        label = params.get("reason_label" if lang == "zh" else "reason_label_en")
        lines.append(
            words(
                "reason_guess",
                lang,
                label=label or params["reason_guess"],
                code=params["reason_guess"],
                confidence=params.get("reason_confidence"),
                words=params["reason_evidence"],
            )
        )
    elif "reason_guess" in params:
        lines.append(words("reason_unknown", lang))
    if card.chat:
        lines.append(words("chat", lang))
        lines += [f"  {line.sender}: {line.text}" for line in card.chat]
    if card.script:
        lines += [words("script", lang), *(f"  {line}" for line in card.script.splitlines())]
    else:
        lines.append(words("script_missing", lang, problem=card.script_problem or card.template))
    if card.outcome is not None:
        agent = card.outcome.agent or words("unknown_agent", lang)
        lines.append(words("outcome", lang, outcome=card.outcome.outcome, agent=agent))
    return "\n".join(lines)


def print_recovery(console: Console, report: RecoveryReport) -> None:
    """The attributed table (one per playbook), then the holdout comparison."""
    lang = report.language
    rows = report.table.to_pylist()
    console.print(
        words("recovered_title", lang, store=report.store, hours=report.window_hours),
        highlight=False,
    )
    if not rows:
        console.print(words("nothing_reached", lang))
    for playbook in sorted({row["playbook"] for row in rows}):
        print_table(
            console, _attributed(report, playbook, [r for r in rows if r["playbook"] == playbook])
        )
    _print_lift(console, report, report.lift.to_pylist())
    _print_by_buyer(console, report, report.by_buyer.to_pylist()[0])
    _print_saves(console, report, list(report.saves))


def _print_saves(console: Console, report: RecoveryReport, rows: list[dict[str, Any]]) -> None:
    """Cancelled-order saves: back and paid within the window, against the holdout, with
    what the offers and coupons cost (docs/offers.md)."""
    if not rows:
        return
    lang, currency = report.language, report.currency
    table = Table(title=words("saves_title", lang), title_justify="left")
    keys = ("playbook", "treated_held", "back", "lift", "extra_amount_plain", "answers",
            "coupons", "offer_cost", "net", "roi")  # fmt: skip
    for key in keys:
        table.add_column(words(key, lang), justify="left" if key == "playbook" else "right")
    for row in rows:
        table.add_row(
            playbook_label(row["playbook"], lang),
            f"{row['treated_orders']} / {row['held_out_orders']}",
            f"{_pct(row['treated_rate'])} / {_pct(row['held_out_rate'])}",
            _interval(row["lift"], row["lift_lower"], row["lift_upper"], lang),
            _money_or_dash(row["incremental_amount"], currency),
            str(row["answers"]),
            f"{row['coupons_issued']} / {row['coupons_redeemed']}",
            _money_or_dash(row["offer_cost"], currency),
            _money_or_dash(row["net_incremental_amount"], currency),
            _ratio(row["roi"]),
        )
    print_table(console, table)
    for row in rows:
        if row["reasons"]:
            said = ", ".join(f"{reason} {n}" for reason, n in row["reasons"].items())
            console.print(
                words("reasons_given", lang, playbook=playbook_label(row["playbook"], lang),
                      said=said),
                highlight=False,
            )  # fmt: skip


def _money_or_dash(value: Any, currency: str) -> str:
    return "—" if value in (None, "") else money(Decimal(str(value)), currency)


def _print_by_buyer(console: Console, report: RecoveryReport, row: dict[str, Any]) -> None:
    """The orders the buyers recovered themselves: credited to no action."""
    lang = report.language
    amount = money(row["amount_recovered_by_buyer"], report.currency)
    line = words("by_buyer", lang, orders=row["orders_recovered_by_buyer"], amount=amount)
    if row["reached_before"]:
        line += words("by_buyer_reached", lang, n=row["reached_before"])
    console.print(line, highlight=False)


def _attributed(report: RecoveryReport, playbook: str, rows: list[dict[str, Any]]) -> Table:
    lang, currency = report.language, report.currency
    table = Table(title=playbook_label(playbook, lang), title_justify="left")
    agents = any(row["agent"] for row in rows)
    keys = ("step", "channel_template", *(("agent",) if agents else ()), "sent", "reached",
            "paid", "amount", "rate", "cost", "roi", "recovered_by_buyer")  # fmt: skip
    for key in keys:
        table.add_column(
            words(key, lang), justify="left" if key in ("channel_template", "agent") else "right"
        )
    for row in rows:
        table.add_row(
            str(row["step"]),
            f"{channel_label(row['channel'], lang)}\n{row['template']}",
            *((row["agent"] or "—",) if agents else ()),
            str(row["actions_sent"]),
            str(row["orders_reached"]),
            str(row["orders_recovered"]),
            money(row["amount_recovered"], currency),
            _pct(row["recovery_rate"]),
            money(row["cost"], currency),
            _ratio(row["roi"]),
            str(row["recovered_by_buyer"]),
        )
    return table


def _print_lift(console: Console, report: RecoveryReport, rows: list[dict[str, Any]]) -> None:
    lang = report.language
    if not rows:
        console.print(words("nothing_planned", lang))
        return
    table = Table(title=words("lift_title", lang), title_justify="left")
    keys = ("playbook", "treated_held", "paid", "lift", "extra_orders", "extra_amount")
    for key in keys:
        table.add_column(words(key, lang), justify="left" if key == "playbook" else "right")
    for row in rows:
        table.add_row(
            playbook_label(row["playbook"], lang),
            f"{row['treated_orders']} / {row['held_out_orders']}",
            f"{_pct(row['treated_rate'])} / {_pct(row['held_out_rate'])}",
            _interval(row["lift"], row["lift_lower"], row["lift_upper"], lang),
            _number(row["incremental_orders"]),
            _amount_interval(row, report),
        )
    print_table(console, table)


def _amount_interval(row: dict[str, Any], report: RecoveryReport) -> str:
    """The extra amount with the per-order interval scaled to the treated orders."""
    if row["incremental_amount"] is None:
        return "—"
    treated = row["treated_orders"]
    low = Decimal(str(row["amount_lift_lower"])) * treated
    high = Decimal(str(row["amount_lift_upper"])) * treated
    currency = report.currency
    return (
        f"{money(row['incremental_amount'], currency)}\n"
        f"{money(low, currency)} {words('to', report.language)} {money(high, currency)}"
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}×"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _interval(estimate: Any, lower: Any, upper: Any, language: str) -> str:
    """A lift in percentage points with its interval."""
    if estimate is None:
        return "—"
    to = words("to", language)
    return f"{estimate * 100:+.1f} pp\n{lower * 100:+.1f} {to} {upper * 100:+.1f}"
