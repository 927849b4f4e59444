"""Terminal output of ``winback dispatch``: what the run did, a line per store in that
store's language (``zh`` or ``en``); what belongs to the whole run (worker processes, actions
resolved after a crash) in English, as the run's notes are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from rich.console import Console
from rich.markup import escape

from winback.services.dispatch import StoreOutcomes

__all__ = ["OUTCOME_WORDS", "print_dispatch"]

WORDS: Final[dict[str, tuple[str, str]]] = {
    "store": (
        "{store}：{outcomes}（共 {claimed} 个动作）",
        "{store}: {outcomes} ({claimed} claimed)",
    ),
    "nothing": ("{store}：没有到期的动作", "{store}: nothing was due"),
    "joiner": ("，", ", "),
}
OUTCOME_WORDS: Final[dict[str, tuple[str, str]]] = {
    "sent": ("已发送 {n}", "sent {n}"),
    "deferred": ("推迟 {n}", "deferred {n}"),
    "cancelled": ("取消 {n}", "cancelled {n}"),
    "skipped": ("跳过 {n}", "skipped {n}"),
    "failed": ("失败 {n}", "failed {n}"),
    "retried": ("稍后重试 {n}", "retried {n}"),
    "lost": ("结果未记录 {n}", "lost {n}"),
}
"""Each outcome of an action in a run (:class:`winback.act.dispatcher.DispatchReport`)."""


def _said(table: Mapping[str, tuple[str, str]], key: str, language: str, **values: object) -> str:
    zh, en = table[key]
    return (zh if language == "zh" else en).format(**values)


def print_dispatch(
    console: Console,
    stores: Sequence[StoreOutcomes],
    *,
    workers: int,
    unattributed: Mapping[str, int],
    reconciled: Mapping[str, int],
) -> None:
    """A line per store, then the run's own: how many worker processes ran (when more than
    one), outcomes no one store can be credited with, actions resolved after a crash."""
    for store in stores:
        lang = store.language
        if not store.outcomes:
            line = _said(WORDS, "nothing", lang, store=store.store)
            console.print(escape(line), highlight=False)
            continue
        outcomes = _said(WORDS, "joiner", lang).join(
            _said(OUTCOME_WORDS, name, lang, n=f"{n:,}") if name in OUTCOME_WORDS
            else f"{name} {n:,}"
            for name, n in sorted(store.outcomes.items())
        )  # fmt: skip
        line = _said(WORDS, "store", lang, store=store.store, outcomes=outcomes,
                     claimed=f"{store.claimed:,}")  # fmt: skip
        console.print(escape(line), highlight=False)
    if workers > 1:
        console.print(f"{workers} worker processes", highlight=False)
    if unattributed:
        shown = ", ".join(f"{name} {n:,}" for name, n in sorted(unattributed.items()))
        console.print(f"not recorded for any one store: {shown}", highlight=False)
    if reconciled:
        console.print(f"reconciled after a crash: {dict(reconciled)}", highlight=False)
