"""`winback plan`, `winback tasks` and `winback report recovery` end to end: a real SQLite
store, the real outbox, click's CliRunner."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from winback.cli import cli
from winback.ingest.records import (
    MASKED,
    Buyer,
    ChatMessageRecord,
    Contact,
    CustomerRecord,
    OrderLineRecord,
    OrderRecord,
)
from winback.model import ChatSender, OrderStatus, Platform
from winback.services.recovery import script_library
from winback.store import db, outbox, repo

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime.now(UTC)
PHONE = "13800138000"
SETTINGS = """
[store]
name = "shop"

[playbooks.unpaid]
holdout_share = 0.0

[playbooks.closed_followup]
holdout_share = 0.0

[channels.costs]
agent_minutes_per_task = "4"
agent_hourly_cost = "30"
"""


def order(order_id: str, buyer: Buyer, **fields: Any) -> OrderRecord:
    fields.setdefault("status", OrderStatus.PENDING)
    fields.setdefault("created_at", NOW - timedelta(minutes=10))
    return OrderRecord(platform=Platform.TAOBAO, order_id=order_id, buyer=buyer, **fields)


def yesterday_noon() -> datetime:
    today = NOW.astimezone(SHANGHAI).date()
    return datetime.combine(today - timedelta(days=1), datetime.min.time(), SHANGHAI) + timedelta(
        hours=12
    )


def records() -> list[Any]:
    alice = Buyer(buyer_id="tb_alice", phone=Contact(PHONE))
    closed_at = yesterday_noon()
    return [
        CustomerRecord(platform=Platform.TAOBAO, customer_id="tb_alice", phone=Contact(PHONE)),
        order("A-old", alice, status=OrderStatus.SETTLED, created_at=NOW - timedelta(days=60),
              paid_at=NOW - timedelta(days=60), total_amount=Decimal("80.00"),
              paid_amount=Decimal("80.00")),
        order("A1", alice, total_amount=Decimal("200.00")),
        order("B1", Buyer(buyer_id="tb_bob", phone=MASKED), total_amount=Decimal("50.00")),
        order("C1", Buyer(buyer_id="tb_carol", phone=Contact("13900139000")),
              total_amount=Decimal("80.00")),
        order("D1", Buyer(buyer_id="tb_dave", phone=MASKED), status=OrderStatus.CLOSED,
              created_at=closed_at - timedelta(hours=72), closed_at=closed_at,
              total_amount=Decimal("60.00"), close_reason="运费太贵了"),
        ChatMessageRecord(platform=Platform.TAOBAO, buyer_id="tb_alice",
                          sent_at=NOW - timedelta(minutes=20), sender=ChatSender.BUYER,
                          text="这件有白色M码吗"),
    ]  # fmt: skip


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "winback.toml").write_text(SETTINGS, encoding="utf-8")
    engine = db.connect(f"sqlite:///{tmp_path / 'winback.db'}")
    db.migrate(engine)
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="shop", platform="taobao", timezone="Asia/Shanghai", currency="CNY"
        )
        result = repo.apply_records(conn, store, records(), source_file="orders.csv")
        assert result.rejected == 0, result.rejections
    engine.dispose()
    return tmp_path


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    config = str(folder / "winback.toml")
    return CliRunner().invoke(
        cli, ["--config", config, "--database", database, *args], catch_exceptions=False
    )


def ok_json(folder: Path, *args: str) -> Any:
    result = run(folder, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_planning_fills_the_outbox_once_and_counts_per_playbook_step_and_channel(
    shop: Path,
) -> None:
    first = ok_json(shop, "plan")
    channels = {(g["playbook"], g["step"], g["channel"]): g["actions"] for g in first["groups"]}
    assert channels[("unpaid", 1, "phone_task")] == 1  # a returning buyer: alice
    assert channels[("unpaid", 1, "chat_task")] == 1  # masked contacts: bob
    assert channels[("unpaid", 1, "sms")] == 1  # a new buyer with a phone number: carol
    assert channels[("closed_followup", 1, "chat_task")] == 1  # dave, closed yesterday
    assert (first["unpaid_orders"], first["closed_orders"]) == (3, 1)
    assert first["created"] == first["planned"] > 0
    again = ok_json(shop, "plan")
    # nothing new: the reminders' steps were planned by the first run (and are not planned
    # again), the follow-up's key is in the outbox already
    assert (again["created"], again["existing"]) == (0, again["planned"])
    assert again["planned"] < first["planned"]


def test_the_human_plan_summary_names_the_playbooks_in_the_store_s_language(shop: Path) -> None:
    result = run(shop, "plan")  # a Chinese store (language defaults to zh)
    assert result.exit_code == 0, result.output
    assert "关闭订单回访" in result.output and "电话任务" in result.output
    assert "个已在发件箱" in result.output
    assert "already in the outbox" not in result.output

    settings = shop / "winback.toml"
    settings.write_text(SETTINGS.replace('name = "shop"', 'name = "shop"\nlanguage = "en"'))
    result = run(shop, "plan")
    assert result.exit_code == 0, result.output
    assert "Recovery plan for shop" in result.output
    assert "already in the outbox" in " ".join(result.output.split())


def test_the_worklist_speaks_the_store_s_language_and_money(shop: Path) -> None:
    ok_json(shop, "plan")
    chinese = run(shop, "tasks").output
    assert "订单：" in chinese and "金额：¥" in chinese and "历史：" in chinese
    assert "amount:" not in chinese

    settings = shop / "winback.toml"
    settings.write_text(SETTINGS.replace('name = "shop"', 'name = "shop"\nlanguage = "en"'))
    english = run(shop, "tasks").output
    assert "amount: ¥" in english and "history:" in english
    cards = ok_json(shop, "tasks")
    assert {card["currency"] for card in cards} == {"CNY"}  # JSON names the money too


def test_the_worklist_shows_tasks_with_history_chat_and_a_masked_phone(shop: Path) -> None:
    ok_json(shop, "plan")
    cards = ok_json(shop, "tasks")
    alice = next(c for c in cards if c["order_ids"] == ["A1"])
    assert alice["channel"] == "phone_task"
    assert alice["phone"] == "138****8000"
    assert alice["history"] == {"orders": 2, "paid_orders": 1, "paid_amount": "80.00"}
    assert [line["text"] for line in alice["chat"]] == ["这件有白色M码吗"]
    assert alice["template"] == "unpaid_phone_script"
    assert "订单A1" in alice["script"] and "shop的客服" in alice["script"]
    dave = next(c for c in cards if c["order_ids"] == ["D1"])
    assert dave["params"]["reason_guess"] == "extra_costs"
    assert dave["template"] == "closed_followup_chat_script"
    assert "订单D1" in dave["script"]
    assert all(c["channel"] in ("phone_task", "chat_task") for c in cards)
    human = run(shop, "tasks").output
    assert "138****8000" in human and PHONE not in human
    assert "订单A1" in human


def test_an_unknown_reason_code_is_an_error_listing_the_valid_ones(shop: Path) -> None:
    ok_json(shop, "plan")
    task = ok_json(shop, "tasks")[0]["action_id"]
    result = run(shop, "tasks", "done", str(task), "--outcome", "refused", "--reason", "meh")
    assert result.exit_code == 1
    assert "unknown reason code 'meh'" in result.output
    assert "found_cheaper" in result.output and "extra_costs" in result.output


def test_only_agent_tasks_of_the_store_take_an_outcome(shop: Path) -> None:
    ok_json(shop, "plan")
    engine = db.connect(f"sqlite:///{shop / 'winback.db'}")
    with engine.connect() as conn:
        sms = next(a.id for a in outbox.list_actions(conn) if a.channel == "sms")
    engine.dispose()
    result = run(shop, "tasks", "done", str(sms), "--outcome", "paid")
    assert result.exit_code == 1 and "is a sms message, not an agent task" in result.output
    result = run(shop, "tasks", "done", "999999", "--outcome", "paid")
    assert result.exit_code == 1 and "no action 999999" in result.output


def test_a_recorded_outcome_closes_the_task_and_counts_in_the_recovery_report(
    shop: Path, tmp_path: Path
) -> None:
    ok_json(shop, "plan")
    alice = next(c for c in ok_json(shop, "tasks") if c["order_ids"] == ["A1"])
    recorded = ok_json(
        shop, "tasks", "done", str(alice["action_id"]), "--outcome", "promised", "--agent", "li"
    )
    assert (recorded["outcome"], recorded["agent"]) == ("promised", "li")
    assert all(c["action_id"] != alice["action_id"] for c in ok_json(shop, "tasks"))
    assert any(c["action_id"] == alice["action_id"] for c in ok_json(shop, "tasks", "--all"))
    # Alice pays a minute after the call: the phone task recovered her order.
    engine = db.connect(f"sqlite:///{shop / 'winback.db'}")
    paid_at = datetime.now(UTC) + timedelta(minutes=1)
    paid = order(
        "A1", Buyer(buyer_id="tb_alice"), status=OrderStatus.PAID,
        total_amount=Decimal("200.00"), paid_amount=Decimal("200.00"), paid_at=paid_at,
    )  # fmt: skip
    with engine.begin() as conn:
        (store,) = repo.list_stores(conn)
        repo.apply_records(conn, store.id, [paid], source_file="later.csv")
    engine.dispose()
    # as of now the payment has not happened yet; a minute later it has
    before = ok_json(shop, "report", "recovery")
    assert not any(r["orders_recovered"] for r in before["recovery"])
    later = (paid_at + timedelta(minutes=1)).isoformat()
    report = ok_json(shop, "report", "recovery", "--as-of", later)
    (phone,) = [r for r in report["recovery"] if r["channel"] == "phone_task" and r["step"] == 1]
    assert (phone["orders_recovered"], phone["amount_recovered"]) == (1, "200.00")
    assert phone["agent"] == "li" and phone["cost"] == "2.00"  # 4 minutes at 30 an hour
    (unpaid,) = [r for r in report["holdout"] if r["playbook"] == "unpaid"]
    assert unpaid["held_out_orders"] == 0 and unpaid["lift"] is None
    human = "".join(run(shop, "report", "recovery", "--as-of", later).output.split())
    assert "与对照组相比" in human and "¥200.00" in human
    # A paid order is no longer on the worklist as a payment reminder.
    paid_tasks = ok_json(shop, "tasks", "--all", "--as-of", later)
    assert all("A1" not in c["order_ids"] for c in paid_tasks)


def test_the_follow_up_scripts_render_with_their_samples() -> None:
    library = script_library()
    assert library.validate() == {}
    assert library.get("closed_followup_phone_script", "en").channel == "phone_task"


@pytest.mark.parametrize(
    "command", [["plan"], ["tasks"], ["tasks", "done"], ["report", "recovery"]]
)
def test_every_recovery_command_documents_itself(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "--json" in result.output


# -- issues 11.2 and 11.4 on a Taobao export: buyers who ordered again, tasks nobody can do ----

EXPORT_SETTINGS = """
[store]
name = "shop"
platform = "taobao"

