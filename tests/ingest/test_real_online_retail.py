"""Real data through a generic mapping: the UCI Online Retail invoices of a UK gift-ware
wholesaler (541,909 lines, 25,900 invoices, 3,836 cancellations), imported with
``fixtures/online_retail/online_retail.toml`` into a real SQLite store. What the import
reports and stores must equal an independent pandas reading of the same file
(docs/real-data.md, "Importers").

The data lives in ``../shared/data`` beside the project (or where ``WINBACK_SHARED_DATA``
points); the test is skipped without it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from winback.cli import cli
from winback.store import repo
from winback.store.db import connect

DATA = Path(
    os.environ.get("WINBACK_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
)
ONLINE_RETAIL = DATA / "online_retail_2010_2011.csv.gz"
MAPPING = Path(__file__).parent / "fixtures" / "online_retail" / "online_retail.toml"

pytestmark = pytest.mark.skipif(
    not ONLINE_RETAIL.is_file(),
    reason=f"the UCI Online Retail data is not at {ONLINE_RETAIL} (../shared/data is absent)",
)


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    """Per invoice, from pandas alone: status, total and earliest time, after the rules the
    import documents — an invoice with a price the store cannot hold (more than 2 decimal
    places, negative) is rejected whole; a block of rows pasted twice is read once."""
    lines = pd.read_csv(ONLINE_RETAIL, dtype=str, keep_default_na=False)
    price = lines["UnitPrice"].map(Decimal)
    bad = (price < 0) | (price != price.map(lambda p: p.quantize(Decimal("0.01"))))
    rejected = set(lines.loc[bad, "InvoiceNo"])
    lines = lines[~lines["InvoiceNo"].isin(rejected)]
    kept = _without_pasted_repeats(lines)
    kept = kept.assign(
        amount=kept["Quantity"].astype(int).abs() * kept["UnitPrice"].map(Decimal),
        when=pd.to_datetime(kept["InvoiceDate"]),
    )
    invoices = kept.groupby("InvoiceNo").agg(
        total=("amount", lambda amounts: sum(amounts, Decimal(0))),
        created=("when", "min"),
        customer=("CustomerID", "first"),
        lines=("amount", "size"),
    )
    invoices["status"] = [
        "cancelled" if number.startswith("C") else "settled" for number in invoices.index
    ]
    invoices.attrs["rejected"] = len(rejected)
    return invoices


def _without_pasted_repeats(lines: pd.DataFrame) -> pd.DataFrame:
    """Drop the rows of a run (an invoice's consecutive rows) that repeat a block of it,
    and a later run equal to the invoice's first run."""
    cells = lines.to_numpy().tolist()
    keep: list[int] = []
    first_runs: dict[str, list[list[str]]] = {}
    start = 0
    for end in range(1, len(cells) + 1):
        if end < len(cells) and cells[end][0] == cells[start][0]:
            continue
        run = cells[start:end]
        invoice = run[0][0]
        if invoice in first_runs and run == first_runs[invoice]:
            start = end
            continue
        size = len(run)
        block = next(
            (b for b in range(1, size // 2 + 1) if size % b == 0 and run == run[:b] * (size // b)),
            size,
        )
        first_runs.setdefault(invoice, run[:block])
        keep.extend(range(start, start + block))
        start = end
    return lines.iloc[keep]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], pd.DataFrame]:
    folder = tmp_path_factory.mktemp("online_retail")
    csv_path = folder / "online_retail.csv"
    with gzip.open(ONLINE_RETAIL, "rb") as source, csv_path.open("wb") as target:
        shutil.copyfileobj(source, target)
    database = f"sqlite:///{folder / 'winback.db'}"
    settings = folder / "winback.toml"  # the wholesaler's store: its zone and its money
    settings.write_text(
        '[store]\nname = "UK gift-ware"\nplatform = "generic"\ntimezone = "Europe/London"\n'
        'currency = "GBP"\nlanguage = "en"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        ["--config", str(settings), "--database", database, "import", str(csv_path),
         "--source", "generic", "--mapping", str(MAPPING), "--json"],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    engine = connect(database)
    with engine.connect() as conn:
        [store] = repo.list_stores(conn)
        stored = repo.orders_table(conn, store.id).to_pandas()
    engine.dispose()
    return report, stored


def test_the_import_report_counts_what_pandas_counts(
    imported: tuple[dict[str, object], pd.DataFrame], expected: pd.DataFrame
) -> None:
    report, _ = imported
    assert report["rows_read"] == 541_909
    assert report["created"] == len(expected) == 25_900 - expected.attrs["rejected"]
    rejections = report["rejections"]
    assert isinstance(rejections, list)
    assert report["rejected"] == expected.attrs["rejected"] == 6
    reasons = sorted(r["reason"] for r in rejections)
    assert sum("more than 2 decimal places" in r for r in reasons) == 4
    assert sum("negative amount" in r for r in reasons) == 2


def test_stored_statuses_totals_and_times_equal_pandas(
    imported: tuple[dict[str, object], pd.DataFrame], expected: pd.DataFrame
) -> None:
    _, stored = imported
    stored = stored.set_index("order_id").sort_index()
    expected = expected.sort_index()
    assert list(stored.index) == list(expected.index)
    assert (stored["status"] == expected["status"]).all()
    assert (stored["status"] == "cancelled").sum() == 3_836
    for status in ("settled", "cancelled"):
        mine = stored.loc[stored["status"] == status, "total_amount"]
        theirs = expected.loc[expected["status"] == status, "total"]
        assert sum(mine, Decimal(0)) == sum(theirs, Decimal(0))
    assert (stored["total_amount"] == expected["total"]).all()
    created = stored["created_at"].dt.tz_convert("Europe/London").dt.tz_localize(None)
    assert (created == expected["created"]).all()


def test_customers_are_the_invoices_customer_ids(
    imported: tuple[dict[str, object], pd.DataFrame], expected: pd.DataFrame
) -> None:
    _, stored = imported
    known = expected["customer"][expected["customer"] != ""]
    assert stored["customer_key"].dropna().nunique() == known.nunique()
