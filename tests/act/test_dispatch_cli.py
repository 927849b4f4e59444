"""``winback dispatch`` and ``winback actions`` end to end: CliRunner, a real SQLite store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from act_factories import make_shop
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from winback.cli import cli
from winback.model import ActionChannel, Platform
from winback.store import outbox
from winback.store.db import connect, migrate
from winback.testing import planned_action


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    runner = CliRunner(env={"COLUMNS": "200"})
    return runner.invoke(cli, ["--database", database, *args], catch_exceptions=False)


def planned_shop(folder: Path) -> Engine:
    """Buyer b0: a phone task; b1: an SMS (no SMS channel configured yet); both due."""
    engine = connect(f"sqlite:///{folder / 'winback.db'}")
    migrate(engine)
    shop = make_shop(engine, buyers=2)
    past = datetime(2024, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            [
                planned_action(shop.store_id, "1000", customer_id=shop.customer_ids["b0"],
                               channel=ActionChannel.PHONE_TASK, due_at=past),
                planned_action(shop.store_id, "1001", customer_id=shop.customer_ids["b1"],
                               channel=ActionChannel.SMS, due_at=past),
            ],
            now=past,
        )  # fmt: skip
    return engine


def test_a_dry_run_shows_the_due_tasks_and_changes_nothing(tmp_path: Path) -> None:
    engine = planned_shop(tmp_path)
    result = run(tmp_path, "dispatch", "--dry-run", "--json")
    shown = json.loads(result.output)
    with engine.connect() as conn:
        assert outbox.count_by_status(conn) == {"planned": 2}
    engine.dispose()
    assert result.exit_code == 0
    assert [(p["key"], p["channel"]) for p in shown] == [("order:1000:unpaid:1", "phone_task")]


def test_dispatch_puts_the_phone_task_on_the_worklist_and_leaves_the_sms_waiting(
    tmp_path: Path,
) -> None:
    planned_shop(tmp_path).dispose()
    result = run(tmp_path, "dispatch", "--json")
    listed = json.loads(run(tmp_path, "actions", "--json").output)
    assert json.loads(result.stdout)["sent"] == 1
    assert {a["channel"]: a["status"] for a in listed} == {"phone_task": "sent", "sms": "planned"}
    assert result.stderr.count("sms actions stay planned: channels.sms.provider is not set") == 1
    assert json.loads(result.stdout)["waiting"][0].startswith("sms actions stay planned")


def test_several_workers_on_sqlite_run_as_one_and_say_so(tmp_path: Path) -> None:
    planned_shop(tmp_path).dispose()
    result = run(tmp_path, "dispatch", "--workers", "4", "--json")
    assert "SQLite runs one dispatcher worker (4 asked)" in result.output
    assert '"workers": 1' in result.output


def test_actions_lists_with_the_phone_masked_and_filters_by_status(tmp_path: Path) -> None:
    planned_shop(tmp_path).dispose()
    run(tmp_path, "dispatch")
    table = run(tmp_path, "actions").output
    planned = json.loads(run(tmp_path, "actions", "--status", "planned", "--json").output)
    assert "138****0001" in table and "13800130001" not in table
    assert [a["key"] for a in planned] == ["order:1001:unpaid:1"]
    assert planned[0]["to"] == "138****0001"


def test_dispatch_loop_keeps_polling_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    import shutil
    import signal
    import subprocess
    import sys
    import time

    planned_shop(tmp_path).dispose()
    (tmp_path / "winback.toml").write_text('[dispatch]\npoll_interval = "1s"\n', encoding="utf-8")
    winback = shutil.which("winback", path=str(Path(sys.executable).parent))
    assert winback
    proc = subprocess.Popen(
        [winback, "dispatch", "--loop", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    engine = connect(f"sqlite:///{tmp_path / 'winback.db'}")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the phone task goes out on the first pass
            with engine.connect() as conn:
                if outbox.count_by_status(conn).get("sent") == 1:
                    break
            time.sleep(0.2)
        time.sleep(1.5)  # a poll or two with nothing due
        assert proc.poll() is None, "the loop ended by itself"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        engine.dispose()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert json.loads(out)["sent"] == 1


TWO_STORES = """
[stores."俏艺旗舰店"]
platform = "taobao"
language = "zh"

[stores."Qiaoyi Global"]
platform = "shopify"
timezone = "America/New_York"
currency = "USD"
language = "en"
"""


def test_the_dispatch_summary_is_a_line_per_store_in_its_language(tmp_path: Path) -> None:
    """A phone task of each store goes to the worklist; each store hears of its own, in its
    own words, and then that nothing more was due."""
    (tmp_path / "winback.toml").write_text(TWO_STORES, encoding="utf-8")
    engine = connect(f"sqlite:///{tmp_path / 'winback.db'}")
    migrate(engine)
    taobao = make_shop(engine, buyers=1, name="俏艺旗舰店")
    shopify = make_shop(engine, buyers=2, name="Qiaoyi Global", platform=Platform.SHOPIFY,
                        currency="USD", timezone="America/New_York")  # fmt: skip
    past = datetime(2024, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        outbox.enqueue(
            conn,
            [
                planned_action(taobao.store_id, "1000", channel=ActionChannel.PHONE_TASK,
                               customer_id=min(taobao.customer_ids.values()), due_at=past),
                planned_action(shopify.store_id, "1001", channel=ActionChannel.PHONE_TASK,
                               customer_id=shopify.customer_ids["b1"], due_at=past),
            ],
            now=past,
        )  # fmt: skip
    engine.dispose()
    database = f"sqlite:///{tmp_path / 'winback.db'}"
    options = ["--database", database, "--config", str(tmp_path / "winback.toml")]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, [*options, "dispatch"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines == ["Qiaoyi Global: sent 1 (1 claimed)", "俏艺旗舰店：已发送 1（共 1 个动作）"]
    again = CliRunner().invoke(cli, [*options, "dispatch"], catch_exceptions=False)
    assert again.stdout.splitlines() == [
        "Qiaoyi Global: nothing was due",
        "俏艺旗舰店：没有到期的动作",
    ]
