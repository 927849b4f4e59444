"""`winback import` end to end on what the importers refuse (issue 10, point 4; issue 12):
a file of which nothing was stored fails the command, and messages reach the terminal
whole (rich markup does not eat ``[columns]``) and masked."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from winback.cli import cli

MAPPING = """
kind = "orders"
[columns]
order_id = "id"
created_at = "created"
status = "status"
total_amount = "total"
email = "email"
"""


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    return CliRunner().invoke(cli, ["--database", database, *args], catch_exceptions=False)


def generic_import(folder: Path, data: str, *options: str) -> Result:
    (folder / "m.toml").write_text(MAPPING, encoding="utf-8")
    (folder / "orders.csv").write_text(data, encoding="utf-8")
    return run(
        folder, "import", str(folder / "orders.csv"), "--source", "generic",
        "--mapping", str(folder / "m.toml"), *options,
    )  # fmt: skip


def test_a_file_whose_every_row_is_rejected_fails_the_import(tmp_path: Path) -> None:
    data = "id,created,status,total,email\n1,0001-01-01,paid,5,\n2,2024-01-01,payed,5,\n"
    result = generic_import(tmp_path, data, "--json")
    assert result.exit_code == 1
    [report] = json.loads(result.stdout)
    assert (report["created"], report["rejected"]) == (0, 2)
    assert "nothing was stored from orders.csv: every row was rejected" in result.stderr


def test_a_file_with_one_good_row_succeeds_and_a_repeat_import_too(tmp_path: Path) -> None:
    data = "id,created,status,total,email\n1,2024-01-01,paid,5,\n2,2024-01-01,payed,5,\n"
    assert generic_import(tmp_path, data).exit_code == 0
    again = generic_import(tmp_path, data, "--json")  # nothing new, but nothing refused
    assert again.exit_code == 0 and json.loads(again.stdout)[0]["unchanged"] == 1


def test_a_header_only_file_is_no_failure(tmp_path: Path) -> None:
    assert generic_import(tmp_path, "id,created,status,total,email\n").exit_code == 0


def test_rejections_keep_their_brackets_and_mask_contacts(tmp_path: Path) -> None:
    data = (
        "id,created,status,total,email\n"
        "1,2024-01-01,paid,5,alice@example.com\n"
        "1,2024-01-01,paid,5,bob@example.com\n"
        "2,2024-01-01,payed,5,\n"
    )
    result = generic_import(tmp_path, data)
    assert result.exit_code == 0
    assert "map it to a canonical status in [values.status]" in result.stdout
    assert "bob@" not in result.stdout and "alice@" not in result.stdout
    assert "'b***@example.com' here, 'a***@example.com' on row 2" in result.stdout


def test_a_mapping_error_reads_whole_on_the_terminal(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text('kind = "orders"\n[columns]\norder_id = "id"\n')
    (tmp_path / "orders.csv").write_text("id\n1\n", encoding="utf-8")
    result = run(
        tmp_path, "import", str(tmp_path / "orders.csv"), "--source", "generic",
        "--mapping", str(tmp_path / "m.toml"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "the columns table has no 'created_at', which kind 'orders' requires" in result.stderr


def test_markup_in_a_file_error_is_printed_as_text(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(MAPPING.replace('"total"', '"[total]"'), encoding="utf-8")
    (tmp_path / "orders.csv").write_text("id,created,status,total\n1,2024-01-01,paid,5\n")
    result = run(
        tmp_path, "import", str(tmp_path / "orders.csv"), "--source", "generic",
        "--mapping", str(tmp_path / "m.toml"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "column '[total]' for the required field 'total_amount'" in result.stderr
