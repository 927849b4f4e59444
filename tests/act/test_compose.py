"""Composing messages from templates: rendered text, unsubscribe headers, provider params."""

from __future__ import annotations

import pytest

from winback.act.channels.base import Outcome, SendResult
from winback.act.channels.memory import MemoryChannel
from winback.act.compose import compose_message
from winback.act.templates import TemplateError, TemplateLibrary, TemplateRuleError
from winback.model import ActionChannel

LIBRARY = TemplateLibrary.defaults()


def test_an_sms_reminder_carries_the_provider_template_and_its_ordered_params() -> None:
    values = {"shop": "俏艺旗舰店", "order_id": "3012", "pay_before": "16:00"}
    message = compose_message(
        LIBRARY, "unpaid_new_buyer", "zh", values, to="13812345678", key="order:3012:unpaid:1",
        template_code="SMS_1", provider_params=["order_id", "pay_before"],
    )  # fmt: skip
    assert message.channel is ActionChannel.SMS
    assert message.body.startswith("【俏艺旗舰店】")
    assert message.template_code == "SMS_1"
    assert list(message.params.items()) == [("order_id", "3012"), ("pay_before", "16:00")]
    assert message.headers == {}


def test_a_marketing_email_gets_its_unsubscribe_headers_from_the_variables() -> None:
    values = {
        "shop": "Qiaoyi",
        "order_id": "1001",
        "reason_url": "https://s.example.com/r/a",
        "postal_address": "1 Market St",
        "unsubscribe_url": "https://s.example.com/u/b",
        "unsubscribe_mailto": "unsubscribe@qiaoyi.example",
    }
    message = compose_message(
        LIBRARY, "closed_followup_email", "en", values, to="a@example.com", key="k"
    )
    assert message.channel is ActionChannel.EMAIL
    assert message.subject == "Your order 1001 was closed - can we help?"
    assert message.html is not None and "https://s.example.com/u/b" in message.html
    assert message.headers == {
        "List-Unsubscribe-Url": "https://s.example.com/u/b",
        "List-Unsubscribe-Mailto": "unsubscribe@qiaoyi.example",
    }


def test_a_marketing_email_without_an_unsubscribe_link_is_not_composed() -> None:
    values = {"shop": "Q", "order_id": "1", "reason_url": "u", "postal_address": "p",
              "unsubscribe_url": ""}  # fmt: skip
    with pytest.raises(TemplateRuleError, match="unsubscribe link"):
        compose_message(LIBRARY, "closed_followup_email", "en", values, to="a@x.com", key="k")


def test_a_provider_parameter_without_a_value_is_named() -> None:
    values = {"shop": "店铺", "order_id": "1", "pay_before": "16:00"}
    with pytest.raises(TemplateError, match="provider parameter 'amount'"):
        compose_message(LIBRARY, "unpaid_new_buyer", "zh", values, to="1", key="k",
                        provider_params=["amount"])  # fmt: skip


def test_the_memory_channel_keeps_messages_and_answers_its_script() -> None:
    channel = MemoryChannel([SendResult.transient("busy")])
    values = {"shop": "店铺", "order_id": "1", "pay_before": "16:00"}
    message = compose_message(LIBRARY, "unpaid_new_buyer", "zh", values, to="1", key="k")
    assert channel.send(message).outcome is Outcome.TRANSIENT
    second = channel.send(message)
    assert (second.outcome, second.provider_id) == (Outcome.SENT, "memory-2")
    assert channel.sent == [message, message]
