"""Building channels from ``[channels]`` settings: clear errors naming the missing setting,
secrets from the environment only, and every setting documented."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from channel_doubles import FixedClock, Recorder, answer
from pydantic import BaseModel

from winback.act.channels.base import Message, Outcome
from winback.act.channels.email import EmailChannel
from winback.act.channels.im_robot import ImRobot
from winback.act.channels.registry import ChannelNotConfigured, ChannelRegistry
from winback.act.channels.sms_aliyun import AliyunSms
from winback.act.channels.sms_http import HttpSmsGateway, body_signature
from winback.act.channels.sms_tencent import TencentSms
from winback.act.channels.sms_twilio import TwilioSms
from winback.act.links import LinkPurpose, LinkSigner
from winback.config import ChannelsSettings, load_settings
from winback.errors import SettingsError
from winback.model import ActionChannel

DOCS = Path(__file__).resolve().parents[3] / "docs"


def settings_from(tmp_path: Path, toml: str) -> ChannelsSettings:
    path = tmp_path / "winback.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings(path, env={}).channels


def registry(
    channels: ChannelsSettings, clock: FixedClock, env: dict[str, str] | None = None
) -> ChannelRegistry:
    return ChannelRegistry(channels, env=env or {}, clock=clock, client=httpx.Client())


def test_nothing_is_configured_by_default_and_using_sms_names_the_setting(
    clock: FixedClock,
) -> None:
    channels = registry(ChannelsSettings(), clock)
    assert channels.configured() == []
    with pytest.raises(ChannelNotConfigured, match=r"channels\.sms\.provider is not set"):
        channels.get(ActionChannel.SMS)
    with pytest.raises(ChannelNotConfigured, match=r"channels\.email\.host is not set"):
        channels.get(ActionChannel.EMAIL)
    with pytest.raises(ChannelNotConfigured, match=r"channels\.im_robot\.kind is not set"):
        channels.get(ActionChannel.IM_ROBOT)


def test_agent_tasks_are_not_channels(clock: FixedClock) -> None:
    with pytest.raises(ChannelNotConfigured, match="worklist"):
        registry(ChannelsSettings(), clock).get(ActionChannel.PHONE_TASK)


def test_each_sms_provider_is_built_from_its_settings(tmp_path: Path, clock: FixedClock) -> None:
    cases = {
        'provider = "aliyun"\naccess_key_id = "LTAI"\naccess_key_secret_env = "ALI"\n'
        'sign_name = "俏艺"': AliyunSms,
        'provider = "tencent"\nsecret_id = "AKID"\nsecret_key_env = "TC"\nsdk_app_id = "1400"\n'
        'sign_name = "俏艺"': TencentSms,
        'provider = "twilio"\naccount_sid = "AC"\nauth_token_env = "TW"\n'
        'from_number = "+15005550006"': TwilioSms,
        'provider = "http"\nurl = "https://sms.example.com/send"': HttpSmsGateway,
    }
    env = {"ALI": "a", "TC": "t", "TW": "w"}
    for body, kind in cases.items():
        channels = registry(settings_from(tmp_path, f"[channels.sms]\n{body}\n"), clock, env)
        assert isinstance(channels.get(ActionChannel.SMS), kind)
        assert channels.configured() == [ActionChannel.SMS]


def test_a_missing_field_of_the_chosen_provider_is_named(tmp_path: Path, clock: FixedClock) -> None:
    channels = registry(
        settings_from(tmp_path, '[channels.sms]\nprovider = "aliyun"\naccess_key_id = "LTAI"\n'),
        clock,
    )
    with pytest.raises(ChannelNotConfigured, match=r"channels\.sms\.access_key_secret_env"):
        channels.get(ActionChannel.SMS)


def test_a_secret_variable_that_is_not_set_is_named_but_never_its_value(
    tmp_path: Path, clock: FixedClock
) -> None:
    toml = (
        '[channels.sms]\nprovider = "twilio"\naccount_sid = "AC"\n'
        'auth_token_env = "TWILIO_TOKEN"\nfrom_number = "+15005550006"\n'
    )
    channels = registry(settings_from(tmp_path, toml), clock, {"OTHER": "x"})
    with pytest.raises(ChannelNotConfigured, match="TWILIO_TOKEN, which is not set"):
        channels.get(ActionChannel.SMS)


def test_a_secret_in_the_settings_file_is_an_unknown_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"channels\.sms\.auth_token: unknown setting"):
        settings_from(tmp_path, '[channels.sms]\nprovider = "twilio"\nauth_token = "x"\n')


def test_email_reads_its_password_from_the_environment(tmp_path: Path, clock: FixedClock) -> None:
    toml = (
        '[channels.email]\nhost = "smtp.example.com"\nport = 465\nsecurity = "ssl"\n'
        'sender = "shop@example.com"\nusername = "shop"\npassword_env = "SMTP_PASSWORD"\n'
    )
    settings = settings_from(tmp_path, toml)
    channel = registry(settings, clock, {"SMTP_PASSWORD": "pw-123"}).get(ActionChannel.EMAIL)
    assert isinstance(channel, EmailChannel)
    assert "pw-123" not in repr(channel)
    with pytest.raises(ChannelNotConfigured, match="SMTP_PASSWORD"):
        registry(settings, clock).get(ActionChannel.EMAIL)


def test_the_robot_url_can_come_from_the_environment(tmp_path: Path, clock: FixedClock) -> None:
    toml = '[channels.im_robot]\nkind = "wecom"\nurl_env = "WECOM_URL"\n'
    recorder = Recorder(answer(json={"errcode": 0, "errmsg": "ok"}))
    channels = ChannelRegistry(
        settings_from(tmp_path, toml),
        env={"WECOM_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1"},
        clock=clock,
        client=recorder.client(),
    )
    robot = channels.get(ActionChannel.IM_ROBOT)
    assert isinstance(robot, ImRobot)
    message = Message(ActionChannel.IM_ROBOT, "team", "hello", "k")
    assert robot.send(message).outcome is Outcome.SENT
    assert recorder.only.url.params["key"] == "k1"
    assert json.loads(recorder.only.content)["msgtype"] == "markdown"


def test_a_channel_is_built_once(tmp_path: Path, clock: FixedClock) -> None:
    channels = registry(
        settings_from(tmp_path, '[channels.sms]\nprovider = "http"\nurl = "https://g/x"\n'), clock
    )
    assert channels.get(ActionChannel.SMS) is channels.get(ActionChannel.SMS)


def test_costs_and_template_codes_are_read_as_exact_values(
    tmp_path: Path, clock: FixedClock
) -> None:
    toml = (
        '[channels.sms]\ntemplate_codes = { unpaid_new_buyer = "SMS_1" }\n'
        '[channels.costs]\nsms_price = "0.045"\nagent_minutes_per_task = 4\n'
    )
    settings = settings_from(tmp_path, toml)
    assert settings.costs.sms_price == Decimal("0.045")
    assert settings.costs.agent_minutes_per_task == Decimal(4)
    assert registry(settings, clock).template_code("unpaid_new_buyer") == "SMS_1"
    assert registry(settings, clock).template_code("other") is None


def field_paths(model: type[BaseModel], prefix: str) -> set[str]:
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            paths |= field_paths(kind, f"{prefix}.{name}")
        else:
            paths.add(f"{prefix}.{name}")
    return paths


def test_every_channel_setting_is_documented_in_settings_md() -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_.0-9]+)` \|", text, re.M))
    missing = field_paths(ChannelsSettings, "channels") - documented
    assert not missing, f"undocumented: {sorted(missing)}"


def test_docs_channels_md_shows_toml_that_loads(tmp_path: Path) -> None:
    text = (DOCS / "channels.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        settings_from(tmp_path, block)


def test_the_link_signer_uses_the_secret_named_by_the_settings(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = settings_from(tmp_path, '[channels]\nlink_secret_env = "LINK_SECRET"\n')
    signer = registry(settings, clock, {"LINK_SECRET": "x" * 32}).link_signer()
    token = signer.issue(LinkPurpose.NPS, "c1", now=clock.instant, valid_for=timedelta(days=1))
    assert LinkSigner(b"x" * 32).verify(token, LinkPurpose.NPS, now=clock.instant).subject == "c1"
    with pytest.raises(ChannelNotConfigured, match="shorter than 32 bytes"):
        registry(settings, clock, {"LINK_SECRET": "short"}).link_signer()
    with pytest.raises(ChannelNotConfigured, match=r"channels\.link_secret_env is not set"):
        registry(ChannelsSettings(), clock).link_signer()


def test_closing_closes_the_client_the_registry_made_but_not_an_injected_one(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = settings_from(tmp_path, '[channels.sms]\nprovider = "http"\nurl = "https://g/x"\n')
    own = ChannelRegistry(settings, env={}, clock=clock)
    channel = own.get(ActionChannel.SMS)
    client = channel._client  # type: ignore[attr-defined]
    own.close()
    assert client.is_closed
    injected = httpx.Client()
    ChannelRegistry(settings, env={}, clock=clock, client=injected).close()
    assert not injected.is_closed
    injected.close()


def test_the_generic_gateway_gets_its_bearer_token_and_signing_key_from_the_environment(
    tmp_path: Path, clock: FixedClock
) -> None:
    toml = (
        '[channels.sms]\nprovider = "http"\nurl = "https://sms.example.com/send"\n'
        'auth_token_env = "GW_TOKEN"\nsignature_secret_env = "GW_KEY"\n'
    )
    recorder = Recorder(answer(200, json={}))
    channels = ChannelRegistry(
        settings_from(tmp_path, toml),
        env={"GW_TOKEN": "tok-1", "GW_KEY": "key-1"},
        clock=clock,
        client=recorder.client(),
    )
    message = Message(ActionChannel.SMS, "13812345678", "【俏艺】hi", "k")
    assert channels.get(ActionChannel.SMS).send(message).outcome is Outcome.SENT
    request = recorder.only
    assert request.headers["authorization"] == "Bearer tok-1"
    assert request.headers["x-signature"] == body_signature(b"key-1", request.content)
