"""Build the shop's channels from its settings (``[channels]`` in ``winback.toml``).

Channels are built when first asked for, so a shop that never sends e-mail needs no SMTP
settings; asking for a channel that is not configured is a :class:`ChannelNotConfigured`
error naming the missing setting (``channels.sms.provider is not set``). Secrets are read
from the environment variables the settings name, at build time, and never logged: a
missing variable is an error naming the *variable*, not its value.

Agent tasks (``phone_task``, ``chat_task``) are not sent through a channel: they go to the
agents' worklist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

import httpx

from winback.act.channels.base import Channel
from winback.act.channels.email import EmailChannel, SmtpServer
from winback.act.channels.im_robot import ImRobot
from winback.act.channels.sms_aliyun import AliyunSms
from winback.act.channels.sms_http import GatewayFormat, HttpSmsGateway
from winback.act.channels.sms_tencent import TencentSms
from winback.act.channels.sms_twilio import TwilioSms
from winback.act.links import MIN_SECRET_BYTES, LinkSigner
from winback.clock import Clock
from winback.config import ChannelsSettings, SmsChannelSettings
from winback.errors import SettingsError
from winback.model import ActionChannel

__all__ = ["ChannelNotConfigured", "ChannelRegistry"]

_BUILDABLE: Final = (ActionChannel.EMAIL, ActionChannel.SMS, ActionChannel.IM_ROBOT)


class ChannelNotConfigured(SettingsError):
    """A channel is used but its settings are missing."""


class ChannelRegistry:
    """The channels of one shop, built lazily from ``settings``.

    ``client`` is the HTTP client for SMS and robot providers (tests inject one with an
    ``httpx.MockTransport``); by default one client is created on first use, with the SMS
    ``timeout`` of the settings.
    """

    def __init__(
        self,
        settings: ChannelsSettings,
        *,
        env: Mapping[str, str],
        clock: Clock,
        client: httpx.Client | None = None,
    ) -> None:
        self._settings = settings
        self._env = env
        self._clock = clock
        self._client = client
        self._owns_client = client is None
        self._built: dict[ActionChannel, Channel] = {}

    def close(self) -> None:
        """Close the HTTP client this registry created (an injected one is the caller's)."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
        self._built.clear()

    def get(self, channel: ActionChannel) -> Channel:
        """The channel for ``channel``; raises :class:`ChannelNotConfigured` if it is not set up."""
        if channel not in self._built:
            self._built[channel] = self._builder(channel)()
        return self._built[channel]

    def configured(self) -> list[ActionChannel]:
        """The channels whose settings are present (they may still lack an env variable)."""
        s = self._settings
        present = {
            ActionChannel.EMAIL: s.email.host is not None,
            ActionChannel.SMS: s.sms.provider is not None,
            ActionChannel.IM_ROBOT: s.im_robot.kind is not None,
        }
        return [channel for channel in _BUILDABLE if present[channel]]

    def link_signer(self) -> LinkSigner:
        """The signer of the shop's links, keyed by ``channels.link_secret_env``."""
        secret = self._required_secret(
            self._settings.link_secret_env, "channels.link_secret_env", "signed links"
        )
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ChannelNotConfigured(
                f"the variable {self._settings.link_secret_env} holds a link secret shorter "
                f"than {MIN_SECRET_BYTES} bytes"
            )
        return LinkSigner(secret.encode())

    def template_code(self, template: str) -> str | None:
        """The SMS provider's approved template code for a winback template name."""
        return self._settings.sms.template_codes.get(template)

    def _builder(self, channel: ActionChannel) -> Callable[[], Channel]:
        builders: dict[ActionChannel, Callable[[], Channel]] = {
            ActionChannel.EMAIL: self._email,
            ActionChannel.SMS: self._sms,
            ActionChannel.IM_ROBOT: self._robot,
        }
        if channel not in builders:
            raise ChannelNotConfigured(
                f"{channel} actions are agent tasks: they go to the worklist, not a channel"
            )
        return builders[channel]

    def _http(self) -> httpx.Client:
        if self._client is None:
            timeout = self._settings.sms.timeout.total_seconds()
            self._client = httpx.Client(timeout=timeout, follow_redirects=False)
        return self._client

    def _email(self) -> EmailChannel:
        email = self._settings.email
        host = _required(email.host, "channels.email.host", "e-mail")
        sender = _required(email.sender, "channels.email.sender", "e-mail")
        password = self._secret(email.password_env, "channels.email.password_env", "e-mail")
        if email.username and password is None:
            raise ChannelNotConfigured(
                "channels.email.password_env is not set but channels.email.username is: "
                "name the environment variable that holds the SMTP password"
            )
        server = SmtpServer(
            host=host,
            port=email.port,
            security=email.security,
            username=email.username,
            password=password,
            timeout=email.timeout.total_seconds(),
        )
        return EmailChannel(
            server,
            sender=sender,
            sender_name=email.sender_name,
            reply_to=email.reply_to,
            clock=self._clock,
        )

    def _sms(self) -> Channel:
        sms = self._settings.sms
        if sms.provider is None:
            raise ChannelNotConfigured(
                "channels.sms.provider is not set: SMS cannot be sent "
                "(choose aliyun, tencent, twilio or http)"
            )
        return {
            "aliyun": self._aliyun,
            "tencent": self._tencent,
            "twilio": self._twilio,
            "http": self._gateway,
        }[sms.provider](sms)

    def _aliyun(self, sms: SmsChannelSettings) -> Channel:
        return AliyunSms(
            access_key_id=_required(sms.access_key_id, "channels.sms.access_key_id", "Aliyun SMS"),
            access_key_secret=self._required_secret(
                sms.access_key_secret_env, "channels.sms.access_key_secret_env", "Aliyun SMS"
            ),
            sign_name=_required(sms.sign_name, "channels.sms.sign_name", "Aliyun SMS"),
            region_id=sms.region or "cn-hangzhou",
            client=self._http(),
            clock=self._clock,
        )

    def _tencent(self, sms: SmsChannelSettings) -> Channel:
        return TencentSms(
            secret_id=_required(sms.secret_id, "channels.sms.secret_id", "Tencent SMS"),
            secret_key=self._required_secret(
                sms.secret_key_env, "channels.sms.secret_key_env", "Tencent SMS"
            ),
            sdk_app_id=_required(sms.sdk_app_id, "channels.sms.sdk_app_id", "Tencent SMS"),
            sign_name=_required(sms.sign_name, "channels.sms.sign_name", "Tencent SMS"),
            region=sms.region or "ap-guangzhou",
            client=self._http(),
            clock=self._clock,
        )

    def _twilio(self, sms: SmsChannelSettings) -> Channel:
        if not (sms.from_number or sms.messaging_service_sid):
            raise ChannelNotConfigured(
                "channels.sms.from_number or channels.sms.messaging_service_sid is needed "
                "for Twilio SMS"
            )
        return TwilioSms(
            account_sid=_required(sms.account_sid, "channels.sms.account_sid", "Twilio SMS"),
            auth_token=self._required_secret(
                sms.auth_token_env, "channels.sms.auth_token_env", "Twilio SMS"
            ),
            from_number=sms.from_number,
            messaging_service_sid=sms.messaging_service_sid,
            default_region=sms.default_region,
            client=self._http(),
        )

    def _gateway(self, sms: SmsChannelSettings) -> Channel:
        secret = self._secret(sms.signature_secret_env, "channels.sms.signature_secret_env", "SMS")
        token = self._secret(sms.auth_token_env, "channels.sms.auth_token_env", "SMS")
        gateway = GatewayFormat(
            url=_required(sms.url, "channels.sms.url", "the HTTP SMS gateway"),
            method=sms.method,
            signature_header=sms.signature_header,
            success_field=sms.success_field,
            success_value=sms.success_value,
            id_field=sms.id_field,
            default_region=sms.default_region,
            headers={"Authorization": f"Bearer {token}"} if token else {},
        )
        return HttpSmsGateway(
            gateway, client=self._http(), secret=secret.encode() if secret else None
        )

    def _robot(self) -> Channel:
        robot = self._settings.im_robot
        if robot.kind is None:
            raise ChannelNotConfigured(
                "channels.im_robot.kind is not set: the team robot cannot post "
                "(choose wecom or dingtalk)"
            )
        url = robot.url or self._secret(robot.url_env, "channels.im_robot.url_env", "the robot")
        if not url:
            raise ChannelNotConfigured(
                "channels.im_robot.url or channels.im_robot.url_env is needed for the team robot"
            )
        return ImRobot(
            kind=robot.kind,
            url=url,
            secret=self._secret(robot.secret_env, "channels.im_robot.secret_env", "the robot"),
            msgtype=robot.msgtype,
            client=self._http(),
            clock=self._clock,
        )

    def _secret(self, variable: str | None, setting: str, what: str) -> str | None:
        if variable is None:
            return None
        value = self._env.get(variable)
        if not value:
            raise ChannelNotConfigured(
                f"{setting} names the environment variable {variable}, which is not set: "
                f"{what} cannot be used"
            )
        return value

    def _required_secret(self, variable: str | None, setting: str, what: str) -> str:
        value = self._secret(variable, setting, what)
        if value is None:
            raise ChannelNotConfigured(f"{setting} is not set: {what} needs it")
        return value


def _required(value: str | None, setting: str, what: str) -> str:
    if not value:
        raise ChannelNotConfigured(f"{setting} is not set: {what} needs it")
    return value
