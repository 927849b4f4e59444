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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from winback.analyse.deadline_check import deadline_notes
from winback.app import App
from winback.config import Settings, StoreSettings
from winback.errors import ImportFileError
from winback.ingest.cleaning import DateWindow
from winback.ingest.generic import load_mapping
from winback.ingest.records import OrderRecord, OrderTable, ParsedFile, Rejection
from winback.ingest.sources import files_in, pair_reports, parse_file
from winback.ingest.taobao_columns import NotColumnar, OrderStream
from winback.model import Platform
from winback.services import dashboard
from winback.services.stores import import_target
from winback.store import repo
from winback.store.db import import_transaction

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
    notes: tuple[str, ...] = ()
    notes_zh: tuple[str, ...] = ()
    """The notes in Chinese, for a Chinese store's team (``--json`` keeps ``notes``)."""

    def notes_in(self, language: str) -> tuple[str, ...]:
        """The notes in ``language`` (``zh`` or ``en``)."""
        return self.notes_zh if language == "zh" else self.notes

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def nothing_stored(self) -> bool:
        """Every row the file holds was rejected: the import failed and, like any failed
        import, left the database as it was (not even the store row or the import's record
        was kept)."""
        return bool(self.rows_read) and not (self.created or self.updated or self.unchanged)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected"] = self.rejected
        data["rejections"] = [asdict(rejection) for rejection in self.rejections]
        data["unmapped_columns"] = list(self.unmapped_columns)
        data["notes"] = list(self.notes)
        del data["notes_zh"]
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
    """Import a file, or every importable file of a folder, into the store it belongs to:
    ``store``, or the one store of the settings that sells on ``source`` (see
    :func:`~winback.services.stores.import_target`).

    Each file is one transaction, the store's own row included: a file that fails leaves the
    database as it was (a store named for the first time is not created). A file whose every
    row was rejected has failed too: its report comes back (``nothing_stored``) and its
    transaction is rolled back. Files holding only
    order lines (a Taobao item report) are applied after the files that create the orders,
    so a folder with both reports imports in one call.
    """
    target = import_target(app, source, store)
    window = date_window(target, app.clock.now())
    deferred: list[tuple[ParsedFile, Digest, float]] = []
    reports: list[ImportReport] = []
    # The file's SHA-256 is taken beside the import (hashlib lets go of the GIL).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="winback-sha256") as hashing:
        for file, item_report in pair_reports(_importable(path, source, mapping), source):
            started = time.perf_counter()
            digest: Digest = hashing.submit(_sha256, file).result
            parsed = _parse(
                target, file, source, mapping, item_report, progress, window, streaming=True
            )
            if parsed.kind == "item_report":
                deferred.append((parsed, digest, started))
                continue
            try:
                report = _apply(app, target, parsed, digest, started, progress)
            except NotColumnar:
                # A streamed report turned out to need the row reader part-way: what was
                # written is rolled back, and the file is read again, row by row.
                parsed = _parse(
                    target, file, source, mapping, item_report, progress, window, streaming=False
                )
                report = _apply(app, target, parsed, digest, started, progress)
            reports.append(report)
        for parsed, digest, started in deferred:
            reports.append(_apply(app, target, parsed, digest, started, progress))
    if any(not report.nothing_stored for report in reports):
        dashboard.refresh_after_change(app, target.store.name)  # the dashboard's panels
    return reports


