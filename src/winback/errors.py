"""The exceptions winback raises on purpose.

::

    WinbackError
    ├── SettingsError          the settings file or an option is invalid
    ├── StoreError             the database cannot be opened, migrated or written
    └── ImportFileError        a file cannot be imported at all (fatal: nothing is stored)
        ├── UnreadableFileError    wrong encoding, truncated, not a table, empty
        ├── MissingColumnError     a required column is absent
        ├── DuplicateColumnError   two columns have the header a field is read from
        └── MappingError           a generic mapping file is invalid

Row-level problems (an unparseable amount in one row) are not exceptions: they become
:class:`winback.ingest.records.Rejection` values in the import report, and the other rows
are imported.

Each class docstring is its default message. Messages are masked like every other output:
an e-mail address or phone number quoted from a file shows as ``a***@example.com`` or
``138****5678`` (:func:`winback.privacy.mask_text`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from winback.privacy import mask_text


class WinbackError(Exception):
    """winback could not do what was asked."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class SettingsError(WinbackError):
    """The settings are invalid."""


class StoreError(WinbackError):
    """The store database could not be used."""


class ImportFileError(WinbackError):
    """The file could not be imported; nothing from it was stored."""

    def __init__(
        self,
        message: str | None = None,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.reason = mask_text(message or (self.__doc__ or "").strip())
        super().__init__(self._render())

    def _render(self) -> str:
        where = [part for part in (self.file, _row(self.row), _column(self.column)) if part]
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


def _row(row: int | None) -> str | None:
    return None if row is None else f"row {row}"


def _column(column: str | None) -> str | None:
    return None if column is None else f"column {column!r}"


class UnreadableFileError(ImportFileError):
    """The file is not a readable table (wrong encoding, truncated, empty or not a table)."""


class MissingColumnError(ImportFileError):
    """A required column is missing."""


class DuplicateColumnError(ImportFileError):
    """Two columns have the same header: winback cannot tell which one to read."""


class MappingError(ImportFileError):
    """The mapping file is invalid."""


def unknown_name(what: str, name: str, known: Iterable[str]) -> str:
    """``unknown key 'curency' (did you mean currency?)``, or the choices when none is close."""
    choices = list(known)
    close = difflib.get_close_matches(name, choices, n=1)
    hint = f" (did you mean {close[0]}?)" if close else f" (expected one of {', '.join(choices)})"
    return f"unknown {what} {name!r}{hint}"
