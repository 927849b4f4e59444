"""Dashboard page times: p50/p95 of every page (and two API reads) of ``winback serve`` on a
store, over real HTTP on loopback.

    python bench/dashboard.py [--orders 1000000] [--requests 40] [--folder DIR]

Without ``--orders`` the store is the demo store (``winback demo``: 60 days of a Taobao shop
with its recovery run, plus the Shopify store); with it, ``winback demo --orders N`` (N
orders, imported only). The panels are refreshed first (timed and reported: the work the
pages do not do), then ``winback serve`` answers ``--requests`` sequential GETs of each page
with a read token. Goal (issue 13): p95 under 300 ms on the demo store, under 1 s on a
1,000,000-order store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from winback.app import App
from winback.config import load_settings
from winback.services import tokens
from winback.services.dashboard import refresh_aggregates
from winback.services.per_store import all_stores

PAGES = ("overview", "worklist", "outbox", "outbox/suppressions", "recovery", "reasons",
         "customers", "settings")  # fmt: skip
API = ("orders", "tasks")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build(folder: Path, orders: int | None) -> float:
    winback = shutil.which("winback", path=str(Path(sys.executable).parent)) or "winback"
    started = time.perf_counter()
    command = [winback, "demo", "--dir", str(folder)]
    if orders:
        command += ["--orders", str(orders)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(folder: Path, requests: int) -> dict[str, Any]:
    app = App.open(load_settings(folder / "winback.toml", env={}), cwd=folder)
    try:
        # the demo's settings name its stores and the one commands mean by default
        store = app.settings.default_store or app.settings.store.name
        refresh: dict[str, float] = {}
        for info in all_stores(app):
            started = time.perf_counter()
            refresh_aggregates(app, info.name)
            refresh[info.name] = time.perf_counter() - started
        value = tokens.create_token(app, f"bench-{time.time_ns()}", "read").token
    finally:
        app.close()
    winback = shutil.which("winback", path=str(Path(sys.executable).parent)) or "winback"
    port = free_port()
    proc = subprocess.Popen(
        [winback, "serve", "--port", str(port)],
        cwd=folder,
        env=os.environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    times: dict[str, list[float]] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("winback serve did not start") from None
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {value}"}
        name = quote(store)
        urls = {page: f"{base}/stores/{name}/{page}" for page in PAGES}
        urls |= {f"api {part}": f"{base}/api/v1/stores/{name}/{part}" for part in API}
        with httpx.Client(headers=headers, timeout=60) as client:
            for label, url in urls.items():
                client.get(url).raise_for_status()  # warm up
                found = times.setdefault(label, [])
                for _ in range(requests):
                    started = time.perf_counter()
                    client.get(url).raise_for_status()
                    found.append(time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"store": store, "refresh": refresh, "times": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, help="build a store of this many orders")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--folder", type=Path, help="an existing demo folder (skips the build)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp) / "demo"
        if args.folder is None:
            print(f"building the store ({args.orders or 'demo'} orders) …", flush=True)
            print(f"  built in {build(folder, args.orders):.0f} s", flush=True)
        result = measure(folder, args.requests)
    for store, seconds in result["refresh"].items():
        print(f"refresh_aggregates({store}): {seconds:.1f} s")
    print(f"{'page':<22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    worst = 0.0
    for label, found in result["times"].items():
        found.sort()
        p95 = found[max(0, int(len(found) * 0.95) - 1)] * 1000
        worst = max(worst, p95)
        print(f"{label:<22}{statistics.median(found) * 1000:>9.1f}{p95:>9.1f}"
              f"{found[-1] * 1000:>9.1f}")  # fmt: skip
    print(f"worst p95: {worst:.0f} ms")


if __name__ == "__main__":
    main()
