"""Issue 12.7 re-probed where tests/web/test_inbound_hardening.py does not reach: each route
is switched on alone, the token is compared with :func:`hmac.compare_digest`, the body limit
answers 413 on every inbound route, announced or streamed, and a refused push changes no
table at all (every table's rows counted, on SQLite and PostgreSQL)."""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from act_factories import Shop
from sqlalchemy import Engine, func, select
from web_helpers import ENV, call, make_app

from winback.store.schema import metadata

ALIYUN_TOKEN = "aliyun-callback-token-0123456789"
TENCENT_TOKEN = "tencent-callback-token-012345678"
STOP = json.dumps([{"phone_number": "13800130000", "content": "R"}]).encode()
TENCENT_STOP = json.dumps({"mobile": "13800130000", "nationcode": "86", "text": "TD"}).encode()
TOKENS = {"aliyun_token_env": "ALIYUN_TOKEN", "tencent_token_env": "TENCENT_TOKEN"}


@pytest.fixture(autouse=True)
def tokens_in_env() -> Iterator[None]:
    ENV["ALIYUN_TOKEN"] = ALIYUN_TOKEN
    ENV["TENCENT_TOKEN"] = TENCENT_TOKEN
    yield
    ENV.pop("ALIYUN_TOKEN", None)
    ENV.pop("TENCENT_TOKEN", None)


def every_table(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_each_route_is_switched_on_alone(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    only_aliyun = make_app(engine, tmp_path, inbound={"routes": ["aliyun"], **TOKENS})
    only_tencent = make_app(engine, tmp_path, inbound={"routes": ["tencent"], **TOKENS})
    before = every_table(engine)
    tencent = f"/inbound/sms/tencent/{TENCENT_TOKEN}"
    aliyun = f"/inbound/sms/aliyun/{ALIYUN_TOKEN}"
    assert call(only_aliyun, "POST", tencent, content=TENCENT_STOP).status_code == 404
    assert call(only_tencent, "POST", aliyun, content=STOP).status_code == 404
    assert call(only_tencent, "POST", "/inbound/sms/twilio", content=b"").status_code == 404
    assert call(only_tencent, "POST", "/inbound/sms/http", content=b"[]").status_code == 404
    assert every_table(engine) == before
    assert call(only_tencent, "POST", tencent, content=TENCENT_STOP).status_code == 200
    assert every_table(engine)["suppressions"] == before["suppressions"] + 1


def test_the_token_is_compared_in_constant_time(
    engine: Engine, shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    app = make_app(engine, tmp_path, inbound={"routes": ["aliyun"], **TOKENS})
    guess = ALIYUN_TOKEN[:-1] + "x"
    assert call(app, "POST", f"/inbound/sms/aliyun/{guess}", content=STOP).status_code == 404
    assert (ALIYUN_TOKEN.encode(), guess.encode()) in compared


@pytest.mark.parametrize("route", ["aliyun", "tencent"])
@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_a_413_that_writes_nothing(
    engine: Engine, shop: Shop, tmp_path: Path, route: str, announced: bool
) -> None:
    app = make_app(engine, tmp_path, inbound={"routes": [route], **TOKENS}, max_body_bytes=4096)
    token = ALIYUN_TOKEN if route == "aliyun" else TENCENT_TOKEN
    body = STOP[:-1] + b"," + b'{"phone_number": "13800130001", "content": "R"},' * 200 + b"{}]"
    before = every_table(engine)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    content = body if announced else chunks()
    answer = call(app, "POST", f"/inbound/sms/{route}/{token}", content=content)
    assert answer.status_code == 413
    assert every_table(engine) == before


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("aliyun", b"[" * 200_000 + b"]" * 200_000),
        ("tencent", b"[" * 200_000 + b"]" * 200_000),
        ("tencent", b'{"mobile": "13800130000", "nationcode": {"1": "1"}, "text": "TD"}'),
        ("tencent", b'{"mobile": {"a": 1}, "nationcode": "86", "text": "TD"}'),
        ("aliyun", b'[{"phone_number": ["13800130000"], "content": "R"}]'),
        ("aliyun", b'[{"phone_number": "13800130000", "content": {"R": 1}}]'),
        ("aliyun", b'[{"phone_number": "13800130000", "content": "R"}, 5]'),
        ("aliyun", b"\xff\xfe not json"),
    ],
)
def test_a_malformed_push_is_a_4xx_that_changes_no_table(
    engine: Engine, shop: Shop, tmp_path: Path, route: str, body: bytes
) -> None:
    app = make_app(engine, tmp_path, inbound={"routes": [route], **TOKENS}, max_body_bytes=1 << 20)
    token = ALIYUN_TOKEN if route == "aliyun" else TENCENT_TOKEN
    before = every_table(engine)
    answer = call(app, "POST", f"/inbound/sms/{route}/{token}", content=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert every_table(engine) == before
