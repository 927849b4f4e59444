"""The dashboard's panels are refreshed at the end of a plan (and of an import), and a
failing refresh never fails the plan that already committed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from act_factories import Shop
from shopify_stream import order_stream
from sqlalchemy import Engine
from web_helpers import make_app

from winback.services import dashboard, recovery


def test_a_plan_leaves_fresh_panels(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    assert dashboard.read_panel(app, "shop", "tiles") is None
    recovery.plan(app, "shop")
    panels = {name: dashboard.read_panel(app, "shop", name) for name in dashboard.PANELS}
    assert {name for name, panel in panels.items() if panel is not None} == {"recovery", "tiles"}
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


def test_an_import_leaves_every_panel_fresh(engine: Engine, tmp_path: Path) -> None:
    from winback.model import Platform
    from winback.services.importing import import_path

    orders = [json.loads(d.body) for d in order_stream(5) if d.topic == "orders/create"]
    export = tmp_path / "orders.json"
    export.write_text(json.dumps(woo_like(orders)), encoding="utf-8")
    app = make_app(engine, tmp_path, store={"platform": "woocommerce", "currency": "USD"})
    import_path(app, export, source=Platform.WOOCOMMERCE, store="shop")
    panels = {name: dashboard.read_panel(app, "shop", name) for name in dashboard.PANELS}
    assert all(panel is not None for panel in panels.values())
    diagnosis = panels["diagnosis"]
    assert diagnosis is not None and diagnosis.data["decomposition"]["total"]["orders"] == 5


def woo_like(shopify_orders: list[dict[str, object]]) -> list[dict[str, object]]:
    """The same orders in WooCommerce's REST shape (the importer reads a saved response)."""
    return [
        {
            "id": order["id"],
            "status": "pending",
            "currency": "USD",
            "date_created_gmt": str(order["created_at"]).replace("Z", ""),
            "date_created": str(order["created_at"]).replace("Z", ""),
            "total": order["total_price"],
            "line_items": [],
        }
        for order in shopify_orders
    ]


def test_a_large_store_is_left_to_the_servers_worker_which_finds_it_stale(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from winback.model import Platform
    from winback.services.importing import import_path

    monkeypatch.setattr(dashboard, "INLINE_ORDERS", 2)
    orders = [json.loads(d.body) for d in order_stream(5) if d.topic == "orders/create"]
    export = tmp_path / "orders.json"
    export.write_text(json.dumps(woo_like(orders)), encoding="utf-8")
    app = make_app(engine, tmp_path, store={"platform": "woocommerce", "currency": "USD"})
    import_path(app, export, source=Platform.WOOCOMMERCE, store="shop")
    assert dashboard.read_panel(app, "shop", "diagnosis") is None
    assert dashboard.stale_stores(app) == ["shop"]
    dashboard.refresh_aggregates(app, "shop")  # what the worker does
    assert dashboard.stale_stores(app) == []
