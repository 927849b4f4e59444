"""Does the store's data agree with its unpaid-order deadline? (PRODUCT D6, I2)

The deadline (``store.unpaid_close_after``, else the platform's default, docs/deadlines.md)
closes unpaid orders in every figure. It can be wrong both ways, and the data says so:

* **Too long.** Among many paid orders none was paid later than a fraction of it (the
  setting says 72 h, yet of 25,000 payments the latest came 23 h 40 min after the order):
  the platform most likely closes earlier, and orders counted "unpaid" are already lost.
* **Too short.** Orders were paid after it (bank slips, boleto, cash deposits arrive days
  later): payments the figures treat as impossible, and reminders that stop too early.

:func:`deadline_notes` turns the store's payment delays into sentences with the figures,
for the import report and ``winback diagnose``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from winback.model import PaymentDelays

__all__ = ["MIN_PAYMENTS", "deadline_notes"]

MIN_PAYMENTS: Final = 1000
"""Fewest payments with a known time before "none came later than X" is worth saying."""
FAR_BELOW: Final = 0.5
"""The latest payment came before this share of the deadline: the deadline looks too long."""


def deadline_notes(
    delays: PaymentDelays, deadline: timedelta, setting: timedelta | None, language: str = "en"
) -> list[str]:
    """Sentences, in ``language`` (zh or en), on where the data contradicts ``deadline``
    (``setting`` is the store's own ``unpaid_close_after``; None when the platform default
    is in use)."""
    if delays.paid == 0 or delays.longest is None:
        return []
    zh = language == "zh"
    default = "平台默认值" if zh else "the platform's default"
    source = "store.unpaid_close_after" if setting is not None else default
    if delays.after_deadline:
        share = delays.after_deadline / delays.paid
        if zh:
            return [
                f"{delays.paid:,} 笔已付款订单中有 {delays.after_deadline:,} 笔"
                f"（{share:.1%}）在超过 {_span(deadline, zh)} 的关闭期限（{source}）后才付款，"
                f"最晚的在下单后 {_span(delays.longest, zh)}。"
                "在调高期限之前，这类订单在等待付款时按付款前关闭计算。"
            ]
        return [
            f"{delays.after_deadline:,} of {delays.paid:,} paid orders ({share:.1%}) were paid "
            f"later than the {_span(deadline, zh)} deadline ({source}); the latest "
            f"{_span(delays.longest, zh)} after the order. Until the deadline is raised, such "
            "orders count as closed before payment while they wait."
        ]
    if delays.paid >= MIN_PAYMENTS and delays.longest < deadline * FAR_BELOW:
        if zh:
            return [
                f"未付款关闭期限为 {_span(deadline, zh)}（{source}），"
                f"但 {delays.paid:,} 笔已付款订单中没有一笔在下单 "
                f"{_span(delays.longest, zh)} 之后付款：平台很可能更早关闭未付款订单，"
                "请设置 store.unpaid_close_after（见 docs/deadlines.md）。"
            ]
        return [
            f"the deadline is {_span(deadline, zh)} ({source}), but of {delays.paid:,} paid "
            f"orders none was paid later than {_span(delays.longest, zh)} after the order: the "
            "platform probably closes unpaid orders sooner; set store.unpaid_close_after "
            "(docs/deadlines.md)."
        ]
    return []


def _span(value: timedelta, zh: bool) -> str:
    d, h, m = ("天", "小时", "分钟") if zh else (" d", " h", " min")
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days >= 2:
        return f"{days}{d} {hours}{h}" if hours else f"{days}{d}"
    hours += days * 24
    if hours:
        return f"{hours}{h} {minutes}{m}" if minutes else f"{hours}{h}"
    return f"{minutes}{m}"
