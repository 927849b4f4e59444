"""Terminal output of the recovery engine: the plan summary, the agents' worklist and the
recovery report. Contacts arrive masked from the service; nothing here unmasks them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from winback.services.recovery import PlanResult, RecoveryReport, TaskCard

CHANNEL_LABELS = {
    "sms": "SMS",
    "email": "e-mail",
    "phone_task": "phone task",
    "chat_task": "chat task",
    "im_robot": "team robot",
}


def print_plan(console: Console, result: PlanResult) -> None:
    """Counts per playbook, step and channel, then what was new to the outbox."""
    table = Table(title=f"Recovery plan for {result.store}", title_justify="left")
    for name in ("playbook", "step", "channel", "actions", "held out"):
        table.add_column(name, justify="left" if name in ("playbook", "channel") else "right")
    merged: dict[tuple[str, int, str], list[int]] = {}
    for (playbook, step, channel, held), count in result.groups.items():
        merged.setdefault((playbook, step, channel), [0, 0])[1 if held else 0] += count
    for (playbook, step, channel), (treated, controls) in sorted(merged.items()):
        label = CHANNEL_LABELS.get(channel, channel)
        table.add_row(playbook, str(step), label, str(treated + controls), str(controls))
    console.print(table)
    console.print(
        f"{result.unpaid_orders} open unpaid orders, {result.closed_orders} closed yesterday; "
        f"first reminder timing: {result.timing}"
    )
    for playbook, count in sorted((result.unreachable or {}).items()):
        console.print(
            f"{playbook}: {count} orders unreachable (no channel reaches the buyer: no action)"
        )
    if result.reordered:
        console.print(
            f"{result.reordered} of them placed again by their buyer "
            f"({result.recovered_by_buyer} paid): no reminder or follow-up"
        )
    console.print(
        f"{result.planned} actions planned: {result.created} new "
        f"({result.held_out} held out), {result.existing} already in the outbox"
    )


def print_worklist(console: Console, cards: Sequence[TaskCard]) -> None:
    """One panel per task, earliest due first."""
    if not cards:
        console.print("No open tasks.")
        return
    for card in cards:
        console.print(Panel(_card_body(card), title=_card_title(card), title_align="left"))


def _card_title(card: TaskCard) -> str:
    kind = CHANNEL_LABELS.get(card.channel, card.channel)
    return f"#{card.action_id}  {kind}  due {card.due_local}  ({card.playbook}, step {card.step})"


def _card_body(card: TaskCard) -> str:
    lines = [f"orders: {', '.join(card.order_ids)}   amount: {card.amount}"]
    who = card.buyer or "unknown buyer"
    if card.phone:
        who += f"   phone: {card.phone}"
    lines.append(f"buyer: {who}")
    if card.history is not None:
        history = card.history
        lines.append(
            f"history: {history.orders} orders, {history.paid_orders} paid, "
            f"{history.paid_amount} paid in total"
        )
    if card.params.get("closed_at_inferred") == "yes":
        lines.append(
            f"closed: by {card.params.get('closed_by', '?')} at the latest "
            "(inferred: the export gives no close time)"
        )
    elif card.params.get("closed_at"):
        lines.append(f"closed: {card.params['closed_at']}")
    if card.params.get("reason_evidence"):
        lines.append(
            f"reason guess: {card.params.get('reason_label_en') or card.params['reason_guess']} "
            f"({card.params['reason_guess']}, confidence {card.params.get('reason_confidence')}), "
            f"from the words: {card.params['reason_evidence']}"
        )
    elif "reason_guess" in card.params:
        lines.append("reason: unknown (no text says why; read the chat)")
    if card.chat:
        lines.append("last chat lines:")
        lines += [f"  {line.sender}: {line.text}" for line in card.chat]
    if card.script:
        lines += ["script:", *(f"  {line}" for line in card.script.splitlines())]
    else:
        lines.append(f"script: {card.script_problem or card.template}")
    if card.outcome is not None:
        lines.append(f"outcome: {card.outcome.outcome} ({card.outcome.agent or 'unknown agent'})")
    return "\n".join(lines)


def print_recovery(console: Console, report: RecoveryReport) -> None:
    """The attributed table (one per playbook), then the holdout comparison."""
    rows = report.table.to_pylist()
    console.print(
        f"Recovered for {report.store}: payment within {report.window_hours:g} h of an action, "
        "credited to the last one (docs/measurement.md)"
    )
    if not rows:
        console.print("No action has reached a buyer yet.")
    for playbook in sorted({row["playbook"] for row in rows}):
        console.print(_attributed(playbook, [r for r in rows if r["playbook"] == playbook]))
    _print_lift(console, report.lift.to_pylist())
    _print_by_buyer(console, report.by_buyer.to_pylist()[0])
    _print_saves(console, list(report.saves))


def _print_saves(console: Console, rows: list[dict[str, Any]]) -> None:
    """Cancelled-order saves: back and paid within the window, against the holdout, with
    what the offers and coupons cost (docs/offers.md)."""
    if not rows:
        return
    table = Table(
        title="Cancelled-order saves (the buyer paid a new order; docs/offers.md)",
        title_justify="left",
    )
    columns = ("playbook", "treated / held out", "back", "lift, 95% CI", "extra amount",
               "answers", "coupons issued / redeemed", "offer cost", "net", "ROI")  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name == "playbook" else "right")
    for row in rows:
        table.add_row(
            row["playbook"],
            f"{row['treated_orders']} / {row['held_out_orders']}",
            f"{_pct(row['treated_rate'])} / {_pct(row['held_out_rate'])}",
            _interval(row["lift"], row["lift_lower"], row["lift_upper"], points=True),
            row["incremental_amount"] or "—",
            str(row["answers"]),
            f"{row['coupons_issued']} / {row['coupons_redeemed']}",
            row["offer_cost"],
            row["net_incremental_amount"] or "—",
            _ratio(row["roi"]),
        )
    console.print(table)
    for row in rows:
        if row["reasons"]:
            said = ", ".join(f"{reason} {n}" for reason, n in row["reasons"].items())
            console.print(f"{row['playbook']}: reasons given: {said}")


def _print_by_buyer(console: Console, row: dict[str, Any]) -> None:
    """The orders the buyers recovered themselves: credited to no action."""
    console.print(
        f"Recovered by the buyer (placed again and paid; credited to no action): "
        f"{row['orders_recovered_by_buyer']} orders, {row['amount_recovered_by_buyer']} paid"
        + (
            f"; {row['reached_before']} of them had been reminded first"
            if row["reached_before"]
            else ""
        )
    )


def _attributed(playbook: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=playbook, title_justify="left")
    agents = any(row["agent"] for row in rows)
    columns = ("step", "channel / template", *(("agent",) if agents else ()), "sent", "reached",
               "paid", "amount", "rate", "cost", "ROI", "by buyer")  # fmt: skip
    for name in columns:
        table.add_column(
            name, justify="left" if name in ("channel / template", "agent") else "right"
        )
    for row in rows:
        table.add_row(
            str(row["step"]),
            f"{CHANNEL_LABELS.get(row['channel'], row['channel'])}\n{row['template']}",
            *((row["agent"] or "—",) if agents else ()),
            str(row["actions_sent"]),
            str(row["orders_reached"]),
            str(row["orders_recovered"]),
            str(row["amount_recovered"]),
            _pct(row["recovery_rate"]),
            str(row["cost"]),
            _ratio(row["roi"]),
            str(row["recovered_by_buyer"]),
        )
    return table


def _print_lift(console: Console, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("No playbook has planned anything yet.")
        return
    table = Table(title="Against the holdout (incremental recovery)", title_justify="left")
    columns = ("playbook", "orders treated / held out", "paid", "lift, 95% CI",
               "extra orders", "extra amount, 95% CI")  # fmt: skip
    for name in columns:
        table.add_column(name, justify="left" if name == "playbook" else "right")
    for row in rows:
        table.add_row(
            row["playbook"],
            f"{row['treated_orders']} / {row['held_out_orders']}",
            f"{_pct(row['treated_rate'])} / {_pct(row['held_out_rate'])}",
            _interval(row["lift"], row["lift_lower"], row["lift_upper"], points=True),
            _number(row["incremental_orders"]),
            _amount_interval(row, len_treated=row["treated_orders"]),
        )
    console.print(table)


def _amount_interval(row: dict[str, Any], *, len_treated: int) -> str:
    """The extra amount with the per-order interval scaled to the treated orders."""
    if row["incremental_amount"] is None:
        return "—"
    low, high = row["amount_lift_lower"] * len_treated, row["amount_lift_upper"] * len_treated
    return f"{row['incremental_amount']}\n{low:.2f} to {high:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}×"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _interval(estimate: Any, lower: Any, upper: Any, *, points: bool = False) -> str:
    if estimate is None:
        return "—"
    if points:
        return f"{estimate * 100:+.1f} pp\n{lower * 100:+.1f} to {upper * 100:+.1f}"
    return f"{estimate}\n{lower} to {upper}"
