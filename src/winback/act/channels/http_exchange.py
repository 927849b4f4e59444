"""One HTTP exchange with a provider, with network failures turned into outcomes.

Every HTTP channel sends through :func:`exchange`: a time-out or a connection failure is a
:class:`~winback.act.channels.base.SendResult` (transient) rather than an exception, because
a channel never raises for a delivery problem. :func:`status_outcome` is the common reading
of an HTTP status: 429 and 5xx are worth retrying, other 4xx are not.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from winback.act.channels.base import SendResult

__all__ = ["exchange", "json_body", "retry_after", "status_outcome"]


def exchange(client: httpx.Client, request: httpx.Request) -> httpx.Response | SendResult:
    """Send ``request``; a transport failure comes back as a transient :class:`SendResult`."""
    try:
        response = client.send(request)
        response.read()
    except httpx.TimeoutException as error:
        return SendResult.transient(
            f"timed out talking to {request.url.host}: {type(error).__name__}"
        )
    except httpx.TransportError as error:
        return SendResult.transient(f"could not reach {request.url.host}: {type(error).__name__}")
    return response


def json_body(response: httpx.Response) -> dict[str, Any] | None:
    """The response's JSON object, or ``None`` when the body is not one."""
    try:
        value = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def retry_after(response: httpx.Response) -> timedelta | None:
    """The ``Retry-After`` header in seconds, when the provider sends one."""
    value = response.headers.get("retry-after", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None


def status_outcome(response: httpx.Response, detail: str) -> SendResult | None:
    """Transient for 429 and 5xx, permanent for other 4xx, ``None`` for 2xx/3xx."""
    status = response.status_code
    if status == 429 or status >= 500:
        return SendResult.transient(f"HTTP {status}: {detail}", retry_after(response))
    if status >= 400:
        return SendResult.permanent(f"HTTP {status}: {detail}")
    return None
