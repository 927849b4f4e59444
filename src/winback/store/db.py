"""Opening the store database and migrating it.

SQLite is the zero-set-up default (``winback.db`` in the working directory); PostgreSQL
(``postgresql+psycopg://…``) is for production and several dispatcher workers. Nothing is
opened at import time: the composition root calls :func:`connect` once and passes the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from winback.errors import StoreError

if TYPE_CHECKING:  # Alembic loads only when the schema needs upgrading (about 0.15 s)
    from alembic.config import Config

MIGRATIONS: Final = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
IMPORT_WAIT: Final = timedelta(minutes=15)
MIGRATION_LOCK: Final = 0x77696E6261636B01  # "winback" + 1: PostgreSQL advisory lock keys
IMPORT_LOCK: Final = 0x77696E6261636B02


def connect(url: str | None = None, *, cwd: Path | None = None) -> Engine:
    """An engine for ``url`` (default: ``sqlite:///<cwd>/winback.db``), checked by opening one
    connection, so a bad URL or a server that is down fails here with a :class:`StoreError`
    naming the URL (password masked)."""
    if url is None:
        url = f"sqlite:///{(cwd or Path.cwd()) / 'winback.db'}"
    parsed = _parse(url)
    try:
        engine = _create(parsed)
    except (ArgumentError, NoSuchModuleError, ImportError, TypeError) as exc:
        raise StoreError(f"cannot open the store database {safe_url(parsed)}: {exc}") from exc
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(
            f"cannot open the store database {safe_url(parsed)}: {_reason(exc)}"
        ) from exc
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema up to date (Alembic ``upgrade head``, with the migration scripts
    shipped inside the package; no alembic.ini needed).

    Two processes starting on a new database migrate it once: on PostgreSQL the migration
    holds an advisory lock, on SQLite the write lock from its first statement; the second
    waits, then finds the schema at head.

    A store already at head (every command after the first) is recognised without loading
    Alembic: its ``alembic_version`` rows are exactly the heads of the shipped scripts."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.util import CommandError

    config = alembic_config()
    try:
        with _locked(engine, MIGRATION_LOCK) as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except (SQLAlchemyError, CommandError) as exc:
        raise StoreError(
            f"cannot migrate the store database {safe_url(engine.url)}: {_reason(exc)}"
        ) from exc
    finally:
        config.attributes.pop("connection", None)


@contextmanager
def import_transaction(engine: Engine, *, wait: timedelta = IMPORT_WAIT) -> Iterator[Connection]:
    """A transaction for one import: committed on success, rolled back on any error.

    Imports take turns: one writes while the others wait for it (up to ``wait``), so two
    imports of the same folder at once both end cleanly, the second finding the first's
    rows unchanged. On PostgreSQL the turn is an advisory lock; on SQLite the database's
    write lock, taken at ``BEGIN`` (a transaction that read first and wrote later would fail
    at once when another writer committed in between)."""
    deadline = monotonic() + wait.total_seconds()
    while True:
        try:
            with _locked(engine, IMPORT_LOCK) as conn:
                yield conn
            return
        except _Busy:
            if monotonic() >= deadline:
                raise StoreError(
                    f"the store database {safe_url(engine.url)} stayed locked by another "
                    f"import or writer for {wait}: try again when it has finished"
                ) from None


class _Busy(Exception):
    """The SQLite write lock could not be taken within the busy timeout."""


@contextmanager
def _locked(engine: Engine, key: int) -> Iterator[Connection]:
    """A transaction that holds ``key``'s lock (PostgreSQL) or the write lock (SQLite)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execution_options(immediate=True)
            try:
                transaction = conn.begin()
            except OperationalError as exc:
                if "locked" in str(exc.orig) or "busy" in str(exc.orig):
                    raise _Busy from exc
                raise
        else:
            transaction = conn.begin()
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        with transaction:
            yield conn


_REVISION: Final = re.compile(
    r"""^(down_revision|revision)\b[^=\n]*=\s*(?:None|["']([^"']+)["'])\s*$""", re.MULTILINE
)


def script_heads() -> frozenset[str] | None:
    """The head revisions of the shipped migration scripts, read from their
    ``revision = "…"`` and ``down_revision = "…"`` lines without loading Alembic (a test
    checks them against Alembic's own answer); None when a script is not in that plain form
    (a merge or a branch), so the caller asks Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        found = {name: value for name, value in _REVISION.findall(script.read_text("utf-8"))}
        if "revision" not in found or "down_revision" not in found or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return frozenset(heads) if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """Whether the database's schema is at the shipped scripts' head (no DDL, no lock)."""
    heads = script_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            stamped = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return frozenset(stamped) == heads
    except SQLAlchemyError:
        return False


def alembic_config() -> Config:
    """An Alembic configuration built in code, pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def safe_url(url: str | URL) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"cannot open the store database: {url!r} is not a database URL "
            "(expected e.g. sqlite:///winback.db or postgresql+psycopg://user@host/db)"
        ) from exc


def _create(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite(url)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True)
    raise StoreError(
        f"cannot open the store database {safe_url(url)}: "
        f"unsupported backend {url.get_backend_name()!r} (use sqlite or postgresql+psycopg)"
    )


def _create_sqlite(url: URL) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        parent = Path(database).expanduser().resolve().parent
        if not parent.is_dir():
            raise StoreError(
                f"cannot open the store database {safe_url(url)}: folder {parent} does not exist"
            )
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's BEGIN below run the transactions: Python's sqlite3 would otherwise
    # start them late (not before a SELECT) and commit before DDL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # 64 MiB of page cache (default 2 MiB): imports update five indexes on orders.
        cursor.execute("PRAGMA cache_size=-65536")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # ``immediate=True`` (see winback.store.outbox.write_transaction) takes the write lock
    # at BEGIN: a transaction that reads then writes (a claim) then waits its turn instead
    # of failing when another writer committed after its first read.
    immediate = conn.get_execution_options().get("immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    message = str(orig if orig is not None else exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
