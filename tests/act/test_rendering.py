"""The template renderer: store settings become template variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from winback.act.rendering import TemplateRenderer
from winback.config import Settings, StoreSettings
from winback.model import Action, ActionChannel, ActionStatus, Purpose
from winback.testing import DEFAULT_NOW, FixedClock


def renderer(**store: str) -> TemplateRenderer:
    settings = Settings(store=StoreSettings(name="Qiaoyi Global", language="en", **store))
    return TemplateRenderer.from_settings(settings, clock=FixedClock(DEFAULT_NOW), signer=None)


def reminder_email() -> Action:
    return Action(
        id=1,
        store_id=1,
        key="order:A/1001:unpaid:1",
        playbook="unpaid",
        step=1,
        channel=ActionChannel.EMAIL,
        purpose=Purpose.TRANSACTIONAL,
        status=ActionStatus.SENDING,
        due_at=DEFAULT_NOW,
        template="unpaid_new_buyer_email",
        created_at=DEFAULT_NOW,
        updated_at=DEFAULT_NOW,
        order_ids=("A/1001",),
        params={"pay_before": "4 pm"},
    )


def test_a_reminder_email_links_to_the_stores_pay_page_for_its_order() -> None:
    shop = renderer(pay_url="https://shop.example.com/orders/{order_id}/pay")
    message = shop.render(reminder_email(), "alice@example.com")
    assert "https://shop.example.com/orders/A%2F1001/pay" in message.body


def test_without_a_pay_page_the_reminder_email_says_where_to_pay_instead() -> None:
    message = renderer().render(reminder_email(), "alice@example.com")
    assert "Sign in to your account and pay from the order page." in message.body
    assert "Pay now:" not in message.body and "pay_url" not in message.body


@pytest.mark.parametrize("url", ["https://shop.example.com/pay", "ftp://x/{order_id}"])
def test_a_pay_page_must_be_a_web_address_naming_the_order(url: str) -> None:
    with pytest.raises(ValidationError, match="order_id"):
        StoreSettings(pay_url=url)


def test_free_text_is_tidied_and_its_contacts_masked_and_empty_values_left_out() -> None:
    from winback.act.template_variables import message_variables
    from winback.act.voice import StoreVoice

    store = StoreVoice(name="俏艺旗舰店", platform="taobao", language="zh", currency="CNY")
    planned = reminder_email()
    params = {"item": "白色  开衫\t联系13800138000 a@b.cn", "pay_before": " ", "note": ""}
    values = message_variables(
        Action(
            **{f: getattr(planned, f) for f in planned.__dataclass_fields__} | {"params": params}
        ),
        store,
    )
    assert values["item"] == "白色 开衫 联系138****8000 a***@b.cn"
    assert "pay_before" not in values and "note" not in values
    assert values["amount"] == "¥0.00" and values["currency"] == "CNY"
