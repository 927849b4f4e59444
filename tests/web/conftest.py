"""Fixtures for the web app: the store fixtures (SQLite and PostgreSQL, shared with
tests/store) and the act tests' shop with buyers and unpaid orders."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

_TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(_TESTS / "act"))

from act_factories import Shop, make_shop  # noqa: E402


def _store_conftest():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "_store_conftest", _TESTS / "store" / "conftest.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_store_conftest", module)
    spec.loader.exec_module(module)
    return module


_fixtures = _store_conftest()
postgres_admin = _fixtures.postgres_admin
database_url = _fixtures.database_url
engine = _fixtures.engine


@pytest.fixture
def shop(engine: Engine) -> Shop:
    return make_shop(engine)