class _RollBack(Exception):
    """Raised inside an import's transaction to undo it, carrying the report to return."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.file)
        self.report = report


def _parse(
    target: Settings,
    file: Path,
    source: Platform,
    mapping: Path | None,
    item_report: Path | None,
    progress: ImportProgress | None,
    dates: DateWindow,
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
        tz=target.store.zone,
        mapping=mapping,
        item_report=item_report,
        progress=advance,
        streaming=streaming,
        dates=dates,
        currency=target.store.currency,
    )


def _apply(
    app: App,
    target: Settings,
    parsed: ParsedFile,
    digest: Digest,
    started: float,
    progress: ImportProgress | None,
) -> ImportReport:
    store = target.store
    _check_currency(parsed, store.currency, store.name)
    streamed = any(isinstance(record, OrderStream) for record in parsed.records)
    if progress is not None:
        count = sum(_record_count(record) for record in parsed.records)
        doing = "reading and storing" if streamed else "storing"
        progress.start(f"{doing} {Path(parsed.file).name}", count)
    begun = app.clock.now()
    if parsed.rows_read and parsed.rejections and not parsed.records:
        # Every row was rejected while reading: no transaction at all, so not even a
        # PostgreSQL sequence moves (they do not roll back).
        return ImportReport(
            file=parsed.file,
            source=parsed.source.value,
            kind=parsed.kind,
            store=store.name,
            rows_read=parsed.rows_read,
            created=0,
            updated=0,
            unchanged=0,
            rejections=tuple(parsed.rejections),
            unmapped_columns=tuple(parsed.unmapped_columns),
            seconds=round(time.perf_counter() - started, 3),
        )
    try:
        return _store(app, store, parsed, digest, started, progress, begun, streamed)
    except _RollBack as undone:
        return undone.report


def _store(
    app: App,
    store: StoreSettings,
    parsed: ParsedFile,
    digest: Digest,
    started: float,
    progress: ImportProgress | None,
    begun: datetime,
    streamed: bool,
) -> ImportReport:
    with import_transaction(app.engine) as conn:
        store_id = repo.ensure_store(
            conn,
            name=store.name,
            platform=store.platform.value,
            timezone=store.timezone,
            currency=store.currency,
            now=begun,
        )
        result = repo.apply_records(
            conn,
            store_id,
            parsed.records,
            source_file=parsed.file,
            progress=progress.advance if progress is not None else None,
            now=begun,
        )
        rejections = (*parsed.rejections, *result.rejections)
        rows_read = parsed.rows_read
        if streamed:  # read while stored: the parser counted nothing
            rows_read = result.created + result.updated + result.unchanged
        delays = repo.payment_delays(conn, store_id, store.close_after)
        report = ImportReport(
            file=parsed.file,
            source=parsed.source.value,
            kind=parsed.kind,
            store=store.name,
            rows_read=rows_read,
            created=sum(counts.created for counts in result.kinds.values()),
            updated=sum(counts.updated for counts in result.kinds.values()),
            unchanged=sum(counts.unchanged for counts in result.kinds.values()),
            rejections=tuple(rejections),
            unmapped_columns=tuple(parsed.unmapped_columns),
            seconds=round(time.perf_counter() - started, 3),
            records_by_kind={kind: asdict(counts) for kind, counts in result.kinds.items()},
            notes=tuple(deadline_notes(delays, store.close_after, store.unpaid_close_after, "en")),
            notes_zh=tuple(
                deadline_notes(delays, store.close_after, store.unpaid_close_after, "zh")
            ),
        )
        if report.nothing_stored:
            raise _RollBack(report)
        repo.record_import(
            conn,
            store_id,
            file_name=parsed.file,
            sha256=digest(),
            source=parsed.source.value,
            kind=parsed.kind,
            started_at=begun,
            finished_at=app.clock.now(),
            rows_read=report.rows_read,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            rejected=report.rejected,
        )
    return report


def _check_currency(parsed: ParsedFile, currency: str, store: str) -> None:
    """Refuse a file whose orders are in another currency than the store's."""
    for record in parsed.records:
        if isinstance(record, OrderRecord) and record.currency != currency:
            where = record.source
            raise ImportFileError(
                f"this order is in {record.currency}, store {store!r} trades in {currency}: "
                "the file was refused (import it into the store of that currency)",
                file=parsed.file,
                row=where.row if where is not None else None,
            )


def date_window(target: Settings, now: datetime) -> DateWindow:
    """The dates a file may hold: from ``imports.earliest_date`` to a little after now."""
    settings = target.imports
    latest = (now + settings.future_margin).astimezone(target.store.zone).date()
    return DateWindow(settings.earliest_date, latest + timedelta(days=1))


def _importable(path: Path, source: Platform, mapping: Path | None) -> list[Path]:
    """The files to import from ``path``; in a folder, a generic mapping's joined files
    (its ``[files.NAME]`` tables) are read with the main file, not imported on their own."""
    files = files_in(path)
    if source is not Platform.GENERIC or mapping is None or not path.is_dir():
        return files
    joined = {Path(join.path).name for join in load_mapping(mapping).files}
    return [file for file in files if file.name not in joined]


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
