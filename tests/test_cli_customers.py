"""`winback customers`, `customers score` and `customers top` end to end: a generic CSV import
into a real SQLite store, click's CliRunner, JSON and terminal output."""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from winback.app import App
from winback.cli import cli
from winback.config import LifecycleSettings, load_settings
from winback.services.lifecycle import lifecycle_section

AS_OF = date(2024, 12, 31)
START = date(2022, 1, 1)
ORDERS_MAPPING = """
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
CUSTOMERS_MAPPING = """
kind = "customers"

[columns]
customer_id = "buyer"
created_at = "created"
"""


def write_shop(folder: Path, customers: int = 300, seed: int = 11) -> None:
    """Three years of a shop whose buyers buy at their own pace until they drift away, plus
    customers known from a customer list who never bought."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        day = int(rng.integers(0, 1090))
        gap = rng.gamma(1.5, 40.0)
        drop = rng.beta(1.0, 3.0)
        bill = rng.gamma(3.0, 60.0)
        while day <= (AS_OF - START).days:
            created = START + timedelta(days=day)
            total = f"{bill * rng.gamma(10, 0.1):.2f}"
            status = "closed" if rng.random() < 0.1 else "settled"
            paid = "0.00" if status == "closed" else total
            rows.append(
                [f"o{len(rows)}", f"buyer{c:03d}", f"1380013{c:04d}", f"buyer{c}@example.com",
                 f"{created} 10:00:00", status, total, paid]
            )  # fmt: skip
            if rng.random() < drop:
                break
            day += 1 + int(rng.exponential(gap))
    with (folder / "orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "buyer", "phone", "email", "created", "status", "total", "paid"])
        writer.writerows(rows)
    with (folder / "customers.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["buyer", "created"])
        writer.writerows([[f"visitor{v}", "2024-03-01 09:00:00"] for v in range(25)])
    (folder / "orders.toml").write_text(ORDERS_MAPPING, encoding="utf-8")
    (folder / "customers.toml").write_text(CUSTOMERS_MAPPING, encoding="utf-8")
    (folder / "winback.toml").write_text(
        '[store]\nname = "shop"\n\n[lifecycle]\ncategory = "fashion"\ncutoff = "preset"\n',
        encoding="utf-8",
    )


def run(folder: Path, *args: str) -> Result:
    database = f"sqlite:///{folder / 'winback.db'}"
    options = ["--database", database, "--config", str(folder / "winback.toml")]
    return CliRunner().invoke(cli, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    write_shop(folder)
    for name in ("orders", "customers"):
        result = run(
            folder, "import", str(folder / f"{name}.csv"), "--source", "generic",
            "--mapping", str(folder / f"{name}.toml"), "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return folder


def test_customers_prints_the_four_segments_with_the_cutoff_and_its_source(shop: Path) -> None:
    result = run(shop, "customers", "--as-of", AS_OF.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    segments = {row["segment"]: row for row in data["segments"]}
    assert list(segments) == ["potential", "active", "repeat_seeking", "lost"]
    assert segments["potential"]["customers"] >= 25
    assert segments["potential"]["revenue"] == "0.00"
    assert all(segments[name]["customers"] > 0 for name in segments)
    assert sum(row["customer_share"] for row in segments.values()) == pytest.approx(1.0)
    assert data["cutoff"] == {
        "days": 90,
        "source": "preset",
        "reason": "the fashion preset (90 days)",
        "category": "fashion",
        "gaps": 0,
        "learned_days": None,
    }


def test_the_terminal_view_names_the_segments_and_the_cutoff(shop: Path) -> None:
    result = run(shop, "customers", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert "待复购客户" in result.stdout  # the store's language: zh unless set
    assert "流失期：90 天（按品类预设）" in result.stdout
    assert "服装品类预设（90 天）" in result.stdout  # the reason in Chinese, category too
    assert "fashion" not in result.stdout


def test_the_score_run_speaks_the_stores_language_with_its_money(shop: Path) -> None:
    zh = run(shop, "customers", "score", "--as-of", AS_OF.isoformat())
    english = shop / "english.toml"
    english.write_text(
        (shop / "winback.toml")
        .read_text(encoding="utf-8")
        .replace('name = "shop"', 'name = "shop"\nlanguage = "en"'),
        encoding="utf-8",
    )
    database = f"sqlite:///{shop / 'winback.db'}"
    en = CliRunner().invoke(cli, ["--database", database, "--config", str(english), "customers",
                                  "score", "--as-of", AS_OF.isoformat()])  # fmt: skip
    assert zh.exit_code == 0 and en.exit_code == 0, (zh.output, en.output)
    assert re.search(r"已为 shop 的 [\d,]+ 位买家评分（2024-12-31，bgnbd", zh.stdout)
    said = " ".join(zh.stdout.split())  # the lines wrap at the terminal's width
    assert re.search(r"平均 P\(存活\) 0\.\d\d；未来 90 天：.*消费 ¥[\d,.]+；CLV 合计 ¥", said)
    assert "Scored" not in zh.stdout and "Mean P(alive)" not in zh.stdout
    assert re.search(r"Scored [\d,]+ buyers of shop at 2024-12-31 with bgnbd", en.stdout)
    assert re.search(r"spend ¥[\d,.]+; total CLV ¥", " ".join(en.stdout.split()))


def test_score_stores_a_score_per_buyer_and_top_lists_promising_lost_ones(shop: Path) -> None:
    scored = run(shop, "customers", "score", "--as-of", AS_OF.isoformat(), "--horizon", "90d",
                 "--json")  # fmt: skip
    assert scored.exit_code == 0, scored.output
    report = json.loads(scored.stdout)
    assert report["customers"] == report["stored"] > 100
    assert report["horizon_days"] == 90
    assert 0 < report["mean_p_alive"] < 1
    top = run(shop, "customers", "top", "--lost", "--promising", "--limit", "5", "--json")
    assert top.exit_code == 0, top.output
    data = json.loads(top.stdout)
    targets = data["targets"]
    assert 0 < len(targets) <= 5
    assert {t["segment"] for t in targets} == {"lost"}
    assert all(t["purchases"] >= 2 and 90 < t["days_since_last"] <= 730 for t in targets)
    clv = [float(t["clv"]) for t in targets]
    assert clv == sorted(clv, reverse=True)
    assert all(t["phone"].startswith("1380013") is False for t in targets)
    assert all("****" in t["phone"] and "***@example.com" in t["email"] for t in targets)
    assert "1380013" not in top.stdout
    assert targets[0]["reason"].startswith(f"{targets[0]['purchases']} 次购买，客单价 ¥")


def test_top_in_the_terminal_shows_each_reason(shop: Path) -> None:
    run(shop, "customers", "score", "--as-of", AS_OF.isoformat())
    result = run(shop, "customers", "top", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "值得挽回" in result.stdout
    assert "P(存活)" in result.stdout


def test_top_without_scores_asks_for_a_score_run(tmp_path: Path) -> None:
    write_shop(tmp_path, customers=5)
    imported = run(tmp_path, "import", str(tmp_path / "orders.csv"), "--source", "generic",
                   "--mapping", str(tmp_path / "orders.toml"))  # fmt: skip
    assert imported.exit_code == 0, imported.output
    result = run(tmp_path, "customers", "top")
    assert result.exit_code == 1
    assert "winback customers score" in result.output


def test_scoring_a_store_with_too_little_history_is_a_clear_error(tmp_path: Path) -> None:
    write_shop(tmp_path, customers=8)
    imported = run(tmp_path, "import", str(tmp_path / "orders.csv"), "--source", "generic",
                   "--mapping", str(tmp_path / "orders.toml"))  # fmt: skip
    assert imported.exit_code == 0, imported.output
    result = run(tmp_path, "customers", "score", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 1
    assert "too little history" in result.output


def test_a_bad_as_of_day_is_refused(shop: Path) -> None:
    result = CliRunner().invoke(cli, ["customers", "--as-of", "31/12/2024"])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_the_report_section_data_has_monthly_sizes_and_score_distributions(shop: Path) -> None:
    run(shop, "customers", "score", "--as-of", AS_OF.isoformat())
    settings = load_settings(
        shop / "winback.toml",
        env={},
        overrides={"database": {"url": f"sqlite:///{shop / 'winback.db'}"}},
    )
    app = App.open(settings, cwd=shop)
    try:
        section = lifecycle_section(app, as_of=AS_OF)
    finally:
        app.close()
    sizes = section.sizes_over_time.to_pylist()
    months = sorted({row["as_of"] for row in sizes})
    assert months[-1] == AS_OF and len(months) == 36
    final = {row["segment"]: row["customers"] for row in sizes if row["as_of"] == AS_OF}
    now = {
        row["segment"]: row["customers"] for row in section.segments.lifecycle.summary.to_pylist()
    }
    assert final == now
    assert section.scored_on == AS_OF
    assert section.p_alive is not None and section.clv_deciles is not None
    buyers = now["active"] + now["repeat_seeking"] + now["lost"]
    assert sum(section.p_alive.column("customers").to_pylist()) == buyers
    assert sum(section.clv_deciles.column("customers").to_pylist()) == buyers


@pytest.mark.parametrize("command", [["customers"], ["customers", "score"], ["customers", "top"]])
def test_every_customers_command_documents_itself(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "--json" in result.output and "--as-of" in result.output


def test_every_lifecycle_setting_is_documented() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", docs.read_text(encoding="utf-8"), re.M))
    fields = {f"lifecycle.{name}" for name in LifecycleSettings.model_fields}
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"


def test_a_cutoff_that_is_no_rule_is_refused_with_the_forms_it_takes(tmp_path: Path) -> None:
    (tmp_path / "winback.toml").write_text('[lifecycle]\ncutoff = "soon"\n', encoding="utf-8")
    result = run(tmp_path, "customers")
    assert result.exit_code == 1
    assert "lifecycle.cutoff" in result.output and "'learned', 'preset'" in result.output


def test_options_before_a_subcommand_are_refused_rather_than_ignored(shop: Path) -> None:
    result = run(shop, "customers", "--as-of", "2024-01-01", "score")
    assert result.exit_code == 2
    assert "winback customers score --as-of" in result.output


def test_top_with_all_lists_the_most_valuable_buyers_of_any_segment(shop: Path) -> None:
    run(shop, "customers", "score", "--as-of", AS_OF.isoformat())
    data = json.loads(run(shop, "customers", "top", "--all", "--limit", "30", "--json").stdout)
    assert {t["segment"] for t in data["targets"]} >= {"active", "lost"}
    shown = run(shop, "customers", "top", "--all", "--limit", "3").stdout
    assert "最有价值的有潜力的买家" in shown
