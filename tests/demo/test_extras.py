from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest

from winback.demo.exports.extras import write_extras
from winback.demo.simulator import DemoShop


@pytest.fixture(scope="module")
def written(shop: DemoShop, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Path]]:
    return write_extras(shop, tmp_path_factory.mktemp("extras"))


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_each_extra_file_comes_with_its_mapping(written: list[tuple[Path, Path]]) -> None:
    names = {data.name for data, _ in written}
    assert names == {"chats.csv", "carts.csv", "wishlists.csv", "feedback.csv", "stock.csv",
                     "customers.csv"}  # fmt: skip
    for data, mapping in written:
        assert mapping.exists(), mapping
        assert data.read_bytes().startswith(b"\xef\xbb\xbf")
        assert tomllib.loads(mapping.read_text(encoding="utf-8"))["kind"] == data.stem


def test_the_mapping_headers_are_the_files_headers(written: list[tuple[Path, Path]]) -> None:
    for data, mapping in written:
        spec = tomllib.loads(mapping.read_text(encoding="utf-8"))
        with data.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        headers = {h for value in spec["columns"].values()
                   for h in ([value] if isinstance(value, str) else value)}  # fmt: skip
        assert headers <= set(header), data.name
        assert set(spec.get("formats", {})) <= set(spec["columns"]), data.name


def test_the_chat_file_reads_back_with_sender_names_the_mapping_knows(
    shop: DemoShop, written: list[tuple[Path, Path]]
) -> None:
    chats, mapping = written[0]
    rows = read_rows(chats)
    assert len(rows) == len(shop.chats)
    senders = tomllib.loads(mapping.read_text(encoding="utf-8"))["values"]["sender"]
    assert {row["发送方"] for row in rows} == set(senders) == {"买家", "客服"}
    assert any("重拍" in row["内容"] for row in rows)


def test_carts_have_one_row_per_item(shop: DemoShop, written: list[tuple[Path, Path]]) -> None:
    carts = dict(written)
    rows = read_rows(next(data for data in carts if data.name == "carts.csv"))
    assert len(rows) == sum(len(cart.items) for cart in shop.carts)
    assert any(row["订单编号"] for row in rows) and any(not row["订单编号"] for row in rows)


def test_customer_contacts_stay_masked_in_the_member_file(
    written: list[tuple[Path, Path]],
) -> None:
    rows = read_rows(next(data for data, _ in written if data.name == "customers.csv"))
    phones = [row["手机"] for row in rows]
    assert phones.count("****") > len(phones) / 2
    assert all(row["短信营销"] == "是" for row in rows if row["手机"] not in ("", "****"))
