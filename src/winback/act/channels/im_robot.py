"""Messages to the shop team's group robot: WeCom (企业微信) or DingTalk (钉钉).

The robot posts into the team's group chat — new agent tasks, a daily list of closed orders,
an alert that the lost-order ratio crossed its threshold. It never messages a buyer, so no
consent applies (:attr:`~winback.model.ActionChannel.IM_ROBOT`).

WeCom: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with
``{"msgtype": "markdown", "markdown": {"content": …}}`` (or ``text``).

DingTalk: ``POST https://oapi.dingtalk.com/robot/send?access_token=TOKEN`` with
``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`` (or ``text``). A robot with
"加签" (signing) also needs ``timestamp`` (milliseconds) and
``sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))`` in the query.

Both answer ``{"errcode": 0, "errmsg": "ok"}``. Rate limits (WeCom 45009, DingTalk 130101,
``-1`` busy) are transient; any other errcode (bad key, keyword or signature check
failed, empty content) is permanent. The webhook URL holds a secret key and is never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Final, Literal
from urllib.parse import quote_plus

import httpx

from winback.act.channels.base import Message, SendResult
from winback.act.channels.http_exchange import exchange, json_body, status_outcome
from winback.clock import Clock

__all__ = ["ImRobot", "dingtalk_sign"]

RobotKind = Literal["wecom", "dingtalk"]
TRANSIENT_ERRCODES: Final = frozenset({-1, 45009, 130101, 45033})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, already URL-encoded for the query string."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class ImRobot:
    """Posts a message to a WeCom or DingTalk group robot."""

    def __init__(
        self,
        *,
        kind: RobotKind,
        url: str,
        client: httpx.Client,
        clock: Clock,
        secret: str | None = None,
        msgtype: Literal["markdown", "text"] = "markdown",
    ) -> None:
        self._kind = kind
        self._url = url
        self._client = client
        self._clock = clock
        self._secret = secret
        self._msgtype = msgtype

    def __repr__(self) -> str:
        return f"ImRobot(kind={self._kind!r}, msgtype={self._msgtype!r})"

    def send(self, message: Message) -> SendResult:
        request = self._client.build_request(
            "POST",
            self._signed_url(),
            content=json.dumps(self._payload(message), ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        response = exchange(self._client, request)
        if isinstance(response, SendResult):
            return response
        refused = status_outcome(response, f"{self._kind} robot")
        if refused is not None:
            return refused
        body = json_body(response)
        if body is None:
            return SendResult.permanent(f"{self._kind} robot answered without JSON")
        errcode = body.get("errcode")
        detail = f"errcode {errcode}: {body.get('errmsg', '')}"
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            return SendResult.permanent(f"{self._kind} robot answered without an errcode")
        if errcode == 0:
            return SendResult.sent(None, detail)
        if errcode in TRANSIENT_ERRCODES:
            return SendResult.transient(detail)
        return SendResult.permanent(detail)

    def _payload(self, message: Message) -> dict[str, object]:
        if self._msgtype == "text":
            text = f"{message.subject}\n{message.body}" if message.subject else message.body
            return {"msgtype": "text", "text": {"content": text}}
        if self._kind == "wecom":
            content = f"**{message.subject}**\n{message.body}" if message.subject else message.body
            return {"msgtype": "markdown", "markdown": {"content": content}}
        first_line = message.body.splitlines()[0][:30] if message.body.strip() else "winback"
        title = message.subject or first_line
        return {"msgtype": "markdown", "markdown": {"title": title, "text": message.body}}

    def _signed_url(self) -> str:
        if self._kind != "dingtalk" or not self._secret:
            return self._url
        timestamp = int(self._clock.now().timestamp() * 1000)
        separator = "&" if "?" in self._url else "?"
        sign = dingtalk_sign(self._secret, timestamp)
        return f"{self._url}{separator}timestamp={timestamp}&sign={sign}"
