"""Phones and e-mail addresses never appear unmasked in what the dispatcher logs or in what
``dispatch --dry-run`` shows, whatever happens to the actions (issue 11.5)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w
from act_factories import NOW, make_shop
from click.testing import CliRunner
from sqlalchemy import Engine

from winback.app import App
from winback.cli import cli
from winback.config import Settings
from winback.model import ActionChannel
from winback.services.dispatch import default_channels, dispatch, list_actions, preview
from winback.store import outbox
from winback.store.db import connect, migrate
from winback.testing import FixedClock, planned_action

RAW_CONTACT = re.compile(r"138\D?0013\D?000\d|b\d@example\.com")
SMS = {
    "provider": "http",
    "url": "https://sms.example.net/v1/send",
    "success_field": "code",
}


def gateway(request: httpx.Request) -> httpx.Response:
    """Refuses buyer b1's number, quoting it back the way providers do (national form)."""
    if b"13800130001" in request.content:
        return httpx.Response(400, text="invalid mobile 138-0013-0001 / 13800130001")
    return httpx.Response(200, json={"code": "0"})


def fill(engine: Engine) -> None:
    """Three buyers: an SMS that goes, an SMS the gateway refuses, an action whose template
    does not exist, and a phone task; all due."""
    shop = make_shop(engine, name="俏艺旗舰店")
    ids = shop.customer_ids
    planned = [
        planned_action(shop.store_id, "1000", customer_id=ids["b0"], template="unpaid_new_buyer"),
        planned_action(shop.store_id, "1001", customer_id=ids["b1"], template="unpaid_new_buyer"),
        planned_action(shop.store_id, "1002", customer_id=ids["b2"], template="no_such_template"),
        planned_action(shop.store_id, "1000", customer_id=ids["b0"], step=2,
                       channel=ActionChannel.PHONE_TASK, template="unpaid_phone_script",
                       params={"ordered_at": "03-01 08:00", "item": "开衫 联系b0@example.com"}),
    ]  # fmt: skip
    with engine.begin() as conn:
        outbox.enqueue(conn, planned, now=NOW)


def channels(app: App) -> Any:
    return default_channels(
        app, env={}, client=httpx.Client(transport=httpx.MockTransport(gateway))
    )


def test_the_dispatchers_logs_records_and_listings_carry_no_raw_contact(
    engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fill(engine)
    settings = Settings.model_validate({"store": {"name": "俏艺旗舰店"}, "channels": {"sms": SMS}})
    app = App(settings=settings, engine=engine, cwd=tmp_path, clock=FixedClock(NOW))
    with caplog.at_level("DEBUG", logger="winback"):
        shown = [asdict(p) for p in preview(app, channels=channels)]
        run = dispatch(app, channels=channels)
    listed = [asdict(a) for a in list_actions(app)]
    assert run.report.outcomes == {"sent": 2, "failed": 2}
    failures = {a["key"]: a["last_error"] for a in listed if a["status"] == "failed"}
    assert "invalid mobile" in failures["order:1001:unpaid:1"]
    assert "no template 'no_such_template'" in failures["order:1002:unpaid:1"]
    for text in (caplog.text, json.dumps(shown, ensure_ascii=False, default=str),
                 json.dumps(listed, ensure_ascii=False, default=str)):  # fmt: skip
        assert not RAW_CONTACT.findall(text), RAW_CONTACT.findall(text)
    assert "138****0000" in caplog.text  # masked, not left out


def test_the_dry_run_command_shows_masked_contacts_in_text_and_json(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'winback.db'}")
    migrate(engine)
    fill(engine)
    engine.dispose()
    settings = {"store": {"name": "俏艺旗舰店"}, "channels": {"sms": SMS}}
    (tmp_path / "winback.toml").write_text(tomli_w.dumps(settings), encoding="utf-8")
    runner = CliRunner(env={"COLUMNS": "250"})
    base = ["--config", str(tmp_path / "winback.toml"), "--database",
            f"sqlite:///{tmp_path / 'winback.db'}", "dispatch", "--dry-run"]  # fmt: skip
    table = runner.invoke(cli, base, catch_exceptions=False)
    machine = runner.invoke(cli, [*base, "--json"], catch_exceptions=False)
    assert table.exit_code == 0 and machine.exit_code == 0, table.output
    shown = json.loads(machine.stdout)
    assert {p["to"] for p in shown} >= {"138****0000", "138****0001"}
    for output in (table.output, machine.output):
        assert not RAW_CONTACT.findall(output), RAW_CONTACT.findall(output)
