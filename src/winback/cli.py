"""The ``winback`` command: a thin shell over :mod:`winback.services`.

Every command takes ``--config FILE`` (default ``./winback.toml``) and ``--database URL``
(env ``WINBACK_DATABASE_URL``); machine-readable output with ``--json``. Errors print one
readable line naming the file, row and column where there is one, and exit with status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from winback import services
from winback.app import App
from winback.config import Settings, load_settings
from winback.errors import WinbackError
from winback.model import Platform
from winback.present import terminal

SOURCES = [platform.value for platform in Platform]


@dataclass
class Context:
    config: Path | None
    database: str | None

    def settings(self, **store: Any) -> Settings:
        overrides: dict[str, dict[str, Any]] = {}
        if self.database:
            overrides["database"] = {"url": self.database}
        if store:
            overrides["store"] = store
        return load_settings(self.config, overrides=overrides)

    @contextmanager
    def app(self, **store: Any) -> Iterator[App]:
        opened = App.open(self.settings(**store), cwd=Path.cwd())
        try:
            yield opened
        finally:
            opened.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="WINBACK_CONFIG",
    help="Settings file (default: ./winback.toml when present).",
)
@click.option(
    "--database",
    envvar="WINBACK_DATABASE_URL",
    help="Database URL (default: sqlite:///winback.db in the working directory).",
)
@click.version_option(package_name="winback")
@click.pass_context
def cli(ctx: click.Context, config: Path | None, database: str | None) -> None:
    """winback: find where your shop loses orders and customers, and win them back."""
    ctx.obj = Context(config=config, database=database)


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
@click.option("--store", "store", help="Store name (default: [store] name in the settings).")
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@click.pass_obj
def import_command(
    obj: Context, path: Path, source: str, mapping: Path | None, store: str | None, as_json: bool
) -> None:
    """Import an export file, or every export file in a folder, into the store.

    Re-importing a file changes nothing; a newer file moves statuses forward, never back.
    """
    console = Console(stderr=True)
    with _errors(), obj.app() as app, terminal.import_progress(console, quiet=as_json) as bar:
        reports = services.import_path(
            app, path, source=Platform(source), mapping=mapping, store=store, progress=bar
        )
    if as_json:
        _print_json([report.to_dict() for report in reports])
    else:
        terminal.print_import_reports(Console(), reports)


@cli.command()
@click.option("--store", "store", help="Only this store.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def status(obj: Context, store: str | None, as_json: bool) -> None:
    """Summarise what the store holds: orders by status, customers, imports."""
    with _errors(), obj.app() as app:
        summaries = services.store_status(app, store)
    if as_json:
        _print_json([{**asdict(summary), "orders": summary.orders} for summary in summaries])
    else:
        terminal.print_status(Console(), summaries)


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
@click.option("--json", "as_json", is_flag=True, help="Print the import reports as JSON.")
def demo(folder: Path, seed: int, days: int, orders: int | None, as_json: bool) -> None:
    """Simulate a realistic shop, write its platform exports, import and summarise them."""
    from winback.demo import pipeline

    console = Console(stderr=as_json)
    with _errors():
        result = pipeline.run_demo(folder, seed=seed, days=days, orders=orders, console=console)
    if as_json:
        _print_json([report.to_dict() for report in result.reports])


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except WinbackError as error:
        Console(stderr=True).print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)


def _print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def main() -> None:
    cli()
