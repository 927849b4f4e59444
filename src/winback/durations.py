"""Durations as merchants write them in settings: ``"72h"``, ``"1h30m"``, ``"3d"``, ``"45min"``.

Shared by :mod:`winback.config` and the playbook models in :mod:`winback.playbook_settings`
(which :mod:`winback.config` embeds), so it lives below both.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Final

from pydantic import BeforeValidator

_DURATION: Final = re.compile(
    r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?\s*$"
)


def parse_duration(value: object) -> timedelta:
    """``"72h"``, ``"1h30m"``, ``"3d"``, ``"45min"``, ``"5s"`` or a number of seconds →
    timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match or not any(match.groups()):
        raise ValueError(f"not a duration: {value!r} (use forms like '72h', '1h30m', '3d')")
    days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
