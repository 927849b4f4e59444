"""The first import of a large order report into an empty store, on two processes.

Writing is the one part of an import that cannot be shared out: SQLite takes one writer, and
a PostgreSQL transaction is one session. Everything before it can. This process reserves the
row ids (one order and one customer per line of the file at most), then a helper process
reads the file chunk by chunk (:class:`~winback.ingest.taobao_columns.OrderStream`) and turns
each chunk into whole rows, ids included: the canonical orders with their fingerprints (the
same :func:`~winback.store._order_table.canonical_orders` conversion as an import in one
process) and the customers the chunk creates or changes (the same
:func:`~winback.store._customers.plan_customers` rule :class:`CustomerBook` applies). This
process only writes them, so reading chunk *k + 1* overlaps writing chunk *k*. The helper
runs at most one chunk ahead (the pipe blocks), so memory stays flat.

Only for a store that holds no order and no customer yet (a shop's history imported once):
then nothing needs looking up, every order and every buyer is new, and the helper alone can
tell which buyer a row introduces. A store with data imports the usual way.

When the helper finds a chunk the column reader cannot take, it says so and stops; this
raises :class:`~winback.ingest.taobao_columns.NotColumnar` and the caller rolls back and
reads the file row by row. Any other failure of the helper, or of this side, stops both.
"""

from __future__ import annotations

import gc
import marshal
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from itertools import repeat
from multiprocessing.connection import Connection
from typing import Any, Final

import pyarrow as pa

from winback.ingest.taobao_columns import NotColumnar, OrderStream
from winback.store._bulk import Bulk
from winback.store._customers import (
    Info,
    Sighting,
    customer_rows,
    plan_customers,
    write_customers,
)
from winback.store._order_table import canonical_orders
from winback.store._orders import insert_orders
from winback.store.schema import customers, orders
from winback.store.types import KindCounts

_PICKLE: Final = pickle.HIGHEST_PROTOCOL
_MARSHAL: Final = 2  # no back-references: the fastest to write
_JOIN_SECONDS: Final = 10

Row = tuple[Any, ...]


@dataclass(frozen=True)
class _Job:
    """What the helper needs: the file, and the row ids reserved for what it reads (at most
    one order and one customer per row of the file)."""

    stream: OrderStream
    store_id: int
    now_us: int
    order_ids: Sequence[int]
    customer_ids: Sequence[int]


@dataclass(frozen=True)
class _Chunk:
    """One chunk ready to write: whole rows, ids included."""

    new_customers: list[Row]  # (*INSERT_COLUMNS)
    changed_customers: list[Row]  # (*INFO_COLUMNS, id)
    orders: list[Row]  # (*NEW_ORDER_COLUMNS)
    order_ids: Sequence[int]  # the ids of ``orders``, for their timelines

    def dumps(self) -> bytes:
        """The chunk as bytes. Its rows hold only what :mod:`marshal` writes (text, integers,
        booleans, None, tuples), which it writes in less than half the time pickle takes."""
        ids = self.order_ids
        bounds = (ids.start, ids.stop) if isinstance(ids, range) and ids.step == 1 else list(ids)
        return marshal.dumps(
            ("chunk", (self.new_customers, self.changed_customers, self.orders, bounds)),
            _MARSHAL,
        )

    @classmethod
    def of(cls, payload: tuple[Any, ...]) -> _Chunk:
        new_customers, changed_customers, order_rows, bounds = payload
        ids = range(*bounds) if isinstance(bounds, tuple) else bounds
        return cls(new_customers, changed_customers, order_rows, ids)


def _message(kind: str, text: str | None = None) -> bytes:
    return marshal.dumps((kind, text), _MARSHAL)


