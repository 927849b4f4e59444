"""The channel contract's values: a message never prints its recipient in clear."""

from __future__ import annotations

from winback.act.channels.base import Message
from winback.model import ActionChannel


def test_a_message_prints_its_phone_and_body_masked() -> None:
    message = Message(ActionChannel.SMS, "13812345678", "【俏艺】张女士您好", "order:1:unpaid:1")
    printed = repr(message)
    assert "13812345678" not in printed and "138****5678" in printed
    assert "张女士" not in printed
    assert "order:1:unpaid:1" in printed


def test_a_message_prints_its_email_address_masked() -> None:
    printed = repr(Message(ActionChannel.EMAIL, "alice@example.com", "hi", "k"))
    assert "alice@" not in printed and "a***@example.com" in printed
