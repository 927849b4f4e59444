"""A demo-sized diagnosis, built once: the demo shop's exports imported into SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_shop import FIRST_DAY, NOW, FixedClock
from rich.console import Console

from winback.app import App
from winback.config import load_settings
from winback.demo.pipeline import run_demo
from winback.services.diagnosis import Diagnosis, diagnose


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eighteen days of the demo shop (11-05 to 11-22, Shanghai), imported as of ``NOW``."""
    folder = tmp_path_factory.mktemp("diagnosis") / "demo"
    run_demo(folder, days=18, console=Console(quiet=True), clock=FixedClock())
    return folder


def open_app(folder: Path, **store: str) -> App:
    settings = load_settings(
        folder / "winback.toml", env={}, overrides={"store": store} if store else None
    )
    return App.open(settings, cwd=folder, clock=FixedClock())


@pytest.fixture(scope="session")
def demo_diagnosis(demo_folder: Path) -> Diagnosis:
    app = open_app(demo_folder)
    try:
        return diagnose(app, date_from=FIRST_DAY, now=NOW)
    finally:
        app.close()


@pytest.fixture(scope="session")
def demo_diagnosis_en(demo_folder: Path) -> Diagnosis:
    app = open_app(demo_folder, language="en")
    try:
        return diagnose(app, date_from=FIRST_DAY, now=NOW)
    finally:
        app.close()
