"""One HTTP exchange with a provider, with network failures turned into outcomes.

Every HTTP channel sends through :func:`exchange`: a time-out or a connection failure is a
:class:`~winback.act.channels.base.SendResult` (transient) rather than an exception, because
a channel never raises for a delivery problem. :func:`status_outcome` is the common reading
of an HTTP status: 429 and 5xx are worth retrying, other 4xx are not.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any

import httpx

from winback.act.channels.base import SendResult
from winback.privacy import mask_phone

__all__ = ["exchange", "hide_numbers", "json_body", "retry_after", "status_outcome"]


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
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def retry_after(response: httpx.Response) -> timedelta | None:
    """The ``Retry-After`` header in seconds, when the provider sends one."""
    value = response.headers.get("retry-after", "")
    return timedelta(seconds=int(value)) if value.isdigit() else None


def status_outcome(response: httpx.Response, detail: str) -> SendResult | None:
    """Transient for 429 and 5xx, permanent for other 4xx and for a redirect (the URL is
    wrong; following it with credentials would be worse), ``None`` for 2xx."""
    status = response.status_code
    if status == 429 or status >= 500:
        return SendResult.transient(f"HTTP {status}: {detail}", retry_after(response))
    if status >= 300:
        return SendResult.permanent(f"HTTP {status}: {detail}")
    return None


def hide_numbers(result: SendResult, *numbers: str) -> SendResult:
    """``result`` with every phone number in ``numbers`` masked in its detail.

    Providers echo the recipient in their error messages ("The 'To' number +1415… is not
    valid"); the detail ends up in the outbox and the logs, where numbers must be masked.
    """
    detail = result.detail
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        for form in (number, digits, digits[2:] if digits.startswith("86") else digits):
            if len(form) >= 7 and form in detail:
                detail = detail.replace(form, mask_phone(form))
    return result if detail == result.detail else dataclasses.replace(result, detail=detail)
