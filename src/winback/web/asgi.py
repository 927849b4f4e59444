"""The app factory ``winback serve --workers N`` hands to uvicorn: each worker process builds
its own :class:`~winback.app.App` from the environment the parent set (``WINBACK_CONFIG``,
``WINBACK_DATABASE_URL``), never at import."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from winback.app import App
from winback.config import load_settings
from winback.web.app import create_app

__all__ = ["create_from_environment"]


def create_from_environment() -> FastAPI:
    """The web app of one worker process (the parent runs the background worker)."""
    config = os.environ.get("WINBACK_CONFIG")
    settings = load_settings(Path(config) if config else None)
    app = App.open(settings, cwd=Path.cwd())
    return create_app(app)
