"""Every shipped template and script, for every platform, currency and missing variable:
money in the order's currency (11.3), the platform's voice (11.3), no gaps (11.4)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from winback.act.links import LinkSigner
from winback.act.money import format_money
from winback.act.rendering import TemplateRenderer
from winback.act.template_variables import VARIABLES, Presence
from winback.act.templates import Template, TemplateLibrary
from winback.act.voice import PlatformFamily, StoreVoice, family_of
from winback.model import Action, ActionStatus, Platform
from winback.testing import DEFAULT_NOW, FixedClock

LIBRARY = TemplateLibrary.defaults()
SHIPPED = LIBRARY.templates()
NAMES = sorted({(t.name, t.language) for t in SHIPPED})
CURRENCIES = ["CNY", "USD", "EUR", "JPY", "HKD", "TWD", "GBP", "CAD", "AUD", "SGD"]
PLATFORMS = [str(p) for p in Platform]
MARKETPLACE_WORDS = ("亲", "旺旺", "拍下", "宝贝")
GAPS = [
    r"请问是吗", r"是[，,]", r"（\s*）", r"\(\s*\)", r"「\s*」", r'"\s*"', r"【\s*】",
    r"[，,]\s*[，。,]", r"[，。]前", r"^\s*前", r"[：:]\s*$", r"\bNone\b", r"\{\{|\}\}|\{%|%\}",
    r"before\s+(and|ships)", r"\s+[,.]", r"  \S",
]  # fmt: skip
SIGNER = LinkSigner(b"k" * 32)


def kind_of(template: Template) -> str:
    for prefix, kind in (
        ("closed_", "closed_followup"),
        ("nps_", "nps"),
        ("confirm_", "confirm_receipt"),
    ):
        if template.name.startswith(prefix):
            return kind
    return "unpaid"


def params(template: Template, language: str, *, without: str | None = None) -> dict[str, str]:
    """What the playbook plans into an action (money as plain amounts, as decide writes it)."""
    kind = kind_of(template)
    values = {
        v.name: v.example(language)
        for v in VARIABLES.values()
        if v.passed_by(kind) and v.presence in (Presence.ALWAYS, Presence.SOMETIMES)
    }
    for name in ("buyer_name", "agent") + (("reason_url",) if kind != "unpaid" else ()):
        values[name] = VARIABLES[name].example(language)
    values.pop(without or "", None)
    return values


def action(template: Template, values: dict[str, str]) -> Action:
    return Action(
        id=7,
        store_id=1,
        key="order:3012345678:unpaid:1",
        playbook=kind_of(template),
        step=1,
        channel=template.channel,
        purpose=template.purpose,
        status=ActionStatus.SENDING,
        due_at=DEFAULT_NOW,
        template=template.name,
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
        order_ids=("3012345678",),
        amount=Decimal("168.90"),
        params=values,
    )


def voice(language: str, platform: str, currency: str = "CNY") -> StoreVoice:
    return StoreVoice(
        name="俏艺旗舰店" if language == "zh" else "Qiaoyi Store",
        platform=platform,
        language=language,  # type: ignore[arg-type]
        currency=currency,
        timezone="Asia/Shanghai" if language == "zh" else "America/New_York",
        postal_address=VARIABLES["postal_address"].example(language),
        pay_url="https://shop.example.com/pay/{order_id}",
    )


def renderer(store: StoreVoice) -> TemplateRenderer:
    return TemplateRenderer(
        LIBRARY,
        voice_of=lambda store_id: store,
        clock=FixedClock(DEFAULT_NOW),
        signer=SIGNER,
        public_url="https://wb.example.com",
    )


def texts(template: Template, values: dict[str, str], store: StoreVoice) -> str:
    message = renderer(store).render(action(template, values), "13800138000")
    assert message.key == "order:3012345678:unpaid:1"  # a real render, not the plain fallback
    return "\n".join(part for part in (message.subject, message.body, message.html) if part)


@pytest.mark.parametrize("currency", CURRENCIES)
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("name", "language"), NAMES)
def test_every_shipped_template_renders_for_every_platform_and_currency(
    name: str, language: str, platform: str, currency: str
) -> None:
    store = voice(language, platform, currency)
    template = LIBRARY.get(name, language, platform=platform)
    text = texts(template, params(template, language), store)
    money = [format_money(Decimal(v), currency, store.locale) for v in ("168.90", "258.00")]
    for written in money:
        text = text.replace(written, "<money>")
    if "amount" in template.body:
        assert "<money>" in text
    assert not re.search(r"[¥$€£]|元", text), f"a currency sign outside the money: {text}"
    if family_of(platform) is not PlatformFamily.MARKETPLACE:
        assert not [word for word in MARKETPLACE_WORDS if word in text], text


def test_a_chinese_marketplace_shop_chats_in_the_marketplaces_voice() -> None:
    chat = LIBRARY.get("unpaid_chat_script", "zh", platform="taobao")
    own = LIBRARY.get("unpaid_chat_script", "zh", platform="shopify")
    assert chat.platform == "marketplace" and own.platform is None
    assert texts(chat, params(chat, "zh"), voice("zh", "taobao")).startswith("亲，您好～")
    assert texts(own, params(own, "zh"), voice("zh", "shopify")).startswith("您好！")


def optional_cases() -> list[Any]:
    cases = []
    for template in SHIPPED:
        kind = kind_of(template)
        for variable in VARIABLES.values():
            missing = variable.presence in (Presence.SOMETIMES, Presence.NOT_YET)
            if missing and variable.passed_by(kind):
                cases.append(
                    pytest.param(template, variable.name, id=f"{template.label}-{variable.name}")
                )
        cases.append(pytest.param(template, "pay_url", id=f"{template.label}-pay_url"))
    return cases


@pytest.mark.parametrize(("template", "missing"), optional_cases())
def test_a_shipped_template_reads_well_without_an_optional_variable(
    template: Template, missing: str
) -> None:
    platform = "taobao" if template.platform == "marketplace" else "shopify"
    store = voice(template.language, platform)
    if missing == "pay_url":
        store = StoreVoice(**{**store.__dict__, "pay_url": None})
    text = texts(template, params(template, template.language, without=missing), store)
    gaps = [gap for gap in GAPS if re.search(gap, text, re.M)]
    assert not gaps, f"{template.label} without {missing}: {gaps}\n{text}"


def test_without_the_buyers_name_the_phone_script_does_not_ask_for_nobody() -> None:
    """Issue 11.4: every Chinese phone script began '您好，请问是吗？'."""
    script = LIBRARY.get("unpaid_phone_script", "zh")
    text = texts(script, params(script, "zh", without="buyer_name"), voice("zh", "taobao"))
    assert text.startswith("1. 您好，打扰您一分钟。我是俏艺旗舰店的客服小王。")
    named = texts(script, params(script, "zh"), voice("zh", "taobao"))
    assert named.startswith("1. 您好，请问是张女士吗？")


def test_every_shipped_template_has_a_version_for_any_store_in_both_languages() -> None:
    """A platform's own wording is an addition; a generic store always finds a template."""
    for name, _ in NAMES:
        for language in ("zh", "en"):
            assert LIBRARY.get(name, language, platform="generic").platform is None


def test_a_merged_reminder_totals_in_the_orders_currency() -> None:
    merged = LIBRARY.get("unpaid_merged", "en")
    text = texts(merged, params(merged, "en"), voice("en", "shopify", "EUR"))
    assert "€258.00 in all" in text


def test_the_pay_before_time_is_left_out_of_the_pay_by_message_when_there_is_none() -> None:
    sms = LIBRARY.get("unpaid_new_buyer", "en")
    text = texts(sms, params(sms, "en", without="pay_before"), voice("en", "shopify", "USD"))
    assert "Pay now and we ship it right away." in text and "before" not in text


def test_an_unsubscribe_link_lasts_half_a_year() -> None:
    from winback.act.rendering import UNSUBSCRIBE_VALID_FOR

    assert timedelta(days=180) == UNSUBSCRIBE_VALID_FOR


@pytest.mark.parametrize(
    "broken", ["1. 您好，请问是吗？我是俏艺的客服。", "您的订单3012还未付款，前付款今天即可发货。",
               "Pay before  and it ships today.", "订单（）还未付款", "None"],
)  # fmt: skip
def test_the_gap_check_catches_the_messages_the_issues_quote(broken: str) -> None:
    assert any(re.search(gap, broken, re.M) for gap in GAPS)
