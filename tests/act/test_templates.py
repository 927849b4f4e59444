"""The template library: versions, languages, sandboxed rendering and channel rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from winback.act.templates import (
    MissingVariableError,
    Template,
    TemplateError,
    TemplateLibrary,
    TemplateRuleError,
    parse_templates,
)
from winback.model import ActionChannel, Purpose

DEFAULT_NAMES = {
    "unpaid_new_buyer",
    "unpaid_new_buyer_email",
    "unpaid_returning_buyer",
    "unpaid_merged",
    "closed_followup",
    "closed_followup_email",
    "unpaid_phone_script",
    "unpaid_chat_script",
    "closed_followup_phone_script",
    "closed_followup_chat_script",
    "cancel_save",
    "cancel_save_email",
    "cancel_save_chat_script",
    "nps_survey",
    "nps_survey_email",
    "nps_survey_chat_script",
    "confirm_receipt",
    "confirm_receipt_chat_script",
}
MARKETPLACE_VARIANTS = {
    ("nps_survey_chat_script", "zh"),
    ("confirm_receipt", "zh"),
    ("confirm_receipt_chat_script", "zh"),
    ("unpaid_new_buyer", "zh"),
    ("unpaid_returning_buyer", "zh"),
    ("unpaid_chat_script", "zh"),
    ("closed_followup_chat_script", "zh"),
}


def sms(body: str, *, purpose: Purpose = Purpose.TRANSACTIONAL, language: str = "zh") -> Template:
    return Template(
        name="t",
        language=language,  # type: ignore[arg-type]
        version=1,
        channel=ActionChannel.SMS,
        purpose=purpose,
        body=body,
    )


def render(template: Template, max_sms_parts: int = 3, **variables: str) -> str:
    library = TemplateLibrary([template], max_sms_parts=max_sms_parts)
    return library.render(template.name, template.language, variables).body


def test_every_default_template_renders_its_sample_within_the_channel_rules() -> None:
    library = TemplateLibrary.defaults()
    assert library.validate() == {}
    names = {(t.name, t.language, t.platform) for t in library.templates()}
    assert names == {(name, lang, None) for name in DEFAULT_NAMES for lang in ("zh", "en")} | {
        (name, lang, "marketplace") for name, lang in MARKETPLACE_VARIANTS
    }


def test_the_new_buyer_reminder_says_pay_before_the_cutoff_and_it_ships_today() -> None:
    values = {"shop": "俏艺旗舰店", "order_id": "3012", "pay_before": "16:00"}
    library = TemplateLibrary.defaults()
    marketplace = library.render("unpaid_new_buyer", "zh", values, platform="taobao")
    own_site = library.render("unpaid_new_buyer", "zh", values, platform="shopify")
    assert marketplace.body == (
        "【俏艺旗舰店】您好，您拍下的订单3012还未付款，16:00前付款今天即可发货。如已付款请忽略。"
    )
    assert own_site.body == (
        "【俏艺旗舰店】您好，您的订单3012还未付款，16:00前付款今天即可发货。如已付款请忽略。"
    )


def test_without_a_cutoff_the_reminder_promises_no_time() -> None:
    rendered = TemplateLibrary.defaults().render(
        "unpaid_new_buyer", "zh", {"shop": "俏艺旗舰店", "order_id": "3012"}, platform="jd"
    )
    assert rendered.body == (
        "【俏艺旗舰店】您好，您拍下的订单3012还未付款，付款后尽快为您发货。如已付款请忽略。"
    )


def test_a_missing_variable_names_the_template_and_the_variable() -> None:
    library = TemplateLibrary.defaults()
    with pytest.raises(MissingVariableError, match=r"unpaid_merged v1 \(zh\): .*'total'") as info:
        library.render("unpaid_merged", "zh", {"shop": "店", "order_count": "2", "order_ids": "1"})
    assert info.value.variable == "total"


def test_the_latest_version_wins_unless_a_version_is_pinned(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[[template]]\nname = "unpaid_new_buyer"\nlanguage = "zh"\nversion = 2\n'
        'channel = "sms"\npurpose = "transactional"\n'
        'body = "【{{ shop }}】订单{{ order_id }}待付款"\n',
        encoding="utf-8",
    )
    library = TemplateLibrary.defaults().with_file(extra)
    values = {"shop": "小店", "order_id": "9", "pay_before": "16:00"}
    assert library.render("unpaid_new_buyer", "zh", values).body == "【小店】订单9待付款"
    assert "今天即可发货" in library.render("unpaid_new_buyer", "zh", values, version=1).body
    assert library.get("unpaid_new_buyer", "zh").version == 2


def test_the_same_version_twice_is_refused() -> None:
    template = sms("【店铺名】hi")
    with pytest.raises(TemplateError, match="defined twice"):
        TemplateLibrary([template, template])


def test_an_unknown_template_or_version_is_a_clear_error() -> None:
    library = TemplateLibrary.defaults()
    with pytest.raises(TemplateError, match="no template 'nope' in language 'zh'"):
        library.get("nope", "zh")
    with pytest.raises(TemplateError, match="has no version 7"):
        library.get("unpaid_merged", "en", 7)


def test_the_sandbox_refuses_to_reach_python_internals() -> None:
    template = sms("【店铺名】{{ ''.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(TemplateError, match="t v1"):
        render(template)


def test_html_is_autoescaped_and_plain_text_is_not() -> None:
    template = Template(
        name="e",
        language="en",
        version=1,
        channel=ActionChannel.EMAIL,
        purpose=Purpose.TRANSACTIONAL,
        subject="Order {{ order_id }}",
        body="Hi {{ name }}",
        html="<p>Hi {{ name }}</p>",
    )
    rendered = TemplateLibrary([template]).render("e", "en", {"order_id": "1", "name": "<b>Al</b>"})
    assert rendered.body == "Hi <b>Al</b>"
    assert rendered.html == "<p>Hi &lt;b&gt;Al&lt;/b&gt;</p>"
    assert rendered.subject == "Order 1"


def test_an_sms_without_the_shop_signature_is_refused() -> None:
    with pytest.raises(TemplateRuleError, match="signature"):
        render(sms("您的订单还未付款"))


def test_the_signature_may_close_the_sms() -> None:
    assert render(sms("您的订单还未付款【俏艺】")) == "您的订单还未付款【俏艺】"


def test_an_sms_longer_than_the_maximum_parts_is_refused_with_its_size() -> None:
    body = "【俏艺】" + "很" * 130  # 134 UCS-2 units = 2 parts
    assert render(sms(body), max_sms_parts=2) == body
    with pytest.raises(TemplateRuleError, match=r"135 ucs2 units = 3 parts, more than .* 2"):
        render(sms(body + "长"), max_sms_parts=2)


def test_a_marketing_sms_must_carry_the_opt_out_text() -> None:
    with pytest.raises(TemplateRuleError, match="拒收请回复R"):
        render(sms("【俏艺】新品上架", purpose=Purpose.MARKETING))
    assert render(sms("【俏艺】新品上架 拒收请回复R", purpose=Purpose.MARKETING))


def test_an_english_marketing_sms_must_say_reply_stop() -> None:
    with pytest.raises(TemplateRuleError, match="Reply STOP to opt out"):
        render(sms("[Qiaoyi] New arrivals", purpose=Purpose.MARKETING, language="en"))
    assert render(
        sms(
            "[Qiaoyi] New arrivals. Reply STOP to opt out", purpose=Purpose.MARKETING, language="en"
        )
    )


@pytest.mark.parametrize("word", ["优惠", "折扣", "SALE", "Discount", "20% off", "coupon"])
def test_a_payment_reminder_that_advertises_is_refused(word: str) -> None:
    with pytest.raises(TemplateRuleError, match="must not advertise"):
        render(sms(f"【俏艺】您的订单还未付款，{word}"))


def test_a_word_merely_containing_sale_is_not_advertising() -> None:
    assert render(sms("[Qiaoyi] wholesale order 12 awaits payment", language="en"))


def marketing_email(body: str, html: str | None = None) -> Template:
    return Template(
        name="m",
        language="en",
        version=1,
        channel=ActionChannel.EMAIL,
        purpose=Purpose.MARKETING,
        subject="News",
        body=body,
        html=html,
    )


def test_a_marketing_email_must_show_the_unsubscribe_link_and_the_postal_address() -> None:
    library = TemplateLibrary([marketing_email("Hello. {{ postal_address }}")])
    values = {"postal_address": "1 Market St", "unsubscribe_url": "https://s.example/u/1"}
    with pytest.raises(TemplateRuleError, match="unsubscribe link in every part"):
        library.render("m", "en", values)
    with pytest.raises(TemplateRuleError, match="needs an unsubscribe link"):
        library.render("m", "en", {"postal_address": "1 Market St"})


def test_a_marketing_email_needs_both_parts_to_carry_the_required_text() -> None:
    template = marketing_email(
        "Hello. {{ postal_address }} {{ unsubscribe_url }}", html="<p>Hello</p>"
    )
    values = {"postal_address": "1 Market St", "unsubscribe_url": "https://s.example/u/1"}
    with pytest.raises(TemplateRuleError, match="postal address in every part"):
        TemplateLibrary([template]).render("m", "en", values)


def test_a_broken_template_file_names_the_file_and_the_template(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[template]]\nname = "x"\nlanguage = "fr"\n', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"bad\.toml: template x: language must be"):
        TemplateLibrary.defaults().with_file(path)


template_entries = st.dictionaries(
    st.sampled_from(["name", "language", "version", "channel", "purpose", "body", "subject",
                     "sample", "colour"]),
    st.one_of(st.text(max_size=10), st.integers(), st.sampled_from(["zh", "en", "sms", "email",
              "marketing", "transactional"]), st.dictionaries(st.text(max_size=5),
              st.text(max_size=5), max_size=2)),
    max_size=9,
)  # fmt: skip


@given(st.lists(template_entries, max_size=3))
def test_any_template_file_loads_or_fails_with_a_template_error(
    entries: list[dict[str, Any]],
) -> None:
    text = tomli_w.dumps({"template": entries})
    try:
        templates = parse_templates(text, "shop.toml")
    except TemplateError as error:
        assert str(error).startswith("shop.toml: ")
        return
    assert len(templates) == len(entries)


@given(st.text(max_size=80))
def test_any_text_as_a_template_file_loads_or_fails_with_a_template_error(text: str) -> None:
    try:
        parse_templates(text, "shop.toml")
    except TemplateError as error:
        assert str(error).startswith("shop.toml: ")


@pytest.mark.parametrize("text", ['template = "x"', "template = [1, 2]", "template = {}"])
def test_templates_that_are_not_tables_are_refused(text: str) -> None:
    with pytest.raises(TemplateError, match=r"shop\.toml: template"):
        parse_templates(text, "shop.toml")
