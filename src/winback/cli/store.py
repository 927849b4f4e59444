"""Commands that fill and summarise the store: ``import``, ``status`` and ``demo``."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from winback.cli.base import AsOf, Context, as_of_option, cli, errors, print_json
from winback.model import Platform

SOURCES = [platform.value for platform in Platform]
DEMO_ZONE = "Asia/Shanghai"
"""The demo shop's time zone: an ``--as-of`` without an offset is read in it."""


@cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--source", required=True, type=click.Choice(SOURCES), help="Platform that wrote the file."
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML mapping file (for --source generic; see docs/mapping.md).",
)
@click.option(
    "--store",
    "store",
    envvar="WINBACK_STORE",
    help="The store the file belongs to (default: the one store of the settings that sells on "
    "--source). Env: WINBACK_STORE.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@click.pass_obj
def import_command(
    obj: Context, path: Path, source: str, mapping: Path | None, store: str | None, as_json: bool
) -> None:
    """Import an export file, or every export file in a folder, into the store it belongs to.

    Re-importing a file changes nothing; a newer file moves statuses forward, never back. A
    file of another platform or currency than the store's is refused, never merged.
    """
    from winback import services
    from winback.present import terminal
    from winback.services.stores import store_language

    console = Console(stderr=True)
    with errors(), obj.app() as app, terminal.import_progress(console, quiet=as_json) as bar:
        reports = services.import_path(
            app, path, source=Platform(source), mapping=mapping, store=store, progress=bar
        )
        languages = {report.store: store_language(app, report.store) for report in reports}
    if as_json:
        print_json([report.to_dict() for report in reports])
    else:
        terminal.print_import_reports(Console(), reports, languages)
    refused = [report for report in reports if report.nothing_stored]
    if refused:  # every row of a file was rejected: a script must not take that for success
        names = ", ".join(Path(report.file).name for report in refused)
        message = f"nothing was stored from {names}: every row was rejected"
        Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False)
        sys.exit(1)


@cli.command()
@click.option("--store", "store", help="Only this store (default: every store, each apart).")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def status(obj: Context, store: str | None, as_of: AsOf | None, as_json: bool) -> None:
    """Summarise what each store holds: orders by status, customers, imports. Amounts are in
    each store's own currency and never added across stores."""
    from winback import services
    from winback.present import terminal
    from winback.services.stores import store_language

    with errors(), obj.app(as_of=as_of, store=store) as app:
        summaries = services.store_status(app, store)
        languages = {s.store.name: store_language(app, s.store.name) for s in summaries}
    if as_json:
        print_json([{**asdict(summary), "orders": summary.orders} for summary in summaries])
    else:
        terminal.print_status(Console(), summaries, languages)


@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo's export files and its winback.db (replaced on each run).",
)
@click.option("--seed", type=int, default=2, show_default=True, help="Random seed.")
@click.option("--days", type=int, default=60, show_default=True, help="Days of trading.")
@click.option("--orders", type=int, help="Total orders instead of ~110 a day (for benchmarks).")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Print the import reports as JSON.")
def demo(
    folder: Path, seed: int, days: int, orders: int | None, as_of: AsOf | None, as_json: bool
) -> None:
    """Simulate a realistic shop, write its platform exports, import and summarise them.

    With --as-of (env WINBACK_AS_OF; without an offset, in Asia/Shanghai, the demo shop's
    zone) the demo ends at that moment instead of now: the same moment gives the same demo."""
    from zoneinfo import ZoneInfo

    from winback.app import wall_clock
    from winback.clock import StoppedClock
    from winback.demo import pipeline

    console = Console(stderr=as_json)
    zone = ZoneInfo(DEMO_ZONE)
    clock = wall_clock() if as_of is None else StoppedClock(as_of.moment(lambda: zone))
    with errors():
        result = pipeline.run_demo(
            folder, seed=seed, days=days, orders=orders, console=console, clock=clock
        )
    if as_json:
        print_json([report.to_dict() for report in result.reports])
