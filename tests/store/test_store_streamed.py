"""A large order report streamed into an empty store by a helper process stores exactly what
the one-process readers store; a problem found part-way rolls back and the file is read row
by row; a helper that fails stops the import and leaves nothing behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from store_factories import apply, new_store
from test_store_order_table import HEADER, SHANGHAI, contents

from winback import services
from winback.app import App
from winback.config import load_settings
from winback.ingest import taobao, taobao_columns
from winback.ingest.records import OrderRecord
from winback.ingest.taobao_columns import OrderStream
from winback.model import Platform
from winback.store import repo
from winback.store._bulk import Bulk
from winback.store.schema import customers, orders


@pytest.fixture(autouse=True)
def small_streams(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stream files of 500 rows in chunks of about 60 (a test cannot afford 100,000)."""
    monkeypatch.setattr(taobao, "STREAM_MIN_ROWS", 500)
    monkeypatch.setattr(taobao_columns, "STREAM_BLOCK", 8 << 10)
    real = taobao_columns.order_stream

    def small_blocks(*args: Any, **kwargs: Any) -> OrderStream:
        stream = real(*args, **kwargs)
        return OrderStream(**{**stream.__dict__, "block_size": 8 << 10})

    monkeypatch.setattr(taobao, "order_stream", small_blocks)
    yield


def buyers_report(tmp_path: Path, count: int, *, bad_row: int | None = None) -> Path:
    """Orders of 40 buyers, each seen again and again with a new (unmasked) phone, so later
    chunks change customers that earlier chunks created."""
    rows = []
    for n in range(1, count + 1):
        paid = f"{n}.00" if n % 3 else "0.00"
        status = "交易成功" if n % 3 else "等待买家付款"
        paid_at = f"2026-01-0{n % 9 + 1} 10:{n % 60:02d}:00" if n % 3 else ""
        created = f"2026-01-0{n % 9 + 1} 09:{n % 60:02d}:00"
        if n == bad_row:
            created = "not a time"
        rows.append(
            f'="{10**12 + n}",tb_{n % 40},{n}.00,{paid},{status},张三,'
            f"浙江省 杭州市 西湖区 文三路{n}号,1380000{n % 10000:04d},"
            f"{created},{paid_at},订单未关闭"
        )
    path = tmp_path / "ExportOrderList.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("gb18030"))
    return path


def streamed(path: Path) -> OrderStream:
    parsed = taobao.parse(path, tz=SHANGHAI, columnar=True, streaming=True)
    (stream,) = parsed.records
    assert isinstance(stream, OrderStream)
    assert len(list(stream.chunks())) > 5  # several chunks, so several messages
    return stream


def count(engine: Engine, table: Any, store: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(table).where(table.c.store_id == store)
            ).scalar_one()
        )


