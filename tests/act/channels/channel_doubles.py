"""Test doubles for channels: a fixed clock and a recorder of requests for MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import httpx


@dataclass
class FixedClock:
    instant: datetime

    def now(self) -> datetime:
        return self.instant


@dataclass
class Recorder:
    """An ``httpx.MockTransport`` that records every request and answers with ``reply``."""

    reply: Callable[[httpx.Request], httpx.Response]
    requests: list[httpx.Request] = field(default_factory=list)

    def client(self) -> httpx.Client:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self.reply(request)

        return httpx.Client(transport=httpx.MockTransport(handle))

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


def answer(
    status: int = 200, json: object = None, **kwargs: object
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=json, **kwargs)  # type: ignore[arg-type]


def raising(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def reply(request: httpx.Request) -> httpx.Response:
        raise error

    return reply
