"""Issue 10's "done when", as a new user would meet it: a real-layout Tmall 订单报表 without
订单状态 (tests/ingest/fixtures: GB18030, the real headers with their trailing spaces, the paid
column net of refunds) imported through the CLI into a Tmall store, then read with
`diagnose` and planned with `plan --as-of`. Every figure is checked against the file, read
here independently of winback (the csv module)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from winback.cli import cli

FIXTURE = Path(__file__).parent / "ingest" / "fixtures" / "tmall_orders_no_status_net.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = timedelta(hours=24)  # Tmall closes an unpaid order after 24 h (docs/deadlines.md)
SETTINGS = """
[store]
name = "天猫旗舰店"
platform = "tmall"
timezone = "Asia/Shanghai"
currency = "CNY"
language = "zh"
"""
PERIOD = ("--from", "2023-11-11", "--to", "2023-11-13")
AFTER_ALL_DEADLINES = "2023-11-20 00:00"
MID_EXPORT = "2023-11-13 02:00"  # some unpaid orders closed by now, some still open


def file_rows() -> list[dict[str, str]]:
    text = FIXTURE.read_bytes().decode("gb18030")
    return [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(io.StringIO(text))]


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def placed(row: dict[str, str]) -> datetime:
    return datetime.fromisoformat(row["订单创建时间"]).replace(tzinfo=SHANGHAI)


def run(folder: Path, *args: str) -> Result:
    options = ["--database", f"sqlite:///{folder / 'winback.db'}"]
    options += ["--config", str(folder / "winback.toml")]
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)


def json_of(folder: Path, *args: str) -> Any:
    result = run(folder, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def make_store(folder: Path, export: Path) -> Path:
    (folder / "winback.toml").write_text(SETTINGS, encoding="utf-8")
    imported = json_of(folder, "import", str(export), "--source", "tmall")
    assert imported[0]["created"] == len(file_rows())
    assert imported[0]["rejected"] == 0
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("tmall"), FIXTURE)


@pytest.fixture(scope="module")
def store_with_buyers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same report with the 买家会员名 column the fuller variant carries: the buyers can
    be reached on the platform's chat, so `plan` has someone to plan for."""
    folder = tmp_path_factory.mktemp("tmall-buyers")
    text = FIXTURE.read_bytes().decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    rows[0].append("买家会员名")
    for n, row in enumerate(rows[1:]):
        row.append(f"tb_buyer{n}")  # one buyer per order: no re-orders to hide an order
    export = folder / "订单报表.csv"
    with export.open("w", newline="", encoding="gb18030") as handle:
        csv.writer(handle).writerows(rows)
    return make_store(folder, export)


def days(report: dict[str, Any], column: str) -> Decimal:
    return sum((Decimal(str(day[column])) for day in report["decomposition"]["days"]), Decimal(0))


def test_every_never_paid_order_is_lost_once_its_deadline_has_passed(store: Path) -> None:
    rows = file_rows()
    unpaid = [row for row in rows if not row["订单付款时间"]]
    report = json_of(store, "diagnose", *PERIOD, "--as-of", AFTER_ALL_DEADLINES)

    assert days(report, "orders") == len(rows)
    assert days(report, "closed_before_payment_orders") == len(unpaid)
    assert days(report, "unpaid_orders") == 0
    assert days(report, "closed_before_payment_amount") == sum(money(r["总金额"]) for r in unpaid)
    total = report["lost_ratio"]["total"]
    assert total["closed_orders"] == len(unpaid)
    assert total["lost_ratio"] == pytest.approx(len(unpaid) / len(rows))  # 20.8%, not 0.0%


def test_the_refunded_part_is_the_file_s_refund_sum_and_partial_refunds_stay_partial(
    store: Path,
) -> None:
    rows = file_rows()
    report = json_of(store, "diagnose", *PERIOD, "--as-of", AFTER_ALL_DEADLINES)
    refunds = sum(money(r["退款金额"]) for r in rows)

    assert days(report, "refunded_amount") == refunds  # ¥2,293.80
    kept = [r for r in rows if r["订单付款时间"] and money(r["买家实际支付金额"]) > 0]
    assert days(report, "paid_shipping_unknown_amount") == sum(
        money(r["买家实际支付金额"]) for r in kept
    )  # the net paid column: what the buyers kept paying for
    assert report["decomposition"]["parts"] == [
        "unpaid",
        "paid_shipping_unknown",
        "closed_before_payment",
        "refunded",
    ]  # no "paid, not shipped": the file cannot tell it


