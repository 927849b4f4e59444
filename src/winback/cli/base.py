"""The ``winback`` command group, its shared options and its error handling.

Every command takes ``--config FILE`` (default ``./winback.toml``) and ``--database URL``
(env ``WINBACK_DATABASE_URL``); machine-readable output with ``--json``. Errors print one
readable line naming the file, row and column where there is one, and exit with status 1.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

from winback.app import App
from winback.config import Settings, load_settings
from winback.errors import WinbackError


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


@contextmanager
def errors() -> Iterator[None]:
    try:
        yield
    except WinbackError as error:
        message = escape(str(error))  # "[columns]" in a message is text, not rich markup
        Console(stderr=True).print(
            f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True
        )
        sys.exit(1)


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
