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


def test_an_agent_records_the_reason_and_gets_the_offer_and_the_reasons_match_the_form(
    tmp_path: Path,
) -> None:
    from winback.cli.coupons import SAVE_REASONS
    from winback.ingest.records import Buyer, OrderRecord
    from winback.model import OrderStatus, Platform
    from winback.playbook_settings.offers import SaveReason

    assert tuple(SaveReason) == SAVE_REASONS
    (tmp_path / "winback.toml").write_text(
        '[store]\nname = "shop"\nplatform = "taobao"\n\n'
        '[playbooks.cancel_save]\nkind = "cancel_save"\n'
        '[playbooks.cancel_save.offers]\ncampaign_budget = "100"\n',
        encoding="utf-8",
    )
    engine = db.connect(f"sqlite:///{tmp_path / 'winback.db'}")
    db.migrate(engine)
    with engine.begin() as conn:
        store_id = repo.ensure_store(
            conn, name="shop", platform="taobao", timezone="Asia/Shanghai", currency="CNY", now=NOW
        )
        order = OrderRecord(Platform.TAOBAO, "3001", OrderStatus.CANCELLED, NOW, Decimal(200),
                            buyer=Buyer("tb_ann"), paid_at=NOW, closed_at=NOW)  # fmt: skip
        repo.apply_records(conn, store_id, [order], source_file="x")
    engine.dispose()
    args = ["saves", "answer", "--order", "3001", "--reason", "shipping_cost"]
    done = run(tmp_path, *args, "--note", "运费太贵 13800138000", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["offer"] == "free_shipping"
    again = json.loads(run(tmp_path, *args, "--json").output)  # one costly offer per 90 days
    assert again["offer"] == "thank_you" and again["refused"] == [["free_shipping", "per_buyer"]]
