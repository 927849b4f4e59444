"""What every benchmark measures, in one place: wall time, CPU time (this process and the
children it waited for) and peak memory, for a timed region; ratios against an anchor; the
machine's load (the development machine is shared, so every figure says how busy it was).

A contender is measured in a process of its own (:func:`run_child` starts it, the child wraps
its timed region in :func:`measuring` and prints the result with :func:`emit`), so that its
peak memory is its own and its imports and set-up stay outside the clock.

Peak memory is the largest resident set of the process (``VmHWM``) or of any child it waited
for (``ru_maxrss`` of ``RUSAGE_CHILDREN``), whichever is larger: not their sum. ``baseline_mb``
is the process's high-water mark when the clock started (interpreter, imports, input data).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class Usage:
    """One timed region: seconds of wall and CPU time, megabytes of peak memory."""

    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_mb: float = 0.0
    baseline_mb: float = 0.0

    @classmethod
    def of(cls, result: dict[str, Any]) -> Usage:
        return cls(**{name: float(result[name]) for name in asdict(cls())})

    def describe(self) -> str:
        return f"wall {self.wall_s:8.2f} s  CPU {self.cpu_s:8.2f} s  peak {self.peak_mb:7,.0f} MB"


def peak_rss_mb() -> float:
    """This process's resident high-water mark (``VmHWM``; ``ru_maxrss`` where there is no
    ``/proc``: after ``exec`` Linux carries the parent's mark over into that one)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def measuring() -> Iterator[Usage]:
    """Measure the ``with`` block; the yielded :class:`Usage` is filled in when it ends."""
    usage = Usage(baseline_mb=peak_rss_mb())
    cpu = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        yield usage
    finally:
        usage.wall_s = time.perf_counter() - started
        usage.cpu_s = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        usage.peak_mb = max(peak_rss_mb(), children)


def emit(usage: Usage, **extra: Any) -> None:
    """Print a child's result as the last line of its output (read by :func:`run_child`)."""
    print(json.dumps({**asdict(usage), **extra}, default=str), flush=True)


def run_child(command: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a measuring child and return the JSON object of its last output line."""
    done = subprocess.run(list(command), capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def python_child(script: str, *arguments: str) -> list[str]:
    """The command that runs ``script`` with this interpreter."""
    return [sys.executable, script, *arguments]


def ratio(anchor: Usage, ours: Usage) -> str:
    """How far ahead of the anchor ours is (> 1: faster; memory: ours as a share of it)."""
    return (
        f"anchor/ours: wall {anchor.wall_s / ours.wall_s:.2f}x, "
        f"CPU {anchor.cpu_s / max(ours.cpu_s, 1e-9):.2f}x; "
        f"peak memory ours/anchor {ours.peak_mb / max(anchor.peak_mb, 1e-9):.2f}x"
    )


def machine_load() -> str:
    """The load averages (1, 5, 15 minutes) against the number of CPUs."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
