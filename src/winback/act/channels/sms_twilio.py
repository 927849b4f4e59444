"""SMS through Twilio's Messages API.

``POST https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP
basic auth (account SID and auth token) and a form body ``To``, ``Body`` and either ``From``
(a Twilio number) or ``MessagingServiceSid``. Twilio sends free text, so the message's
``body`` is used. A ``201`` answer carries the message ``sid``.

Outcomes: 2xx → sent (``sid``); 429 and 5xx → transient (``Retry-After`` honoured); any
other 4xx (invalid ``To`` 21211, unsubscribed recipient 21610, …) → permanent.
"""

from __future__ import annotations

import base64
from typing import Final

import httpx

from winback.act.channels.base import Message, SendResult
from winback.act.channels.http_exchange import (
    exchange,
    hide_numbers,
    json_body,
    status_outcome,
)
from winback.act.channels.phones import UnusablePhone, to_e164

__all__ = ["TwilioSms"]

API: Final = "https://api.twilio.com"


class TwilioSms:
    """Sends SMS through Twilio; ``client`` is injectable (``httpx.MockTransport``)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        client: httpx.Client,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        default_region: str = "US",
        api: str = API,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("Twilio needs a from number or a messaging service SID")
        self._sid = account_sid
        self._token = auth_token
        self._client = client
        self._from = from_number
        self._service = messaging_service_sid
        self._region = default_region
        self._url = f"{api}/2010-04-01/Accounts/{account_sid}/Messages.json"

    def __repr__(self) -> str:
        return f"TwilioSms(account={self._sid!r})"

    def send(self, message: Message) -> SendResult:
        try:
            number = to_e164(message.to, self._region)
        except UnusablePhone as error:
            return SendResult.permanent(str(error))
        form = {"To": number, "Body": message.body}
        if self._service:
            form["MessagingServiceSid"] = self._service
        else:
            form["From"] = self._from or ""
        credentials = base64.b64encode(f"{self._sid}:{self._token}".encode()).decode("ascii")
        request = self._client.build_request(
            "POST", self._url, data=form, headers={"Authorization": f"Basic {credentials}"}
        )
        response = exchange(self._client, request)
        if isinstance(response, SendResult):
            return response
        return hide_numbers(_outcome(response), number)


def _outcome(response: httpx.Response) -> SendResult:
    body = json_body(response) or {}
    refused = status_outcome(response, f"{body.get('code', '')} {body.get('message', '')}")
    if refused is not None:
        return refused
    sid = body.get("sid")
    return SendResult.sent(str(sid) if sid else None, str(body.get("status", "")))
