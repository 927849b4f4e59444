"""``winback coupons list`` and ``export``: the states as of a moment, JSON, CSV, Shopify."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result

from winback.cli import cli
from winback.store import coupons, db, repo
from winback.store.types import Coupon

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    return CliRunner().invoke(
        cli,
        ["--config", str(folder / "winback.toml"), "--database", database, *args],
        catch_exceptions=False,
    )


def test_coupons_are_listed_as_of_a_moment_and_exported(tmp_path: Path) -> None:
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "shop"\nplatform = "shopify"\ncurrency = "USD"\ntimezone = "UTC"\n',
        encoding="utf-8",
    )
    engine = db.connect(f"sqlite:///{tmp_path / 'winback.db'}")
    db.migrate(engine)
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name="shop", platform="shopify", timezone="UTC", currency="USD", now=NOW
        )
        coupons.issue(
            conn, store_id,
            Coupon("SAVEK7M2P9", None, "5001", "save", "changed_mind", False, Decimal(10),
                   Decimal(50), "USD", Decimal(10), NOW, NOW + timedelta(days=30)),
        )  # fmt: skip
    engine.dispose()
    listed = run(tmp_path, "coupons", "list", "--as-of", "2026-12-01", "--json")
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.output)
    assert found["counts"] == {"issued": 1, "redeemed": 0, "expired": 0}
    later = json.loads(run(tmp_path, "coupons", "list", "--as-of", "2027-01-31", "--json").output)
    assert later["coupons"][0]["state"] == "expired"
    exported = run(tmp_path, "coupons", "export", "--as-of", "2026-12-01")
    assert exported.output.splitlines()[1].startswith("SAVEK7M2P9,fixed_amount,10.00,50.00,USD")
    shopify = json.loads(run(tmp_path, "coupons", "export", "--format", "shopify",
                             "--as-of", "2026-12-01").output)  # fmt: skip
    assert shopify[0]["batch"] == {"discount_codes": [{"code": "SAVEK7M2P9"}]}
