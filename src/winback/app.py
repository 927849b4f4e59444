"""The composition root: the one place that builds the engine, the clock and the settings.

Nothing else in winback creates an engine or reads settings at import time; the CLI and the
web app build an :class:`App` and hand it to the service functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from winback.act.template_check import check_templates
from winback.clock import Clock, StoppedClock, SystemClock
from winback.config import Settings
from winback.store import db


@dataclass
class App:
    """Settings, database engine and clock for one run of winback."""

    settings: Settings
    engine: Engine
    cwd: Path
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    def open(cls, settings: Settings, *, cwd: Path, clock: Clock | None = None) -> App:
        """Check the templates the settings use (a bad one is refused here, naming it), then
        connect to the configured database and bring its schema up to date."""
        check_templates(settings, cwd=cwd)
        engine = db.connect(settings.database_url(cwd))
        db.migrate(engine)
        return cls(settings=settings, engine=engine, cwd=cwd, clock=clock or SystemClock())

    def stop_clock(self, moment: datetime) -> None:
        """Read every figure and make every plan as of ``moment`` (``--as-of``)."""
        self.clock = StoppedClock(moment)

    def close(self) -> None:
        self.engine.dispose()


def wall_clock() -> Clock:
    """The real clock, for an entry point that runs without an app (``winback demo``)."""
    return SystemClock()
