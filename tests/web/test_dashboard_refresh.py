"""The dashboard's panels are refreshed at the end of a plan (and of an import), and a
failing refresh never fails the plan that already committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from act_factories import Shop
from sqlalchemy import Engine
from web_helpers import make_app

from winback.services import dashboard, recovery


def test_a_plan_leaves_fresh_panels(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    assert dashboard.read_panel(app, "shop", "tiles") is None
    recovery.plan(app, "shop")
    panels = {name: dashboard.read_panel(app, "shop", name) for name in dashboard.PANELS}
    assert all(panel is not None for panel in panels.values())
    tiles = panels["tiles"]
    assert tiles is not None and tiles.as_of == app.clock.now()
    assert set(tiles.data["tiles"]["today"]) == {
        "orders_reminded",
        "orders_recovered",
        "amount_recovered",
        "success_rate",
        "cost",
        "roi",
    }


def test_a_failing_refresh_does_not_fail_the_plan(
    engine: Engine,
    shop: Shop,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(dashboard, "refresh_aggregates", broken)
    result = recovery.plan(make_app(engine, tmp_path), "shop")
    assert result.unpaid_orders == 3
    assert "could not be refreshed" in caplog.text