def write_stream(
    bulk: Bulk,
    store_id: int,
    stream: OrderStream,
    *,
    source_file: str,
    now_us: int,
    progress: Callable[[int], None] | None = None,
) -> KindCounts:
    """Store the orders of ``stream`` into the empty store ``store_id`` (see the module
    docstring), in the caller's transaction. Returns the orders created."""
    # A fresh interpreter: not a fork of this one and its threads, and unlike
    # multiprocessing's spawn it does not re-run the caller's main module. Started first,
    # so its imports overlap the id reservation.
    helper = subprocess.Popen(
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert helper.stdin is not None and helper.stdout is not None  # both are pipes
    receiver = Connection(os.dup(helper.stdout.fileno()))
    helper.stdout.close()
    created = 0
    try:
        most = stream.most_rows
        job = _Job(
            stream,
            store_id,
            now_us,
            bulk.allocate_ids(orders, most),
            bulk.allocate_ids(customers, most),
        )
        try:
            helper.stdin.write(pickle.dumps(job, _PICKLE))
            helper.stdin.close()
        except BrokenPipeError:
            pass  # it died at start: _receive says so
        while (chunk := _receive(receiver, helper, stream.file)) is not None:
            write_customers(bulk, chunk.new_customers, chunk.changed_customers)
            insert_orders(
                bulk, chunk.order_ids, chunk.orders, now_us=now_us, source_file=source_file
            )
            created += len(chunk.orders)
            if progress is not None:
                progress(len(chunk.orders))
    finally:
        receiver.close()
        if not helper.stdin.closed:
            with suppress(BrokenPipeError):
                helper.stdin.close()  # a helper still waiting for its job ends at once
        try:
            helper.wait(_JOIN_SECONDS)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
    return KindCounts(created, 0, 0)


def _receive(receiver: Connection, helper: subprocess.Popen[bytes], file: str) -> _Chunk | None:
    """The next chunk; None at the end. Raises what stopped the helper."""
    try:
        kind, payload = marshal.loads(receiver.recv_bytes())
    except EOFError:
        code = helper.wait(_JOIN_SECONDS)
        raise RuntimeError(
            f"the process reading {file} stopped without finishing (exit code {code})"
        ) from None
    if kind == "chunk":
        return _Chunk.of(payload)
    if kind == "done":
        return None
    if kind == "declined":
        raise NotColumnar(payload)
    raise RuntimeError(f"the process reading {file} failed:\n{payload}")


def _read(job: _Job, sender: Connection) -> None:
    """The helper process: read the file and send each chunk ready to write."""
    try:
        for chunk in _chunks(job):
            sender.send_bytes(chunk.dumps())
        sender.send_bytes(_message("done"))
    except NotColumnar as declined:
        sender.send_bytes(_message("declined", str(declined)))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the writer stopped first and says why
    except BaseException:  # every failure must reach the writer
        sender.send_bytes(_message("failed", traceback.format_exc()))
    finally:
        sender.close()


def _chunks(job: _Job) -> Iterator[_Chunk]:
    """The orders of the job's file as rows to write, chunk by chunk: the conversion of
    :func:`canonical_orders` and the customer rule of :func:`plan_customers`."""
    known: dict[str, tuple[int, Info]] = {}  # buyer key → (row id, info)
    taken_orders = taken_customers = 0
    store, now, platform = job.store_id, job.now_us, job.stream.platform.value
    for table in job.stream.chunks():
        count = len(table)
        if taken_orders + count > len(job.order_ids):
            raise NotColumnar("more orders than lines in the file")  # a lone \r ends lines
        orders = canonical_orders(table.table, platform)
        sightings: dict[str, list[Sighting]] = {}
        firsts: dict[str, Info] = {}
        for key, seen, first in zip(orders.keys, orders.buyers, orders.first_infos, strict=True):
            if key is None:
                continue
            group = sightings.get(key)
            if group is None:
                sightings[key] = [seen]
                firsts[key] = first
            else:
                group.append(seen)
        new, changed, _ = plan_customers(known, sightings, firsts)
        ids = job.customer_ids[taken_customers : taken_customers + len(new)]
        taken_customers += len(new)
        new_rows, changed_rows = customer_rows(known, store, new, changed, ids)
        order_ids = job.order_ids[taken_orders : taken_orders + count]
        taken_orders += count
        buyer_ids = [None if key is None else known[key][0] for key in orders.keys]
        order_rows = list(
            zip(
                order_ids, repeat(store, count), buyer_ids, *orders.columns,
                orders.fingerprints, repeat(now, count),
                strict=True,
            )
        )  # fmt: skip
        yield _Chunk(new_rows, changed_rows, order_rows, order_ids)


def _main() -> None:
    """The helper's entry point: the job arrives pickled on stdin, chunks leave on stdout
    (which nothing else may write to: stray output goes to stderr)."""
    # The writer is the slower side: on a busy machine it gets the CPU first, and this side
    # reads with one thread rather than compete with it.
    if hasattr(os, "nice"):
        os.nice(5)
    pa.set_cpu_count(1)
    # Millions of tuples and no reference cycles: the cycle collector would only walk them
    # again and again (a sixth of this process's time).
    gc.disable()
    try:
        job = pickle.load(sys.stdin.buffer)
    except EOFError:
        return  # the writer stopped before it sent the job, and says why
    out = os.dup(1)
    os.dup2(2, 1)
    _read(job, Connection(out))


if __name__ == "__main__":
    # Run the imported module, not this __main__ copy: the job unpickles as its classes.
    from winback.store import _streamed

    _streamed._main()
