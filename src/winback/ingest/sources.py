"""Which parser reads which source, and which files of a folder to read.

``parse_file`` is the one entry point the service layer calls; it never touches the store.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from winback.errors import ImportFileError
from winback.ingest import douyin, generic, jd, pdd, shopify, taobao, woocommerce
from winback.ingest.cleaning import PLAUSIBLE_DATES, DateWindow
from winback.ingest.orders_common import reading
from winback.ingest.records import ParsedFile, RowProgress
from winback.model import Platform

IMPORTABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xls", ".xlsx", ".json", ".parquet"})


def parse_file(
    path: Path,
    *,
    source: Platform,
    tz: ZoneInfo,
    mapping: Path | None = None,
    item_report: Path | None = None,
    progress: RowProgress | None = None,
    streaming: bool = False,
    dates: DateWindow = PLAUSIBLE_DATES,
    encoding: str = "auto",
    currency: str | None = None,
) -> ParsedFile:
    """Parse one export file of ``source`` into canonical records (nothing is stored).

    ``item_report`` joins a Taobao/Tmall item report's lines into the orders of ``path``.
    ``streaming`` lets a large Taobao/Tmall order report come back unread, as an
    :class:`~winback.ingest.records.OrderChunks` the store reads while it writes.
    ``dates`` is the window of accepted dates (a date outside it rejects its row);
    ``encoding`` names a Shopify or WooCommerce CSV's encoding instead of detecting it (a
    generic mapping names its own); ``currency`` (the store's) is a generic file's money when
    its mapping names none.
    """
    if source is Platform.GENERIC:
        if mapping is None:
            raise ImportFileError(
                "a generic import needs a mapping file (--mapping FILE)", file=path
            )
        loaded = generic.load_mapping(mapping)
        money = {"currency": currency} if currency else {}
        return generic.parse(path, mapping=loaded, tz=tz, progress=progress, dates=dates, **money)
    if mapping is not None:
        raise ImportFileError(
            f"--mapping is only for --source generic, not {source.value}", file=path
        )
    if source in (Platform.TAOBAO, Platform.TMALL):
        if item_report is not None:
            return taobao.parse_pair(
                path, item_report, tz=tz, platform=source, progress=progress, dates=dates
            )
        return taobao.parse(
            path,
            tz=tz,
            platform=source,
            progress=progress,
            columnar=True,
            streaming=streaming,
            dates=dates,
        )
    if source is Platform.SHOPIFY:
        return shopify.parse(path, tz=tz, progress=progress, encoding=encoding, dates=dates)
    if source is Platform.WOOCOMMERCE:
        return woocommerce.parse(path, tz=tz, progress=progress, encoding=encoding, dates=dates)
    chinese = {Platform.JD: jd.parse, Platform.PDD: pdd.parse, Platform.DOUYIN: douyin.parse}
    return chinese[source](path, tz=tz, progress=progress, dates=dates)


def files_in(path: Path) -> list[Path]:
    """The files to import: ``path`` itself, or the importable files of a folder, sorted."""
    if path.is_dir():
        return sorted(
            child
            for child in path.iterdir()
            if child.is_file()
            and child.suffix.lower() in IMPORTABLE_SUFFIXES
            and not child.name.startswith((".", "~$"))
        )
    if not path.exists():
        raise ImportFileError("no such file or folder", file=path)
    return [path]


def pair_reports(files: list[Path], source: Platform) -> list[tuple[Path, Path | None]]:
    """Files to parse, each with the item report to join into it.

    A Taobao/Tmall folder holding one order report and one item report is read as a pair,
    so the orders arrive with their lines (colour, size, SKU). Anything else is read alone.
    """
    if source not in (Platform.TAOBAO, Platform.TMALL) or len(files) < 2:
        return [(file, None) for file in files]
    items = [file for file in files if _is_item_report(file)]
    orders = [file for file in files if file not in items]
    if len(items) == 1 and len(orders) == 1:
        return [(orders[0], items[0])]
    return [(file, None) for file in files]


def _is_item_report(file: Path) -> bool:
    with reading(file) as table:
        return taobao.is_item_report(table.headers, file=table.file)
