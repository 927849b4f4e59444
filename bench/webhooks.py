"""Webhook intake: signed Shopify events per second through the real endpoint of
``winback serve`` into SQLite and PostgreSQL, against a no-op FastAPI endpoint served the
same way in the same run.

    python bench/webhooks.py [--seconds 10] [--concurrency 16] [--postgres URL]

Ours: ``winback serve`` (uvicorn, one worker, the background applier running) takes
``POST /webhooks/bench/shopify``: the HMAC check, the JSON parse, the inbox insert with its
unique key, the answer. The anchor: a FastAPI app whose one route reads the body and answers
``{"ok": true}``, under the same uvicorn in its own process. The client sends the same
signed ``orders/*`` deliveries (each a unique event id) to both, on loopback, with
``--concurrency`` keep-alive connections, and reports events per second and the p50/p99
latency, and the CPU each event cost the server process (and ``winback serve``'s worker
process, which applies the inbox meanwhile; PostgreSQL's own CPU is not counted): on a
machine other work loads, the CPU per event moves less than the rates do. The client is
``wrk`` (Debian's ``wrk``, a C load generator, so the client is not what is
measured) when installed, else httpx (``--client httpx``; slower, it caps the anchor). Each
backend gets a fresh database (SQLite file, PostgreSQL schema). The goal (issue 13) is ours
≥ 0.35 × the anchor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from winback.store import repo
from winback.store.db import connect, migrate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
from shopify_stream import order_stream

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SECRET = "shpss_bench_0123456789abcdef"
NOOP = """
from fastapi import FastAPI, Request

def noop_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/webhooks/bench/shopify")
    async def take(request: Request) -> dict[str, bool]:
        await request.body()
        return {"ok": True}

    return app
"""


WRK_SCRIPT = r"""
local data = {}
local counter = 0
local n = 0
local threads = 1

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  threads = tonumber(args[2])
  for line in io.lines(args[1]) do
    local sig, event, topic, body = line:match("^([^	]*)	([^	]*)	([^	]*)	(.*)$")
    table.insert(data, {sig, event, topic, body})
  end
  n = id
end

