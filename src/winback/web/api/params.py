"""Parameters several endpoints share, bounded so that no value can reach the database
unchecked: a row id beyond a signed 64-bit integer is a 422, never a server error."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query

__all__ = ["ROW_ID_MAX", "ActionId", "Before"]

ROW_ID_MAX: Final = 2**63 - 1
"""The largest row id SQLite and PostgreSQL hold (a signed 64-bit integer)."""

Before = Annotated[
    int | None, Query(ge=1, le=ROW_ID_MAX, description="`next` of the previous page")
]
ActionId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="The task's action id")]
