"""Fixtures for the web app: the act tests' shop with buyers and unpaid orders (the store
fixtures, on SQLite and PostgreSQL, come from tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "act"))

from act_factories import Shop, make_shop

from winback.model import Platform


@pytest.fixture
def shop(engine: Engine) -> Shop:
    """A Shopify store in dollars: the store the webhooks and the dashboard serve."""
    return make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
