"""Suite-wide test settings and the store fixtures every test directory shares.

Under CI (``CI`` set, as ``.ci/run`` runs) hypothesis is derandomized and has no deadline:
the run is reproducible and a loaded 2-core machine cannot fail a test on timing alone.
Locally the default profile keeps exploring new examples on every run.

Every test that takes ``engine`` runs on SQLite and on PostgreSQL. SQLite: a fresh file in
``tmp_path``. PostgreSQL: the server at ``WINBACK_TEST_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), one fresh schema per test
(``search_path``), dropped afterwards, so tests are isolated and can run in parallel. An
unreachable server FAILS the PostgreSQL tests (CI must start it) unless
``WINBACK_SKIP_POSTGRES=1``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from winback.store.db import connect, migrate

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_URL = os.environ.get(
    "WINBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SKIP_PG = os.environ.get("WINBACK_SKIP_POSTGRES") == "1"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An engine on the test server's database, checked once per session."""
    if SKIP_PG:
        pytest.skip("WINBACK_SKIP_POSTGRES=1")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL test server unreachable at "
            f"{make_url(PG_URL).render_as_string(hide_password=True)} ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}). Start it, point WINBACK_TEST_POSTGRES_URL at one, "
            "or set WINBACK_SKIP_POSTGRES=1 to skip the PostgreSQL tests.",
            pytrace=False,
        )
    yield admin
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (not migrated) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'winback.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"wb_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated, empty store database on each backend."""
    engine = connect(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
