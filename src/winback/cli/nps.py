"""``winback report nps`` (a subcommand of ``report``): the NPS of the survey answers."""

from __future__ import annotations

from datetime import date

import click
from rich.console import Console

from winback.cli.base import AsOf, Context, errors, print_json
from winback.cli.diagnose import _period_options, report_command

__all__ = ["report_nps_command"]


@report_command.command("nps")
@_period_options
@click.option(
    "--by",
    "period",
    type=click.Choice(["day", "week", "month"]),
    default="month",
    show_default=True,
    help="The period of the by-period table (store calendar).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def report_nps_command(
    obj: Context,
    date_from: date | None,
    date_to: date | None,
    store: str | None,
    as_of: AsOf | None,
    period: str,
    as_json: bool,
) -> None:
    """The NPS of the survey answers with its 95% interval, by period, product and buyer
    segment, and the detractors' and passives' whys in D3's reasons (docs/nps.md)."""
    from winback.present.nps_terminal import print_nps
    from winback.services.nps_report import nps_report

    with errors(), obj.app(as_of=as_of, store=store) as app:
        report = nps_report(
            app,
            store,
            start=date_from,
            end=date_to,
            period=period,  # type: ignore[arg-type]
        )
    if as_json:
        print_json(report.to_dict())
    else:
        print_nps(Console(), report)
