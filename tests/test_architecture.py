"""The direction of imports (STYLE.md), checked whole: the pure core never reaches out to I/O,
the store never reaches up to analysis or planning, the settings never reach into planning,
the faces never reach into the store's internals, and shipped code never imports the test
fakes. Imports are read from the source (``ast``), including those inside functions, and
followed through ``winback`` itself where the rule is about what a layer ends up loading."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

import winback

PACKAGE = Path(winback.__file__).parent
PURE = ("model", "contracts", "playbook_settings", "ingest", "analyse", "decide", "measure")
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
FACES = ("cli", "present", "web")
STORE_VALUES = "winback.store.types"
"""The one part of the store the faces may name: the frozen values it hands back."""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def sources() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


@cache
def winback_imports(module: str) -> frozenset[str]:
    """The ``winback`` modules ``module`` imports directly (``from a import b`` counts ``a.b``
    when that is a module, else ``a``)."""
    found = set()
    for name in imported_modules(sources()[module]):
        if name in sources():
            found.add(name)
        elif name.rpartition(".")[0] in sources():
            found.add(name.rpartition(".")[0])
    return frozenset(found - {module})


def reached(module: str) -> set[str]:
    """Every ``winback`` module loading ``module`` loads, itself excluded."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        for name in winback_imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen - {module}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def modules_of(*packages: str) -> list[str]:
    return sorted(m for m in sources() if any(within(m, f"winback.{p}") for p in packages))


def pure_modules() -> list[Path]:
    return [sources()[m] for m in modules_of(*PURE)]


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


@pytest.mark.parametrize("module", modules_of("store"))
def test_the_store_never_loads_analysis_or_planning(module: str) -> None:
    above = ("winback.analyse", "winback.decide")
    bad = sorted(name for name in reached(module) if any(within(name, p) for p in above))
    assert not bad, f"{module} loads {bad}"


@pytest.mark.parametrize("module", ["winback.config", *modules_of("playbook_settings")])
def test_the_settings_never_load_planning(module: str) -> None:
    bad = sorted(name for name in reached(module) if within(name, "winback.decide"))
    assert not bad, f"{module} loads {bad}"


@pytest.mark.parametrize("module", modules_of(*FACES))
def test_the_faces_name_no_store_internals(module: str) -> None:
    bad = sorted(
        name
        for name in winback_imports(module)
        if within(name, "winback.store") and not within(name, STORE_VALUES)
    )
    assert not bad, f"{module} imports {bad}: go through winback.services"


@pytest.mark.parametrize("module", sorted(m for m in sources() if m not in ("winback.testing",)))
def test_shipped_code_never_imports_the_test_fakes(module: str) -> None:
    assert "winback.testing" not in winback_imports(module), f"{module} imports winback.testing"


def test_the_rules_see_every_import_form() -> None:
    # the checker itself: a from-import of a module counts as that module
    assert "winback.store.schema" in winback_imports("winback.store.outbox")
    assert "winback.model" in reached("winback.store.outbox")
