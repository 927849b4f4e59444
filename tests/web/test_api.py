"""The JSON API (P2): tokens and scopes, per-store access, the worklist and outcomes,
masking, and erasure of a buyer's personal data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from act_factories import Shop
from sqlalchemy import Engine, select, text
from web_helpers import add_phone_tasks, bearer, call, calls, make_app, token

from winback.services import tokens
from winback.store import repo
from winback.store.schema import customers, orders, suppressions, task_outcomes

API = "/api/v1/stores/shop"
RAW_CONTACT = re.compile(r"1380013000\d|b\d@example\.com")


def test_every_api_route_needs_a_valid_token(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    good = token(app)
    answers = calls(
        app,
        [
            ("GET", f"{API}/orders", {}),
            ("GET", f"{API}/orders", {"headers": bearer("wbk_000000000000_" + "x" * 43)}),
            (
                "GET",
                f"{API}/orders",
                {"headers": bearer(good[:-1] + ("A" if good[-1] != "A" else "B"))},
            ),
            ("GET", f"{API}/orders", {"headers": bearer(good)}),
        ],
    )
    assert [a.status_code for a in answers] == [401, 401, 401, 200]
    assert answers[0].headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_stops_working(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    value = token(app, name="temp")
    assert call(app, "GET", f"{API}/orders", headers=bearer(value)).status_code == 200
    tokens.revoke_token(app, "temp")
    assert call(app, "GET", f"{API}/orders", headers=bearer(value)).status_code == 401


def test_only_a_hash_of_the_token_is_stored(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    value = token(app, name="hashed")
    with engine.connect() as conn:
        stored = " ".join(
            str(v) for row in conn.execute(text("SELECT * FROM api_tokens")) for v in row
        )
    assert value.split("_")[2] not in stored


def test_scopes_and_stores_are_enforced(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    app = make_app(engine, tmp_path)
    with engine.begin() as conn:
        repo.ensure_store(conn, name="other", platform="shopify", timezone="UTC", currency="USD")
    (task, *_) = add_phone_tasks(engine, shop)
    reader, writer = token(app, "read"), token(app, "write")
    other_only = token(app, "write", name="other-only", store="other")
    outcome = {"json": {"outcome": "promised"}}
    answers = calls(
        app,
        [
            ("POST", f"{API}/tasks/{task}/outcome", {**outcome, "headers": bearer(reader)}),
            ("POST", f"{API}/tasks/{task}/outcome", {**outcome, "headers": bearer(other_only)}),
            ("GET", f"{API}/orders", {"headers": bearer(other_only)}),
            ("GET", "/api/v1/stores", {"headers": bearer(other_only)}),
            ("POST", f"{API}/tasks/{task}/outcome", {**outcome, "headers": bearer(writer)}),
        ],
    )
    assert [a.status_code for a in answers] == [403, 403, 403, 200, 200]
    assert [s["name"] for s in answers[3].json()] == ["other"]
    assert answers[4].json()["outcome"] == "promised"
    assert answers[4].json()["agent"] == "write-all"


def test_the_worklist_shows_tasks_masked_and_an_outcome_moves_it_on(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    ids = add_phone_tasks(engine, shop)
    reader, writer = token(app, "read"), token(app, "write")
    before, recorded, refused, after = calls(
        app,
        [
            ("GET", f"{API}/tasks", {"headers": bearer(reader)}),
            (
                "POST",
                f"{API}/tasks/{ids[0]}/outcome",
                {
                    "json": {
                        "outcome": "refused",
                        "reason": "found_cheaper",
                        "note": "cheaper on JD",
                    },
                    "headers": bearer(writer),
                },
            ),
            (
                "POST",
                f"{API}/tasks/{ids[1]}/outcome",
                {
                    "json": {"outcome": "refused", "reason": "no-such-reason"},
                    "headers": bearer(writer),
                },
            ),
            ("GET", f"{API}/tasks", {"headers": bearer(reader)}),
        ],
    )
    assert before.status_code == 200 and len(before.json()) == 3
    assert not RAW_CONTACT.search(before.text)
    assert before.json()[0]["phone"] == "138****0000"
    assert recorded.status_code == 200 and recorded.json()["reason"] == "found_cheaper"
    assert refused.status_code == 400 and "unknown reason code" in refused.json()["detail"]
    assert [t["action_id"] for t in after.json()] == ids[1:]
    with engine.connect() as conn:
        assert conn.scalar(select(task_outcomes.c.note)) == "cheaper on JD"


def test_orders_page_with_keyset_cursors_and_contacts_masked(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    reader = bearer(token(app))
    first, second, one, missing = calls(
        app,
        [
            ("GET", f"{API}/orders?limit=2", {"headers": reader}),
            ("GET", f"{API}/orders?limit=2&before=2", {"headers": reader}),
            ("GET", f"{API}/orders/1000", {"headers": reader}),
            ("GET", f"{API}/orders/nope", {"headers": reader}),
        ],
    )
    assert [o["order_id"] for o in first.json()["items"]] == ["1002", "1001"]
    assert first.json()["next"] == 2
    assert [o["order_id"] for o in second.json()["items"]] == ["1000"]
    assert (
        one.json()["timeline"][0]["status"] == "pending" and one.json()["total_amount"] == "99.00"
    )
    assert missing.status_code == 404
    assert not RAW_CONTACT.search(first.text + one.text)


def test_erasure_removes_the_buyers_personal_data_and_keeps_the_amounts(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    add_phone_tasks(engine, shop)
    writer, reader = bearer(token(app, "write")), bearer(token(app))
    with engine.connect() as conn:
        total_before = sum(conn.scalars(select(orders.c.total_amount)))
    erased, again, read_only = calls(
        app,
        [
            ("POST", f"{API}/erasures", {"json": {"customer": "b0"}, "headers": writer}),
            ("POST", f"{API}/erasures", {"json": {"customer": "b0"}, "headers": writer}),
            ("POST", f"{API}/erasures", {"json": {"customer": "b1"}, "headers": reader}),
        ],
    )
    assert erased.status_code == 201 and erased.json()["changed"]["customers"] == 1
    assert again.status_code == 404 and read_only.status_code == 403
    b0 = shop.customer_ids["b0"]
    with engine.connect() as conn:
        row = conn.execute(select(customers).where(customers.c.id == b0)).one()
        dump = " ".join(
            str(value)
            for table in (
                "customers",
                "orders",
                "actions",
                "suppressions",
                "chat_messages",
                "carts",
            )
            for record in conn.execute(text(f"SELECT * FROM {table}"))
            for value in record
        )
        total_after = sum(conn.scalars(select(orders.c.total_amount)))
        suppressed = conn.scalars(
            select(suppressions.c.reason).where(suppressions.c.customer_id == b0)
        )
        statuses = list(
            conn.execute(
                text("SELECT status FROM actions WHERE customer_id = :c"), {"c": b0}
            ).scalars()
        )
        kept = list(conn.execute(select(customers.c.phone).where(customers.c.id != b0)).scalars())
    assert (row.name, row.phone, row.email, row.customer_key) == (None, None, None, f"erased-{b0}")
    assert "13800130000" not in dump and "b0@example.com" not in dump and "张三" in dump
    assert total_after == total_before
    assert "erasure" in list(suppressed)
    assert statuses == ["cancelled"]
    assert sorted(kept) == ["13800130001", "13800130002"]


@pytest.mark.parametrize("path", ["/api/v1/openapi.json"])
def test_the_openapi_document_names_every_route_and_the_bearer_scheme(
    engine: Engine, tmp_path: Path, path: str
) -> None:
    document = call(make_app(engine, tmp_path), "GET", path).json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    routes = set(document["paths"])
    for expected in ("orders", "orders/{order_id}", "diagnosis", "actions", "tasks",
                     "tasks/{action_id}/outcome", "recovery", "customers", "segments",
                     "suppressions", "erasures", "webhooks"):  # fmt: skip
        assert f"/api/v1/stores/{{store}}/{expected}" in routes
    assert not any(path.startswith(("/webhooks", "/inbound", "/stores/")) for path in routes)
