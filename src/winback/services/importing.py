"""One function per use case. The CLI and the web app are thin shells over these.

Importing is one transaction per file: the parser reads the whole file first (nothing is
stored when it fails), then the records are applied in one transaction, so a fatal error
leaves the store exactly as it was. A large Taobao/Tmall order report is the exception: it is
read while it is stored (see :mod:`winback.store._streamed`), still in one transaction, and
if it needs the row reader part-way the transaction is rolled back and the file read again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from winback.analyse.overview import daily_overview as overview_by_day
from winback.app import App
from winback.ingest.records import OrderTable, ParsedFile, Rejection
from winback.ingest.sources import files_in, pair_reports, parse_file
from winback.ingest.taobao_columns import NotColumnar, OrderStream
from winback.model import Platform
from winback.services import dashboard
from winback.services.stores import find_store
from winback.store import repo
from winback.store.types import StoreSummary

Digest = Callable[[], str]
"""The SHA-256 of a file, when it is needed (it is computed meanwhile)."""


class ImportProgress(Protocol):
    """What a progress display needs from an import (the CLI draws a bar)."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class ImportReport:
    """What one file did to the store. ``created``/``updated``/``unchanged`` count records of
    every kind (orders, customers, chat lines, …); ``records_by_kind`` splits them."""

    file: str
    source: str
    kind: str
    store: str
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejections: tuple[Rejection, ...]
    unmapped_columns: tuple[str, ...]
    seconds: float
    records_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected"] = self.rejected
        data["rejections"] = [asdict(rejection) for rejection in self.rejections]
        data["unmapped_columns"] = list(self.unmapped_columns)
        return data


def import_path(
    app: App,
    path: Path,
    *,
    source: Platform,
    mapping: Path | None = None,
    store: str | None = None,
    progress: ImportProgress | None = None,
) -> list[ImportReport]:
    """Import a file, or every importable file of a folder, into ``store``.

    Files holding only order lines (a Taobao item report) are applied after the files that
    create the orders, so a folder with both reports imports in one call.
    """
    store_name = store or app.settings.store.name
    store_id = _ensure_store(app, store_name, source)
    deferred: list[tuple[ParsedFile, Digest, float]] = []
    reports: list[ImportReport] = []
    # The file's SHA-256 is taken beside the import (hashlib lets go of the GIL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="winback-sha256") as hashing:
        for file, item_report in pair_reports(files_in(path), source):
            started = time.perf_counter()
            digest: Digest = hashing.submit(_sha256, file).result
            parsed = _parse(app, file, source, mapping, item_report, progress, streaming=True)
            if parsed.kind == "item_report":
                deferred.append((parsed, digest, started))
                continue
            try:
                report = _apply(app, store_id, store_name, parsed, digest, started, progress)
            except NotColumnar:
                # A streamed report turned out to need the row reader part-way: what was
                # written is rolled back, and the file is read again, row by row.
                parsed = _parse(app, file, source, mapping, item_report, progress, streaming=False)
                report = _apply(app, store_id, store_name, parsed, digest, started, progress)
            reports.append(report)
        for parsed, digest, started in deferred:
            reports.append(_apply(app, store_id, store_name, parsed, digest, started, progress))
    dashboard.refresh_after_change(app, store_name)  # the dashboard's panels (winback serve)
    return reports


def _ensure_store(app: App, name: str, source: Platform) -> int:
    """The store's id. The configured store follows the settings file; another store named
    with ``--store`` keeps what it was created with (see :func:`create_store`)."""
    settings = app.settings.store
    with app.engine.connect() as conn:
        existing = {info.name: info.id for info in repo.list_stores(conn)}
    if name != settings.name and name in existing:
        return existing[name]
    platform = settings.platform if source is Platform.GENERIC else source
    with app.engine.begin() as conn:
        return repo.ensure_store(
            conn,
            name=name,
            platform=platform.value,
            timezone=settings.timezone,
            currency=settings.currency,
        )


