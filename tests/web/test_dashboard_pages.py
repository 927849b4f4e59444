"""The dashboard's pages in process: the session, every page in both languages, masking,
recording an outcome (htmx fragment), and the forbidden cases."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from act_factories import Shop
from sqlalchemy import Engine
from web_helpers import BASE, ENV, add_phone_tasks, make_app, token

from winback.app import App
from winback.services.dashboard import refresh_aggregates
from winback.web.app import create_app

PAGES = ("overview", "worklist", "outbox", "outbox/suppressions", "recovery", "reasons",
         "customers", "settings")  # fmt: skip
RAW_CONTACT = re.compile(r"1380013000\d|b\d@example\.com")


def browse(
    app: App, value: str, requests: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    """Log in with ``value`` through the form, then make ``requests`` in that session."""

    async def go() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            login = await client.post("/login", data={"token": value, "next": "/"})
            assert login.status_code == 303, login.text
            return [await client.request(m, p, **kw) for m, p, kw in requests]

    return asyncio.run(go())


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_page_opens_in_both_languages_with_contacts_masked(
    engine: Engine, shop: Shop, tmp_path: Path, language: str
) -> None:
    app = make_app(engine, tmp_path, language=language)
    add_phone_tasks(engine, shop)
    refresh_aggregates(app, "shop")
    answers = browse(app, token(app), [("GET", f"/stores/shop/{page}", {}) for page in PAGES])
    for page, answer in zip(PAGES, answers, strict=True):
        assert answer.status_code == 200, (page, answer.text[:500])
        assert not RAW_CONTACT.search(answer.text), page
    heading = {"zh": "催付工作台", "en": "Worklist"}[language]
    assert heading in answers[1].text
    assert "138****0000" in answers[1].text


def test_without_a_session_a_page_sends_you_to_the_login_form(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)

    async def go() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(app, env=ENV))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            page = await client.get("/stores/shop/overview")
            bad = await client.post("/login", data={"token": "wbk_nope"})
            return page, bad

    page, bad = asyncio.run(go())
    assert (
        page.status_code == 303 and page.headers["location"] == "/login?next=/stores/shop/overview"
    )
    assert bad.status_code == 401 and "令牌无效" in bad.text


def test_an_outcome_click_answers_the_list_and_figures_and_the_task_moves_on(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    ids = add_phone_tasks(engine, shop)
    url = f"/stores/shop/worklist/{ids[0]}/outcome"
    (fragment,) = browse(
        app,
        token(app, "write"),
        [
            (
                "POST",
                url,
                {"data": {"outcome": "paid", "reason": ""}, "headers": {"HX-Request": "true"}},
            )
        ],
    )
    assert fragment.status_code == 200
    assert fragment.text.startswith('<div id="worklist">')
    assert f'data-task="{ids[0]}"' not in fragment.text and f'data-task="{ids[1]}"' in fragment.text
    assert 'data-figure="paid">1<' in fragment.text and 'data-figure="total">1<' in fragment.text


def test_a_read_only_session_cannot_record_outcomes_or_refresh(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    ids = add_phone_tasks(engine, shop)
    post, refresh, other = browse(
        app,
        token(app, "read"),
        [
            ("POST", f"/stores/shop/worklist/{ids[0]}/outcome", {"data": {"outcome": "paid"}}),
            ("POST", "/stores/shop/refresh", {}),
            ("GET", "/stores/elsewhere/overview", {}),
        ],
    )
    assert (post.status_code, refresh.status_code, other.status_code) == (403, 403, 404)
    assert "此令牌无权" in post.text


def test_the_one_time_link_of_serve_open_signs_in_once(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path)
    web = create_app(app, env=ENV)
    code = web.state.winback.one_time_login(token(app, "write"))

    async def go() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            first = await client.get(f"/login/once/{code}")
            page = await client.get("/stores/shop/overview")
            again = await httpx.AsyncClient(transport=transport, base_url=BASE).get(
                f"/login/once/{code}"
            )
            return first, page, again

    first, page, again = asyncio.run(go())
    assert first.status_code == 303 and first.headers["location"] == "/"
    assert "httponly" in first.headers["set-cookie"].lower()
    assert "samesite=strict" in first.headers["set-cookie"].lower()
    assert page.status_code == 200
    assert again.status_code == 303 and again.headers["location"] == "/login"


def test_the_settings_page_names_what_is_wrong_with_the_file_in_words(
    engine: Engine, shop: Shop, tmp_path: Path
) -> None:
    app = make_app(engine, tmp_path, language="en")
    broken = tmp_path / "winback.toml"
    broken.write_text('[store]\nname = "shop"\n[policy]\nreminders_per_order = "many"\n', "utf-8")
    app = dataclasses.replace(
        app, settings=app.settings.model_copy(update={"source_file": str(broken)})
    )
    (page,) = browse(app, token(app), [("GET", "/stores/shop/settings", {})])
    assert page.status_code == 200
    assert "winback.toml" in page.text and "reminders_per_order" in page.text


@pytest.mark.parametrize(
    ("language", "said"), [("zh", "购买记录只覆盖"), ("en", "The purchase history covers")]
)
def test_the_customers_page_gives_the_lifecycle_notes_in_the_pages_language(
    engine: Engine, shop: Shop, tmp_path: Path, language: str, said: str
) -> None:
    """The shop's history is shorter than its cutoff: the segments' note says so, in the
    language the page is read in (the panel keeps both)."""
    app = make_app(engine, tmp_path, language=language)
    refresh_aggregates(app, "shop")
    (answer,) = browse(app, token(app), [("GET", "/stores/shop/customers", {})])
    assert answer.status_code == 200
    assert said in answer.text
