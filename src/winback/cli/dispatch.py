"""Commands of the outbox: ``dispatch`` sends what is due, ``actions`` lists the actions."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

from winback.cli.base import Context, cli, errors, print_json
from winback.model import ActionStatus
from winback.present.fitting import print_table

if TYPE_CHECKING:
    from winback.services import dispatch as service


@cli.command()
@click.option("--loop", is_flag=True, help="Keep polling for due actions until interrupted.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (PostgreSQL only; SQLite runs one).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be sent now; send nothing.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True,
              help="With --dry-run: how many due actions to show.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_obj
def dispatch(
    obj: Context, loop: bool, workers: int, dry_run: bool, limit: int, as_json: bool
) -> None:
    """Send the due recovery actions through the send policy (consent, suppression, quiet
    hours, caps) and the channels configured in [channels]; agent tasks go to the worklist.

    Actions of a channel that is not configured stay planned; the command says which
    setting is missing.

    Every action is sent at most once, whatever crashes or how many workers run.
    """
    from winback.present.dispatch_terminal import print_dispatch
    from winback.services import dispatch as service

    console = Console(stderr=as_json)
    with errors(), obj.app() as app:
        if dry_run:
            previews = service.preview(app, limit=limit)
        else:
            run = service.dispatch(app, workers=workers, loop=loop)
            stores = service.outcomes_by_store(app, run.report)
    if dry_run:
        if as_json:
            print_json([asdict(p) for p in previews])
        else:
            _print_previews(console, previews)
        return
    for line in [run.note, *run.waiting] if run.note else run.waiting:
        Console(stderr=True).print(line, highlight=False, soft_wrap=True)
    if as_json:
        print_json({"workers": run.workers, **run.report.to_dict(), "waiting": run.waiting})
        return
    credited: Counter[str] = Counter()
    for store in stores:
        credited.update(store.outcomes)
    print_dispatch(
        console,
        stores,
        workers=run.workers,
        unattributed=run.report.outcomes - credited,
        reconciled=run.report.reconciled,
    )


def _print_previews(console: Console, previews: list[service.Preview]) -> None:
    if not previews:
        console.print("Nothing is due.")
        return
    table = Table(title="Due now (dry run: nothing sent)", title_justify="left")
    for column in ("id", "key", "channel", "decision", "reason", "to", "message"):
        table.add_column(column)
    for p in previews:
        table.add_row(str(p.action_id), p.key, p.channel, p.decision, p.reason, p.to, p.body)
    print_table(console, table)


@cli.command()
@click.option(
    "--status",
    type=click.Choice([s.value for s in ActionStatus]),
    help="Only actions in this status.",
)
@click.option("--playbook", help="Only this playbook's actions.")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True,
              help="At most this many (newest due first).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def actions(
    obj: Context, status: str | None, playbook: str | None, limit: int, as_json: bool
) -> None:
    """List recovery actions and their states; contacts are masked."""
    from winback.services import dispatch as service

    with errors(), obj.app() as app:
        views = service.list_actions(
            app, status=ActionStatus(status) if status else None, playbook=playbook, limit=limit
        )
    if as_json:
        print_json([asdict(view) for view in views])
        return
    console = Console()
    if not views:
        console.print("No actions yet: plan some with `winback plan`.")
        return
    table = Table(title=f"{len(views)} action(s)", title_justify="left")
    for column in ("id", "key", "step", "channel", "status", "due", "to", "tries", "note"):
        table.add_column(column)
    for v in views:
        table.add_row(
            str(v.id), v.key, str(v.step), v.channel, v.status,
            v.due_at.strftime("%Y-%m-%d %H:%M UTC"), v.to, str(v.attempts), v.last_error or "",
        )  # fmt: skip
    print_table(console, table)