def create_store(app: App, name: str, *, platform: Platform, timezone: str, currency: str) -> int:
    """Create a store (or update its platform, zone and currency) other than the configured
    one, e.g. a second shop of the same merchant on another platform."""
    with app.engine.begin() as conn:
        return repo.ensure_store(
            conn, name=name, platform=platform.value, timezone=timezone, currency=currency
        )


def _parse(
    app: App,
    file: Path,
    source: Platform,
    mapping: Path | None,
    item_report: Path | None,
    progress: ImportProgress | None,
    *,
    streaming: bool,
) -> ParsedFile:
    advance: Callable[[int], None] | None = None
    if progress is not None:
        progress.start(f"reading {file.name}", _estimate_rows(file))
        advance = progress.advance
    return parse_file(
        file,
        source=source,
        tz=app.settings.store.zone,
        mapping=mapping,
        item_report=item_report,
        progress=advance,
        streaming=streaming,
    )


def _apply(
    app: App,
    store_id: int,
    store_name: str,
    parsed: ParsedFile,
    digest: Digest,
    started: float,
    progress: ImportProgress | None,
) -> ImportReport:
    streamed = any(isinstance(record, OrderStream) for record in parsed.records)
    if progress is not None:
        count = sum(_record_count(record) for record in parsed.records)
        doing = "reading and storing" if streamed else "storing"
        progress.start(f"{doing} {Path(parsed.file).name}", count)
    begun = datetime.now(UTC)
    with app.engine.begin() as conn:
        result = repo.apply_records(
            conn,
            store_id,
            parsed.records,
            source_file=parsed.file,
            progress=progress.advance if progress is not None else None,
        )
        rejections = (*parsed.rejections, *result.rejections)
        rows_read = parsed.rows_read
        if streamed:  # read while stored: the parser counted nothing
            rows_read = result.created + result.updated + result.unchanged
        report = ImportReport(
            file=parsed.file,
            source=parsed.source.value,
            kind=parsed.kind,
            store=store_name,
            rows_read=rows_read,
            created=sum(counts.created for counts in result.kinds.values()),
            updated=sum(counts.updated for counts in result.kinds.values()),
            unchanged=sum(counts.unchanged for counts in result.kinds.values()),
            rejections=tuple(rejections),
            unmapped_columns=tuple(parsed.unmapped_columns),
            seconds=round(time.perf_counter() - started, 3),
            records_by_kind={kind: asdict(counts) for kind, counts in result.kinds.items()},
        )
        repo.record_import(
            conn,
            store_id,
            file_name=parsed.file,
            sha256=digest(),
            source=parsed.source.value,
            kind=parsed.kind,
            started_at=begun,
            finished_at=datetime.now(UTC),
            rows_read=report.rows_read,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        )
    return report


def _record_count(record: object) -> int:
    if isinstance(record, OrderTable):
        return len(record)
    if isinstance(record, OrderStream):
        return record.most_rows
    return 1


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _estimate_rows(file: Path) -> int | None:
    """Line count of a text file (fast, for the progress bar); None for binary formats."""
    if file.suffix.lower() in (".xlsx", ".parquet"):
        return None
    count = 0
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            count += chunk.count(b"\n")
    return max(count - 1, 0)


def store_status(app: App, store: str | None = None) -> list[StoreSummary]:
    """What the store holds: one summary per store, or just the one named."""
    with app.engine.connect() as conn:
        chosen = repo.list_stores(conn) if store is None else [find_store(app, store)]
        return [repo.store_summary(conn, info.id) for info in chosen]


def daily_overview(app: App, store: str | None = None, *, since: date | None = None) -> pa.Table:
    """Orders per day of the store's calendar: counts by status, amounts, new/returning.

    With ``since``, only the days from it on; buyers are still ``returning`` by their whole
    history.
    """
    info = find_store(app, store)
    with app.engine.connect() as conn:
        orders = repo.orders_table(conn, info.id)
    days = overview_by_day(orders, timezone=info.timezone)
    return days if since is None else days.filter(pc.greater_equal(days["day"], since))
