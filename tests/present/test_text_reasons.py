"""D3 remembers what the classifier answered for each text (issue 10, point 8): a second
`diagnose` does not classify again, a changed classifier does, and no text is stored."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from demo_shop import FIRST_DAY, NOW
from sqlalchemy import Engine, select

import winback.analyse.reasons as reasons
from conftest import open_app
from winback.services import text_reasons as service
from winback.services.diagnosis import diagnose
from winback.store import repo
from winback.store import text_reasons as memory
from winback.store.schema import chat_messages, text_reasons


@pytest.fixture
def shop(demo_folder: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store (these tests write to it)."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_folder, folder)
    return folder


def reason_rows(folder: Path) -> list[Any]:
    """The remembered reasons of the diagnosed (default) store; the demo's other store keeps
    its own."""
    app = open_app(folder)
    try:
        with app.engine.connect() as conn:
            (store,) = [s for s in repo.list_stores(conn) if s.name == app.settings.default_store]
            query = select(text_reasons).where(text_reasons.c.store_id == store.id)
            return list(conn.execute(query))
    finally:
        app.close()


def run(folder: Path) -> list[dict[str, Any]]:
    app = open_app(folder)
    try:
        table = diagnose(app, date_from=FIRST_DAY, now=NOW).reasons.orders
        return sorted(table.to_pylist(), key=lambda row: row["order_id"])
    finally:
        app.close()


def test_a_second_diagnosis_answers_from_memory_with_the_same_reasons(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(shop)
    remembered = reason_rows(shop)
    assert remembered and {row.classifier for row in remembered} == {
        service.classifier_fingerprint()
    }

    def no_classifier() -> Any:
        raise AssertionError("the classifier was asked again")

    monkeypatch.setattr(reasons, "default_classifier", no_classifier)
    assert run(shop) == first


def test_a_changed_classifier_answers_afresh_and_replaces_the_memory(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(shop)
    monkeypatch.setattr(service, "classifier_fingerprint", lambda: "another classifier")
    asked: list[int] = []
    real = reasons.default_classifier

    class Counting:
        def predict(self, texts: list[str]) -> Any:
            asked.append(len(texts))
            return real().predict(texts)

    monkeypatch.setattr(reasons, "default_classifier", Counting)
    run(shop)
    assert asked and asked[0] > 0
    assert {row.classifier for row in reason_rows(shop)} == {"another classifier"}


def test_the_memory_holds_digests_of_masked_texts_never_a_text(shop: Path) -> None:
    run(shop)
    app = open_app(shop)
    try:
        with app.engine.connect() as conn:
            texts = [text for (text,) in conn.execute(select(chat_messages.c.text)) if text]
    finally:
        app.close()
    rows = reason_rows(shop)
    stored = {value for row in rows for value in (row.text_sha256, row.reason)}
    assert not stored & set(texts)
    assert all(len(row.text_sha256) == 64 for row in rows)
    # the key depends on the masked text only: no more of a contact than the UI shows
    assert service.text_digest("call me at 13812345678") == service.text_digest(
        "call me at 138****5678"
    )


def test_the_store_remembers_and_forgets_answers_on_both_backends(engine: Engine) -> None:
    with engine.begin() as conn:
        store = repo.ensure_store(
            conn, name="shop", platform="taobao", timezone="Asia/Shanghai", currency="CNY",
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )  # fmt: skip
    answers = {f"{n:064x}": ("extra_costs", 0.9) for n in range(1200)}  # over one chunk
    assert memory.remember_reasons(engine, store, "one", answers)
    assert memory.remember_reasons(engine, store, "one", answers)  # again: nothing doubles
    with engine.connect() as conn:
        known = memory.known_reasons(conn, store, "one", [*answers, "f" * 64])
    assert known == answers
    assert memory.remember_reasons(engine, store, "two", {"a" * 64: ("unknown", 0.0)})
    with engine.connect() as conn:
        assert memory.known_reasons(conn, store, "one", list(answers)) == {}
        assert memory.known_reasons(conn, store, "two", ["a" * 64]) == {"a" * 64: ("unknown", 0.0)}
