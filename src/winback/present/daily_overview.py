"""Terminal output of a store's orders by status per day: the last two weeks, the totals
and the days that lost the most orders before payment, in the store's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from winback.present.fitting import print_table
from winback.present.terminal import money

__all__ = ["print_daily_overview"]

ALERT_RATIO = 0.45
WARN_RATIO = 0.30
SHOWN_DAYS = 14


_OVERVIEW_WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("{store}：每日订单状态", "{store}: orders by status per day"),
    "day": ("日期", "day"),
    "orders": ("订单数", "orders"),
    "amount": ("金额（{currency}）", "amount ({currency})"),
    "unpaid": ("未付款", "unpaid"),
    "paid": ("已付款", "paid"),
    "shipped": ("已发货", "shipped"),
    "settled": ("交易成功", "settled"),
    "closed": ("付款前关闭", "closed"),
    "refund_cancel": ("退款/取消", "refund/cancel"),
    "closed_share": ("关闭率", "closed %"),
    "new": ("新买家", "new"),
    "returning": ("老买家", "returning"),
    "all_days": ("全部 {n} 天", "all {n} days"),
    "shown": ("显示最近 {shown} 天，共 {n} 天", "last {shown} of {n} days shown"),
    "worst": (
        "付款前流失超过 {pct} 订单的日子：{days}",
        "Days losing more than {pct} of orders before payment: {days}",
    ),
    "no_orders": ("还没有订单。", "No orders yet."),
}
_WEEKDAYS_ZH: Final = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _overview_said(key: str, language: str, **values: object) -> str:
    zh, en = _OVERVIEW_WORDS[key]
    return (zh if language == "zh" else en).format(**values)


def print_daily_overview(
    console: Console, overview: pa.Table, *, store: str, currency: str, language: str = "en"
) -> None:
    """Orders by status per day (the last two weeks), totals, and the worst days, titled
    with the store's name, in its language and with amounts in its currency."""
    lang = language
    days = overview.to_pylist()
    if not days:
        console.print(_overview_said("no_orders", lang))
        return
    table = Table(title=_overview_said("title", lang, store=store), title_justify="left")
    for key in ("day", "orders", "amount", "unpaid", "paid", "shipped", "settled", "closed",
                "refund_cancel", "closed_share", "new", "returning"):  # fmt: skip
        header = _overview_said(key, lang, currency=currency)
        table.add_column(header, justify="left" if key == "day" else "right")
    for day in days[-SHOWN_DAYS:]:
        table.add_row(*_overview_cells(day, _day_label(day["day"], lang)))
    table.add_section()
    table.add_row(*_overview_cells(_totals(days), _overview_said("all_days", lang, n=len(days))))
    if len(days) > SHOWN_DAYS:
        table.caption = _overview_said("shown", lang, shown=SHOWN_DAYS, n=len(days))
    print_table(console, table)
    worst = [day for day in days if _closed_ratio(day) > ALERT_RATIO]
    if worst:
        listed = ", ".join(f"{day['day']:%m-%d} ({_closed_ratio(day):.0%})" for day in worst)
        line = _overview_said("worst", lang, pct=f"{ALERT_RATIO:.0%}", days=listed)
        console.print(f"[red]{line}[/]")


def _day_label(day: date, lang: str) -> str:
    if lang == "zh":
        return f"{day:%m-%d} {_WEEKDAYS_ZH[day.weekday()]}"
    return f"{day:%m-%d %a}"


def _overview_cells(day: dict[str, Any], label: str) -> list[str]:
    ratio = _closed_ratio(day)
    colour = "red" if ratio > ALERT_RATIO else "yellow" if ratio > WARN_RATIO else "green"
    return [
        label,
        f"{day['orders']:,}",
        money(day["amount"] or Decimal(0)),
        f"{day['pending']:,}",
        f"{day['paid']:,}",
        f"{day['shipped'] + day['delivered']:,}",
        f"{day['settled']:,}",
        f"{day['closed']:,}",
        f"{day['refunded'] + day['cancelled']:,}",
        f"[{colour}]{ratio:.1%}[/]",
        f"{day['new_buyers']:,}",
        f"{day['returning_buyers']:,}",
    ]


def _closed_ratio(day: dict[str, Any]) -> float:
    return day["closed"] / day["orders"] if day["orders"] else 0.0


def _totals(days: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [key for key in days[0] if key != "day"]
    return {
        key: sum((day[key] or 0 for day in days), Decimal(0) if "amount" in key else 0)
        for key in keys
    }
