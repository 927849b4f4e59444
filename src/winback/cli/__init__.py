"""The ``winback`` command: a thin shell over :mod:`winback.services`.

Every command takes ``--config FILE`` (default ``./winback.toml``) and ``--database URL``
(env ``WINBACK_DATABASE_URL``); machine-readable output with ``--json``. Errors print one
readable line naming the file, row and column where there is one, and exit with status 1.

The group lives in :mod:`winback.cli.base`; each module here adds the commands of one part
of the product, and importing it registers them.
"""

from winback.cli import (
    coupons,
    customers,
    diagnose,
    dispatch,
    nps,
    reconcile,
    recovery,
    serve,
    store,
    tokens,
)
from winback.cli.base import cli
from winback.cli.store import SOURCES

__all__ = [
    "SOURCES",
    "cli",
    "coupons",
    "customers",
    "diagnose",
    "dispatch",
    "main",
    "nps",
    "reconcile",
    "recovery",
    "serve",
    "store",
    "tokens",
]


def main() -> None:
    from winback.cli.base import _PROCESS

    _PROCESS["own"] = True  # see winback.cli.base.pyarrow_without_pandas
    cli()
