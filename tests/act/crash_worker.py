"""A dispatcher worker process for the crash-safety test (tests/act/test_crash_safety.py).

    python crash_worker.py DATABASE_URL DELIVERED_FILE

It delivers phone tasks through a slow channel that appends each delivered key to
DELIVERED_FILE (one ``write`` with O_APPEND: durable across SIGKILL, never torn), and
works until nothing is due. The test kills it with SIGKILL at random moments.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta

from winback.act.channels.base import Message, SendResult
from winback.act.dispatcher import Dispatcher
from winback.clock import SystemClock
from winback.model import ActionChannel
from winback.store.db import connect
from winback.store.outbox_engine import Outbox

SEND_SECONDS = 0.002


class AppendingChannel:
    """A slow provider whose deliveries survive the worker: one line per message."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def send(self, message: Message) -> SendResult:
        time.sleep(SEND_SECONDS)
        os.write(self.fd, f"{message.key}\n".encode())
        return SendResult.sent(f"line:{message.key}")


def main(url: str, delivered: str) -> None:
    engine = connect(url)
    dispatcher = Dispatcher(
        Outbox(engine),
        {ActionChannel.PHONE_TASK: AppendingChannel(delivered)},
        clock=SystemClock(),
        batch_size=50,
        lease=timedelta(seconds=3),
    )
    while dispatcher.drain().claimed:
        pass


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