[playbooks.unpaid]
holdout_share = 0.0

[playbooks.closed_followup]
holdout_share = 0.0
"""
AS_OF = datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)


def exported(order_id: str, buyer: str, at: datetime, title: str, **fields: Any) -> OrderRecord:
    amount = fields.pop("amount", Decimal("128.00"))
    status = fields.setdefault("status", OrderStatus.PENDING)
    if status.was_paid:
        fields.setdefault("paid_at", at + timedelta(minutes=1))
        fields.setdefault("paid_amount", amount)
    line = OrderLineRecord(line_id="1", title=title, quantity=1, unit_price=amount)
    who = Buyer(buyer_id=buyer, phone=fields.pop("phone", MASKED), address=MASKED)
    return OrderRecord(
        platform=Platform.TAOBAO, order_id=order_id, buyer=who, created_at=at,
        total_amount=amount, goods_amount=amount, lines=(line,), **fields,
    )  # fmt: skip


def day(d: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 10, d, h, m, tzinfo=SHANGHAI)


EXPORT = [
    # Erin closed 2001 ("wrong details, ordering again") and paid 2002 25 minutes later.
    exported("2001", "tb_erin", day(1, 12), "法式碎花连衣裙", status=OrderStatus.CLOSED,
             close_reason="信息填写错误，重新拍"),
    exported("2002", "tb_erin", day(1, 12, 25), "法式碎花连衣裙", status=OrderStatus.SETTLED),
    # Fay's order closed unpaid; the export gives no close time, and no reason in words.
    exported("2003", "tb_fay", day(1, 15), "纯棉白衬衫", status=OrderStatus.CLOSED,
             close_reason="买家未付款"),
    # Gus placed the same dress twice this morning: remind him about the second only.
    exported("2004", "tb_gus", day(3, 7), "针织开衫"),
    exported("2005", "tb_gus", day(3, 8), "针织开衫"),
    # Hal left 2006 unpaid and paid another order an hour later.
    exported("2006", "tb_hal", day(3, 6), "羊毛大衣"),
    exported("2007", "tb_hal", day(3, 7), "保温杯", status=OrderStatus.PAID),
    # Ivy: a large order (the phone rule) but the platform masks her number.
    exported("2008", "tb_ivy", day(3, 6), "羊毛大衣", amount=Decimal("560.00")),
]  # fmt: skip


@pytest.fixture
def export_shop(tmp_path: Path) -> Path:
    from winback.demo.exports.taobao import write_item_report, write_order_report

    (tmp_path / "winback.toml").write_text(EXPORT_SETTINGS, encoding="utf-8")
    exports = tmp_path / "exports"
    exports.mkdir()
    write_order_report(EXPORT, exports / "ExportOrderList201610031000.csv")
    write_item_report(EXPORT, exports / "ExportOrderDetailList201610031000.csv")
    result = run(tmp_path, "import", str(exports), "--source", "taobao", "--json")
    assert result.exit_code == 0, result.output
    return tmp_path


def test_a_buyer_who_paid_a_reorder_gets_no_follow_up_and_counts_as_recovered_by_the_buyer(
    export_shop: Path,
) -> None:
    as_of = ("--as-of", AS_OF.isoformat())
    summary = ok_json(export_shop, "plan", *as_of)
    assert summary["reordered"] == 3  # 2001 by 2002, 2004 by 2005, 2006 by 2007
    assert summary["recovered_by_buyer"] == 2  # 2001 and 2006: their re-orders are paid
    cards = ok_json(export_shop, "tasks", *as_of)
    followed = [c for c in cards if c["playbook"] == "closed_followup"]
    assert [c["order_ids"] for c in followed] == [["2003"]]
    engine = db.connect(f"sqlite:///{export_shop / 'winback.db'}")
    with engine.connect() as conn:
        planned = outbox.list_actions(conn)
    engine.dispose()
    about = {order for action in planned for order in action.order_ids}
    assert about == {"2003", "2005", "2008"}
    report = ok_json(export_shop, "report", "recovery", *as_of)
    assert report["recovered_by_buyer"] == {
        "orders_recovered_by_buyer": 2,
        "amount_recovered_by_buyer": "256.00",
        "reached_before": 0,
    }
    human = run(export_shop, "report", "recovery", *as_of).output
    assert "买家自行挽回" in human and "¥256.00" in human


def test_an_inferred_close_time_and_an_unfounded_reason_are_not_shown_as_facts(
    export_shop: Path,
) -> None:
    as_of = ("--as-of", AS_OF.isoformat())
    ok_json(export_shop, "plan", *as_of)
    (fay,) = [c for c in ok_json(export_shop, "tasks", *as_of) if c["order_ids"] == ["2003"]]
    assert fay["params"]["closed_at_inferred"] == "yes" and fay["params"]["closed_at"] == ""
    assert fay["params"]["reason_confidence"] in ("", None) or fay["params"]["reason_evidence"]
    human = "".join(run(export_shop, "tasks", *as_of).output.split())
    assert "推断：导出文件没有关闭时间" in human
    assert "置信度0.25" not in human and "原因：未知" in human


def test_a_masked_number_makes_no_phone_task(export_shop: Path) -> None:
    as_of = ("--as-of", AS_OF.isoformat())
    summary = ok_json(export_shop, "plan", *as_of)
    channels = {(g["playbook"], g["channel"]) for g in summary["groups"]}
    assert ("unpaid", "phone_task") not in channels  # Ivy's 560.00 order: number masked
    (ivy,) = [c for c in ok_json(export_shop, "tasks", *as_of) if c["order_ids"] == ["2008"]]
    assert ivy["channel"] == "chat_task"


def test_a_buyer_no_channel_reaches_is_counted_unreachable_in_the_plan_summary(
    tmp_path: Path,
) -> None:
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "web"\nplatform = "shopify"\ntimezone = "America/New_York"\n'
        'currency = "USD"\n',
        encoding="utf-8",
    )
    engine = db.connect(f"sqlite:///{tmp_path / 'winback.db'}")
    db.migrate(engine)
    nobody = OrderRecord(
        platform=Platform.SHOPIFY, order_id="#1001", buyer=Buyer(buyer_id="c1"),
        status=OrderStatus.PENDING, created_at=NOW - timedelta(minutes=10),
        total_amount=Decimal("40.00"),
    )  # fmt: skip
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="web", platform="shopify", timezone="America/New_York", currency="USD"
        )
        repo.apply_records(conn, store, [nobody], source_file="orders.csv")
    engine.dispose()
    summary = ok_json(tmp_path, "plan")
    assert summary["planned"] == 0
    assert summary["unreachable"] == {"unpaid": 1}
    assert "1 笔订单无法触达" in run(tmp_path, "plan").output


def test_reporting_a_task_twice_says_so_instead_of_overwriting(shop: Path) -> None:
    ok_json(shop, "plan")
    task = str(next(c for c in ok_json(shop, "tasks") if c["order_ids"] == ["A1"])["action_id"])
    ok_json(shop, "tasks", "done", task, "--outcome", "promised", "--agent", "li")
    again = run(shop, "tasks", "done", task, "--outcome", "no_answer", "--agent", "wang")
    assert again.exit_code == 1
    assert f"task {task} was already reported: promised by li" in again.output
    assert "--replace" in again.output
    replaced = ok_json(
        shop, "tasks", "done", task, "--outcome", "paid", "--agent", "wang", "--replace"
    )
    assert (replaced["outcome"], replaced["replaced"]) == ("paid", "promised")


def test_a_reason_that_contradicts_the_outcome_is_refused(shop: Path) -> None:
    ok_json(shop, "plan")
    task = str(ok_json(shop, "tasks")[0]["action_id"])
    result = run(shop, "tasks", "done", task, "--outcome", "paid", "--reason", "found_cheaper")
    assert result.exit_code == 1
    assert "--reason explains a refusal" in result.output
    assert all(c["outcome"] is None for c in ok_json(shop, "tasks", "--all"))
