"""The links of the after-sale messages (R8, A5): a survey carries a signed, single-use NPS
link about its action; a marketing e-mail carries the preference-centre link beside the
unsubscribe link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from winback.act.links import LinkPurpose, LinkSigner
from winback.act.rendering import TemplateRenderer
from winback.act.templates import TemplateError, TemplateLibrary
from winback.act.voice import StoreVoice
from winback.model import Action, ActionChannel, ActionStatus, Purpose
from winback.testing import DEFAULT_NOW, FixedClock

SIGNER = LinkSigner(b"s" * 32)
VOICE = StoreVoice(
    name="俏艺旗舰店", platform="shopify", language="zh", currency="CNY",
    timezone="Asia/Shanghai", postal_address="浙江省杭州市余杭区文一西路 969 号",
)  # fmt: skip


def action(template: str, channel: ActionChannel, **fields: Any) -> Action:
    values: dict[str, Any] = {
        "id": 42, "store_id": 3, "key": "order:5001:nps:1", "playbook": "nps", "step": 1,
        "channel": channel, "purpose": Purpose.TRANSACTIONAL, "status": ActionStatus.SENDING,
        "due_at": DEFAULT_NOW, "template": template, "created_at": DEFAULT_NOW,
        "updated_at": DEFAULT_NOW, "customer_id": 9, "order_ids": ("5001",),
        "amount": Decimal("129.00"),
        "params": {"survey": "nps", "survey_valid_for": "86400", "goal": "survey",
                   "topic": "surveys", "received_at": "2026-11-27"},
    }  # fmt: skip
    values.update(fields)
    return Action(**values)


def renderer(signer: LinkSigner | None = SIGNER) -> TemplateRenderer:
    return TemplateRenderer(
        TemplateLibrary.defaults(), voice_of=lambda _: VOICE, clock=FixedClock(DEFAULT_NOW),
        signer=signer, public_url="https://wb.example.com/",
    )  # fmt: skip


def test_a_survey_message_carries_a_signed_link_about_its_action_valid_as_planned() -> None:
    message = renderer().render(action("nps_survey", ActionChannel.SMS), "13800138000")
    (token,) = [w.split("/s/")[1] for w in message.body.split() if "/s/" in w]
    claims = SIGNER.verify(token, LinkPurpose.NPS, now=DEFAULT_NOW)
    assert claims.subject == "3:42"
    assert claims.expires_at - DEFAULT_NOW <= timedelta(days=1)
    with pytest.raises(Exception, match="expired"):
        SIGNER.verify(token, LinkPurpose.NPS, now=DEFAULT_NOW + timedelta(days=1, seconds=1))


def test_without_a_link_secret_a_survey_fails_but_the_agents_script_still_reads() -> None:
    with pytest.raises(TemplateError, match="link"):
        renderer(None).render(action("nps_survey", ActionChannel.SMS), "13800138000")
    task = action("nps_survey_chat_script", ActionChannel.CHAT_TASK)
    script = renderer(None).render(task, "buyer-1")
    assert "/s/" not in script.body and "0-10" in script.body


def test_a_marketing_email_offers_the_preference_centre_beside_the_unsubscribe_link() -> None:
    followup = action(
        "closed_followup_email", ActionChannel.EMAIL, purpose=Purpose.MARKETING,
        playbook="closed_followup", key="order:5001:closed_followup:1", params={},
    )  # fmt: skip
    message = renderer().render(followup, "a@example.com")
    (token,) = [w.split("/p/")[1] for w in message.body.split() if "/p/" in w]
    assert SIGNER.verify(token, LinkPurpose.PREFERENCES, now=DEFAULT_NOW).subject == "3:9"
    assert "/u/" in message.body