def test_the_payment_curve_is_the_payers_own(store: Path) -> None:
    rows = file_rows()
    paid = [r for r in rows if r["订单付款时间"]]
    waits = sorted(
        (datetime.fromisoformat(r["订单付款时间"]) - datetime.fromisoformat(r["订单创建时间"]))
        for r in paid
    )
    report = json_of(store, "diagnose", *PERIOD, "--as-of", AFTER_ALL_DEADLINES)
    everyone = report["payment"]["segments"][0]

    assert (everyone["dimension"], everyone["n_orders"], everyone["n_paid"]) == (
        "all",
        len(rows),
        len(paid),
    )
    assert everyone["payers_p50_s"] == waits[len(waits) // 2].total_seconds()
    assert everyone["n_paid_after_deadline"] == 0


def test_as_of_a_moment_within_the_export_only_the_orders_past_their_deadline_are_lost(
    store: Path,
) -> None:
    moment = datetime.fromisoformat(MID_EXPORT).replace(tzinfo=SHANGHAI)
    unpaid = [r for r in file_rows() if not r["订单付款时间"] and placed(r) <= moment]
    still_open = [r for r in unpaid if placed(r) + DEADLINE > moment]
    closed = [r for r in unpaid if placed(r) + DEADLINE <= moment]
    assert still_open and closed  # the moment splits them

    report = json_of(store, "diagnose", *PERIOD, "--as-of", MID_EXPORT)
    assert days(report, "unpaid_orders") == len(still_open)
    assert days(report, "unpaid_amount") == sum(money(r["总金额"]) for r in still_open)
    assert days(report, "closed_before_payment_orders") == len(closed)

    plan = json_of(store, "plan", "--as-of", MID_EXPORT)
    assert plan["unpaid_orders"] == len(still_open)  # plan and diagnose agree
    assert plan["unreachable"] == {"unpaid": len(still_open), "closed_followup": 1}
    assert plan["planned"] == 0  # no buyer column: nobody to reach, no task for nobody


def test_plan_as_of_the_export_plans_only_open_orders_before_they_close(
    store_with_buyers: Path,
) -> None:
    moment = datetime.fromisoformat(MID_EXPORT).replace(tzinfo=SHANGHAI)
    rows = file_rows()
    still_open = {
        r["订单编号"]: placed(r)
        for r in rows
        if not r["订单付款时间"] and placed(r) <= moment < placed(r) + DEADLINE
    }

    plan = json_of(store_with_buyers, "plan", "--as-of", MID_EXPORT)
    tasks = json_of(store_with_buyers, "tasks", "--as-of", MID_EXPORT)

    assert plan["unpaid_orders"] == len(still_open)
    reminders = [task for task in tasks if task["playbook"] == "unpaid"]
    held_out = sum(g["actions"] for g in plan["groups"] if g["held_out"])
    assert {order for task in reminders for order in task["order_ids"]} <= set(still_open)
    assert len(reminders) + held_out == len(still_open)  # each open order: a task or the holdout
    for task in reminders:
        (order,) = task["order_ids"]
        due = datetime.fromisoformat(task["due_at"])
        expires = datetime.fromisoformat(task["expires_at"])
        assert task["channel"] == "chat_task"
        assert due >= moment  # never in the past of the moment planned at
        assert expires == still_open[order] + DEADLINE  # the order's own close time
        assert due < expires  # due while the buyer can still pay
        assert task["phone"] is None  # the report masks contacts: a chat task, not a call


def test_the_follow_up_of_yesterday_s_closed_order_never_states_an_inferred_close_time(
    store_with_buyers: Path,
) -> None:
    moment = datetime.fromisoformat(MID_EXPORT).replace(tzinfo=SHANGHAI)
    yesterday = moment.date() - timedelta(days=1)
    closed = {
        r["订单编号"]
        for r in file_rows()
        if not r["订单付款时间"] and (placed(r) + DEADLINE).date() == yesterday
    }
    # plan here too (planning twice creates nothing new): under xdist this test may run on
    # another worker than the plan test above, with a store of its own never planned
    json_of(store_with_buyers, "plan", "--as-of", MID_EXPORT)
    tasks = json_of(store_with_buyers, "tasks", "--as-of", MID_EXPORT)
    follow_ups = [task for task in tasks if task["playbook"] == "closed_followup"]

    assert {order for task in follow_ups for order in task["order_ids"]} == closed
    for task in follow_ups:
        assert task["params"]["closed_at"] == ""  # the file has no close time: never invented
        if task["params"].get("reason_label"):  # a guess only with the words behind it
            assert task["params"]["reason_evidence"]
