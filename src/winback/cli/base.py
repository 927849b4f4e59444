"""The ``winback`` command group, its shared options and its error handling.

Every command takes ``--config FILE`` (default ``./winback.toml``) and ``--database URL``
(env ``WINBACK_DATABASE_URL``); machine-readable output with ``--json``. Errors print one
readable line naming the file, row and column where there is one, and exit with status 1.
Every command whose answer depends on the time takes ``--as-of`` (env ``WINBACK_AS_OF``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape

from winback.errors import WinbackError

ONE_DAY: Final = timedelta(days=1)

_PROCESS: dict[str, bool] = {"own": False}
"""``own``: this process is the ``winback`` command (set by :func:`winback.cli.main`), not a
program that runs the group inside itself (the tests, a notebook)."""

if TYPE_CHECKING:
    from winback.app import App
    from winback.config import Settings


@dataclass
class Context:
    config: Path | None
    database: str | None

    def settings(self) -> Settings:
        from winback.config import load_settings

        overrides: dict[str, dict[str, Any]] = {}
        if self.database:
            overrides["database"] = {"url": self.database}
        return load_settings(self.config, overrides=overrides)

    @contextmanager
    def app(self, *, as_of: AsOf | None = None, store: str | None = None) -> Iterator[App]:
        """The app for one command; with ``as_of``, its clock stands still at that moment (a
        time without an offset is read in the zone of ``store``, the store the command is
        about)."""
        from winback.app import App
        from winback.services.stores import store_zone

        if _PROCESS["own"]:
            pyarrow_without_pandas()
        opened = App.open(self.settings(), cwd=Path.cwd())
        try:
            if as_of is not None:
                opened.stop_clock(as_of.moment(lambda: store_zone(opened, store)))
            yield opened
        finally:
            opened.close()


@dataclass(frozen=True)
class AsOf:
    """An ``--as-of`` value: an instant, or a local time (or day) of the store's calendar.

    A day alone means its end (the next midnight): ``--as-of 2026-02-28`` sees everything of
    the 28th, as an export taken that night would.
    """

    text: str
    local: datetime

    @classmethod
    def parse(cls, text: str) -> AsOf:
        value = text.strip()
        try:
            if len(value) == 10:
                return cls(text, datetime.combine(date.fromisoformat(value), time()) + ONE_DAY)
            return cls(text, datetime.fromisoformat(value))
        except ValueError:
            raise click.BadParameter(
                f"{text!r} is not a date and time: write ISO 8601, e.g. 2026-02-28T23:59:59+08:00, "
                "2026-02-28 23:59 (in the store's time zone) or 2026-02-28 (the end of that day)"
            ) from None

    def moment(self, zone: Callable[[], ZoneInfo]) -> datetime:
        """The instant meant; ``zone`` is asked only when the text carried no offset."""
        if self.local.utcoffset() is not None:
            return self.local
        return self.local.replace(tzinfo=zone())


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> AsOf | None:
    return None if value is None else AsOf.parse(value)


as_of_option = click.option(
    "--as-of",
    "as_of",
    envvar="WINBACK_AS_OF",
    callback=_as_of,
    metavar="DATETIME",
    help="Look at the store as of this moment (ISO 8601; without an offset, in the store's "
    "time zone; a day alone means its end). Default: now. Env: WINBACK_AS_OF.",
)
"""``--as-of DATETIME`` for every command whose answer depends on the time."""

store_option = click.option(
    "--store",
    "store",
    envvar="WINBACK_STORE",
    help="The store (a [stores.NAME] of the settings; default: default_store, or the only "
    "store). Env: WINBACK_STORE.",
)
"""``--store NAME`` for every command about one store."""


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


def pyarrow_without_pandas() -> None:
    """Answer pyarrow's question "is pandas installed?" with no, for this process.

    The first ``pa.array`` of a Python list or NumPy array imports pandas, when it is
    installed, to ask whether the values are pandas objects (about 0.25 s of CPU, more than
    any command's own reading of the demo store). winback never hands pyarrow a pandas object
    and does not depend on pandas; a plain install has none. pyarrow asks once per process
    and remembers the answer: here it is asked while ``import pandas`` fails. Code that wants
    pandas explicitly (``Table.to_pandas``) still imports it then, as pyarrow retries for
    that. Only the ``winback`` command does this (:func:`winback.cli.main`), never a program
    that runs the commands inside itself.
    """
    if "pandas" in sys.modules:  # already imported: pyarrow uses it; nothing to save
        return
    import pyarrow as pa

    refuse = _RefusePandas()
    sys.meta_path.insert(0, refuse)
    try:
        pa.array([0])
    finally:
        sys.meta_path.remove(refuse)


class _RefusePandas:
    """An import finder under which ``import pandas`` fails as if it were not installed."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)


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
