"""Fixtures for the act layer: a shop with buyers and unpaid orders to remind (the store
fixtures, on SQLite and PostgreSQL, come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from act_factories import Shop, make_shop
from sqlalchemy import Engine


@pytest.fixture
def shop(engine: Engine) -> Shop:
    return make_shop(engine)
