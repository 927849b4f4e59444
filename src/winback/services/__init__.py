"""One function per use case; the CLI and the web app are thin shells over these.

Each use-case family has its own module (``importing``, and the ones that follow it); the
names most callers need are re-exported here. They are loaded on first use (PEP 562): a
command that needs ``winback.services.diagnosis`` does not pay for the importers (pandas).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from winback.services.importing import (
        ImportProgress,
        ImportReport,
        import_path,
    )
    from winback.services.summary import daily_overview, store_status

__all__ = [
    "ImportProgress",
    "ImportReport",
    "daily_overview",
    "import_path",
    "store_status",
]


_HOME = {"daily_overview": "summary", "store_status": "summary"}
"""Where a name lives when it is not in ``importing`` (which loads the importers)."""


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(f"winback.services.{_HOME.get(name, 'importing')}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
