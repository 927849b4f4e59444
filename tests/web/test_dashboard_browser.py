"""The dashboard in Debian's chromium (Playwright driving /usr/bin/chromium; no browser is
downloaded): every page opens with a token and logs no console error, a screenshot of each
is not blank, and one click on an outcome in the worklist moves the list on and changes the
day's figures and, after the background refresh, the recovery figures.

Under CI a missing chromium fails these tests (``.ci/run`` installs it); elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from act_factories import make_shop
from PIL import Image
from web_helpers import ENV, add_phone_tasks, make_app

from winback.model import Platform
from winback.services import tokens
from winback.services.dashboard import refresh_aggregates
from winback.store.db import connect, migrate
from winback.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
PAGES = ("overview", "worklist", "outbox", "outbox/suppressions", "recovery", "reasons",
         "customers", "settings")  # fmt: skip
SHOTS = (
    Path(os.environ.get("WINBACK_SCREENSHOTS", ""))
    if os.environ.get("WINBACK_SCREENSHOTS")
    else None
)

if os.environ.get("CI"):  # under CI these tests fail, never skip: a missing package too
    import playwright.sync_api as playwright
else:
    playwright = pytest.importorskip("playwright.sync_api")


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("browser")
    engine = connect(f"sqlite:///{folder / 'winback.db'}")
    migrate(engine)
    shop = make_shop(engine, platform=Platform.SHOPIFY, currency="USD")
    add_phone_tasks(engine, shop)
    app = make_app(engine, folder, refresh_interval="0s")
    refresh_aggregates(app, "shop")
    value = tokens.create_token(app, "agent-li", "write").token
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(app, env=ENV, background=True), host="127.0.0.1", port=port,
            log_level="warning", lifespan="on",
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "token": value, "engine": engine}
    server.should_exit = True
    thread.join(timeout=30)
    engine.dispose()


@pytest.fixture(scope="module")
def page(served: dict[str, Any]) -> Iterator[Any]:
    executable = chromium_or_skip()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 800})
        tab = context.new_page()
        tab.console_errors = []
        tab.on(
            "console", lambda m: tab.console_errors.append(m.text) if m.type == "error" else None
        )
        tab.on("pageerror", lambda e: tab.console_errors.append(str(e)))
        tab.goto(f"{served['base']}/login")
        tab.fill("input[name=token]", served["token"])
        tab.click("button[type=submit]")
        tab.wait_for_url("**/stores/shop/overview")
        yield tab
        browser.close()


def not_blank(path: Path) -> None:
    with Image.open(path) as image:
        small = image.convert("RGB").resize((200, 120))
        colours = small.getcolors(maxcolors=200 * 120) or []
    assert len(colours) > 8, f"{path.name} looks blank ({len(colours)} colours)"
    assert max(count for count, _ in colours) < 0.97 * 200 * 120


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_without_console_errors_and_is_not_blank(
    page: Any, served: dict[str, Any], name: str, tmp_path: Path
) -> None:
    page.console_errors.clear()
    answer = page.goto(f"{served['base']}/stores/shop/{name}")
    assert answer is not None and answer.status == 200
    page.wait_for_load_state("networkidle")
    shot = (SHOTS or tmp_path) / f"{name.replace('/', '-')}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=False)
    not_blank(shot)
    assert page.console_errors == []
    assert page.evaluate("typeof htmx") == "object"  # the vendored htmx loaded, offline


def test_an_outcome_click_moves_the_list_on_and_changes_the_figures(
    page: Any, served: dict[str, Any]
) -> None:
    base = served["base"]
    page.goto(f"{base}/stores/shop/recovery")
    assert "phone_task" not in page.inner_text("#recovery")
    page.goto(f"{base}/stores/shop/worklist")
    first = page.locator("[data-task]").first
    task = first.get_attribute("data-task")
    assert page.inner_text('[data-figure="paid"]') == "0"
    tasks_before = page.locator("[data-task]").count()
    first.locator('button[data-outcome="paid"]').click()
    page.wait_for_selector(f'[data-task="{task}"]', state="detached")
    assert page.inner_text('[data-figure="paid"]') == "1"
    assert page.inner_text('[data-figure="total"]') == "1"
    assert page.locator("[data-task]").count() == tasks_before - 1
    assert page.console_errors == []

    deadline = time.monotonic() + 60  # the background refresh recomputes the recovery panel
    while True:
        page.goto(f"{base}/stores/shop/recovery")
        if "phone_task" in page.inner_text("#recovery"):
            break
        assert time.monotonic() < deadline, "the recovery figures did not change"
        time.sleep(0.5)
    row = page.locator("#recovery tr", has_text="phone_task").first.inner_text()
    assert "\t1\t" in row  # one task handled: one action sent
