"""Recovery commands: ``plan``, ``tasks`` (the agents' worklist, ``tasks done``) and
``report recovery`` (a subcommand of the diagnosis's ``report``)."""

from __future__ import annotations

import click
from rich.console import Console

from winback.cli.base import AsOf, Context, as_of_option, cli, errors, print_json, store_option
from winback.cli.diagnose import report_command
from winback.model import TASK_OUTCOMES


@cli.command("plan")
@store_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the plan summary as JSON.")
@click.pass_obj
def plan_command(obj: Context, store: str | None, as_of: AsOf | None, as_json: bool) -> None:
    """Plan payment reminders and closed-order follow-ups into the outbox.

    Runs every enabled playbook (docs/playbooks.md) over the open unpaid orders and the
    orders closed before payment yesterday. Planning twice creates nothing new; `winback
    dispatch` sends what is due.
    """
    from winback.present import recovery_terminal
    from winback.services import recovery

    with errors(), obj.app(as_of=as_of, store=store) as app:
        result = recovery.plan(app, store)
    if as_json:
        print_json(result.to_dict())
    else:
        recovery_terminal.print_plan(Console(), result)


@cli.group("tasks", invoke_without_command=True)
@store_option
@as_of_option
@click.option("--all", "include_done", is_flag=True, help="Also tasks an agent already reported.")
@click.option("--json", "as_json", is_flag=True, help="Print the worklist as JSON.")
@click.pass_context
def tasks_command(
    ctx: click.Context, store: str | None, as_of: AsOf | None, include_done: bool, as_json: bool
) -> None:
    """The agents' worklist: phone and platform-chat tasks in call-window order, each with
    the orders, the buyer's history, the last chat lines and a suggested script."""
    from winback.present import recovery_terminal
    from winback.services import recovery, stores

    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    with errors(), obj.app(as_of=as_of, store=store) as app:
        cards = recovery.worklist(app, store, include_done=include_done)
        language = stores.store_language(app, store)
    if as_json:
        print_json([card.to_dict() for card in cards])
    else:
        recovery_terminal.print_worklist(Console(), cards, language)


@tasks_command.command("done")
@click.argument("action_id", type=int)
@click.option(
    "--outcome", required=True, type=click.Choice(TASK_OUTCOMES), help="What the task achieved."
)
@click.option("--reason", help="Loss-reason code when the buyer refused (e.g. found_cheaper).")
@click.option("--note", help="Free text for the team.")
@click.option("--agent", envvar="WINBACK_AGENT", help="Who handled it (env WINBACK_AGENT).")
@click.option(
    "--replace", is_flag=True, help="Correct a task already reported (the new outcome counts)."
)
@store_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the recorded outcome as JSON.")
@click.pass_obj
def tasks_done_command(
    obj: Context,
    action_id: int,
    outcome: str,
    reason: str | None,
    note: str | None,
    agent: str | None,
    replace: bool,
    store: str | None,
    as_of: AsOf | None,
    as_json: bool,
) -> None:
    """Record the outcome of task ACTION_ID: paid, promised, no_answer or refused (with
    --reason CODE). A task already reported needs --replace."""
    from winback.services import recovery

    with errors(), obj.app(as_of=as_of, store=store) as app:
        recorded = recovery.record_task_outcome(
            app,
            action_id,
            outcome,
            reason=reason,
            note=note,
            agent=agent,
            store=store,
            replace=replace,
        )
    if as_json:
        print_json(recorded.to_dict())
    elif recorded.replaced:
        click.echo(
            f"task {action_id}: {recorded.outcome.outcome} recorded (replaces {recorded.replaced})"
        )
    else:
        click.echo(f"task {action_id}: {recorded.outcome.outcome} recorded")


@report_command.command("recovery")
@store_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def report_recovery_command(
    obj: Context, store: str | None, as_of: AsOf | None, as_json: bool
) -> None:
    """What the actions recovered: per playbook, step, channel, template and agent, with
    cost and ROI, and the incremental recovery against the holdout (docs/measurement.md)."""
    from winback.present import recovery_terminal
    from winback.services import recovery

    with errors(), obj.app(as_of=as_of, store=store) as app:
        report = recovery.recovery_report(app, store)
    if as_json:
        print_json(report.to_dict())
    else:
        recovery_terminal.print_recovery(Console(), report)