def test_a_streamed_import_stores_what_the_row_reader_stores(
    engine: Engine, tmp_path: Path
) -> None:
    path = buyers_report(tmp_path, 600)
    with engine.begin() as conn:
        first, second = new_store(conn, "streamed"), new_store(conn, "rows")
    result = apply(engine, first, [streamed(path)])
    assert (result.created, result.updated, result.unchanged) == (600, 0, 0)
    apply(engine, second, taobao.parse(path, tz=SHANGHAI).records)
    stored = contents(engine, first)
    assert len(stored["customers"]) == 40 and len(stored["events"]) > 600
    assert stored == contents(engine, second)
    # Same fingerprints: either reader's re-import changes nothing.
    again = apply(engine, first, taobao.parse(path, tz=SHANGHAI).records)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 600)
    again = apply(engine, second, [streamed(path)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 600)
    assert contents(engine, first) == stored == contents(engine, second)


def test_a_store_with_orders_reads_the_stream_here_chunk_by_chunk(
    engine: Engine, tmp_path: Path
) -> None:
    path = buyers_report(tmp_path, 600)
    rows = [r for r in taobao.parse(path, tz=SHANGHAI).records if isinstance(r, OrderRecord)]
    with engine.begin() as conn:
        first, second = new_store(conn, "has one"), new_store(conn, "rows")
    apply(engine, first, rows[:1])
    result = apply(engine, first, [streamed(path)])
    assert (result.created, result.unchanged) == (599, 1)
    apply(engine, second, rows)
    assert contents(engine, first) == contents(engine, second)


@pytest.fixture
def streams(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each streamed write ended: "stored", or the exception's name."""
    ended: list[str] = []
    real = repo.write_stream

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            result = real(*args, **kwargs)
        except Exception as error:
            ended.append(type(error).__name__)
            raise
        ended.append("stored")
        return result

    monkeypatch.setattr(repo, "write_stream", spy)
    return ended


def open_app(engine: Engine, tmp_path: Path) -> App:
    url = engine.url.render_as_string(hide_password=False)
    settings = load_settings(env={}, overrides={"database": {"url": url}}, cwd=tmp_path)
    return App.open(settings, cwd=tmp_path)


def test_a_bad_cell_late_in_the_file_rolls_back_and_the_row_reader_names_it(
    engine: Engine, tmp_path: Path, streams: list[str]
) -> None:
    path = buyers_report(tmp_path, 600, bad_row=590)
    app = open_app(engine, tmp_path)
    try:
        (report,) = services.import_path(app, path, source=Platform.TAOBAO)
    finally:
        app.close()
    assert streams == ["NotColumnar"]  # the stream started, then gave the file up
    assert report.created == 599 and report.rows_read == 600
    (rejection,) = report.rejections
    assert rejection.row == 591 and "not a time" in rejection.reason  # the header is row 1
    with engine.connect() as conn:
        store = conn.execute(select(orders.c.store_id).limit(1)).scalar_one()
    assert count(engine, orders, store) == 599


def test_the_service_streams_a_large_report_and_reports_its_rows(
    engine: Engine, tmp_path: Path, streams: list[str]
) -> None:
    path = buyers_report(tmp_path, 600)
    app = open_app(engine, tmp_path)
    try:
        (report,) = services.import_path(app, path, source=Platform.TAOBAO)
        (again,) = services.import_path(app, path, source=Platform.TAOBAO)
    finally:
        app.close()
    assert streams == ["stored"]  # the second import found a store with data
    assert (report.rows_read, report.created, report.rejected) == (600, 600, 0)
    assert (again.rows_read, again.created, again.unchanged) == (600, 0, 600)


def test_a_helper_that_fails_stops_the_import_and_leaves_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    path = buyers_report(tmp_path, 600)
    stream = streamed(path)
    path.unlink()  # the helper cannot open it
    with engine.begin() as conn:
        store = new_store(conn)
    with pytest.raises(RuntimeError, match="failed") as failure:
        apply(engine, store, [stream])
    assert "FileNotFoundError" in str(failure.value) or "No such file" in str(failure.value)
    assert count(engine, orders, store) == 0 and count(engine, customers, store) == 0


def test_a_writer_that_fails_before_sending_the_job_ends_the_helper_quietly(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    stream = streamed(buyers_report(tmp_path, 600))
    with engine.begin() as conn:
        store = new_store(conn)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("no ids today")

    monkeypatch.setattr(Bulk, "allocate_ids", broken)
    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="no ids today"):
        apply(engine, store, [stream])
    assert time.perf_counter() - started < 10  # the helper was not left waiting
    assert "Traceback" not in capfd.readouterr().err
    assert count(engine, orders, store) == 0


@pytest.mark.parametrize("ids", [range(7, 9), [7, 11]], ids=["contiguous", "with gaps"])
def test_a_chunk_reaches_the_writer_as_the_helper_made_it(ids: Any) -> None:
    """Chunks travel as marshal bytes: rows of text, integers, booleans and None, and the
    order ids whether they are a range (SQLite, a sequence without gaps) or a list."""
    import marshal

    from winback.store._streamed import _Chunk

    chunk = _Chunk(
        [(1, 1, "taobao", "tb_1", "张三", None, None, False, None, True, "addr", False, None, 5)],
        [("李四", "北京", "138", False, None, False, None, True, None, 3, 9)],
        [(7, 1, 1, "taobao", "2100", "paid", 5, None, 120, -3), (8, 1, None, "x", "", "closed")],
        ids,
    )
    kind, payload = marshal.loads(chunk.dumps())
    back = _Chunk.of(payload)
    assert kind == "chunk"
    assert back == chunk
    assert type(back.order_ids) is type(ids)
    assert [type(v) for v in back.new_customers[0]] == [type(v) for v in chunk.new_customers[0]]
