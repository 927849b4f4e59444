"""``winback serve`` for real: uvicorn in a child process on a loopback port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from act_factories import make_shop
from click.testing import CliRunner
from sqlalchemy import select

from winback.cli import cli
from winback.model import ActionChannel, Platform, SuppressionReason
from winback.store import outbox
from winback.store.db import connect, migrate


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_documents_its_options() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output


def test_winback_serve_answers_and_records_a_stop_reply_then_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'winback.db'}"
    engine = connect(database)
    migrate(engine)
    shop = make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    winback = shutil.which("winback", path=str(Path(sys.executable).parent))
    assert winback
    port = free_port()
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "shop"\nplatform = "shopify"\ncurrency = "USD"\n'
        '[web.inbound]\nroutes = ["http"]\nhttp_token_env = "GW_TOKEN"\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [winback, "--database", database, "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "GW_TOKEN": "gateway-token-0123456789"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1].decode()
                assert time.monotonic() < deadline, "winback serve did not start"
                time.sleep(0.2)
        reply = httpx.post(
            f"{base}/inbound/sms/http/gateway-token-0123456789",
            json={"phone": "13800130001", "text": "T"},
            timeout=10,
        )
        # the one process also serves the dashboard and the JSON API (and its schema)
        login = httpx.get(f"{base}/login", timeout=10)
        schema = httpx.get(f"{base}/api/v1/openapi.json", timeout=10)
        unauthorised = httpx.get(f"{base}/api/v1/stores/shop/orders", timeout=10)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    with engine.connect() as conn:
        reason = outbox.is_suppressed(
            conn, store_id=shop.store_id, channel=ActionChannel.SMS, address="13800130001"
        )
    engine.dispose()
    assert health.text == "ok"
    assert reply.json() == {"replies": 1, "opt_outs": 1, "suppressed": 1}
    assert reason is SuppressionReason.REPLY_STOP
    assert login.status_code == 200 and "<form" in login.text
    assert schema.status_code == 200 and "/api/v1/stores/{store}/orders" in schema.json()["paths"]
    assert unauthorised.status_code == 401
    # uvicorn shuts down gracefully, then re-raises the signal it caught (exit -SIGTERM)
    assert proc.returncode in (0, -signal.SIGTERM)
    assert "Finished server process" in err.decode()


def test_serve_with_two_workers_stores_a_webhook_and_applies_it_in_the_background(
    tmp_path: Path,
) -> None:
    from shopify_stream import order_stream

    from winback.store.schema import orders, webhook_events

    database = f"sqlite:///{tmp_path / 'winback.db'}"
    engine = connect(database)
    migrate(engine)
    make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "shop"\nplatform = "shopify"\ncurrency = "USD"\n'
        '[web.shopify]\nwebhook_secret_env = "SHOPIFY_SECRET"\n',
        encoding="utf-8",
    )
    winback = shutil.which("winback", path=str(Path(sys.executable).parent))
    assert winback
    port = free_port()
    delivery = order_stream(1)[0]
    proc = subprocess.Popen(
        [winback, "--database", database, "serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SHOPIFY_SECRET": "shpss_0123456789abcdef0123456789abcdef"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1].decode()
                assert time.monotonic() < deadline, "winback serve did not start"
                time.sleep(0.2)
        url = f"{base}/webhooks/shop/shopify"
        answers = [
            httpx.post(url, content=delivery.body, headers=delivery.headers(), timeout=10)
            for _ in range(2)
        ]
        deadline = time.monotonic() + 30
        while True:
            with engine.connect() as conn:
                state = conn.scalar(select(webhook_events.c.state))
                stored = conn.scalar(
                    select(orders.c.status).where(orders.c.order_id == delivery.order_id)
                )
            if state == "applied":
                break
            assert time.monotonic() < deadline, "the event was not applied in the background"
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        engine.dispose()
    assert [a.json()["duplicate"] for a in answers] == [False, True]
    expected = {"paid": "paid", "pending": "pending"}[json.loads(delivery.body)["financial_status"]]
    assert stored == expected