function request()
  local item = data[(n % #data) + 1]
  n = n + threads
  wrk.headers["X-Shopify-Hmac-Sha256"] = item[1]
  wrk.headers["X-Shopify-Event-Id"] = item[2]
  wrk.headers["X-Shopify-Topic"] = item[3]
  wrk.headers["X-Shopify-Shop-Domain"] = "bench.myshopify.com"
  wrk.headers["Content-Type"] = "application/json"
  return wrk.format("POST", nil, nil, item[4])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, '
    .. '"errors": %d, "non2xx": %d}' .. string.char(10),
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def wrk_fire(
    url: str,
    folder: Path,
    batch: list[tuple[bytes, dict[str, str]]],
    seconds: int,
    concurrency: int,
) -> dict[str, Any]:
    """``wrk`` posting the deliveries (each thread takes every other one, in turn)."""
    data = folder / "deliveries.tsv"
    if not data.exists():
        with data.open("w", encoding="utf-8") as out:
            for body, headers in batch:
                out.write(
                    f"{headers['X-Shopify-Hmac-Sha256']}\t{headers['X-Shopify-Event-Id']}\t"
                    f"{headers['X-Shopify-Topic']}\t{body.decode()}\n"
                )
    script = folder / "deliveries.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    threads = 2
    answer = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s",
         str(script), url, "--", str(data), str(threads)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    line = next(x for x in answer.stdout.splitlines() if x.startswith("JSON "))
    found = json.loads(line[5:])
    return {
        "events": found["requests"],
        "seconds": found["seconds"],
        "per_second": found["requests"] / found["seconds"],
        "p50_ms": found["p50_ms"],
        "p99_ms": found["p99_ms"],
        "statuses": {"errors": found["errors"], "non-2xx": found["non2xx"]},
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (``winback serve``'s worker that applies the inbox)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    return [int(c) for t in tasks for c in (t / "children").read_text().split()]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def deliveries(count: int) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` signed deliveries with unique event ids (orders' lives, in order)."""
    found: list[tuple[bytes, dict[str, str]]] = []
    orders = max(1, count // 7 + 1)
    for n, delivery in enumerate(order_stream(orders)):
        if n == count:
            break
        headers = delivery.headers(SECRET)
        headers["X-Shopify-Event-Id"] = f"bench-{n}"
        found.append((delivery.body, headers))
    return found


def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300  # a loaded machine starts slowly
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=1)
            return
        except httpx.TransportError:
            if proc.poll() is not None:
                raise RuntimeError(proc.communicate()[1].decode()) from None
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


async def fire(
    url: str, batch: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for item in batch:
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                body, headers = queue.get_nowait()
                started = time.perf_counter()
                try:
                    answer = await client.post(url, content=body, headers=headers)
                except httpx.TransportError:  # a keep-alive connection closed under us
                    statuses[0] = statuses.get(0, 0) + 1  # counted, then sent again
                    answer = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - started)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "events": len(batch),
        "seconds": elapsed,
        "per_second": len(batch) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "statuses": statuses,
    }


def serve_winback(database: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "winback.toml").write_text(
        '[store]\nname = "bench"\nplatform = "shopify"\ntimezone = "UTC"\ncurrency = "USD"\n'
        '[web.shopify]\nwebhook_secret_env = "BENCH_SHOPIFY_SECRET"\n',
        encoding="utf-8",
    )
    engine = connect(database)
    migrate(engine)
    with engine.begin() as conn:
        repo.ensure_store(conn, name="bench", platform="shopify", timezone="UTC", currency="USD")
    engine.dispose()
    winback = shutil.which("winback", path=str(Path(sys.executable).parent)) or "winback"
    port = free_port()
    proc = subprocess.Popen(
        [winback, "--database", database, "serve", "--port", str(port)],
        cwd=folder,
        env={**os.environ, "BENCH_SHOPIFY_SECRET": SECRET},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return proc, f"http://127.0.0.1:{port}"


def serve_noop(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    (folder / "noop_endpoint.py").write_text(NOOP, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "noop_endpoint:noop_app",
         "--app-dir", str(folder), "--port", str(port), "--log-level", "warning",
         "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    return proc, f"http://127.0.0.1:{port}"


def measure(
    start: Any,
    path_health: bool,
    batch: list[tuple[bytes, dict[str, str]]],
    args: argparse.Namespace,
    folder: Path,
) -> dict[str, Any]:
    concurrency = args.concurrency
    proc, base = start()
    try:
        if path_health:
            wait_up(base, proc)
        else:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.post(f"{base}/webhooks/bench/shopify", content=b"{}", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the no-op server did not start") from None
                    time.sleep(0.1)
        url = f"{base}/webhooks/bench/shopify"
        asyncio.run(fire(url, batch[:200], concurrency))  # warm up (and stored: not re-sent)
        helpers = children(proc.pid)
        web, others = cpu_seconds(proc.pid), sum(cpu_seconds(c) for c in helpers)
        if args.client == "wrk":
            found = wrk_fire(url, folder, batch[200:], args.seconds, concurrency)
        else:
            found = asyncio.run(fire(url, batch[200 : 200 + args.events], concurrency))
        events = max(1, found["events"])
        found["server_cpu_us"] = (cpu_seconds(proc.pid) - web) / events * 1e6
        found["worker_cpu_us"] = (sum(cpu_seconds(c) for c in helpers) - others) / events * 1e6
        return found
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def pg_database(url: str) -> tuple[str, Any]:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"wb_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    database = f"{url}{separator}options={quote(f'-csearch_path={schema}')}"

    def drop() -> None:
        for attempt in range(5):  # a stopped server's last statements may still hold locks
            try:
                with admin.connect() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
                break
            except OperationalError:
                if attempt == 4:
                    raise
                time.sleep(2)
        admin.dispose()

    return database, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=4000, help="httpx client: events sent")
    parser.add_argument("--seconds", type=int, default=10, help="wrk client: seconds per run")
    parser.add_argument(
        "--client", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    batch = deliveries(60_000 if args.client == "wrk" else args.events + 200)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results["noop"] = measure(lambda: serve_noop(folder), False, batch, args, folder)
        sqlite_url = f"sqlite:///{folder / 'bench.db'}"
        results["sqlite"] = measure(
            lambda: serve_winback(sqlite_url, folder), True, batch, args, folder
        )
        database, drop = pg_database(args.postgres)
        try:
            results["postgresql"] = measure(
                lambda: serve_winback(database, folder), True, batch, args, folder
            )
        finally:
            drop()
    for name in ("sqlite", "postgresql"):
        results[name]["ratio"] = results[name]["per_second"] / results["noop"]["per_second"]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"client: {args.client}, {args.concurrency} connections")
    print(f"{'endpoint':<12}{'events/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
          f"{'CPU µs/event':>14}{'worker':>8}  statuses")  # fmt: skip
    for name in ("noop", "sqlite", "postgresql"):
        r = results[name]
        ratio = f"{r['ratio']:.2f}x" if "ratio" in r else "1.00x"
        print(f"{name:<12}{r['per_second']:>10.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
              f"{ratio:>8}{r['server_cpu_us']:>14.0f}{r['worker_cpu_us']:>8.0f}"
              f"  {r['statuses']}")  # fmt: skip
    print(f"PostgreSQL: {make_url(args.postgres).render_as_string(hide_password=True)}")


if __name__ == "__main__":
    main()
