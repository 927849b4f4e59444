"""`winback demo` end to end: simulate, write real exports, import them, summarise."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from winback.demo.pipeline import SHOPIFY_STORE, run_demo


class FixedClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def test_the_demo_imports_every_file_it_writes_without_a_rejection(tmp_path: Path) -> None:
    console = Console(record=True, width=140)
    clock = FixedClock(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
    result = run_demo(tmp_path / "demo", days=10, console=console, clock=clock)
    assert {report.kind for report in result.reports} >= {
        "order_and_item_reports",
        "chats",
        "carts",
        "wishlists",
        "feedback",
        "stock",
        "orders",
    }
    assert all(report.rejected == 0 for report in result.reports), [
        (report.file, report.rejections[:2]) for report in result.reports if report.rejected
    ]
    history, taobao = (r for r in result.reports if r.kind == "order_and_item_reports")
    assert "history" in history.file and history.created > 0  # imported first
    assert taobao.created == len(result.shop.orders)
    shown = console.export_text()
    assert "orders by status per day" in shown and SHOPIFY_STORE in shown
    assert "customers by lifecycle segment" in shown
    # The members' simulated history reaches back two years, so some are lost by now.
    assert "no customer can be lost yet" not in shown
    assert "promising lost customers worth winning back" in shown
    assert result.report is not None
    assert 'id="lifecycle"' in result.report.read_text(encoding="utf-8")
    assert (tmp_path / "demo" / "winback.db").is_file()
    assert result.plan is not None and result.plan.created == result.plan.planned > 0
    assert result.dispatched is not None and result.recovered is not None
    assert "Recovery plan for" in shown and "Against the holdout" in shown


def test_running_the_demo_twice_gives_the_same_store(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 4, 0, tzinfo=UTC))
    first = run_demo(tmp_path / "a", days=5, console=Console(quiet=True), clock=clock)
    second = run_demo(tmp_path / "a", days=5, console=Console(quiet=True), clock=clock)
    assert [r.created for r in first.reports] == [r.created for r in second.reports]
