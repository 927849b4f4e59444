"""Issue 12 through the command line, on SQLite and on PostgreSQL: a failed import leaves
the database byte-identical (a dump compared: ``iterdump`` for SQLite, ``pg_dump`` of the
test's schema, sequences included, for PostgreSQL; point 4), an impossible date leaves every
reading command working (point 2), and rejection messages mask contacts in text and JSON
(point 8)."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from click.testing import CliRunner, Result

from test_cli import HEADER, ROWS, report_file
from test_stores import TWO_STORES, shopify_file
from winback.cli import cli


def run(folder: Path, database_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        cli,
        ["--config", str(folder / "winback.toml"), "--database", database_url, *args],
        catch_exceptions=False,
    )


def dump(database_url: str) -> str:
    """The whole database as text: SQLite's ``iterdump``; ``pg_dump`` of the test's schema
    (tables, rows and sequence values) for PostgreSQL."""
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return "\n".join(conn.iterdump())
    parts = urlsplit(database_url)
    options = unquote(parse_qs(parts.query)["options"][0])
    schema = re.fullmatch(r"-csearch_path=(\w+)", options)
    assert schema is not None
    server = f"postgresql://{parts.netloc}{parts.path}"
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--schema", schema[1], server],
        capture_output=True,
        text=True,
        check=True,
    )
    # pg_dump 15.14+ wraps the dump in \restrict KEY … \unrestrict KEY, a new random key each
    # run: those two lines are no part of the database.
    keys = ("\\restrict", "\\unrestrict")
    return "\n".join(line for line in done.stdout.splitlines() if not line.startswith(keys))


@pytest.fixture
def shops(tmp_path: Path) -> Path:
    (tmp_path / "winback.toml").write_text(TWO_STORES, encoding="utf-8")
    return tmp_path


def test_every_kind_of_failed_import_leaves_the_database_byte_identical(
    shops: Path, database_url: str
) -> None:
    good = report_file(shops, "o.csv", list(ROWS.values()))
    assert run(shops, database_url, "import", str(good), "--source", "taobao").exit_code == 0
    before = dump(database_url)
    assert "1002" in before  # the dump holds the rows
    jd = shops / "jd.csv"
    jd.write_text("订单号,下单时间\n1,2026-10-01 10:00:00\n", encoding="utf-8")
    empty = shops / "empty.csv"
    empty.write_bytes(b"")
    missing = shops / "missing.csv"
    missing.write_text(HEADER.replace("订单编号", "编号") + "\n", encoding="gb18030")
    all_rejected = report_file(
        shops, "bad.csv", [ROWS["settled"].replace("2026-10-01 11:00:00", "0001-01-01 00:00:00")]
    )
    nul = shops / "nul.csv"
    nul.write_bytes(b"\x00" * 64)
    euros = shopify_file(shops, currency="EUR")
    failures = [
        ("import", str(jd), "--source", "jd", "--store", "俏艺旗舰店"),
        ("import", str(empty), "--source", "taobao", "--store", "Brand New Shop"),
        ("import", str(missing), "--source", "taobao"),
        ("import", str(all_rejected), "--source", "taobao", "--store", "Another New Shop"),
        ("import", str(nul), "--source", "taobao"),
        ("import", str(euros), "--source", "shopify"),
        ("import", str(shops / "no-such-file.csv"), "--source", "taobao"),
    ]
    for args in failures:
        result = run(shops, database_url, *args)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        assert dump(database_url) == before, args


def test_an_impossible_date_leaves_every_reading_command_working(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "winback.toml").write_text('[store]\nname = "淘宝店"\n', encoding="utf-8")
    rows = [
        ROWS["settled"],
        ROWS["pending"].replace("2026-10-01 10:00:00", "0001-01-01 00:00:00"),
        ROWS["closed"].replace("2026-10-01 12:00:00", "9999-12-31 23:59:59"),
    ]
    path = report_file(tmp_path, "o.csv", rows)
    imported = run(tmp_path, database_url, "import", str(path), "--source", "taobao", "--json")
    assert imported.exit_code == 0, imported.output
    [report] = json.loads(imported.stdout)
    assert (report["created"], report["rejected"]) == (1, 2)
    for args in (
        ("status", "--as-of", "2026-10-03"),
        (
            "report",
            "--as-of",
            "2026-10-03",
            "--html",
            str(tmp_path / "r.html"),
            "--xlsx",
            str(tmp_path / "r.xlsx"),
        ),
        ("report", "recovery", "--as-of", "2026-10-03"),
        ("customers", "--as-of", "2026-10-03"),
        ("diagnose", "--as-of", "2026-10-03"),
    ):
        result = run(tmp_path, database_url, *args)
        assert result.exit_code == 0, (args, result.output)
        assert "OverflowError" not in result.output


SHOPIFY_CONTACTS = (
    "Name,Email,Phone,Financial Status,Total,Currency,Created at\n"
    "#1001,alice@example.com,+14155550123,paid,10.00,USD,2026-10-01 10:00:00 -0400\n"
    "#1002,carol@example.com,+14155550199,paid,10.00,USD,2026-10-01 10:00:00 -0400\n"
    "#1001,bob@example.com,+14155550124,paid,10.00,USD,2026-10-01 10:00:00 -0400\n"
)


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_rejection_on_the_terminal_masks_both_contacts(
    shops: Path, database_url: str, form: str
) -> None:
    path = shops / "orders_export.csv"
    path.write_text(SHOPIFY_CONTACTS, encoding="utf-8")
    args = ["import", str(path), "--source", "shopify"]
    result = run(shops, database_url, *args, *(["--json"] if form == "json" else []))
    assert result.exit_code == 0, result.output
    for secret in ("alice@", "bob@", "4155550123", "4155550124"):
        assert secret not in result.output
    if form == "json":
        [report] = json.loads(result.stdout)
        [rejection] = report["rejections"]
        reason = rejection["reason"]
    else:
        reason = " ".join(result.output.split())
    assert "'b***@example.com' here, 'a***@example.com' on row 2" in reason
