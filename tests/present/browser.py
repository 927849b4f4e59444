"""Open a page in Debian's headless Chromium and report what a person would see.

A small Chrome DevTools Protocol client over one websocket: it loads the file, collects every
JavaScript exception, ``console.error`` and browser log error (a blocked or failed resource
load is one), reads the sections on the page and takes a full-page screenshot. Chromium runs
with a fresh profile and its background networking off; the page is a local file.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--hide-scrollbars",
)


def chromium_or_skip() -> str:
    """The Chromium binary; skip without it, except under CI where it must be installed."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing under CI: .ci/run installs Debian's chromium package")
    pytest.skip("chromium is not installed (apt-get install chromium) — browser checks skipped")


@dataclass
class PageVisit:
    """What the browser saw: errors, the sections (key → height in px), the DOM, a PNG."""

    errors: list[str] = field(default_factory=list)
    sections: dict[str, float] = field(default_factory=dict)
    dom: str = ""
    screenshot: bytes = b""


class _Cdp:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {event} within {timeout} s")
            self.events.append(json.loads(self.socket.recv(timeout=remaining)))

    def errors(self) -> list[str]:
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                exception = details.get("exception", {})
                found.append(exception.get("description") or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append(
                    " ".join(
                        str(arg.get("value", arg.get("description"))) for arg in params["args"]
                    )
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(
                    f"{params['entry'].get('text')} {params['entry'].get('url', '')}".strip()
                )
        return found


def visit(page: Path, profile: Path, *, width: int = 1200, height: int = 900) -> PageVisit:
    """Load ``page`` in headless Chromium (profile in ``profile``) and see what it shows."""
    binary = chromium_or_skip()
    command = [
        binary,
        *FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = _devtools_port(profile, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            targets = json.load(answer)
        target = next(t for t in targets if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            return _inspect(_Cdp(socket), page)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with status {process.returncode}")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        time.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port within 60 s")


def _inspect(cdp: _Cdp, page: Path) -> PageVisit:
    for domain in ("Runtime", "Log", "Page"):
        cdp.call(f"{domain}.enable")
    cdp.call("Page.navigate", url=page.resolve().as_uri())
    cdp.wait_for("Page.loadEventFired")
    sections = cdp.call(
        "Runtime.evaluate",
        expression=(
            "JSON.stringify(Object.fromEntries([...document.querySelectorAll('section[data-section]')]"
            ".map(s => [s.dataset.section, s.getBoundingClientRect().height])))"
        ),
        returnByValue=True,
    )
    dom = cdp.call(
        "Runtime.evaluate", expression="document.documentElement.outerHTML", returnByValue=True
    )
    size = cdp.call("Page.getLayoutMetrics")["cssContentSize"]
    shot = cdp.call(
        "Page.captureScreenshot",
        format="png",
        captureBeyondViewport=True,
        clip={
            "x": 0,
            "y": 0,
            "width": size["width"],
            "height": min(size["height"], 16000),
            "scale": 1,
        },
    )
    return PageVisit(
        errors=cdp.errors(),
        sections=json.loads(sections["result"]["value"]),
        dom=dom["result"]["value"],
        screenshot=base64.b64decode(shot["data"]),
    )
