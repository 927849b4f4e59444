"""Opening the database: the default file, SQLite pragmas, clear errors with masked URLs."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from winback.errors import StoreError
from winback.store.db import connect, migrate, safe_url


def test_the_default_database_is_winback_db_in_the_working_folder(tmp_path: Path) -> None:
    engine = connect(cwd=tmp_path)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    assert (tmp_path / "winback.db").is_file()


def test_sqlite_connections_get_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as conn:
            pragma = conn.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
            assert pragma("PRAGMA busy_timeout").scalar() > 0
    finally:
        engine.dispose()


def test_a_url_that_is_not_a_database_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        connect("winback.db")


def test_an_unsupported_backend_is_named() -> None:
    with pytest.raises(StoreError, match="unsupported backend 'mysql'"):
        connect("mysql://user:secret@localhost/shop")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        connect(f"sqlite:///{tmp_path / 'nope' / 'winback.db'}")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_server_that_is_down_names_the_url_with_the_password_masked() -> None:
    url = f"postgresql+psycopg://shop:s3cret@127.0.0.1:{_closed_port()}/shop"
    with pytest.raises(StoreError) as caught:
        connect(url)
    message = str(caught.value)
    assert "cannot open the store database" in message
    assert "shop:***@127.0.0.1" in message
    assert "s3cret" not in message


def test_plain_postgresql_urls_use_psycopg(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    engine = connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_safe_url_masks_passwords() -> None:
    assert safe_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"


def test_migration_failures_are_store_errors_naming_the_database(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'no-such-revision'")
    with pytest.raises(StoreError) as caught:
        migrate(engine)
    assert "cannot migrate the store database" in str(caught.value)
    assert safe_url(engine.url) in str(caught.value)
    assert "no-such-revision" in str(caught.value)


def test_the_script_heads_read_without_alembic_are_alembics_heads() -> None:
    from alembic.script import ScriptDirectory

    from winback.store.db import alembic_config, script_heads

    assert script_heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_a_store_behind_head_is_still_upgraded(tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from winback.store.db import alembic_config

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate(engine)
        config = alembic_config()
        with engine.begin() as conn:  # as if the last migration had not run yet
            config.attributes["connection"] = conn
            command.downgrade(config, "0006_text_reasons")
        migrate(engine)
        with engine.connect() as conn:
            head = ScriptDirectory.from_config(config).get_current_head()
            assert head is not None and head >= "0009"
            version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            assert version == head
            assert conn.exec_driver_sql("SELECT count(*) FROM api_tokens").scalar() == 0
    finally:
        engine.dispose()


def test_opening_a_store_at_head_does_not_load_alembic(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'head.db'}")
    try:
        migrate(engine)
    finally:
        engine.dispose()
    url = f"sqlite:///{tmp_path / 'head.db'}"
    probe = (
        "import sys\n"
        "from winback.store.db import connect, migrate\n"
        f"engine = connect({url!r})\n"
        "migrate(engine)\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"
