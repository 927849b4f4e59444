from __future__ import annotations

from datetime import date

import pytest

from winback.demo.simulator import DemoShop, simulate

START = date(2024, 6, 6)


@pytest.fixture(scope="session")
def shop() -> DemoShop:
    """The default demo shop: seed 2, 60 days from 6 June 2024 (promotion on 30–31 July)."""
    return simulate(start=START)
