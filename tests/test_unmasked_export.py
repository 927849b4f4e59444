"""The win-back list masks contacts, customer keys that are contacts too (a Shopify buyer's
key is the e-mail address), and the one authorised way round it: `customers top --unmasked`
with `[privacy] allow_unmasked_export = true`, logged without the contacts."""

from __future__ import annotations

import csv
import json
import logging
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from winback.cli import cli

AS_OF = date(2024, 12, 31)
START = date(2022, 1, 1)
MAPPING = """
kind = "orders"
timezone = "Asia/Shanghai"

[columns]
order_id = "id"
buyer_id = "buyer"
phone = "phone"
email = "email"
created_at = "created"
status = "status"
total_amount = "total"
paid_amount = "paid"
"""


def _phone(c: int) -> str:
    return f"1390013{c:04d}"


def _email(c: int) -> str:
    return f"shopper{c}@example.com"


def write_shop(folder: Path, customers: int = 240, seed: int = 5) -> None:
    """Three years of buyers known by their e-mail address (as Shopify knows them)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        day = int(rng.integers(0, 1090))
        gap, drop, bill = rng.gamma(1.5, 40.0), rng.beta(1.0, 3.0), rng.gamma(3.0, 60.0)
        while day <= (AS_OF - START).days:
            total = f"{bill * rng.gamma(10, 0.1):.2f}"
            created = f"{START + timedelta(days=day)} 10:00:00"
            rows.append(
                [f"o{len(rows)}", _email(c), _phone(c), _email(c), created, "settled", total, total]
            )
            if rng.random() < drop:
                break
            day += 1 + int(rng.exponential(gap))
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "buyer", "phone", "email", "created", "status", "total", "paid"])
        writer.writerows(rows)
    (folder / "orders.toml").write_text(MAPPING, encoding="utf-8")


def run(folder: Path, *args: str, settings: str = "") -> Result:
    (folder / "winback.toml").write_text(
        '[store]\nname = "shop"\n\n[lifecycle]\ncategory = "fashion"\ncutoff = "preset"\n'
        + settings,
        encoding="utf-8",
    )
    options = ["--database", f"sqlite:///{folder / 'winback.db'}", "--config",
               str(folder / "winback.toml")]  # fmt: skip
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    write_shop(folder)
    imported = run(folder, "import", str(folder / "orders.csv"), "--source", "generic",
                   "--mapping", str(folder / "orders.toml"), "--json")  # fmt: skip
    assert imported.exit_code == 0, imported.output
    scored = run(folder, "customers", "score", "--as-of", AS_OF.isoformat(), "--json")
    assert scored.exit_code == 0, scored.output
    return folder


def _contacts(text: str) -> list[str]:
    return [c for n in range(240) for c in (_phone(n), _email(n)) if c in text]


@pytest.mark.parametrize("as_json", [False, True])
def test_the_winback_list_masks_a_customer_key_that_is_an_email_address(
    shop: Path, as_json: bool
) -> None:
    result = run(shop, "customers", "top", "--limit", "10", *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.output
    assert "***@example.com" in result.output
    assert _contacts(result.output) == []


def test_unmasked_is_refused_without_the_setting_and_says_which(shop: Path) -> None:
    result = run(shop, "customers", "top", "--unmasked", "--json")
    assert result.exit_code == 1
    assert "allow_unmasked_export" in result.output
    assert _contacts(result.output) == []


def test_an_authorised_unmasked_export_shows_the_contacts_and_is_logged_without_them(
    shop: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="winback.audit")
    result = run(shop, "customers", "top", "--unmasked", "--limit", "5", "--json",
                 settings="\n[privacy]\nallow_unmasked_export = true\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    targets = json.loads(result.stdout)["targets"]
    assert len(targets) == 5
    assert all(t["email"] == t["customer_key"] and "***" not in t["email"] for t in targets)
    assert all(t["phone"] and "****" not in t["phone"] for t in targets)
    audit = [r for r in caplog.records if r.name == "winback.audit"]
    assert len(audit) == 1
    message = audit[0].getMessage()
    assert "unmasked" in message and "customers top" in message and "5 customers" in message
    assert "'shop'" in message
    assert _contacts(message) == []
    assert "unmasked" in result.stderr  # the person exporting is told, too
