"""The OpenAPI document fuzzed (schemathesis over hypothesis): every operation, with a write
token on a store with orders, tasks and panels, answers without a server error and as its
schema says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from act_factories import make_shop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from web_helpers import ENV, add_phone_tasks, make_app

from winback.model import Platform
from winback.services import tokens
from winback.services.dashboard import refresh_aggregates
from winback.store.db import connect, migrate
from winback.web.app import create_app

AUTH: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("api-fuzz")
    engine = connect(f"sqlite:///{folder / 'api.db'}")
    migrate(engine)
    shop = make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    add_phone_tasks(engine, shop)
    app = make_app(engine, folder)
    refresh_aggregates(app, "shop")
    AUTH["Authorization"] = "Bearer " + tokens.create_token(app, "fuzz", "write").token
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(app, env=ENV))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_api_never_answers_a_server_error_and_keeps_to_its_schema(
    api_schema: Any, data: st.DataObject
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    operation = data.draw(st.sampled_from(operations), label="operation")
    case = data.draw(operation.as_strategy(), label="case")
    if "store" in (case.path_parameters or {}) and data.draw(st.booleans(), label="real store"):
        case.path_parameters["store"] = "shop"  # mostly the real store, so the routes run
    response = case.call(headers=AUTH)
    assert response.status_code < 500, response.text
    # A request the schema allows may still be refused with a 400 in words (a period that
    # ends before it starts): the "positive data is accepted" check is left out for that.
    case.validate_response(response, headers=AUTH, excluded_checks=[positive_data_acceptance])


def test_every_operation_of_the_document_is_reachable(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13
