"""Commands that say where the store loses orders and why: ``diagnose`` and ``report``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from winback.cli.base import AsOf, Context, as_of_option, cli, errors, print_json, store_option
from winback.errors import WinbackError

if TYPE_CHECKING:
    from winback.app import App
    from winback.present.report_blocks import Section
    from winback.services.diagnosis import Diagnosis


class _Day(click.ParamType):  # type: ignore[type-arg]
    """A calendar date written ``YYYY-MM-DD`` (a day of the store's calendar)."""

    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date like 2026-07-30", param, ctx)


DAY = _Day()


def _period_options(command: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.option("--from", "date_from", type=DAY, help="First day (store calendar)."),
        click.option(
            "--to", "date_to", type=DAY, help="Last day, included (default: the --as-of day)."
        ),
        store_option,
        as_of_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _diagnosis(
    obj: Context,
    store: str | None,
    date_from: date | None,
    date_to: date | None,
    as_of: AsOf | None,
) -> Diagnosis:
    """The diagnosis as of the clock's now (``--as-of``), with a spinner on stderr."""
    with obj.app(as_of=as_of, store=store) as app:
        return _diagnosis_in(app, store, date_from, date_to)


def _diagnosis_in(
    app: App, store: str | None, date_from: date | None, date_to: date | None
) -> Diagnosis:
    from winback.services.diagnosis import diagnose

    with Console(stderr=True).status("Diagnosing…"):
        now: datetime = app.clock.now()
        return diagnose(app, store=store, date_from=date_from, date_to=date_to, now=now)


def _lifecycle_sections(
    app: App, store: str | None, date_to: date | None, language: str
) -> list[Section]:
    """The report's customer lifecycle section (docs/lifecycle.md), as of the period's end."""
    from winback.present import lifecycle_report
    from winback.services.lifecycle import lifecycle_section

    data = lifecycle_section(app, as_of=date_to, store=store)
    return [lifecycle_report.lifecycle_section(data, language=language)]


@cli.command("diagnose")
@_period_options
@click.option(
    "--json", "as_json", is_flag=True, help="Print everything as JSON (amounts as strings)."
)
@click.pass_obj
def diagnose_command(
    obj: Context,
    date_from: date | None,
    date_to: date | None,
    store: str | None,
    as_of: AsOf | None,
    as_json: bool,
) -> None:
    """Where the store loses orders in a period, and why (D1–D6).

    Without --from/--to: the last [diagnose] period_days days (30) up to today.
    """
    from winback.present.diagnosis_terminal import print_diagnosis

    with errors():
        result = _diagnosis(obj, store, date_from, date_to, as_of)
    if as_json:
        print_json(result.to_dict())
    else:
        print_diagnosis(Console(), result)


@cli.group("report", invoke_without_command=True)
@_period_options
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the self-contained HTML report here.",
)
@click.option(
    "--xlsx",
    "xlsx_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the tables to this Excel file, one sheet per table.",
)
@click.pass_context
def report_command(
    ctx: click.Context,
    date_from: date | None,
    date_to: date | None,
    store: str | None,
    as_of: AsOf | None,
    html_file: Path | None,
    xlsx_file: Path | None,
) -> None:
    """Write the diagnosis as one HTML file with charts (opens offline) and/or Excel.

    `winback report recovery` reports what the recovery actions brought back instead.
    """
    from winback.present import html_report

    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    with errors():
        if html_file is None and xlsx_file is None:
            raise WinbackError("say where to write the report: --html FILE and/or --xlsx FILE")
        with obj.app(as_of=as_of, store=store) as app:  # one app: settings checked once
            result = _diagnosis_in(app, store, date_from, date_to)
            extra = (
                _lifecycle_sections(app, store, date_to, result.language)
                if html_file is not None
                else []
            )
        if html_file is not None:
            html_report.write_html(result, html_file, extra_sections=extra)
            click.echo(f"HTML report: {html_file}")
        if xlsx_file is not None:
            from winback.present import xlsx_report

            xlsx_report.write_xlsx(result, xlsx_file)
            click.echo(f"Excel tables: {xlsx_file}")
