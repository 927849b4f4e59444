"""The direction of imports (STYLE.md): the pure core never reaches out to I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import winback

PACKAGE = Path(winback.__file__).parent
PURE = ("model", "ingest", "analyse", "decide", "measure")
FORBIDDEN_IN_PURE = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "httpx",
    "smtplib",
    "winback.store",
    "winback.services",
    "winback.cli",
    "winback.app",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def pure_modules() -> list[Path]:
    found = []
    for part in PURE:
        target = PACKAGE / part
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
    return [path for path in found if path.exists()]


@pytest.mark.parametrize("path", pure_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_pure_core_imports_no_database_http_or_smtp_code(path: Path) -> None:
    bad = {
        name
        for name in imported_modules(path)
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN_IN_PURE)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_only_the_store_package_imports_sqlalchemy() -> None:
    allowed = {PACKAGE / "app.py"}
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "store" not in path.relative_to(PACKAGE).parts
        and path not in allowed
        and any(name.startswith("sqlalchemy") for name in imported_modules(path))
    ]
    assert offenders == []
