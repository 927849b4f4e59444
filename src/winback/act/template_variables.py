"""The variables a template may use, where each comes from, and when it can be missing.

One catalogue, :data:`VARIABLES`, serves the renderer (:func:`message_variables` builds the
values of a real action) and the check made when settings load
(:func:`winback.act.template_check.validate_templates` renders every template with every
variable its playbooks pass, then with each variable that can be missing left out).

Values are text. Money (``amount``, ``total``) is written in the order's currency the way
the store's buyers read it (:mod:`winback.act.money`). A value that is empty is left out,
never passed as ``""``: a template tests it (``{% if item %}``) or gives it a default
(``{{ buyer_name | default('您好') }}``), and printing a missing one fails that action with
the variable's name instead of sending a message with a gap. Free text that came from
buyers or item titles (``item``, ``reason_evidence``) has its runs of whitespace made one
space and phone numbers and e-mail addresses masked: a message names the buyer's own contact
nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final
from urllib.parse import quote

from winback.act.money import parse_amount
from winback.act.voice import StoreVoice
from winback.model import Action, ActionChannel, Purpose
from winback.privacy import mask_text

__all__ = [
    "FREE_TEXT",
    "MONEY",
    "VARIABLES",
    "Presence",
    "Variable",
    "example_variables",
    "message_variables",
]


class Presence(StrEnum):
    ALWAYS = "always"
    """Every action of the playbook kinds that pass it has it."""
    SOMETIMES = "sometimes"
    """Some actions lack it (an order without item lines, a shop without a same-day cutoff)."""
    STORE = "store"
    """There when the store's settings give it (``pay_url``, ``postal_address``)."""
    MARKETING = "marketing"
    """A marketing message's signed unsubscribe link (e-mail always; SMS when links can be
    signed)."""
    NOT_YET = "not yet"
    """No action passes it yet; a template may use it with a fallback for when it comes."""


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    zh: str
    en: str
    presence: Presence = Presence.ALWAYS
    kinds: frozenset[str] = frozenset()
    """The playbook kinds that pass it; empty: every kind."""

    def example(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    def passed_by(self, kind: str | None) -> bool:
        return not self.kinds or kind is None or kind in self.kinds


_UNPAID = frozenset({"unpaid"})
_CLOSED = frozenset({"closed_followup"})
_SAVE = frozenset({"cancel_save"})
_NPS = frozenset({"nps"})
_RECEIPT = frozenset({"confirm_receipt"})
_ALL: Final = (
    Variable("shop", "the store's name (the SMS signature 【店名】)", "俏艺旗舰店", "Qiaoyi Store"),
    Variable("order_id", "the action's first order", "3012345678", "1001"),
    Variable("order_ids", "all its orders, 、 or , separated", "3012345678、3012345679",
             "1001, 1002"),
    Variable("order_count", "how many orders", "2", "2"),
    Variable("amount", "the amount, in the order's currency (money)", "168.90", "168.90"),
    Variable("currency", "the order's currency code", "CNY", "USD"),
    Variable("orders", "how many orders (as order_count)", "2", "2", kinds=_UNPAID),
    Variable("total", "the orders' total (money)", "258.00", "258.00", kinds=_UNPAID),
    Variable("ordered_at", "when the last order was placed, local", "03-01 10:12", "03-01 10:12",
             kinds=_UNPAID),
    Variable("closes_at", "when the platform closes the order, local", "2024-03-04 10:12",
             "2024-03-04 10:12", kinds=_UNPAID),
    Variable("buyer_type", "new or returning", "new", "new",
             kinds=_UNPAID | _CLOSED | _SAVE | _NPS | _RECEIPT),
    Variable("ships_today", "yes when paying now ships today", "yes", "yes", kinds=_UNPAID),
    Variable("pay_before", "the same-day shipping cutoff, local", "16:00", "4:00 pm",
             Presence.SOMETIMES, _UNPAID),
    Variable("payment_probability", "the chance it is paid anyway (0-1)", "0.35", "0.35",
             Presence.SOMETIMES, _UNPAID),
    Variable("item", "the first item titles", "白色针织开衫 M", "White cardigan, M",
             Presence.SOMETIMES, _UNPAID | _CLOSED | _SAVE | _NPS | _RECEIPT),
    Variable("closed_at", "when the order closed, local", "2024-02-29 12:00", "2024-02-29 12:00",
             kinds=_CLOSED),
    Variable("reason", "the loss reason code", "shipping_cost", "shipping_cost", kinds=_CLOSED),
    Variable("reason_guess", "the guessed reason code", "shipping_cost", "shipping_cost",
             kinds=_CLOSED),
    Variable("reason_label", "the guessed reason, in Chinese", "运费/额外费用高", "运费/额外费用高",
             kinds=_CLOSED),
    Variable("reason_label_en", "the guessed reason, in English", "High shipping / extra costs",
             "High shipping / extra costs", kinds=_CLOSED),
    Variable("reason_confidence", "how sure the guess is (0-1)", "0.80", "0.80", kinds=_CLOSED),
    Variable("reason_evidence", "the words the guess rests on", "运费", "shipping",
             Presence.SOMETIMES, _CLOSED),
    Variable("pay_url", "the store's pay page for the order ([store] pay_url)",
             "https://shop.example.com/pay/3012345678", "https://shop.example.com/pay/1001",
             Presence.STORE),
    Variable("postal_address", "the store's postal address ([store] postal_address)",
             "浙江省杭州市余杭区文一西路 969 号", "1 Market St, San Francisco, CA 94105",
             Presence.STORE),
    Variable("unsubscribe_url", "a signed one-click unsubscribe link (marketing)",
             "https://wb.example.com/u/abc", "https://wb.example.com/u/abc", Presence.MARKETING),
    Variable("received_at", "when the order was delivered (or confirmed), local", "2026-11-27",
             "2026-11-27", kinds=_NPS),
    Variable("survey_url", "the signed, single-use NPS survey link (made at send time)",
             "https://wb.example.com/s/abc", "https://wb.example.com/s/abc", kinds=_NPS),
    Variable("shipped_at", "when the order shipped, local", "2026-11-25", "2026-11-25",
             kinds=_RECEIPT),
    Variable("confirm_by", "when the platform confirms receipt by itself, local",
             "2026-12-05 10:00", "2026-12-05 10:00", kinds=_RECEIPT),
    Variable("preferences_url", "a signed link to the buyer's preference centre (marketing)",
             "https://wb.example.com/p/abc", "https://wb.example.com/p/abc", Presence.SOMETIMES),
    Variable("buyer_name", "the buyer's name", "张女士", "Alice", Presence.NOT_YET),
    Variable("agent", "the agent working the task", "小王", "Sam", Presence.NOT_YET),
    Variable("reason_url", "a signed link to the one-click reason form (cancel_save, when the "
             "shop can sign links)", "https://wb.example.com/r/abc",
             "https://wb.example.com/r/abc", Presence.SOMETIMES, _CLOSED | _SAVE),
)  # fmt: skip
VARIABLES: Final[Mapping[str, Variable]] = {v.name: v for v in _ALL}
MONEY: Final = frozenset({"amount", "total"})
FREE_TEXT: Final = frozenset({"item", "reason_evidence"})


def message_variables(
    action: Action,
    voice: StoreVoice,
    *,
    currency: str | None = None,
    unsubscribe_url: str | None = None,
) -> dict[str, str]:
    """The values a template gets for ``action`` of the store ``voice``: the store's, then
    the action's parameters (planned by its playbook), money in ``currency`` (default: the
    store's), the unsubscribe link when given. Empty values are left out."""
    currency = currency or voice.currency
    separator = "、" if voice.language == "zh" else ", "
    values = {
        "shop": voice.name,
        "currency": currency,
        "postal_address": voice.postal_address or "",
    }
    if action.order_ids:
        values |= {
            "order_id": action.order_ids[0],
            "order_ids": separator.join(action.order_ids),
            "order_count": str(len(action.order_ids)),
        }
        if voice.pay_url:
            values["pay_url"] = _pay_url(voice.pay_url, action.order_ids[0])
    for name, value in action.params.items():
        values[name] = _free_text(value) if name in FREE_TEXT else value
    values["amount"] = voice.money(action.amount, currency)
    if values.get("total"):
        values["total"] = voice.money(parse_amount(values["total"]), currency)
    if unsubscribe_url:
        values["unsubscribe_url"] = unsubscribe_url
    return {name: value for name, value in values.items() if value and value.strip()}


def _free_text(value: str) -> str:
    """Text from exports and buyers: runs of spaces, tabs and line breaks made one space
    (item titles often carry them), contacts masked."""
    return mask_text(" ".join(value.split()))


def _pay_url(pattern: str, order_id: str) -> str:
    return pattern.replace("{order_id}", quote(order_id, safe=""))


def example_variables(
    voice: StoreVoice,
    *,
    kind: str | None,
    channel: ActionChannel,
    purpose: Purpose,
    links: bool = False,
) -> tuple[dict[str, str], list[str]]:
    """Example values of every variable a ``kind`` playbook's action of ``voice`` may have,
    and the names of those that may be missing (``kind`` None: any playbook).

    Money is formatted as the renderer formats it. ``pay_url`` and ``postal_address`` are
    there when the store sets them, and never missing then; the unsubscribe link is there
    for marketing, and may be missing from a marketing SMS unless ``links`` (the shop can
    sign links; a marketing e-mail without one fails before it is rendered).
    """
    marketing = purpose is Purpose.MARKETING
    values: dict[str, str] = {}
    optional: list[str] = []
    store_values = {"pay_url": voice.pay_url, "postal_address": voice.postal_address}
    for variable in _ALL:
        if not variable.passed_by(kind):
            continue
        if variable.presence is Presence.STORE and not store_values[variable.name]:
            continue
        if variable.presence is Presence.MARKETING and not marketing:
            continue
        value = variable.example(voice.language)
        if variable.name in MONEY:
            value = voice.money(Decimal(value))
        elif variable.name == "shop":
            value = voice.name
        elif variable.name == "currency":
            value = voice.currency
        elif variable.name == "postal_address" and voice.postal_address:
            value = voice.postal_address
        elif variable.name == "pay_url" and voice.pay_url:
            value = _pay_url(voice.pay_url, "3012345678")
        values[variable.name] = value
        if variable.presence in (Presence.SOMETIMES, Presence.NOT_YET) or (
            variable.presence is Presence.MARKETING
            and channel is not ActionChannel.EMAIL
            and not links
        ):
            optional.append(variable.name)
    return values, optional
