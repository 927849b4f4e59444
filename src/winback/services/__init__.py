"""One function per use case; the CLI and the web app are thin shells over these.

Each use-case family has its own module (``importing``, and the ones that follow it); the
names most callers need are re-exported here.
"""

from winback.services.importing import (
    ImportProgress,
    ImportReport,
    daily_overview,
    import_path,
    store_status,
)

__all__ = [
    "ImportProgress",
    "ImportReport",
    "daily_overview",
    "import_path",
    "store_status",
]
